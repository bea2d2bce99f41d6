package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * 3-D layers over {@code (batch, depth, height, width, channels)}: Conv3D (cubic kernel, prunable
 * {@code kernel [k, k, k, in, filters]}) and Conv3DTranspose (their gradients, missing from TF Java, are
 * registered by Topiary),
 * MaxPooling3D / AveragePooling3D (window = stride), GlobalAveragePooling3D / GlobalMaxPooling3D and
 * ZeroPadding3D.
 */
public final class Volumetric extends BaseLayer<Volumetric> {
  private final String type;
  private final int size;
  private final int filters;
  private final int stride;
  private final Padding padding;
  private final Activation activation;

  private Volumetric(@Nullable String name, @Nullable PruningSpec pruning, String type, int size, int filters, int stride,
      Padding padding, Activation activation) {
    super(name, pruning);
    if (size < 0 || filters < 0 || stride < 1) {
      throw new IllegalArgumentException(type + " sizes must be positive, got size " + size + ", filters " + filters
          + ", stride " + stride);
    }
    this.type = type;
    this.size = size;
    this.filters = filters;
    this.stride = stride;
    this.padding = padding;
    this.activation = activation;
  }

  public static Volumetric conv3d(int filters, int kernelSize) {
    return new Volumetric(null, null, "Conv3D", kernelSize, filters, 1, Padding.VALID, Activation.LINEAR);
  }

  /** Keras' Conv3DTranspose: kernel {@code [k, k, k, filters, in]} (prunable), output (in - 1) * stride + k. */
  public static Volumetric conv3dTranspose(int filters, int kernelSize) {
    return new Volumetric(null, null, "Conv3DTranspose", kernelSize, filters, 1, Padding.VALID, Activation.LINEAR);
  }

  public static Volumetric maxPooling3d(int size) {
    return new Volumetric(null, null, "MaxPooling3D", size, 0, size, Padding.VALID, Activation.LINEAR);
  }

  public static Volumetric averagePooling3d(int size) {
    return new Volumetric(null, null, "AveragePooling3D", size, 0, size, Padding.VALID, Activation.LINEAR);
  }

  public static Volumetric globalAveragePooling3d() {
    return new Volumetric(null, null, "GlobalAveragePooling3D", 0, 0, 1, Padding.VALID, Activation.LINEAR);
  }

  public static Volumetric globalMaxPooling3d() {
    return new Volumetric(null, null, "GlobalMaxPooling3D", 0, 0, 1, Padding.VALID, Activation.LINEAR);
  }

  public static Volumetric zeroPadding3d(int padding) {
    return new Volumetric(null, null, "ZeroPadding3D", padding, 0, 1, Padding.VALID, Activation.LINEAR);
  }

  /** Convolutions only (Conv3D, Conv3DTranspose). */
  public Volumetric strides(int stride) {
    return new Volumetric(name(), pruning().orElse(null), type, size, filters, stride, padding, activation);
  }

  public Volumetric padding(Padding padding) {
    return new Volumetric(name(), pruning().orElse(null), type, size, filters, stride, padding, activation);
  }

  public Volumetric activation(Activation activation) {
    return new Volumetric(name(), pruning().orElse(null), type, size, filters, stride, padding, activation);
  }

  @Override
  protected Volumetric copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Volumetric(name, pruning, type, size, filters, stride, padding, activation);
  }

  @Override
  public String typeName() {
    return type;
  }

  @Override
  public Set<String> prunableWeights() {
    return type.startsWith("Conv3D") ? Set.of("kernel") : Set.of();
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    long[] in = requireRank(inputShapes, 5, "(batch, depth, height, width, channels)").asArray();
    long[] out = in.clone();
    switch (type) {
      case "Conv3D", "MaxPooling3D", "AveragePooling3D" -> {
        for (int i = 1; i <= 3; i++) {
          out[i] = Shapes.windowOutput(in[i], size, stride, 1, padding);
          if (out[i] < 1) {
            throw new LayerShapeException(describe() + " with size " + size + " does not fit input " + Shapes.format(Shape.of(in)));
          }
        }
        if (type.equals("Conv3D")) {
          out[4] = filters;
        }
      }
      case "Conv3DTranspose" -> {
        for (int i = 1; i <= 3; i++) {
          out[i] = padding == Padding.SAME ? in[i] * stride : (in[i] - 1) * stride + size;
        }
        out[4] = filters;
      }
      case "GlobalAveragePooling3D", "GlobalMaxPooling3D" -> out = new long[] {in[0], in[4]};
      case "ZeroPadding3D" -> {
        for (int i = 1; i <= 3; i++) {
          out[i] = in[i] + 2L * size;
        }
      }
      default -> throw new IllegalStateException(type);
    }
    return Shape.of(out);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    long channels = inputShapes.get(0).get(4);
    return switch (type) {
      case "Conv3D" -> WeightSpec.kernelAndBias(Shape.of(size, size, size, channels, filters), filters, true);
      case "Conv3DTranspose" -> WeightSpec.kernelAndBias(Shape.of(size, size, size, filters, channels), filters, true);
      default -> List.of();
    };
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    List<Long> window = List.of(1L, (long) size, (long) size, (long) size, 1L);
    List<Long> strides = List.of(1L, (long) stride, (long) stride, (long) stride, 1L);
    return switch (type) {
      case "Conv3D" -> activation.apply(tf, tf.nn.biasAdd(
          tf.nn.conv3d(x, context.weight("kernel"), strides, padding.name()), context.weight("bias")));
      case "Conv3DTranspose" -> {
        long[] out = outputShape(List.of(x.shape())).asArray();
        var batch = tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
        var sizes = tf.concat(List.of(batch, tf.constant(new int[] {(int) out[1], (int) out[2], (int) out[3], filters})),
            tf.constant(0));
        yield activation.apply(tf, tf.nn.biasAdd(
            tf.nn.conv3dBackpropInput(sizes, context.weight("kernel"), x, strides, padding.name()), context.weight("bias")));
      }
      case "MaxPooling3D" -> tf.nn.maxPool3d(x, window, strides, padding.name());
      case "AveragePooling3D" -> tf.nn.avgPool3d(x, window, strides, padding.name());
      case "GlobalAveragePooling3D" -> tf.math.mean(x, tf.constant(new int[] {1, 2, 3}));
      case "GlobalMaxPooling3D" -> tf.max(x, tf.constant(new int[] {1, 2, 3}));
      case "ZeroPadding3D" -> tf.pad(x, tf.constant(new int[][] {{0, 0}, {size, size}, {size, size}, {size, size}, {0, 0}}),
          tf.constant(0f));
      default -> throw new IllegalStateException(type);
    };
  }

  @Override
  public Settings config() {
    return Settings.of(type).put("size", size).put("filters", filters).put("strides", stride)
        .put("padding", padding.name().toLowerCase(java.util.Locale.ROOT)).put("activation", activation.kerasName());
  }

  static void register() {
    for (String t : new String[] {"Conv3D", "Conv3DTranspose", "MaxPooling3D", "AveragePooling3D", "GlobalAveragePooling3D",
        "GlobalMaxPooling3D", "ZeroPadding3D"}) {
      dev.topiary.dsl.config.ConfigRegistry.registerLayer(t, s -> new Volumetric(null, null, t, s.getInt("size"),
          s.getInt("filters"), s.getInt("strides"), Padding.parse(s.getString("padding")),
          Activation.parse(s.getString("activation"))));
    }
  }
}
