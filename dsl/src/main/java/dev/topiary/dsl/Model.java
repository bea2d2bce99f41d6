package dev.topiary.dsl;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import dev.topiary.dsl.state.Snapshot;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A built model: its variables and ops, ready to train and infer. Holds native resources: close it
 * (try-with-resources). Pruning runs inside every training step by construction.
 */
public interface Model extends AutoCloseable {

  /** The definition this model was built from. */
  ModelSpec spec();

  Compile compileSettings();

  /** How this model executes, graph or eager; fixed when the model is built. */
  ExecutionMode executionMode();

  /** Trains on {@code inputs}/{@code labels} (one array per model input/output). */
  History fit(List<HostArray> inputs, List<HostArray> labels, Fit fit);

  default History fit(HostArray inputs, HostArray labels, Fit fit) {
    // List.of(null) would fail with a bare NullPointerException: name the argument instead.
    Objects.requireNonNull(inputs, "fit: inputs must not be null");
    Objects.requireNonNull(labels, "fit: labels must not be null");
    Objects.requireNonNull(fit, "fit: fit settings must not be null");
    return fit(List.of(inputs), List.of(labels), fit);
  }

  /**
   * Trains on a {@link dev.topiary.dsl.data.Dataset} (streamed batch by batch; {@code fit}'s batch
   * size applies unless the dataset batches itself; its own shuffling applies, not {@code fit}'s).
   */
  History fit(dev.topiary.dsl.data.Dataset data, Fit fit);

  /**
   * Trains on data the workers of a multi-worker fit read themselves
   * ({@code fit.distribution(Distribution.multiWorker(...).workerInput(stepsPerEpoch))}, each worker
   * started with its {@code --input}); {@code fit}'s batch size is the global batch.
   */
  default History fit(Fit fit) {
    Objects.requireNonNull(fit, "fit: fit settings must not be null");
    throw new UnsupportedOperationException("fit without data needs a multi-worker distribution whose workers read"
        + " their own data (Distribution.multiWorker(...).workerInput(stepsPerEpoch)), on a graph model");
  }

  /** Loss and metrics over a dataset, inference mode (batches of 128 unless it batches itself). */
  Map<String, Double> evaluate(dev.topiary.dsl.data.Dataset data);

  /** The outputs for every example of a dataset, one array per output (labels, if any, ignored). */
  List<HostArray> predict(dev.topiary.dsl.data.Dataset data);

  /**
   * The output for one example given without a batch dimension, itself without one (a
   * single-input, single-output model): {@code model.predictOne(HostArray.ofFloats(pixels, 28, 28))}.
   */
  HostArray predictOne(HostArray example);

  /**
   * The predicted class of each example of a single-output model: the index of the largest output
   * along the last axis, or for one output unit, 1 where it is above the threshold of the loss
   * (0.5 for probabilities, 0 for logits) and 0 elsewhere.
   */
  int[] predictClasses(HostArray inputs);

  /** Loss and metrics over the given examples, inference mode, as Keras' {@code evaluate}. */
  Map<String, Double> evaluate(List<HostArray> inputs, List<HostArray> labels, int batchSize);

  default Map<String, Double> evaluate(HostArray inputs, HostArray labels) {
    Objects.requireNonNull(inputs, "evaluate: inputs must not be null");
    Objects.requireNonNull(labels, "evaluate: labels must not be null");
    return evaluate(List.of(inputs), List.of(labels), 128);
  }

  /** The model outputs for {@code inputs}, inference mode, one array per output. */
  List<HostArray> predict(List<HostArray> inputs, int batchSize);

  default HostArray predict(HostArray inputs) {
    Objects.requireNonNull(inputs, "predict: inputs must not be null");
    List<HostArray> out = predict(List.of(inputs), 128);
    if (out.size() != 1) {
      throw new IllegalStateException("this model has " + out.size() + " outputs; use predict(List, int)");
    }
    return out.get(0);
  }

  /**
   * A plain model without masks or step whose pruned weights hold their zeros: the same outputs as
   * this model's inference. A new model: close it too.
   */
  Model strip();

  /** Layers, shapes, parameter counts and the current sparsity of each pruned weight. */
  ModelSummary summary();

  /**
   * Every layer weight by variable name ({@code dense_kernel}), as inference sees it: pruned weights
   * with their mask applied.
   */
  Map<String, HostArray> weights();

  /**
   * Loads weights by variable name; every weight of the model must be given with its exact shape.
   *
   * @throws IllegalArgumentException naming a missing, unknown or mis-shaped weight
   */
  void setWeights(Map<String, HostArray> weights);

  /** Measured fraction of zeros of each pruned weight (with its mask applied), by variable name. */
  Map<String, Double> sparsity();

  /**
   * Every variable (weights, pruning state, step, optimizer slots) by stable name: restore it into
   * another model of the same definition, graph or eager, bit for bit.
   */
  Snapshot snapshot();

  /**
   * Loads a snapshot. Every variable this model has must be present with the same dtype and shape;
   * entries this model lacks (e.g. optimizer slots in an inference-only model) are ignored.
   *
   * @throws IllegalArgumentException naming a missing or mismatched variable
   */
  void restore(Snapshot snapshot);

  /**
   * This model's inference as ops on {@code input}, built in the model's own execution environment:
   * a graph model needs an operand of its graph, an eager model an eager operand.
   *
   * @throws IllegalArgumentException for an operand of the other execution mode or another graph
   */
  Operand<TFloat32> call(Operand<TFloat32> input);

  /**
   * Exports the stripped model for serving: a SavedModel in {@code dir} (which must not exist yet)
   * with a {@code serving_default} signature whose inputs are named after the model inputs and whose
   * outputs are named after the output layers. It holds the inference graph and the weights only:
   * no optimizer slots, masks, step or training ops. TF Java and Python TensorFlow load it.
   */
  void exportSavedModel(java.nio.file.Path dir) throws java.io.IOException;

  /** Training steps run so far. */
  long step();

  /**
   * The optimizer's current learning rate (the variable {@code optimizer/learning_rate}).
   *
   * @throws UnsupportedOperationException if this model cannot tell it (e.g. its optimizer follows a schedule)
   */
  default double learningRate() {
    throw new UnsupportedOperationException("this model (" + getClass().getSimpleName()
        + ") does not expose its learning rate");
  }

  /**
   * Sets the optimizer's learning rate for the following steps (as ReduceLROnPlateau does).
   *
   * @throws UnsupportedOperationException if this model cannot change it (e.g. its optimizer follows a schedule)
   */
  default void setLearningRate(double rate) {
    throw new UnsupportedOperationException("this model (" + getClass().getSimpleName()
        + ") cannot change its learning rate");
  }

  @Override
  void close();
}
