package dev.topiary.samples.custom;

import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Shapes;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import dev.topiary.tflite.TfliteLowering;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A layer written by a user: a Dense layer with a learned per-output scale,
 * {@code (x . kernel) * scale}. It becomes prunable by naming its prunable weight in
 * {@link #prunableWeights()}; the scale stays dense.
 */
public final class ScaledDense extends BaseLayer<ScaledDense> {
  /**
   * The layer type, registered once with what every back end needs: its saved settings and how TFLite
   * writes it ({@link ScaledDenseTflite}). The sparse runtime and Keras files have no part for it, so they
   * refuse it, naming the layer.
   */
  public static final LayerType<ScaledDense> TYPE = LayerType.of("ScaledDense", ScaledDense.class,
      s -> of(s.getInt("units"))).with(TfliteLowering.class, new ScaledDenseTflite());

  private final int units;

  /** Registers {@link #TYPE} (idempotent): models using the layer can then be saved, loaded and written as .tflite. */
  public static void register() {
    ConfigRegistry.registerLayer(TYPE);
  }

  private ScaledDense(@Nullable String name, @Nullable PruningSpec pruning, int units) {
    super(name, pruning);
    this.units = units;
  }

  public static ScaledDense of(int units) {
    return new ScaledDense(null, null, units);
  }

  @Override
  protected ScaledDense copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new ScaledDense(name, pruning, units);
  }

  @Override
  public String typeName() {
    return "ScaledDense";
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("units", units);
  }

  @Override
  public Set<String> prunableWeights() {
    return Set.of("kernel");
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape in = requireRank(inputShapes, 2, "(batch, features)");
    if (in.get(1) < 0) {
      throw new LayerShapeException(describe() + " needs known features, got " + Shapes.format(in));
    }
    return Shape.of(in.get(0), units);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    return List.of(
        WeightSpec.ofTrainable("kernel", Shape.of(inputShapes.get(0).get(1), units), Initializer.GLOROT_UNIFORM),
        WeightSpec.ofTrainable("scale", Shape.of(units), Initializer.ONES));
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    return tf.math.mul(tf.linalg.matMul(inputs.get(0), context.weight("kernel")), context.weight("scale"));
  }
}
