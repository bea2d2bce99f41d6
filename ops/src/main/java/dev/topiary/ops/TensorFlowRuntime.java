package dev.topiary.ops;

import org.tensorflow.TensorFlow;

/**
 * The TensorFlow runtime check: Topiary follows TF Model Optimization's compatibility rule and
 * supports TensorFlow 1.14 and newer (TF Java 1.1 ships 2.18). An older native runtime on the class
 * path is refused at first use with the version found.
 */
public final class TensorFlowRuntime {
  /** Oldest supported runtime: major, minor. */
  public static final int[] MINIMUM = {1, 14};

  private static volatile boolean checked;

  private TensorFlowRuntime() {}

  /**
   * Checks the loaded runtime once per process.
   *
   * @throws UnsupportedRuntimeException if it is older than 1.14
   */
  public static void requireSupported() {
    if (!checked) {
      requireSupported(TensorFlow.version());
      checked = true;
    }
  }

  /** Checks a version string such as {@code 2.18.0} or {@code 1.13.2-rc1}. */
  public static void requireSupported(String version) {
    String[] parts = version.split("[.\\-]");
    int major;
    int minor;
    try {
      major = Integer.parseInt(parts[0]);
      minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
    } catch (NumberFormatException e) {
      throw new UnsupportedRuntimeException("cannot read the TensorFlow runtime version '" + version
          + "'; Topiary needs TensorFlow 1.14 or newer");
    }
    if (major < MINIMUM[0] || (major == MINIMUM[0] && minor < MINIMUM[1])) {
      throw new UnsupportedRuntimeException("TensorFlow runtime " + version + " found; Topiary needs TensorFlow 1.14"
          + " or newer (TF Model Optimization's rule). Use org.tensorflow:tensorflow-core-native 1.1.0 or newer.");
    }
  }

  /** The runtime on the class path is too old (or unreadable). */
  public static final class UnsupportedRuntimeException extends IllegalStateException {
    public UnsupportedRuntimeException(String message) {
      super(message);
    }
  }
}
