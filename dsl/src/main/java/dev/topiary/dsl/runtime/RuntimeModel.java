package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ExecutionMode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.ModelSummary;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
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
  private static final System.Logger LOG = System.getLogger("dev.topiary");
  private final ModelSpec spec;
  private final Compile compile;
  private final Executor executor;
  private final AtomicBoolean fitting = new AtomicBoolean();
  private final BatchLayout layout;
  private volatile boolean closed;

  protected RuntimeModel(ModelSpec spec, Compile compile, Executor executor) {
    this.spec = spec;
    this.compile = compile;
    this.executor = executor;
    this.layout = new BatchLayout(spec);
  }

  /** How batches meet this model (input/output order, loss weights). */
  BatchLayout layout() {
    return layout;
  }

  /** A graph model of {@code spec}: what {@link ModelSpec#compile} returns. */
  public static Model graph(ModelSpec spec, Compile compile) {
    return new RuntimeModel(spec, compile, GraphExecutor.build(spec, compile));
  }

  /**
   * A graph model of {@code spec} holding {@code weights} from the start: what {@link ModelSpec#compile}
   * followed by {@link #setWeights} gives (the same checks, the same error for a missing, misshapen or
   * non-finite weight, raised before anything is built), without generating random initial values
   * that the weights would replace. A model read from a file is built this way.
   */
  public static Model graph(ModelSpec spec, Compile compile, Map<String, HostArray> weights) {
    java.util.Objects.requireNonNull(compile, "compile: compile settings must not be null");
    java.util.Objects.requireNonNull(weights, "weights must not be null");
    checkWeights(spec, weights);
    return new RuntimeModel(spec, compile, GraphExecutor.build(spec, compile, weights));
  }

  /**
   * The executor of this model (for the eager bridge and tests). The model a callback is given during
   * a multi-worker fit is bound to the fit's distributed executor.
   */
  public Executor executor() {
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
    arrays(inputs, "fit", "inputs");
    arrays(labels, "fit", "labels");
    nonNull(fit, "fit", "fit settings");
    return training(fit, (model, placement) -> {
      int examples = checkData(inputs, labels, "training");
      HostArray weights = fit.sampleWeights();
      if (weights != null && weights.examples() != examples) {
        throw new IllegalArgumentException("sample weights for " + weights.examples() + " examples, but the training"
            + " data has " + examples);
      }
      List<HostArray> trainX = inputs;
      List<HostArray> trainY = labels;
      Supplier<Map<String, Double>> validation = model.validation(fit);
      if (fit.validationSplit() > 0) {
        // Hold out the last examples, before shuffling, as Keras.
        int held = (int) (examples * fit.validationSplit());
        int kept = examples - held;
        if (held == 0 || kept == 0) {
          throw new IllegalArgumentException("validation split " + fit.validationSplit() + " of " + examples
              + " examples leaves " + kept + " for training and " + held + " for validation");
        }
        trainX = BatchLayout.slice(inputs, 0, kept);
        trainY = BatchLayout.slice(labels, 0, kept);
        List<HostArray> valX = BatchLayout.slice(inputs, kept, examples);
        List<HostArray> valY = BatchLayout.slice(labels, kept, examples);
        weights = weights == null ? null : weights.slice(0, kept);
        validation = () -> model.evaluate(valX, valY, Math.max(fit.batchSize(), 128));
      }
      long seed = fit.shuffleSeed() != null ? fit.shuffleSeed() : compile.seed();
      BatchSource data = BatchSource.arrays(trainX, trainY, weights, fit.batchSize(), fit.shuffle(), seed,
          Double.toString(fit.validationSplit()));
      return model.train(fit, data.training(model.executor, layout, fit.classWeights(), null), validation);
    });
  }

  @Override
  public History fit(Dataset data, Fit fit) {
    nonNull(data, "fit", "data");
    nonNull(fit, "fit", "fit settings");
    Batch arrays = data.asArrays();
    if (arrays != null) {
      // Plain arrays: Keras shuffles them by fit's settings and splits off validation data.
      Fit settings = fit;
      if (arrays.sampleWeights() != null) {
        if (fit.sampleWeights() != null) {
          throw new IllegalArgumentException("sample weights come with the dataset and with Fit: give them once");
        }
        settings = fit.sampleWeights(arrays.sampleWeights());
      }
      return fit(layout.inputs(arrays), layout.labels(arrays), settings);
    }
    return training(fit, (model, placement) -> {
      if (fit.validationSplit() > 0) {
        throw new IllegalArgumentException("a validation split needs arrays; with a dataset, give validation data"
            + " (Fit.validationData)");
      }
      if (fit.sampleWeights() != null) {
        throw new IllegalArgumentException("with a dataset, give sample weights in its batches, not in Fit");
      }
      TrainingData steps = BatchSource.of(data, fit.batchSize()).training(model.executor, layout, fit.classWeights(),
          (x, y) -> checkData(x, y, "training"));
      return model.train(fit, steps, model.validation(fit));
    });
  }

  /** A fit on data the fit's distribution reads itself (workers reading their own data). */
  @Override
  public History fit(Fit fit) {
    nonNull(fit, "fit", "fit settings");
    return training(fit, (model, placement) -> {
      long seed = fit.shuffleSeed() != null ? fit.shuffleSeed() : compile.seed();
      TrainingData data = placement.ownData(fit, seed);
      if (data == null) {
        throw new IllegalArgumentException("fit without data needs workers that read their own data:"
            + " Fit...distribution(Distribution.multiWorker(...).workerInput(stepsPerEpoch)); got " + fit.distribution());
      }
      return model.train(fit, data, model.validation(fit));
    });
  }

  private History train(Fit fit, TrainingData data, @Nullable Supplier<Map<String, Double>> validation) {
    return new Trainer(this, executor, fit, data, validation).run();
  }

  private @Nullable Supplier<Map<String, Double>> validation(Fit fit) {
    if (fit.validationInputs() != null) {
      checkData(fit.validationInputs(), fit.validationLabels(), "validation");
      return () -> evaluate(fit.validationInputs(), fit.validationLabels(), Math.max(fit.batchSize(), 128));
    }
    Dataset validation = fit.validationDataset();
    return validation == null ? null : () -> evaluate(validation, Math.max(fit.batchSize(), 128));
  }

  /** One fit's body: given the model bound to where the fit trains, and that placement. */
  private interface FitBody {
    History run(RuntimeModel model, FitPlacement placement);
  }

  /**
   * Runs one fit, one at a time: the fit's distribution places it (this model's executor, or
   * replicas that start from its state), the body trains on a model bound to the placement's
   * executor, and a fit that ends normally hands the trained state back ({@link FitPlacement#commit()}).
   */
  private History training(Fit fit, FitBody body) {
    requireOpen();
    if (!fitting.compareAndSet(false, true)) {
      throw new IllegalStateException("fit is already running on this model in another thread; a model trains"
          + " one fit at a time (predict and evaluate may run concurrently)");
    }
    try (FitPlacement placement = fit.distribution().place(spec, compile, executor)) {
      Executor where = placement.executor();
      History history = body.run(where == executor ? this : new RuntimeModel(spec, compile, where), placement);
      placement.commit();
      return history;
    } finally {
      fitting.set(false);
    }
  }

  @Override
  public Map<String, Double> evaluate(List<HostArray> inputs, List<HostArray> labels, int batchSize) {
    arrays(inputs, "evaluate", "inputs");
    arrays(labels, "evaluate", "labels");
    requireOpen();
    requireBatchSize(batchSize);
    int examples = checkData(inputs, labels, "evaluation");
    BatchLayout.Averages averages = new BatchLayout.Averages();
    for (int from = 0; from < examples; from += batchSize) {
      int to = (int) Math.min(examples, (long) from + batchSize);
      List<HostArray> x = BatchLayout.slice(inputs, from, to);
      List<HostArray> y = BatchLayout.slice(labels, from, to);
      averages.add(unlessClosed("evaluate", () -> executor.testBatch(x, y, null)), to - from);
    }
    return averages.means();
  }

  @Override
  public Map<String, Double> evaluate(Dataset data) {
    nonNull(data, "evaluate", "data");
    return evaluate(data, 128);
  }

  private Map<String, Double> evaluate(Dataset data, int batchSize) {
    requireOpen();
    BatchLayout.Averages averages = new BatchLayout.Averages();
    try (Dataset.Batches batches = data.batches(0, batchSize)) {
      while (batches.hasNext()) {
        Batch batch = batches.next();
        List<HostArray> x = layout.inputs(batch);
        List<HostArray> y = layout.labels(batch);
        checkData(x, y, "evaluation");
        averages.add(unlessClosed("evaluate", () -> executor.testBatch(x, y, batch.sampleWeights())), batch.examples());
      }
    }
    if (averages.isEmpty()) {
      throw new IllegalArgumentException("the evaluation dataset gave no examples");
    }
    return averages.means();
  }

  @Override
  public List<HostArray> predict(List<HostArray> inputs, int batchSize) {
    arrays(inputs, "predict", "inputs");
    requireOpen();
    requireBatchSize(batchSize);
    int examples = spec.checkInputs(inputs, "prediction");
    List<List<HostArray>> parts = new ArrayList<>();
    spec.outputs().forEach(o -> parts.add(new ArrayList<>()));
    for (int from = 0; from < examples; from += batchSize) {
      int to = (int) Math.min(examples, (long) from + batchSize);
      predictInto(parts, BatchLayout.slice(inputs, from, to), from);
    }
    return parts.stream().map(HostArray::concat).toList();
  }

  @Override
  public List<HostArray> predict(Dataset data) {
    nonNull(data, "predict", "data");
    requireOpen();
    List<List<HostArray>> parts = new ArrayList<>();
    spec.outputs().forEach(o -> parts.add(new ArrayList<>()));
    int seen = 0;
    try (Dataset.Batches batches = data.batches(0, 128)) {
      while (batches.hasNext()) {
        Batch batch = batches.next();
        List<HostArray> x = layout.inputs(batch);
        spec.checkInputs(x, "prediction");
        predictInto(parts, x, seen);
        seen += batch.examples();
      }
    }
    if (seen == 0) {
      throw new IllegalArgumentException("the prediction dataset gave no examples");
    }
    return parts.stream().map(HostArray::concat).toList();
  }

  private void predictInto(List<List<HostArray>> parts, List<HostArray> batch, int offset) {
    requireFinite(batch, offset);
    List<HostArray> out = unlessClosed("predict", () -> executor.predictBatch(batch));
    for (int i = 0; i < out.size(); i++) {
      parts.get(i).add(out.get(i));
    }
  }

  @Override
  public HostArray predictOne(HostArray example) {
    nonNull(example, "predictOne", "example");
    if (spec.inputs().size() != 1 || spec.outputs().size() != 1) {
      throw new IllegalArgumentException("predictOne needs a single-input, single-output model; this one has "
          + spec.inputs().size() + " inputs and " + spec.outputs().size() + " outputs: use predict(List, int)");
    }
    long[] expected = dev.topiary.dsl.layers.Shapes.withoutBatch(spec.inputs().get(0).shape());
    if (!java.util.Arrays.equals(example.shape(), expected) || example.dtype() != HostArray.DType.FLOAT32) {
      throw new IllegalArgumentException("predictOne takes one float example of shape " + java.util.Arrays.toString(expected)
          + " (no batch dimension), got " + example);
    }
    long[] batched = new long[expected.length + 1];
    batched[0] = 1;
    System.arraycopy(expected, 0, batched, 1, expected.length);
    HostArray out = predict(List.of(HostArray.of(example.floats(), batched)), 1).get(0);
    long[] shape = out.shape();
    return HostArray.ofFloats(out.floats(), java.util.Arrays.copyOfRange(shape, 1, shape.length));
  }

  @Override
  public int[] predictClasses(HostArray inputs) {
    nonNull(inputs, "predictClasses", "inputs");
    if (spec.outputs().size() != 1) {
      throw new IllegalArgumentException("predictClasses needs a single-output model; this one has "
          + spec.outputs().size() + " outputs");
    }
    HostArray out = predict(List.of(inputs), 128).get(0);
    long[] shape = out.shape();
    int width = shape.length < 2 ? 1 : (int) shape[shape.length - 1];
    float[] values = out.floats();
    float threshold = compile.loss() instanceof dev.topiary.dsl.training.Loss.BinaryCrossentropy b && b.fromLogits()
        ? 0f : 0.5f;
    int[] classes = width == 1 ? new int[values.length] : BatchLayout.argmaxRows(values, width);
    if (width == 1) {
      for (int i = 0; i < classes.length; i++) {
        classes[i] = values[i] > threshold ? 1 : 0;
      }
    }
    return classes;
  }

  /** NaN or infinite inputs give meaningless outputs: refuse them, naming the input and example. */
  private void requireFinite(List<HostArray> batch, int offset) {
    for (int i = 0; i < batch.size(); i++) {
      HostArray input = batch.get(i);
      int at = input.indexOfNonFinite(); // scans in place: predict copies nothing more for the check
      if (at >= 0) {
        long perExample = Math.max(1, java.util.Arrays.stream(input.exampleShape()).reduce(1, Math::multiplyExact));
        int example = (int) (at / perExample);
        float value = input.slice(example, example + 1).floats()[(int) (at % perExample)];
        throw new IllegalArgumentException("input '" + spec.inputName(spec.inputs().get(i)) + "' holds "
            + value + " in example " + (offset + example) + "; predictions need finite inputs");
      }
    }
  }

  /**
   * The training-pass loss on one batch, without training (gradient checks). A pruned graph model's state
   * is copied out and put back around it (its pruned reads pull in the pruning update), which for a large
   * model costs as much as a snapshot and a restore.
   */
  public float trainingLoss(List<HostArray> inputs, List<HostArray> labels) {
    arrays(inputs, "trainingLoss", "inputs");
    arrays(labels, "trainingLoss", "labels");
    requireOpen();
    checkData(inputs, labels, "loss");
    return executor.trainingLoss(inputs, labels);
  }

  @Override
  public Operand<TFloat32> call(Operand<TFloat32> input) {
    nonNull(input, "call", "input");
    requireOpen();
    if (spec.inputs().size() != 1) {
      throw new IllegalArgumentException("call(Operand) needs a single-input model; this one has " + spec.inputs().size());
    }
    return executor.call(input);
  }

  @Override
  public Model strip() {
    requireOpen();
    if (spec.prunedLayers().isEmpty()) {
      LOG.log(System.Logger.Level.WARNING, "strip(): this model has no pruning to strip; returning a plain copy");
    }
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
    requireOpen();
    return ModelSummary.of(spec, sparsity());
  }

  @Override
  public Map<String, HostArray> weights() {
    requireOpen();
    return unlessClosed("weights", executor::weights);
  }

  @Override
  public void setWeights(Map<String, HostArray> weights) {
    nonNull(weights, "setWeights", "weights");
    requireOpen();
    checkWeights(spec, weights);
    executor.loadWeights(weights);
  }

  /** What {@link #setWeights} accepts: every weight of {@code spec}, of its shape, finite. */
  private static void checkWeights(ModelSpec spec, Map<String, HostArray> weights) {
    Map<String, long[]> expected = new LinkedHashMap<>();
    spec.layers().forEach(l -> spec.weights(l).forEach(w -> expected.put(spec.variableName(l, w.name()), w.shape().asArray())));
    StateContract.checkWeights(expected, weights);
    for (var e : weights.entrySet()) {
      // Predictions refuse NaN inputs; a NaN weight would make every prediction NaN without a word.
      int at = e.getValue().indexOfNonFinite();
      if (at >= 0) {
        throw new IllegalArgumentException("weight '" + e.getKey() + "' holds " + e.getValue().floats()[at]
            + " at flat index " + at + "; weights must be finite");
      }
    }
  }

  /**
   * The pruned weights' measured sparsity; a model without pruning (e.g. a stripped one) reports the
   * real fraction of zeros of each weight its layers could prune.
   */
  @Override
  public Map<String, Double> sparsity() {
    requireOpen();
    Map<String, Double> pruned = executor.sparsity();
    if (!pruned.isEmpty()) {
      return pruned;
    }
    Map<String, HostArray> weights = executor.weights();
    Map<String, Double> out = new LinkedHashMap<>();
    for (var layer : spec.layers()) {
      for (var w : spec.weights(layer)) {
        if (layer.prunableWeights().contains(w.name())) {
          String name = spec.variableName(layer, w.name());
          float[] values = weights.get(name).floats();
          long zeros = 0;
          for (float v : values) {
            if (v == 0f) {
              zeros++;
            }
          }
          out.put(name, values.length == 0 ? 0.0 : (double) zeros / values.length);
        }
      }
    }
    return out;
  }

  @Override
  public Snapshot snapshot() {
    requireOpen();
    return unlessClosed("snapshot", executor::snapshot);
  }

  @Override
  public void restore(Snapshot snapshot) {
    nonNull(snapshot, "restore", "snapshot");
    requireOpen();
    StateContract.checkRestore(executor.stateLayout(), snapshot);
    executor.restore(snapshot);
  }

  @Override
  public void exportSavedModel(Path dir) throws IOException {
    nonNull(dir, "exportSavedModel", "directory");
    requireOpen();
    // The inference pass alone, in a graph of its own (see InferenceGraph): weights() are already
    // masked, so the stripped spec reads them as they are.
    // (A model without weights skips weights(): the graph executor cannot run an empty fetch.)
    boolean hasWeights = spec.layers().stream().anyMatch(l -> !spec.weights(l).isEmpty());
    InferenceGraph.export(spec.withoutPruning(), compile.seed(), hasWeights ? weights() : Map.of(), dir);
  }

  /**
   * The optimizer's current learning rate (Keras' {@code optimizer.learning_rate}), read from the
   * model state.
   *
   * @throws IllegalStateException when the learning rate follows a schedule (it then has no state)
   */
  @Override
  public double learningRate() {
    requireOpen();
    requireLearningRateVariable();
    return executor.read(StateContract.LEARNING_RATE).floats()[0];
  }

  /**
   * Sets the learning rate used from the next training step on (what ReduceLROnPlateau does).
   *
   * @throws IllegalStateException when the learning rate follows a schedule
   */
  @Override
  public void setLearningRate(double rate) {
    requireOpen();
    if (!(rate > 0) || Double.isInfinite(rate)) {
      throw new IllegalArgumentException("the learning rate must be a finite number > 0, got " + rate);
    }
    requireLearningRateVariable();
    executor.restore(new Snapshot(Map.of(StateContract.LEARNING_RATE, HostArray.ofFloats(new float[] {(float) rate}))));
  }

  private void requireLearningRateVariable() {
    if (!executor.stateLayout().containsKey(StateContract.LEARNING_RATE)) {
      throw new IllegalStateException("this model's optimizer (" + compile.optimizer() + ") has no learning-rate"
          + " variable: its learning rate follows a schedule, or the model was built for inference");
    }
  }

  @Override
  public long step() {
    requireOpen();
    return executor.step();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      executor.close();
    }
  }

  /**
   * Runs {@code body} on the executor; when the model was closed meanwhile (by another thread), the
   * executor's failure (TF's "run() cannot be called on the Session after close()") becomes this
   * model's own closed-model error, naming the call it interrupted.
   */
  private <T> T unlessClosed(String call, Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      if (closed) {
        throw new IllegalStateException("this model was closed while " + call + " ran: " + spec.kind()
            + " model with layers " + spec.layerNames() + "; build or load a new one", e);
      }
      throw e;
    }
  }

  /** Every call on a closed model fails with this, not with TensorFlow's session errors. */
  protected void requireOpen() {
    if (closed) {
      throw new IllegalStateException("this model is closed: " + spec.kind() + " model with layers "
          + spec.layerNames() + "; build or load a new one");
    }
  }

  @Override
  public String toString() {
    return (executor.mode() == ExecutionMode.GRAPH ? "GraphModel" : "EagerModel") + "(" + spec
        + (closed ? ", closed" : ", step " + executor.step()) + ")";
  }

  // ---- checks and batches, shared by fit, evaluate and predict ----------------------------------

  /**
   * A null argument fails at the entry point with the call and the argument named, not as a bare
   * NullPointerException from deep inside the training loop.
   */
  static <T> T nonNull(@Nullable T value, String call, String what) {
    if (value == null) {
      throw new NullPointerException(call + ": " + what + " must not be null");
    }
    return value;
  }

  /** {@link #nonNull} for a list of arrays and each of its elements ({@code fit: inputs[1] must not be null}). */
  static List<HostArray> arrays(@Nullable List<HostArray> arrays, String call, String what) {
    nonNull(arrays, call, what);
    for (int i = 0; i < arrays.size(); i++) {
      nonNull(arrays.get(i), call, what + "[" + i + "]");
    }
    return arrays;
  }

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
}
