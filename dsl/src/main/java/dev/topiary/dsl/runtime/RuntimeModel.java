package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.ModelSummary;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Distribution;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A built model, the same for every execution mode: it checks inputs, labels, weights and
 * snapshots, batches and averages, runs {@code fit} as a loop over callbacks ({@link Trainer}),
 * strips and exports. How the state is held and a pass is run is its {@link Executor}'s business:
 * {@link GraphExecutor} for graph models ({@link #graph}), an eager executor for eager ones.
 *
 * <p>Thread safety: {@code predict}, {@code evaluate} and state reads may run concurrently;
 * {@code fit} runs one at a time per model (a second concurrent {@code fit} is refused).
 */
public class RuntimeModel implements Model {
  private final ModelSpec spec;
  private final Compile compile;
  private final Executor executor;
  private final AtomicBoolean fitting = new AtomicBoolean();

  protected RuntimeModel(ModelSpec spec, Compile compile, Executor executor) {
    this.spec = spec;
    this.compile = compile;
    this.executor = executor;
  }

  /** A graph model of {@code spec}: what {@link ModelSpec#compile} returns. */
  public static Model graph(ModelSpec spec, Compile compile) {
    return new RuntimeModel(spec, compile, GraphExecutor.build(spec, compile));
  }

  /** The executor of this model (for the eager bridge and tests). */
  protected Executor executor() {
    return executor;
  }

  /** A new, freshly initialized model of {@code spec} in this model's execution mode (strip uses it). */
  protected Model newModel(ModelSpec spec) {
    return graph(spec, compile);
  }

  @Override
  public ModelSpec spec() {
    return spec;
  }

  @Override
  public Compile compileSettings() {
    return compile;
  }

  @Override
  public ExecutionMode executionMode() {
    return executor.mode();
  }

  @Override
  public History fit(List<HostArray> inputs, List<HostArray> labels, Fit fit) {
    if (fit.distribution() instanceof Distribution.MultiWorker) {
      throw new UnsupportedOperationException(executor.mode() == ExecutionMode.EAGER
          ? "distributed training requires graph execution: build the model with ModelSpec.compile(...) (graph)"
              + " to train with " + fit.distribution()
          : "multi-worker training is not implemented in this version of Topiary; train with Distribution.local()");
    }
    if (!fitting.compareAndSet(false, true)) {
      throw new IllegalStateException("fit is already running on this model in another thread; a model trains"
          + " one fit at a time (predict and evaluate may run concurrently)");
    }
    try {
      return new Trainer(this, executor, fit).run(inputs, labels);
    } finally {
      fitting.set(false);
    }
  }

  @Override
  public Map<String, Double> evaluate(List<HostArray> inputs, List<HostArray> labels, int batchSize) {
    requireBatchSize(batchSize);
    int examples = checkData(inputs, labels, "evaluation");
    Averages averages = new Averages();
    for (int from = 0; from < examples; from += batchSize) {
      int to = (int) Math.min(examples, (long) from + batchSize);
      averages.add(executor.testBatch(slice(inputs, from, to), slice(labels, from, to)), to - from);
    }
    return averages.means();
  }

  @Override
  public List<HostArray> predict(List<HostArray> inputs, int batchSize) {
    requireBatchSize(batchSize);
    int examples = spec.checkInputs(inputs, "prediction");
    List<List<HostArray>> parts = new ArrayList<>();
    spec.outputs().forEach(o -> parts.add(new ArrayList<>()));
    for (int from = 0; from < examples; from += batchSize) {
      int to = (int) Math.min(examples, (long) from + batchSize);
      List<HostArray> batch = slice(inputs, from, to);
      requireFinite(batch, from);
      List<HostArray> out = executor.predictBatch(batch);
      for (int i = 0; i < out.size(); i++) {
        parts.get(i).add(out.get(i));
      }
    }
    return parts.stream().map(HostArray::concat).toList();
  }

  /** NaN or infinite inputs give meaningless outputs: refuse them, naming the input and example. */
  private void requireFinite(List<HostArray> batch, int offset) {
    for (int i = 0; i < batch.size(); i++) {
      float[] values = batch.get(i).floats();
      int perExample = values.length / Math.max(1, batch.get(i).examples());
      for (int j = 0; j < values.length; j++) {
        if (!Float.isFinite(values[j])) {
          throw new IllegalArgumentException("input '" + spec.inputName(spec.inputs().get(i)) + "' holds "
              + values[j] + " in example " + (offset + j / Math.max(1, perExample))
              + "; predictions need finite inputs");
        }
      }
    }
  }

  /** The training-pass loss on one batch, without training (gradient checks). */
  public float trainingLoss(List<HostArray> inputs, List<HostArray> labels) {
    checkData(inputs, labels, "loss");
    return executor.trainingLoss(inputs, labels);
  }

  @Override
  public Operand<TFloat32> call(Operand<TFloat32> input) {
    if (spec.inputs().size() != 1) {
      throw new IllegalArgumentException("call(Operand) needs a single-input model; this one has " + spec.inputs().size());
    }
    return executor.call(input);
  }

  @Override
  public Model strip() {
    Model plain = newModel(spec.withoutPruning());
    try {
      plain.setWeights(weights());
      return plain;
    } catch (RuntimeException e) {
      plain.close();
      throw e;
    }
  }

  @Override
  public ModelSummary summary() {
    return ModelSummary.of(spec, sparsity());
  }

  @Override
  public Map<String, HostArray> weights() {
    return executor.weights();
  }

  @Override
  public void setWeights(Map<String, HostArray> weights) {
    Map<String, long[]> expected = new LinkedHashMap<>();
    spec.layers().forEach(l -> spec.weights(l).forEach(w -> expected.put(spec.variableName(l, w.name()), w.shape().asArray())));
    StateContract.checkWeights(expected, weights);
    executor.loadWeights(weights);
  }

  @Override
  public Map<String, Double> sparsity() {
    return executor.sparsity();
  }

  /** Size-weighted fraction of zeros over all pruned weights, or null without pruning. */
  Double overallSparsity() {
    Map<String, Double> perWeight = executor.sparsity();
    if (perWeight.isEmpty()) {
      return null;
    }
    Map<String, Long> sizes = new LinkedHashMap<>();
    spec.layers().forEach(l -> spec.weights(l).forEach(w -> sizes.put(spec.variableName(l, w.name()), w.shape().size())));
    double zeros = 0;
    long total = 0;
    for (var e : perWeight.entrySet()) {
      zeros += e.getValue() * sizes.get(e.getKey());
      total += sizes.get(e.getKey());
    }
    return zeros / total;
  }

  @Override
  public Snapshot snapshot() {
    return executor.snapshot();
  }

  @Override
  public void restore(Snapshot snapshot) {
    StateContract.checkRestore(executor.stateLayout(), snapshot);
    executor.restore(snapshot);
  }

  @Override
  public void exportSavedModel(Path dir) throws IOException {
    try (GraphExecutor inference = GraphExecutor.forInference(spec.withoutPruning(), compile)) {
      inference.loadWeights(weights());
      inference.exportSavedModel(dir);
    }
  }

  @Override
  public long step() {
    return executor.step();
  }

  @Override
  public void close() {
    executor.close();
  }

  // ---- checks and batches, shared by fit, evaluate and predict ----------------------------------

  static void requireBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
  }

  /** Checks inputs and labels against the model; returns the number of examples. */
  int checkData(List<HostArray> inputs, List<HostArray> labels, String what) {
    int examples = spec.checkInputs(inputs, what);
    if (labels == null || labels.size() != spec.outputs().size()) {
      throw new IllegalArgumentException("the model has " + spec.outputs().size() + " output(s) but "
          + (labels == null ? 0 : labels.size()) + " " + what + " label array(s) were given");
    }
    for (int i = 0; i < labels.size(); i++) {
      Node out = spec.outputs().get(i);
      compile.loss().checkLabels(spec.outputName(i), out.shape(), labels.get(i));
      if (labels.get(i).examples() != examples) {
        throw new IllegalArgumentException(what + " labels for output '" + spec.outputName(i) + "' have "
            + labels.get(i).examples() + " examples but the inputs have " + examples);
      }
    }
    return examples;
  }

  static List<HostArray> slice(List<HostArray> arrays, int from, int to) {
    return arrays.stream().map(a -> a.slice(from, to)).toList();
  }

  static List<HostArray> gather(List<HostArray> arrays, int[] idx) {
    return arrays.stream().map(a -> a.gather(idx)).toList();
  }

  /** Example-weighted running means of batch logs. */
  static final class Averages {
    private final Map<String, Double> sums = new LinkedHashMap<>();
    private long count;

    void add(Map<String, Double> batch, int examples) {
      batch.forEach((k, v) -> sums.merge(k, v * examples, Double::sum));
      count += examples;
    }

    Map<String, Double> means() {
      Map<String, Double> out = new LinkedHashMap<>();
      sums.forEach((k, v) -> out.put(k, v / count));
      return out;
    }
  }
}
