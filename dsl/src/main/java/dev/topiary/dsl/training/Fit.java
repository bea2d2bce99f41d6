package dev.topiary.dsl.training;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * How {@code fit} runs: epochs, batch size, shuffling, validation, callbacks, progress, TensorBoard
 * and checkpoints. Immutable, Keras defaults: 1 epoch, batch 32, shuffled, no validation. Each
 * setter returns a changed copy, so settings can be shared and varied:
 *
 * <pre>{@code Fit.ofEpochs(4).batchSize(128).validationSplit(0.1).callbacks(myCallback)}</pre>
 *
 * or, from a mutable {@link Builder}: {@code Fit.builder().epochs(4).batchSize(128).build()}.
 */
public final class Fit {
  private final Builder b;

  private Fit(Builder b) {
    b.validate();
    this.b = b.copy();
  }

  /**
   * Settings for {@code epochs} epochs, every other setting at its default. (Named apart from the
   * instance {@link #epochs(int)}: a static {@code epochs} was callable through an instance and
   * silently dropped that instance's settings.)
   */
  public static Fit ofEpochs(int epochs) {
    return builder().epochs(epochs).build();
  }

  /** A mutable builder at the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding these settings. */
  public Builder toBuilder() {
    return b.copy();
  }

  private Fit with(Consumer<Builder> change) {
    Builder copy = b.copy();
    change.accept(copy);
    return copy.build();
  }

  /** These settings with {@code epochs} epochs (>= 1). */
  public Fit epochs(int epochs) {
    return with(c -> c.epochs(epochs));
  }

  public Fit batchSize(int batchSize) {
    return with(c -> c.batchSize(batchSize));
  }

  /** Shuffle the training examples every epoch (default), with the model seed unless {@link #shuffleSeed(long)}. */
  public Fit shuffle(boolean shuffle) {
    return with(c -> c.shuffle(shuffle));
  }

  public Fit shuffleSeed(long seed) {
    return with(c -> c.shuffleSeed(seed));
  }

  /** Hold out the last {@code fraction} of the examples (before shuffling, as Keras) for validation. */
  public Fit validationSplit(double fraction) {
    return with(c -> c.validationSplit(fraction));
  }

  public Fit validationData(HostArray inputs, HostArray labels) {
    return validationData(Collections.singletonList(inputs), Collections.singletonList(labels));
  }

  public Fit validationData(List<HostArray> inputs, List<HostArray> labels) {
    return with(c -> c.validationData(inputs, labels));
  }

  /** Validate on a dataset after each epoch (for {@code fit} on arrays or on a dataset). */
  public Fit validationData(Dataset validation) {
    return with(c -> c.validationData(validation));
  }

  /**
   * Per-example loss weights of the training arrays ([examples] floats; Keras' {@code sample_weight}).
   * For a {@link Dataset}, give the weights in its batches instead.
   */
  public Fit sampleWeights(HostArray weights) {
    return with(c -> c.sampleWeights(weights));
  }

  /**
   * Loss weight per class index (Keras' {@code class_weight}), for single-output models; classes
   * not listed weigh 1. Multiplies any sample weights.
   */
  public Fit classWeights(Map<Integer, Double> weights) {
    return with(c -> c.classWeights(weights));
  }

  /** Replaces the user callbacks; they run after the built-in ones, in this order. */
  public Fit callbacks(Callback... callbacks) {
    Objects.requireNonNull(callbacks, "Fit.callbacks: callbacks must not be null");
    return with(c -> c.callbacks(Arrays.asList(callbacks)));
  }

  /** Where progress lines go; {@link ProgressSink#silent()} for none. */
  public Fit progress(ProgressSink progress) {
    return with(c -> c.progress(progress));
  }

  /**
   * Save a {@link Checkpoint} to {@code file} at every epoch end and, if {@code everySteps} > 0,
   * every that many training steps (mid-epoch). Each save replaces the last atomically.
   */
  public Fit checkpoints(Path file, int everySteps) {
    return with(c -> c.checkpoints(file, everySteps));
  }

  /**
   * Continue an interrupted {@code fit} from {@code checkpoint} (restore it into the model first):
   * from its epoch and batch, with the same settings and data; the run ends exactly as the
   * uninterrupted one would.
   */
  public Fit resumeFrom(Checkpoint checkpoint) {
    return with(c -> c.resumeFrom(checkpoint));
  }

  /** Where training runs (default {@link Distribution#local()}). */
  public Fit distribution(Distribution distribution) {
    return with(c -> c.distribution(distribution));
  }

  /** Write TensorBoard event files (loss, metrics, per-weight sparsity and threshold) under {@code dir}. */
  public Fit tensorBoard(Path dir) {
    return with(c -> c.tensorBoard(dir));
  }

  public int epochs() {
    return b.epochs;
  }

  public int batchSize() {
    return b.batchSize;
  }

  public boolean shuffle() {
    return b.shuffle;
  }

  public @Nullable Long shuffleSeed() {
    return b.shuffleSeed;
  }

  public double validationSplit() {
    return b.validationSplit;
  }

  public @Nullable List<HostArray> validationInputs() {
    return b.validationInputs;
  }

  public @Nullable List<HostArray> validationLabels() {
    return b.validationLabels;
  }

  public @Nullable Dataset validationDataset() {
    return b.validationDataset;
  }

  public @Nullable HostArray sampleWeights() {
    return b.sampleWeights;
  }

  /** Class weights by class index; empty for none. */
  public Map<Integer, Double> classWeights() {
    return b.classWeights;
  }

  public List<Callback> callbacks() {
    return List.copyOf(b.callbacks);
  }

  public ProgressSink progress() {
    return b.progress;
  }

  public @Nullable Path tensorBoardDir() {
    return b.tensorBoardDir;
  }

  public Distribution distribution() {
    return b.distribution;
  }

  public @Nullable Path checkpointFile() {
    return b.checkpointFile;
  }

  public int checkpointEvery() {
    return b.checkpointEvery;
  }

  public @Nullable Checkpoint resumeFrom() {
    return b.resumeFrom;
  }

  /** The settings that differ from the defaults, e.g. {@code Fit(epochs 4, batch 128, validation split 0.1)}. */
  @Override
  public String toString() {
    Builder d = new Builder();
    List<String> parts = new ArrayList<>();
    parts.add("epochs " + b.epochs);
    parts.add("batch " + b.batchSize);
    if (b.shuffle != d.shuffle) {
      parts.add("no shuffle");
    }
    if (b.shuffleSeed != null) {
      parts.add("shuffle seed " + b.shuffleSeed);
    }
    if (b.validationSplit > 0) {
      parts.add("validation split " + b.validationSplit);
    }
    if (b.validationInputs != null || b.validationDataset != null) {
      parts.add("validation data");
    }
    if (b.sampleWeights != null) {
      parts.add("sample weights");
    }
    if (!b.classWeights.isEmpty()) {
      parts.add("class weights " + b.classWeights);
    }
    if (!b.callbacks.isEmpty()) {
      parts.add(b.callbacks.size() + " callback(s)");
    }
    if (b.tensorBoardDir != null) {
      parts.add("TensorBoard " + b.tensorBoardDir);
    }
    if (b.checkpointFile != null) {
      parts.add("checkpoints " + b.checkpointFile + (b.checkpointEvery > 0 ? " every " + b.checkpointEvery + " steps" : ""));
    }
    if (b.resumeFrom != null) {
      parts.add("resume from " + b.resumeFrom);
    }
    if (b.distribution != Distribution.local()) {
      parts.add(b.distribution.toString());
    }
    return "Fit(" + String.join(", ", parts) + ")";
  }

  /** Mutable settings; {@link #build()} checks them and makes an immutable {@link Fit}. */
  public static final class Builder {
    private int epochs = 1;
    private int batchSize = 32;
    private boolean shuffle = true;
    private @Nullable Long shuffleSeed;
    private double validationSplit;
    private @Nullable List<HostArray> validationInputs;
    private @Nullable List<HostArray> validationLabels;
    private @Nullable Dataset validationDataset;
    private @Nullable HostArray sampleWeights;
    private Map<Integer, Double> classWeights = Map.of();
    private List<Callback> callbacks = List.of();
    private ProgressSink progress = ProgressSink.console();
    private @Nullable Path tensorBoardDir;
    private Distribution distribution = Distribution.local();
    private @Nullable Path checkpointFile;
    private int checkpointEvery;
    private @Nullable Checkpoint resumeFrom;

    private Builder() {}

    public Builder epochs(int epochs) {
      this.epochs = epochs;
      return this;
    }

    public Builder batchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    public Builder shuffle(boolean shuffle) {
      this.shuffle = shuffle;
      return this;
    }

    public Builder shuffleSeed(long seed) {
      this.shuffleSeed = seed;
      return this;
    }

    public Builder validationSplit(double fraction) {
      this.validationSplit = fraction;
      return this;
    }

    public Builder validationData(List<HostArray> inputs, List<HostArray> labels) {
      elements(inputs, "validationData", "validation inputs");
      elements(labels, "validationData", "validation labels");
      this.validationInputs = List.copyOf(inputs);
      this.validationLabels = List.copyOf(labels);
      return this;
    }

    public Builder validationData(Dataset validation) {
      Objects.requireNonNull(validation, "Fit.validationData: validation dataset must not be null");
      this.validationDataset = validation;
      return this;
    }

    public Builder sampleWeights(HostArray weights) {
      Objects.requireNonNull(weights, "Fit.sampleWeights: weights must not be null");
      if (weights.dtype() != HostArray.DType.FLOAT32 || weights.shape().length != 1) {
        throw new IllegalArgumentException("sample weights must be float of shape [examples], got " + weights);
      }
      this.sampleWeights = weights;
      return this;
    }

    public Builder classWeights(Map<Integer, Double> weights) {
      Objects.requireNonNull(weights, "Fit.classWeights: weights must not be null");
      weights.forEach((k, v) -> {
        if (k == null || k < 0 || v == null || !Double.isFinite(v) || v < 0) {
          throw new IllegalArgumentException("class weights map class indices >= 0 to finite weights >= 0, got "
              + k + " -> " + v);
        }
      });
      this.classWeights = Map.copyOf(weights);
      return this;
    }

    public Builder callbacks(List<Callback> callbacks) {
      elements(callbacks, "callbacks", "callbacks");
      this.callbacks = List.copyOf(callbacks);
      return this;
    }

    /** Adds one callback after those already set. */
    public Builder callback(Callback callback) {
      Objects.requireNonNull(callback, "Fit.callback: callback must not be null");
      List<Callback> all = new ArrayList<>(callbacks);
      all.add(callback);
      this.callbacks = List.copyOf(all);
      return this;
    }

    /** Where progress lines go; null means the console (the default). */
    public Builder progress(@Nullable ProgressSink progress) {
      this.progress = progress == null ? ProgressSink.console() : progress;
      return this;
    }

    public Builder tensorBoard(Path dir) {
      Objects.requireNonNull(dir, "Fit.tensorBoard: directory must not be null");
      this.tensorBoardDir = dir;
      return this;
    }

    /** Where training runs; null means {@link Distribution#local()} (the default). */
    public Builder distribution(@Nullable Distribution distribution) {
      this.distribution = distribution == null ? Distribution.local() : distribution;
      return this;
    }

    public Builder checkpoints(Path file, int everySteps) {
      Objects.requireNonNull(file, "Fit.checkpoints: checkpoint file must not be null");
      this.checkpointFile = file;
      this.checkpointEvery = everySteps;
      return this;
    }

    public Builder resumeFrom(Checkpoint checkpoint) {
      Objects.requireNonNull(checkpoint, "Fit.resumeFrom: checkpoint must not be null");
      this.resumeFrom = checkpoint;
      return this;
    }

    /**
     * Fails with the setter and argument named ({@code Fit.callbacks: callbacks[1] must not be
     * null}), where {@code List.copyOf} would throw a bare NullPointerException.
     */
    private static void elements(@Nullable List<?> list, String setter, String what) {
      Objects.requireNonNull(list, "Fit." + setter + ": " + what + " must not be null");
      for (int i = 0; i < list.size(); i++) {
        Objects.requireNonNull(list.get(i), "Fit." + setter + ": " + what + "[" + i + "] must not be null");
      }
    }

    public Fit build() {
      return new Fit(this);
    }

    private void validate() {
      if (epochs < 1) {
        throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
      }
      if (!(validationSplit >= 0 && validationSplit < 1)) {
        throw new IllegalArgumentException("validation split must be in [0, 1), got " + validationSplit);
      }
      if (validationInputs != null && validationDataset != null) {
        throw new IllegalArgumentException("give validation arrays or a validation dataset, not both");
      }
      if (validationSplit > 0 && (validationInputs != null || validationDataset != null)) {
        throw new IllegalArgumentException("give either a validation split or validation data, not both");
      }
      if (checkpointEvery < 0) {
        throw new IllegalArgumentException("checkpoint interval must be >= 0 steps (0: at epoch ends only), got "
            + checkpointEvery);
      }
    }

    private Builder copy() {
      Builder c = new Builder();
      c.epochs = epochs;
      c.batchSize = batchSize;
      c.shuffle = shuffle;
      c.shuffleSeed = shuffleSeed;
      c.validationSplit = validationSplit;
      c.validationInputs = validationInputs;
      c.validationLabels = validationLabels;
      c.validationDataset = validationDataset;
      c.sampleWeights = sampleWeights;
      c.classWeights = classWeights;
      c.callbacks = callbacks;
      c.progress = progress;
      c.tensorBoardDir = tensorBoardDir;
      c.distribution = distribution;
      c.checkpointFile = checkpointFile;
      c.checkpointEvery = checkpointEvery;
      c.resumeFrom = resumeFrom;
      return c;
    }
  }
}
