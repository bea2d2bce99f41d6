package dev.topiary.dsl;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.History;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.types.TFloat32;

/** The host side of training and inference: batching, shuffling, averaging, progress, callbacks. */
final class FitLoop {
  private final GraphModel model;
  private final Fit fit;
  private boolean stopRequested;

  FitLoop(GraphModel model, Fit fit) {
    this.model = model;
    this.fit = fit;
  }

  History run(List<HostArray> inputs, List<HostArray> labels) {
    if (fit.distribution() instanceof dev.topiary.dsl.training.Distribution.MultiWorker) {
      throw new UnsupportedOperationException("multi-worker training is not implemented in this version of"
          + " Topiary; train with Distribution.local()");
    }
    int examples = checkData(model, inputs, labels, "training");
    List<HostArray> trainX = inputs;
    List<HostArray> trainY = labels;
    List<HostArray> valX = fit.validationInputs();
    List<HostArray> valY = fit.validationLabels();
    if (fit.validationSplit() > 0) {
      int held = (int) (examples * fit.validationSplit());
      int kept = examples - held;
      if (held == 0 || kept == 0) {
        throw new IllegalArgumentException("validation split " + fit.validationSplit() + " of " + examples
            + " examples leaves " + kept + " for training and " + held + " for validation");
      }
      trainX = slice(inputs, 0, kept);
      trainY = slice(labels, 0, kept);
      valX = slice(inputs, kept, examples);
      valY = slice(labels, kept, examples);
      examples = kept;
    }
    if (valX != null) {
      checkData(model, valX, valY, "validation");
    }
    long seed = fit.shuffleSeed() != null ? fit.shuffleSeed() : model.compileSettings().seed();
    int batches = (examples + fit.batchSize() - 1) / fit.batchSize();
    String fingerprint = "examples=" + examples + ",batch=" + fit.batchSize() + ",split=" + fit.validationSplit()
        + ",shuffle=" + fit.shuffle() + ",seed=" + seed;
    int firstEpoch = 0;
    int firstBatch = 0;
    if (fit.resumeFrom() != null) {
      Checkpoint c = fit.resumeFrom();
      if (!c.fingerprint().equals(fingerprint)) {
        throw new IllegalArgumentException("the checkpoint was taken with other training settings or data ("
            + c.fingerprint() + ") than this fit (" + fingerprint + ")");
      }
      if (model.step() != c.step()) {
        throw new IllegalArgumentException("restore the checkpoint into the model before resuming: the model is at step "
            + model.step() + ", the checkpoint at step " + c.step());
      }
      firstEpoch = c.epoch();
      firstBatch = c.batch();
    }
    TensorBoardWriter board = fit.tensorBoardDir() == null ? null : model.tensorBoard(fit.tensorBoardDir());
    Callback.TrainingControl control = () -> stopRequested = true;
    List<Map<String, Double>> history = new ArrayList<>();

    long step = model.step();
    for (int epoch = firstEpoch; epoch < fit.epochs() && !stopRequested; epoch++) {
      long start = System.nanoTime();
      fit.progress().epochStart(epoch, fit.epochs(), batches);
      // Each epoch's order depends only on (seed, epoch), so a resumed run sees the same batches.
      int[] order = order(examples, fit.shuffle(), seed, epoch);
      Averages running = new Averages();
      for (int b = epoch == firstEpoch ? firstBatch : 0; b < batches && !stopRequested; b++) {
        int[] idx = Arrays.copyOfRange(order, b * fit.batchSize(), Math.min(examples, (b + 1) * fit.batchSize()));
        Map<String, Double> batchLogs = runBatch(model, gather(trainX, idx), gather(trainY, idx),
            model.trainObjectives, step++, true);
        double loss = batchLogs.get("loss");
        if (!Double.isFinite(loss)) {
          throw new TrainingDivergedException("loss became " + loss + " at epoch " + (epoch + 1) + ", batch "
              + (b + 1) + "; lower the learning rate or check the data for NaN/infinite values");
        }
        running.add(batchLogs, idx.length);
        if (board != null) {
          board.writeStep(step - 1, batchLogs);
        }
        if (fit.checkpointFile() != null && fit.checkpointEvery() > 0 && step % fit.checkpointEvery() == 0
            && b + 1 < batches) {
          save(epoch, b + 1, fingerprint);
        }
        for (Callback c : fit.callbacks()) {
          c.onBatchEnd(epoch, b, running.means(), control);
        }
        fit.progress().batchEnd(b, batches, running.means());
      }
      Map<String, Double> logs = new LinkedHashMap<>(running.means());
      if (valX != null) {
        evaluate(model, valX, valY, Math.max(fit.batchSize(), 128)).forEach((k, v) -> logs.put("val_" + k, v));
      }
      Double sparsity = overallSparsity(model);
      if (sparsity != null) {
        logs.put("sparsity", sparsity);
      }
      history.add(java.util.Collections.unmodifiableMap(logs));
      if (fit.checkpointFile() != null && !stopRequested) {
        save(epoch + 1, 0, fingerprint);
      }
      if (board != null) {
        board.writeEpoch(epoch, logs);
      }
      for (Callback c : fit.callbacks()) {
        c.onEpochEnd(epoch, logs, control);
      }
      fit.progress().epochEnd(epoch, fit.epochs(), logs, Duration.ofNanos(System.nanoTime() - start));
    }
    return new History(history);
  }

  private void save(int epoch, int batch, String fingerprint) {
    try {
      Checkpoint.of(model, epoch, batch, fingerprint).write(fit.checkpointFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write the checkpoint " + fit.checkpointFile() + ": "
          + e.getMessage(), e);
    }
  }

  private static int[] order(int examples, boolean shuffle, long seed, int epoch) {
    int[] order = new int[examples];
    for (int i = 0; i < examples; i++) {
      order[i] = i;
    }
    if (shuffle) {
      shuffle(order, new Random(Seeds.mix(seed, "epoch " + epoch)));
    }
    return order;
  }

  /** Size-weighted fraction of zeros over all pruned weights, or null without pruning. */
  static Double overallSparsity(GraphModel model) {
    Map<String, Double> perWeight = model.sparsity();
    if (perWeight.isEmpty()) {
      return null;
    }
    Map<String, Long> sizes = model.prunedSizes();
    double zeros = 0;
    long total = 0;
    for (var e : perWeight.entrySet()) {
      zeros += e.getValue() * sizes.get(e.getKey());
      total += sizes.get(e.getKey());
    }
    return zeros / total;
  }

  static Map<String, Double> evaluate(GraphModel model, List<HostArray> inputs, List<HostArray> labels, int batchSize) {
    requireBatchSize(batchSize);
    int examples = checkData(model, inputs, labels, "evaluation");
    Averages averages = new Averages();
    for (int from = 0; from < examples; from += batchSize) {
      int to = Math.min(examples, from + batchSize);
      averages.add(runBatch(model, slice(inputs, from, to), slice(labels, from, to), model.evalObjectives, -1, false),
          to - from);
    }
    return averages.means();
  }

  static List<HostArray> predict(GraphModel model, List<HostArray> inputs, int batchSize) {
    requireBatchSize(batchSize);
    int examples = checkInputs(model, inputs, "prediction");
    List<List<HostArray>> parts = new ArrayList<>();
    model.inferenceOutputs.forEach(o -> parts.add(new ArrayList<>()));
    for (int from = 0; from < examples; from += batchSize) {
      int to = Math.min(examples, from + batchSize);
      List<Tensor> feeds = tensors(slice(inputs, from, to));
      try {
        Session.Runner runner = model.session().runner();
        feedAll(runner, model.inputFeeds, feeds);
        model.inferenceOutputs.forEach(runner::fetch);
        try (Result r = runner.run()) {
          for (int i = 0; i < parts.size(); i++) {
            parts.get(i).add(HostArray.fromTensor((TFloat32) r.get(i)));
          }
        }
      } finally {
        feeds.forEach(Tensor::close);
      }
    }
    return parts.stream().map(HostArray::concat).toList();
  }

  static float loss(GraphModel model, List<HostArray> x, List<HostArray> y, GraphModel.Objectives objectives) {
    checkData(model, x, y, "loss");
    return runBatch(model, x, y, objectives, model.step(), false).get("loss").floatValue();
  }

  /**
   * One batch through {@code objectives}; {@code step} (fed when >= 0) seeds the training pass's
   * random ops, and {@code train} also runs the training step.
   */
  private static Map<String, Double> runBatch(GraphModel model, List<HostArray> x, List<HostArray> y,
      GraphModel.Objectives objectives, long step, boolean train) {
    List<Tensor> feeds = new ArrayList<>(tensors(x));
    try {
      List<Tensor> labelTensors = tensors(y);
      feeds.addAll(labelTensors);
      Session.Runner runner = model.session().runner();
      feedAll(runner, model.inputFeeds, feeds.subList(0, x.size()));
      feedAll(runner, model.labelFeeds, labelTensors);
      if (step >= 0) {
        Tensor stepTensor = org.tensorflow.types.TInt64.scalarOf(step);
        feeds.add(stepTensor);
        runner.feed(model.stepFeed, stepTensor);
      }
      if (train) {
        runner.addTarget(model.trainStep);
      }
      runner.fetch(objectives.loss());
      objectives.metrics().values().forEach(runner::fetch);
      Map<String, Double> logs = new LinkedHashMap<>();
      try (Result r = runner.run()) {
        logs.put("loss", (double) ((TFloat32) r.get(0)).getFloat());
        int i = 1;
        for (String name : objectives.metrics().keySet()) {
          logs.put(name, (double) ((TFloat32) r.get(i++)).getFloat());
        }
      }
      return logs;
    } finally {
      feeds.forEach(Tensor::close);
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void feedAll(Session.Runner runner, List<? extends Operand<?>> placeholders, List<Tensor> values) {
    for (int i = 0; i < placeholders.size(); i++) {
      runner.feed((Operand) placeholders.get(i), values.get(i));
    }
  }

  private static List<Tensor> tensors(List<HostArray> arrays) {
    List<Tensor> out = new ArrayList<>();
    try {
      for (HostArray a : arrays) {
        out.add(a.toTensor());
      }
      return out;
    } catch (RuntimeException e) {
      out.forEach(Tensor::close);
      throw e;
    }
  }

  private static int checkInputs(GraphModel model, List<HostArray> inputs, String what) {
    return model.spec().checkInputs(inputs, what);
  }

  static int checkData(GraphModel model, List<HostArray> inputs, List<HostArray> labels, String what) {
    int examples = checkInputs(model, inputs, what);
    ModelSpec spec = model.spec();
    if (labels == null || labels.size() != spec.outputs().size()) {
      throw new IllegalArgumentException("the model has " + spec.outputs().size() + " output(s) but "
          + (labels == null ? 0 : labels.size()) + " " + what + " label array(s) were given");
    }
    for (int i = 0; i < labels.size(); i++) {
      Node out = spec.outputs().get(i);
      model.compileSettings().loss().checkLabels(spec.outputName(i), out.shape(), labels.get(i));
      if (labels.get(i).examples() != examples) {
        throw new IllegalArgumentException(what + " labels for output '" + spec.outputName(i) + "' have "
            + labels.get(i).examples() + " examples but the inputs have " + examples);
      }
    }
    return examples;
  }

  private static void requireBatchSize(int batchSize) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    }
  }

  private static List<HostArray> slice(List<HostArray> arrays, int from, int to) {
    return arrays.stream().map(a -> a.slice(from, to)).toList();
  }

  private static List<HostArray> gather(List<HostArray> arrays, int[] idx) {
    return arrays.stream().map(a -> a.gather(idx)).toList();
  }

  private static void shuffle(int[] order, Random random) {
    for (int i = order.length - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
  }

  /** Example-weighted running means of batch logs. */
  private static final class Averages {
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
