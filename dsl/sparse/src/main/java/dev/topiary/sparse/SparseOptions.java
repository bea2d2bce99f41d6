package dev.topiary.sparse;

import dev.topiary.sparse.kernel.KernelPath;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How a {@link SparseModel} is built and run (immutable; each setter returns a copy):
 * {@code SparseOptions.defaults().threads(2).format("dense_1", Format.BLOCK_1X4).calibrate(false)}.
 *
 * <ul>
 *   <li>{@code threads}: products split by output rows over this many threads (default 1): the calling
 *       thread and {@code threads - 1} workers, which spin for 0.2 ms after each product for the next one
 *       (that is what makes a second thread pay at batch 1) and then sleep; more threads than free cores
 *       slow a model down;
 *   <li>{@code format(name, f)}: the format of a layer's kernels ({@code "lstm"}) or of one weight by
 *       variable name ({@code "lstm_recurrent_kernel"}), instead of the automatic choice;
 *   <li>{@code calibrate}: time the candidate formats of each kernel on this machine and keep the fastest
 *       (default); off, a rule of thumb on the sparsity pattern chooses;
 *   <li>{@code calibrationBatches}: the batch sizes timed (default 1 and 32: each format scored by its
 *       geometric mean time ratio to dense over them);
 *   <li>{@code int8}: let int8 CSR compete (lossy, off by default);
 *   <li>{@code kernels}: Vector API, plain Java or automatic;
 *   <li>{@code channelMajor}: run chains of 1x1 and depthwise convolutions on channel-major planes where
 *       the activations have at least {@code minPixels} pixels (default on from 196 pixels, 14 x 14; see
 *       {@link dev.topiary.sparse.layers.Planes}); off, every layer runs channels-last.
 * </ul>
 */
public final class SparseOptions {
  private final int threads;
  private final boolean calibrate;
  private final int[] calibrationBatches;
  private final boolean int8;
  private final KernelPath kernels;
  private final Map<String, Format> formats;
  /** Pixels from which a 1x1 or depthwise convolution runs on planes; 0: never. */
  private final int planePixels;

  private SparseOptions(int threads, boolean calibrate, int[] calibrationBatches, boolean int8, KernelPath kernels,
      Map<String, Format> formats, int planePixels) {
    this.planePixels = planePixels;
    this.threads = threads;
    this.calibrate = calibrate;
    this.calibrationBatches = calibrationBatches;
    this.int8 = int8;
    this.kernels = kernels;
    this.formats = Map.copyOf(formats);
  }

  public static SparseOptions defaults() {
    return new SparseOptions(1, true, new int[] {1, 32}, false, KernelPath.AUTO, Map.of(), DEFAULT_PLANE_PIXELS);
  }

  public SparseOptions threads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1, got " + threads);
    }
    return new SparseOptions(threads, calibrate, calibrationBatches, int8, kernels, formats, planePixels);
  }

  public SparseOptions calibrate(boolean calibrate) {
    return new SparseOptions(threads, calibrate, calibrationBatches, int8, kernels, formats, planePixels);
  }

  public SparseOptions calibrationBatches(int... batches) {
    if (batches.length == 0) {
      throw new IllegalArgumentException("calibration needs at least one batch size");
    }
    for (int b : batches) {
      if (b < 1) {
        throw new IllegalArgumentException("calibration batch sizes must be >= 1, got " + b);
      }
    }
    return new SparseOptions(threads, calibrate, batches.clone(), int8, kernels, formats, planePixels);
  }

  public SparseOptions int8(boolean int8) {
    return new SparseOptions(threads, calibrate, calibrationBatches, int8, kernels, formats, planePixels);
  }

  public SparseOptions kernels(KernelPath kernels) {
    return new SparseOptions(threads, calibrate, calibrationBatches, int8, Objects.requireNonNull(kernels), formats, planePixels);
  }

  /** Fixes the format of a layer's kernels (by layer name) or of one weight (by variable name). */
  public SparseOptions format(String layerOrWeight, Format format) {
    Map<String, Format> next = new LinkedHashMap<>(formats);
    next.put(Objects.requireNonNull(layerOrWeight), Objects.requireNonNull(format));
    return new SparseOptions(threads, calibrate, calibrationBatches, int8, kernels, next, planePixels);
  }

  /**
   * Pixels from which convolutions run channel-major by default: 14 x 14. Measured interleaved on
   * MobileNetV2 at 87.5 % (224 x 224, batch 1, 2026-12-07, AVX2 under load): from 1 pixel 18.3-18.5 ms, from
   * 196 18.0-20.0, from 784 27.6, from 3136 28.5, never 32.0 (medians); DS-CNN (25 x 5 pixels, 64 channels)
   * ran 0.42 ms on planes and 0.27 ms channels-last at batch 1, 22.3 and 12.9 ms at batch 32: on small
   * planes the channels-last kernels, with channels along the vector lanes, do better.
   */
  static final int DEFAULT_PLANE_PIXELS = 196;

  /** Channel-major chains on (from {@value #DEFAULT_PLANE_PIXELS} pixel) or off. */
  public SparseOptions channelMajor(boolean on) {
    return channelMajorFrom(on ? DEFAULT_PLANE_PIXELS : 0);
  }

  /**
   * Channel-major chains where a 1x1 or depthwise convolution's input has at least {@code minPixels}
   * pixels ({@code 0}: off).
   */
  public SparseOptions channelMajorFrom(int minPixels) {
    if (minPixels < 0) {
      throw new IllegalArgumentException("channel-major minimum pixels must be >= 0, got " + minPixels);
    }
    return new SparseOptions(threads, calibrate, calibrationBatches, int8, kernels, formats, minPixels);
  }

  /** Pixels from which convolutions run on channel-major planes; 0 if off. */
  public int channelMajorPixels() {
    return planePixels;
  }

  public int threads() {
    return threads;
  }

  public boolean calibrates() {
    return calibrate;
  }

  public int[] calibrationBatches() {
    return calibrationBatches.clone();
  }

  public boolean int8() {
    return int8;
  }

  public KernelPath kernels() {
    return kernels;
  }

  /** The overrides, by layer or variable name. */
  public Map<String, Format> formats() {
    return formats;
  }

  /** The override for a weight: by its variable name first, then by its layer's name; null if none. */
  @Nullable Format formatFor(String variable, String layer) {
    Format f = formats.get(variable);
    return f != null ? f : formats.get(layer);
  }

  @Override
  public String toString() {
    return "SparseOptions[threads=" + threads + ", calibrate=" + calibrate + ", batches="
        + java.util.Arrays.toString(calibrationBatches) + ", int8=" + int8 + ", kernels=" + kernels + ", formats="
        + formats + ", channelMajorFrom=" + planePixels + "]";
  }
}
