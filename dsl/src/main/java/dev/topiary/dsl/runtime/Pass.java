package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Seeds;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * One forward pass of a model, training or inference, built with the {@code Ops} of either
 * execution mode. This is the one place that makes the {@link LayerContext} each layer call sees;
 * what differs between a graph and an eager executor (how a weight is read, how a layer's ops are
 * scoped, how a state variable is assigned) is the {@link Backend} it is given.
 */
public final class Pass {
  private final ModelSpec spec;
  private final long seed;
  private final boolean training;
  private final Backend backend;
  private final @Nullable Operand<TInt64> step;
  private final Map<String, Operand<TFloat32>> reads = new LinkedHashMap<>();
  private final List<Op> updates = new ArrayList<>();

  /** What an executor supplies to a pass. */
  public interface Backend {
    /** The ops of the {@code call}-th application of the layer named {@code layerName}. */
    Ops scope(String layerName, int call);

    /**
     * The value of layer weight variable {@code variable} as this pass reads it: in training, what
     * the pruning step pulls in; in inference, {@code weight * mask} for pruned weights
     * ({@link dev.topiary.ops.PrunedWeight#applyMask(Ops, Operand, Operand)}). Called once per
     * variable and pass; null if the model has no such variable.
     */
    @Nullable Operand<TFloat32> read(String variable);

    /** Assigns {@code value} to the variable (training pass only). */
    Op assign(Ops scope, String variable, Operand<TFloat32> value);
  }

  /**
   * A pass over {@code spec}; {@code step} (the training step, feeding stateless random ops) is
   * required for training and ignored for inference.
   */
  public Pass(ModelSpec spec, long seed, boolean training, Backend backend, @Nullable Operand<TInt64> step) {
    this.spec = spec;
    this.seed = seed;
    this.training = training;
    this.backend = backend;
    this.step = step;
  }

  /** Builds the pass on {@code inputs} (one per model input); one operand per model output. */
  public List<Operand<TFloat32>> run(List<? extends Operand<TFloat32>> inputs) {
    return spec.forward(inputs, this::context);
  }

  /** Weight values this pass read, by variable name, in reading order. */
  public Map<String, Operand<TFloat32>> reads() {
    return reads;
  }

  /** Ops the layers registered to run with each training step (e.g. moving averages). */
  public List<Op> updates() {
    return updates;
  }

  public boolean training() {
    return training;
  }

  private LayerContext context(Layer layer, int call, List<@Nullable Operand<TBool>> masks) {
    @Nullable Operand<TBool> mask = masks.get(0);
    String layerName = spec.layerName(layer);
    Ops scope = backend.scope(layerName, call);
    long layerSeed = Seeds.mix(seed, layerName);
    return new LayerContext() {
      @Override
      public @Nullable Operand<TBool> inputMask() {
        return mask;
      }

      @Override
      public List<@Nullable Operand<TBool>> inputMasks() {
        return masks;
      }

      @Override
      public Ops tf() {
        return scope;
      }

      @Override
      public Operand<TFloat32> weight(String name) {
        String variable = spec.variableName(layer, name);
        Operand<TFloat32> value = reads.get(variable);
        if (value == null) {
          value = backend.read(variable);
          if (value == null) {
            throw new IllegalArgumentException("layer '" + layerName + "' has no weight '" + name + "'");
          }
          reads.put(variable, value);
        }
        return value;
      }

      @Override
      public boolean training() {
        return training;
      }

      @Override
      public Operand<TInt64> step() {
        requireTraining("the step exists in the training pass only");
        return step;
      }

      @Override
      public long seed() {
        return layerSeed;
      }

      @Override
      public void addUpdate(Op update) {
        requireTraining("updates belong to the training pass");
        updates.add(update);
      }

      @Override
      public Op assign(String name, Operand<TFloat32> value) {
        requireTraining("assignments belong to the training pass");
        return backend.assign(scope, spec.variableName(layer, name), value);
      }
    };
  }

  private void requireTraining(String message) {
    if (!training || step == null) {
      throw new IllegalStateException(message);
    }
  }
}
