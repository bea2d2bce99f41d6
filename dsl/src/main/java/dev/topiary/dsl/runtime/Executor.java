package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * How one model's state is held and its passes are run: the seam between the backend-neutral model
 * ({@link RuntimeModel}: input checks, batching, averaging, the fit loop and its callbacks, strip,
 * export) and an execution mode. {@link GraphExecutor} builds every op once into a graph and runs
 * it in a session; the eager executor (module {@code eager-graph-bridge}) holds the state in Java
 * memory and runs each call op by op.
 *
 * <p>Batches reach an executor already checked against the model's inputs and labels.
 */
public interface Executor extends AutoCloseable {

  ExecutionMode mode();

  /**
   * Runs one training step on a batch, {@code step} being the number of steps done before it
   * (seeds the training pass's stateless random ops); {@code sampleWeights} ([examples] floats, null
   * for ones) weigh the loss. Returns the batch's loss and metrics in log order.
   */
  Map<String, Double> trainBatch(List<HostArray> inputs, List<HostArray> labels, @Nullable HostArray sampleWeights,
      long step);

  /**
   * Loss and metrics of one batch through the inference pass, in log order; {@code sampleWeights}
   * ([examples] floats, null for ones) weigh the loss.
   */
  Map<String, Double> testBatch(List<HostArray> inputs, List<HostArray> labels, @Nullable HostArray sampleWeights);

  /** The model outputs for one batch, inference pass. */
  List<HostArray> predictBatch(List<HostArray> inputs);

  /** The training pass's loss on a batch at the current step, without training (gradient checks). */
  float trainingLoss(List<HostArray> inputs, List<HostArray> labels);

  /** Layer weights by variable name, pruned ones through their masks. */
  Map<String, HostArray> weights();

  /** Loads layer weights, already checked to be complete and of the right shapes. */
  void loadWeights(Map<String, HostArray> weights);

  /** Every persistent variable's type and shape, by name ({@link StateContract}). */
  Map<String, StateContract.Layout> stateLayout();

  Snapshot snapshot();

  /** One persistent variable's value (a name of {@link #stateLayout()}), without reading the others. */
  HostArray read(String variable);

  /** Loads a snapshot already checked against {@link #stateLayout()}; absent entries stay as they are. */
  void restore(Snapshot snapshot);

  /** Measured fraction of zeros of each pruned weight, by variable name. */
  Map<String, Double> sparsity();

  /** The pruning summaries by tag ({@code <weight>/sparsity}, {@code <weight>/threshold}). */
  Map<String, Double> pruningSummaries();

  /** Training steps done. */
  long step();

  /** The inference pass on an operand of this executor's own environment. */
  Operand<TFloat32> call(Operand<TFloat32> input);

  /** A training step's logs and the number of examples it trained on. */
  record TrainedBatch(Map<String, Double> logs, int examples) {}

  /** Before the first training step of a {@code fit}: an executor that trains elsewhere syncs here. */
  default void beginTraining() {}

  /** After the last training step of a {@code fit} (also when it failed). */
  default void endTraining() {}

  @Override
  void close();
}
