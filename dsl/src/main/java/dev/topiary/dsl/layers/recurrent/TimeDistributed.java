package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Applies a layer to every step of {@code (batch, steps, ...)} with one set of weights (the inner
 * layer's, by their own names); prunes what the inner layer declares.
 */
public final class TimeDistributed extends BaseLayer<TimeDistributed> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<TimeDistributed> TYPE =
      LayerType.of("TimeDistributed", TimeDistributed.class, TimeDistributed::fromConfig);

  private final Layer layer;

  private TimeDistributed(@Nullable String name, @Nullable PruningSpec pruning, Layer layer) {
    super(name, pruning);
    this.layer = layer.withoutPruning();
  }

  /** Wraps {@code layer}; its pruning, if marked, carries over. */
  public static TimeDistributed of(Layer layer) {
    return new TimeDistributed(null, layer.pruning().orElse(null), layer);
  }

  @Override
  protected TimeDistributed copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new TimeDistributed(name, pruning, layer);
  }

  @Override
  public String typeName() {
    return "TimeDistributed";
  }

  @Override
  public Set<String> prunableWeights() {
    return layer.prunableWeights();
  }

  private static Shape perStep(Shape in) {
    long[] dims = in.asArray();
    long[] out = new long[dims.length - 1];
    out[0] = -1;
    System.arraycopy(dims, 2, out, 1, dims.length - 2);
    return Shape.of(out);
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = sameShape(inputShapes);
    if (in.numDimensions() < 3 || in.get(1) < 1) {
      throw new LayerShapeException(describe() + " expects (batch, steps, ...) with known steps, got " + Shapes.format(in));
    }
    long[] inner = layer.outputShape(List.of(perStep(in))).asArray();
    long[] out = new long[inner.length + 1];
    out[0] = in.get(0);
    out[1] = in.get(1);
    System.arraycopy(inner, 1, out, 2, inner.length - 1);
    return Shape.of(out);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return layer.weights(List.of(perStep(inputShapes.get(0))));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] stepShape = perStep(x.shape()).asArray();
    Operand<TFloat32> folded = tf.reshape(x, tf.constant(stepShape));
    Operand<TFloat32> y = layer.call(context, List.of(folded));
    long[] out = outputShape(List.of(x.shape())).asArray();
    out[0] = -1;
    return tf.reshape(y, tf.constant(out));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("layer",
        Settings.of("inner").put("type", layer.typeName()).put("settings", layer.config().asMap()).asMap());
  }

  private static TimeDistributed fromConfig(Settings s) {
    Settings inner = s.getObject("layer", s.owner() + " inner layer");
    return TimeDistributed.of(dev.topiary.dsl.config.ConfigRegistry.readLayer(inner.getString("type"),
        inner.getObject("settings", s.owner() + " inner settings")));
  }

  /** Keeps the steps, so the mask passes through. */
  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return inputMask;
  }
}
