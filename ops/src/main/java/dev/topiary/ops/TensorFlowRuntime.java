package dev.topiary.ops;

import com.sun.jna.Function;
import com.sun.jna.Platform;
import java.util.Locale;
import org.bytedeco.javacpp.Loader;
import org.tensorflow.TensorFlow;

/**
 * Where Topiary first touches TensorFlow: the runtime check and TF's oneDNN kernels.
 *
 * <p><b>Version.</b> Topiary follows TF Model Optimization's compatibility rule and supports
 * TensorFlow 1.14 and newer (TF Java 1.1 ships 2.18). An older native runtime on the class path is
 * refused at first use with the version found.
 *
 * <p><b>oneDNN.</b> TF's oneDNN kernels (fused convolutions, matmuls, batch norm) train the tutorial
 * CNN in about 0.4 of the CPU time per step on an AVX2 CPU, and no layer type measured slower
 * (docs/results/speed.md), but TF leaves them off unless the CPU has AVX-512 VNNI or AMX (an AVX2
 * laptop, an AMD Zen 3 server). TF reads {@code TF_ENABLE_ONEDNN_OPTS} once, while
 * its native library loads, from the C environment, which Java cannot change; so before anything
 * loads TF, this class sets the variable in the process's own environment (libc {@code setenv}
 * through JNA). What it does, in order:
 * <ol>
 *   <li>{@code TF_ENABLE_ONEDNN_OPTS} already in the environment: left as the user set it.
 *   <li>{@code -Dtopiary.onednn=false} (or {@code true}): sets {@code 0} (or {@code 1}).
 *   <li>Otherwise, on x86-64, sets {@code 1}: measured there correct and faster
 *       (docs/results/speed.md). On other CPUs TF's own default stands (TF's macOS arm64 build has
 *       no oneDNN; its Linux arm64 one was not measured).
 * </ol>
 * It takes effect only if Topiary loads TF: code that touches TF first (a {@code new Graph()} before
 * any Topiary call, as when using the ops module alone) should call {@link #requireSupported()}
 * first, or set the variable in its launcher. {@link #onednn()} says what happened.
 */
public final class TensorFlowRuntime {
  /** Oldest supported runtime: major, minor. */
  public static final int[] MINIMUM = {1, 14};

  /** The environment variable TF reads when its native library loads. */
  public static final String ONEDNN_VARIABLE = "TF_ENABLE_ONEDNN_OPTS";

  /** The system property that turns Topiary's oneDNN default off ({@code false}) or on ({@code true}). */
  public static final String ONEDNN_PROPERTY = "topiary.onednn";

  private static volatile boolean checked;
  /** Whether the oneDNN switch was set (guarded by the class lock). */
  private static boolean decided;
  /** Whether {@link #preload()} started its thread (written under the class lock). */
  private static volatile boolean preloading;
  private static volatile String onednn = "not decided: TensorFlow not loaded through Topiary yet";

  private TensorFlowRuntime() {}

  /**
   * Sets TF's oneDNN switch (see the class comment), then loads TF and checks its version, once per
   * process. Every Topiary path calls this before its first TF object.
   *
   * @throws UnsupportedRuntimeException if it is older than 1.14
   */
  public static void requireSupported() {
    if (!checked) {
      synchronized (TensorFlowRuntime.class) {
        if (!checked) {
          decideOnednn();
          requireSupported(TensorFlow.version());
          checked = true;
        }
      }
    }
  }

  /**
   * Starts {@link #requireSupported()} on a background thread and returns at once. Loading TF's native
   * library takes 0.3-0.7 s on a 2-core machine, which a program can spend on work that needs no TF,
   * such as reading a model file: {@code KerasModels.load} does so, and a program that reads a file
   * and compiles it later can call this first. The thread also sets the oneDNN switch first (JNA's own
   * start-up, 0.1 s cold) and initializes TF Java's session-option classes (0.1 s cold). A failure is
   * reported by the next {@link #requireSupported()}, which every Topiary path calls before touching TF.
   */
  public static void preload() {
    if (checked || preloading) {
      return; // a second call must not wait on the class lock, which the loading thread holds
    }
    synchronized (TensorFlowRuntime.class) {
      if (checked || preloading) {
        return;
      }
      preloading = true;
    }
    Thread loader = new Thread(() -> {
      try {
        requireSupported();
        org.tensorflow.proto.ConfigProto.getDefaultInstance();
      } catch (RuntimeException | LinkageError e) {
        // Left to the caller's own requireSupported(), which fails the same way and names it.
      }
    }, "topiary-tensorflow-preload");
    loader.setDaemon(true);
    loader.start();
  }

  /**
   * Sets TF's oneDNN switch once per process: a second choice, after a load that failed its version
   * check, would find TF loaded and report it loaded "before Topiary".
   */
  private static void decideOnednn() {
    if (!decided) {
      onednn = chooseOnednn();
      decided = true;
    }
  }

  /**
   * What Topiary did about TF's oneDNN kernels, e.g. {@code "on: Topiary's default on x86-64"}, {@code
   * "off: -Dtopiary.onednn=false"}, {@code "TF_ENABLE_ONEDNN_OPTS=0 from the environment"}, or why
   * it could not act.
   */
  public static String onednn() {
    return onednn;
  }

  private static String chooseOnednn() {
    String fromEnvironment = System.getenv(ONEDNN_VARIABLE);
    if (fromEnvironment != null) {
      return ONEDNN_VARIABLE + "=" + fromEnvironment + " from the environment";
    }
    String property = System.getProperty(ONEDNN_PROPERTY);
    String value;
    String why;
    if (property != null) {
      String p = property.trim().toLowerCase(Locale.ROOT);
      if (!p.equals("true") && !p.equals("false")) {
        throw new IllegalArgumentException("-D" + ONEDNN_PROPERTY + "=" + property
            + " is neither true nor false");
      }
      value = p.equals("true") ? "1" : "0";
      why = (p.equals("true") ? "on" : "off") + ": -D" + ONEDNN_PROPERTY + "=" + p;
    } else {
      String arch = System.getProperty("os.arch", "");
      if (!arch.equals("amd64") && !arch.equals("x86_64")) {
        return "TensorFlow's default: Topiary sets nothing on " + arch;
      }
      value = "1";
      why = "on: Topiary's default on x86-64";
    }
    // The JNI library TF Java loads first; once it is in, TF has read the variable already.
    if (Loader.getLoadedLibraries().containsKey("jnitensorflow")) {
      return "TensorFlow's default: TensorFlow was loaded before Topiary (wanted " + why + ")";
    }
    try {
      int rc = Platform.isWindows()
          // TF's Windows build uses the universal CRT, whose environment getenv reads.
          ? Function.getFunction("ucrtbase", "_putenv_s").invokeInt(new Object[] {ONEDNN_VARIABLE, value})
          : Function.getFunction(Platform.C_LIBRARY_NAME, "setenv").invokeInt(new Object[] {ONEDNN_VARIABLE, value, 1});
      return rc == 0 ? why : "TensorFlow's default: setting " + ONEDNN_VARIABLE + " failed (" + rc + ")";
    } catch (LinkageError | RuntimeException e) {
      // No JNA on the class path, or no native stub for this platform: TF's default, as without Topiary.
      return "TensorFlow's default: cannot set " + ONEDNN_VARIABLE + " here (" + e + ")";
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
