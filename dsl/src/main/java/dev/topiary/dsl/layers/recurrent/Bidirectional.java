package dev.topiary.dsl.layers.recurrent;

import dev.topiary.dsl.config.ConfigRegistry;
import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.LayerContext;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.PruningSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Runs a recurrent layer forwards and a copy of it backwards and joins their outputs on the last
 * axis (backward sequences re-reversed to align, as Keras). Its weights are the inner layer's,
 * prefixed {@code forward_} and {@code backward_}; it prunes what the inner layer declares prunable,
 * in both directions (TF Model Optimization cannot prune Bidirectional).
 */
public final class Bidirectional extends BaseLayer<Bidirectional> {
  /** Reads this layer type from a saved config. */
  public static final LayerType<Bidirectional> TYPE =
      LayerType.of("Bidirectional", Bidirectional.class, Bidirectional::fromConfig);

  private static final String FORWARD = "forward_";
  private static final String BACKWARD = "backward_";
  private final Recurrent<?> layer;

  private Bidirectional(@Nullable String name, @Nullable PruningSpec pruning, Recurrent<?> layer) {
    super(name, pruning);
    this.layer = layer.withoutPruning();
  }

  /** Wraps {@code layer}; its pruning, if marked, applies to both directions. */
  public static Bidirectional of(Recurrent<?> layer) {
    return new Bidirectional(null, layer.pruning().orElse(null), layer);
  }

  @Override
  protected Bidirectional copy(@Nullable String name, @Nullable PruningSpec pruning) {
    return new Bidirectional(name, pruning, layer);
  }

  @Override
  public String typeName() {
    return "Bidirectional";
  }

  @Override
  public Set<String> prunableWeights() {
    Set<String> out = new LinkedHashSet<>();
    for (String w : layer.prunableWeights()) {
      out.add(FORWARD + w);
      out.add(BACKWARD + w);
    }
    return out;
  }

  @Override
  public Shape outputShape(List<Shape> inputShapes) {
    Shape inner = layer.outputShape(inputShapes);
    long[] dims = inner.asArray();
    dims[dims.length - 1] *= 2;
    return Shape.of(dims);
  }

  @Override
  public List<WeightSpec> weights(List<Shape> inputShapes) {
    List<WeightSpec> out = new ArrayList<>();
    for (String prefix : new String[] {FORWARD, BACKWARD}) {
      for (WeightSpec w : layer.weights(inputShapes)) {
        out.add(new WeightSpec(prefix + w.name(), w.shape(), w.initializer(), w.trainable()));
      }
    }
    return out;
  }

  @Override
  public Operand<TFloat32> call(LayerContext context, List<Operand<TFloat32>> inputs) {
    Ops tf = context.tf();
    Operand<TFloat32> forward = layer.call(prefixed(context, FORWARD), inputs);
    Operand<TFloat32> backward = layer.goBackwards(!layer.goesBackwards()).call(prefixed(context, BACKWARD), inputs);
    if (layer.returnsSequences()) {
      backward = tf.reverse(backward, tf.constant(new int[] {1}));
    }
    return tf.concat(List.of(forward, backward), tf.constant(-1));
  }

  private static LayerContext prefixed(LayerContext context, String prefix) {
    return new LayerContext() {
      @Override
      public Ops tf() {
        return context.tf();
      }

      @Override
      public Operand<TFloat32> weight(String name) {
        return context.weight(prefix + name);
      }

      @Override
      public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask() {
        return context.inputMask();
      }

      @Override
      public boolean training() {
        return context.training();
      }

      @Override
      public long seed() {
        return context.seed() + prefix.hashCode();
      }

      @Override
      public Operand<TInt64> step() {
        return context.step();
      }

      @Override
      public void addUpdate(Op update) {
        context.addUpdate(update);
      }

      @Override
      public Op assign(String name, Operand<TFloat32> value) {
        return context.assign(prefix + name, value);
      }
    };
  }

  @Override
  public Settings config() {
    return Settings.of(typeName()).put("layer",
        Settings.of("inner").put("type", layer.typeName()).put("settings", layer.config().asMap()).asMap());
  }

  private static Bidirectional fromConfig(Settings s) {
    Settings inner = s.getObject("layer", s.owner() + " inner layer");
    Layer layer = ConfigRegistry.readLayer(inner.getString("type"), inner.getObject("settings", s.owner() + " inner settings"));
    if (!(layer instanceof Recurrent<?> r)) {
      throw new IllegalArgumentException(s.owner() + ": Bidirectional wraps a recurrent layer (SimpleRNN, LSTM, GRU), got "
          + layer.typeName());
    }
    return Bidirectional.of(r);
  }

  @Override
  public org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> outputMask(LayerContext context,
      List<Operand<TFloat32>> inputs, org.tensorflow.@Nullable Operand<org.tensorflow.types.TBool> inputMask) {
    return layer.outputMask(context, inputs, inputMask);
  }
}
