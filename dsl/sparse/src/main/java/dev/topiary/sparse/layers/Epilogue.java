package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.sparse.exec.Activations;
import dev.topiary.sparse.exec.Exec;
import org.jspecify.annotations.Nullable;

/**
 * What follows a product per output channel, {@code activation(y * scale + shift)}: the layer's bias
 * ({@code shift}), a batch normalization folded into it ({@code scale} and {@code shift}: where
 * SparseModel folds it) and the activation. LINEAR, RELU and RELU6 run in the same pass as the bias (a clamp);
 * other activations in a pass of their own after it.
 */
public record Epilogue(float @Nullable [] scale, float @Nullable [] shift, Activation activation) {

  /** A layer's own bias (or null) and activation. */
  public static Epilogue of(float @Nullable [] bias, Activation activation) {
    return new Epilogue(null, bias, activation);
  }

  /** Whether the activation is a clamp, applied in the same pass as scale and shift. */
  public boolean clamps() {
    return isClamp(activation);
  }

  static boolean isClamp(Activation a) {
    return a == Activation.LINEAR || a == Activation.RELU || a == Activation.RELU6;
  }

  /** The lower bound of the clamp: 0 for ReLU / ReLU6, else minus infinity. */
  public float lo() {
    return activation == Activation.RELU || activation == Activation.RELU6 ? 0f : Float.NEGATIVE_INFINITY;
  }

  /** The upper bound of the clamp: 6 for ReLU6, else infinity. */
  public float hi() {
    return activation == Activation.RELU6 ? 6f : Float.POSITIVE_INFINITY;
  }

  /** Applies this to {@code y}, {@code rows} rows of {@code n} channels, in place. */
  public void apply(float[] y, int rows, int n, Exec exec) {
    // One pass for scale, shift and a clamp (unbounded for other activations, which take a pass of their own).
    if (scale != null || shift != null || activation == Activation.RELU || activation == Activation.RELU6) {
      float[] t = shift != null ? shift : new float[n];
      exec.forRows(rows, n, (from, to) -> exec.kernels().scaleShiftClamp(y, n, scale, t, lo(), hi(), from, to));
    }
    if (!clamps()) {
      Activations.apply(activation, y, rows * n, n);
    }
  }
}
