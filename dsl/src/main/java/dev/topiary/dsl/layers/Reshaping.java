package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Shape layers without weights, each a Keras class: Permute, RepeatVector, Cropping1D/2D,
 * ZeroPadding1D, UpSampling1D/2D (nearest), MaxPooling1D/AveragePooling1D, GlobalMaxPooling2D.
 */
public final class Reshaping extends BaseLayer<Reshaping> {
  private final String type;
  private final long[] args;

  private Reshaping(@Nullable String name, String type, long... args) {
    super(name, null);
    for (long a : args) {
      if (a < 0) {
        throw new IllegalArgumentException(type + " arguments must be >= 0, got " + Arrays.toString(args));
      }
    }
    this.type = type;
    this.args = args.clone();
  }

  /** Permutes the non-batch axes; {@code dims} are 1-based as in Keras, e.g. (2, 1). */
  public static Reshaping permute(int... dims) {
    long[] d = Arrays.stream(dims).asLongStream().toArray();
    long[] sorted = d.clone();
    Arrays.sort(sorted);
    for (int i = 0; i < sorted.length; i++) {
      if (sorted[i] != i + 1) {
        throw new IllegalArgumentException("Permute dims must be a permutation of 1.." + dims.length + ", got "
            + Arrays.toString(dims));
      }
    }
    return new Reshaping(null, "Permute", d);
  }

  /** (batch, features) -> (batch, n, features). */
  public static Reshaping repeatVector(int n) {
    return new Reshaping(null, "RepeatVector", n);
  }

  public static Reshaping cropping1d(int start, int end) {
    return new Reshaping(null, "Cropping1D", start, end);
  }

  public static Reshaping cropping2d(int top, int bottom, int left, int right) {
    return new Reshaping(null, "Cropping2D", top, bottom, left, right);
  }

  public static Reshaping zeroPadding1d(int start, int end) {
    return new Reshaping(null, "ZeroPadding1D", start, end);
  }

  public static Reshaping upSampling1d(int size) {
    return new Reshaping(null, "UpSampling1D", size);
  }

  public static Reshaping upSampling2d(int rows, int cols) {
    return new Reshaping(null, "UpSampling2D", rows, cols);
  }

  /** Max pooling over steps, window = stride = {@code size}, valid padding. */
  public static Reshaping maxPooling1d(int size) {
    return new Reshaping(null, "MaxPooling1D", size);
  }

  public static Reshaping averagePooling1d(int size) {
    return new Reshaping(null, "AveragePooling1D", size);
  }

  public static Reshaping globalMaxPooling2d() {
    return new Reshaping(null, "GlobalMaxPooling2D");
  }

  @Override
  protected Reshaping copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Reshaping(name, type, args);
  }

  @Override
  public String typeName() {
    return type;
  }

  private int rank() {
    return switch (type) {
      case "RepeatVector", "GlobalMaxPooling2D", "Cropping2D", "UpSampling2D" -> type.equals("RepeatVector") ? 2 : 4;
      case "Permute" -> args.length + 1;
      default -> 3;
    };
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    String expected = switch (rank()) {
      case 2 -> "(batch, features)";
      case 3 -> "(batch, steps, features)";
      default -> type.equals("Permute") ? "of rank " + rank() : "(batch, height, width, channels)";
    };
    long[] in = requireRank(inputShapes, rank(), expected).asArray();
    long[] out = in.clone();
    switch (type) {
      case "Permute" -> {
        for (int i = 0; i < args.length; i++) {
          out[i + 1] = in[(int) args[i]];
        }
      }
      case "RepeatVector" -> out = new long[] {in[0], args[0], in[1]};
      case "Cropping1D" -> out[1] = in[1] - args[0] - args[1];
      case "Cropping2D" -> {
        out[1] = in[1] - args[0] - args[1];
        out[2] = in[2] - args[2] - args[3];
      }
      case "ZeroPadding1D" -> out[1] = in[1] + args[0] + args[1];
      case "UpSampling1D" -> out[1] = in[1] * args[0];
      case "UpSampling2D" -> {
        out[1] = in[1] * args[0];
        out[2] = in[2] * args[1];
      }
      case "MaxPooling1D", "AveragePooling1D" -> out[1] = in[1] / args[0];
      case "GlobalMaxPooling2D" -> out = new long[] {in[0], in[3]};
      default -> throw new IllegalStateException(type);
    }
    for (int i = 1; i < out.length; i++) {
      if (out[i] < 1) {
        throw new LayerShapeException(describe() + " " + Arrays.toString(args) + " leaves nothing of input "
            + Shapes.format(Shape.of(in)));
      }
    }
    return Shape.of(out);
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] in = x.shape().asArray();
    long[] out = outputShape(List.of(x.shape())).asArray();
    out[0] = -1;
    return switch (type) {
      case "Permute" -> {
        int[] perm = new int[args.length + 1];
        for (int i = 0; i < args.length; i++) {
          perm[i + 1] = (int) args[i];
        }
        yield tf.linalg.transpose(x, tf.constant(perm));
      }
      case "RepeatVector" -> tf.tile(tf.expandDims(x, tf.constant(1)), tf.constant(new int[] {1, (int) args[0], 1}));
      case "Cropping1D" -> tf.slice(x, tf.constant(new long[] {0, args[0], 0}), tf.constant(new long[] {-1, out[1], -1}));
      case "Cropping2D" -> tf.slice(x, tf.constant(new long[] {0, args[0], args[2], 0}),
          tf.constant(new long[] {-1, out[1], out[2], -1}));
      case "ZeroPadding1D" -> tf.pad(x, tf.constant(new long[][] {{0, 0}, {args[0], args[1]}, {0, 0}}), tf.constant(0f));
      case "UpSampling1D" -> tf.reshape(tf.tile(tf.expandDims(x, tf.constant(2)),
          tf.constant(new int[] {1, 1, (int) args[0], 1})), tf.constant(out));
      case "UpSampling2D" -> tf.reshape(
          tf.tile(tf.reshape(x, tf.constant(new long[] {-1, in[1], 1, in[2], 1, in[3]})),
              tf.constant(new int[] {1, 1, (int) args[0], 1, (int) args[1], 1})),
          tf.constant(out));
      case "MaxPooling1D", "AveragePooling1D" -> {
        Operand<TFloat32> image = tf.expandDims(x, tf.constant(1));
        List<Long> window = List.of(1L, 1L, args[0], 1L);
        Operand<TFloat32> pooled = type.startsWith("Max")
            ? tf.nn.maxPool(image, tf.constant(new int[] {1, 1, (int) args[0], 1}),
                tf.constant(new int[] {1, 1, (int) args[0], 1}), "VALID")
            : tf.nn.avgPool(image, window, window, "VALID");
        yield tf.squeeze(pooled, org.tensorflow.op.core.Squeeze.axis(List.of(1L)));
      }
      case "GlobalMaxPooling2D" -> tf.max(x, tf.constant(new int[] {1, 2}));
      default -> throw new IllegalStateException(type);
    };
  }

  @Override
  public Settings config() {
    List<Long> list = new ArrayList<>();
    for (long a : args) {
      list.add(a);
    }
    return Settings.of(typeName()).put("args", list);
  }

  static void register() {
    for (String t : new String[] {"Permute", "RepeatVector", "Cropping1D", "Cropping2D", "ZeroPadding1D",
        "UpSampling1D", "UpSampling2D", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling2D"}) {
      dev.topiary.dsl.config.ConfigRegistry.registerLayer(t, s -> new Reshaping(null, t, s.getLongs("args")));
    }
  }
}
