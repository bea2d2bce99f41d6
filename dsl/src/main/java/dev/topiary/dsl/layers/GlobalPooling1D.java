package dev.topiary.dsl.layers;

import dev.topiary.dsl.config.Settings;
import dev.topiary.ops.PruningSpec;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/** Mean or max over the steps of a sequence: {@code (batch, steps, features) -> (batch, features)}. */
public final class GlobalPooling1D extends BaseLayer<GlobalPooling1D> {
  private final boolean max;

  private GlobalPooling1D(@Nullable String name, boolean max) {
    super(name, null);
    this.max = max;
  }

  /** Keras {@code GlobalAveragePooling1D}. */
  public static GlobalPooling1D average() {
    return new GlobalPooling1D(null, false);
  }

  /** Keras {@code GlobalMaxPooling1D}. */
  public static GlobalPooling1D max() {
    return new GlobalPooling1D(null, true);
  }

  @Override
  protected GlobalPooling1D copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new GlobalPooling1D(name, max);
  }

  @Override
  public String typeName() {
    return max ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D";
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 3, "(batch, steps, features)");
    return Shape.of(in.get(0), in.get(2));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    var tf = context.tf();
    return max ? tf.max(inputs.get(0), tf.constant(1)) : tf.math.mean(inputs.get(0), tf.constant(1));
  }

  @Override
  public Settings config() {
    return Settings.of(typeName());
  }
}
