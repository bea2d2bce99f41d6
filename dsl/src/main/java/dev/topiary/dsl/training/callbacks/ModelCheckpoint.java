package dev.topiary.dsl.training.callbacks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.training.Callback;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Keras' {@code ModelCheckpoint}: saves the model at epoch ends, every epoch or only when the monitored
 * metric improves.
 *
 * <p>The path may hold placeholders in Python's format syntax, as Keras': {@code {epoch}} (1-based, as
 * Keras) and any log key, optionally with a format spec: {@code "ckpt/{epoch:02d}-{val_loss:.4f}"}
 * (specs: zero padding, width, precision and {@code d f e g %}; {@code {{} and {@code }}} are literal
 * braces). A placeholder naming no log fails, listing the available ones.
 *
 * <p>A full save is {@link ModelFiles#save} (an atomic model directory, loaded with
 * {@link ModelFiles#load}); with {@code saveWeightsOnly} it is one atomic {@link SnapshotFile} of
 * {@link Model#weights()} (read back with {@link #loadWeights}). Parent directories are created.
 *
 * <p>With {@code saveBestOnly}, a save happens only when the metric beats the best so far (starting
 * from {@code initialValueThreshold} if given); with a fixed path, the file then always holds the best
 * model. The monitored metric missing from the logs is an error (see the package description).
 * Saving happens at epoch ends only (Keras' {@code save_freq="epoch"}).
 */
public final class ModelCheckpoint implements Callback {
  private static final Pattern FIELD = Pattern.compile("\\{([^{}:]+)(?::([^{}]*))?}");
  private static final Pattern SPEC = Pattern.compile("(0)?(\\d+)?(?:\\.(\\d+))?([dfeEgG%])?");

  private final String path;
  private final Monitor monitor;
  private final boolean saveBestOnly;
  private final boolean saveWeightsOnly;
  private final @Nullable Double initialValueThreshold;
  private double best;
  private @Nullable Path lastSaved;

  /**
   * @param path where to save, with optional placeholders
   * @param monitor the metric that decides what is best
   * @param saveBestOnly save only improvements of {@code monitor}
   * @param saveWeightsOnly save the weights (one file), not the model directory
   * @param mode whether {@code monitor} should go down or up
   * @param initialValueThreshold the value the first save must beat, or null
   */
  public ModelCheckpoint(String path, String monitor, boolean saveBestOnly, boolean saveWeightsOnly, Mode mode,
      @Nullable Double initialValueThreshold) {
    this.path = Objects.requireNonNull(path, "path");
    if (path.isBlank()) {
      throw new IllegalArgumentException("ModelCheckpoint needs a path");
    }
    this.monitor = new Monitor("ModelCheckpoint", monitor, mode);
    this.saveBestOnly = saveBestOnly;
    this.saveWeightsOnly = saveWeightsOnly;
    this.initialValueThreshold = initialValueThreshold;
    this.best = initialValueThreshold != null ? initialValueThreshold : this.monitor.worst();
  }

  /** Keras' defaults (monitor {@code val_loss}, save every epoch, the whole model) for {@code path}. */
  public static Builder builder(String path) {
    return new Builder(path);
  }

  public static Builder builder(Path path) {
    return new Builder(path.toString());
  }

  /** Saves the whole model to {@code path} whenever {@code monitor} improves. */
  public static ModelCheckpoint bestOnly(Path path, String monitor) {
    return builder(path).monitor(monitor).saveBestOnly(true).build();
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    best = initialValueThreshold != null ? initialValueThreshold : monitor.worst();
    lastSaved = null;
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
    Path file = Path.of(format(path, epoch + 1, logs));
    if (saveBestOnly) {
      double current = monitor.value(logs);
      if (!monitor.improves(current, best, 0)) {
        return;
      }
      best = current;
    }
    try {
      save(context.model(), file, epoch);
    } catch (IOException e) {
      throw new UncheckedIOException("ModelCheckpoint could not save to " + file + ": " + e.getMessage(), e);
    }
    lastSaved = file;
  }

  private void save(Model model, Path file, int epoch) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (saveWeightsOnly) {
      SnapshotFile.write(file, new Snapshot(model.weights()), Map.of("content", "weights", "epoch",
          Integer.toString(epoch + 1), "step", Long.toString(model.step())));
    } else {
      ModelFiles.save(model, file);
    }
  }

  /** Loads weights saved with {@code saveWeightsOnly} into {@code model} (every weight, exact shapes). */
  public static void loadWeights(Model model, Path file) throws IOException {
    model.setWeights(SnapshotFile.read(file).snapshot().variables());
  }

  /** The file or directory of the last save of the last fit, or null. */
  public @Nullable Path lastSaved() {
    return lastSaved;
  }

  /** The best monitored value seen (with {@code saveBestOnly}). */
  public double best() {
    return best;
  }

  /**
   * {@code pattern} with {@code {epoch}} and log placeholders filled in, Python-format style.
   *
   * @throws IllegalArgumentException for an unknown placeholder (listing the known ones) or spec
   */
  static String format(String pattern, int epoch, Map<String, Double> logs) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < pattern.length()) {
      char c = pattern.charAt(i);
      if (c == '{' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '{') {
        out.append('{');
        i += 2;
      } else if (c == '}' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '}') {
        out.append('}');
        i += 2;
      } else if (c == '{') {
        Matcher m = FIELD.matcher(pattern);
        if (!m.find(i) || m.start() != i) {
          throw new IllegalArgumentException("ModelCheckpoint path '" + pattern + "': unclosed or empty placeholder at "
              + i);
        }
        String name = m.group(1);
        String spec = m.group(2) == null ? "" : m.group(2);
        if (name.equals("epoch")) {
          out.append(formatValue(pattern, name, spec, epoch, true));
        } else {
          Double v = logs.get(name);
          if (v == null) {
            throw new IllegalArgumentException("ModelCheckpoint path '" + pattern + "' names '" + name
                + "', which is not in the logs; available: epoch and " + logs.keySet());
          }
          out.append(formatValue(pattern, name, spec, v, false));
        }
        i = m.end();
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  private static String formatValue(String pattern, String name, String spec, double value, boolean integer) {
    Matcher m = SPEC.matcher(spec);
    if (!m.matches()) {
      throw new IllegalArgumentException("ModelCheckpoint path '" + pattern + "': unsupported format spec '" + spec
          + "' for '" + name + "' (supported: [0][width][.precision][d|f|e|g|%])");
    }
    String zero = m.group(1) != null ? "0" : "";
    String width = m.group(2) != null ? m.group(2) : "";
    String precision = m.group(3) != null ? "." + m.group(3) : "";
    String type = m.group(4);
    if (type == null && precision.isEmpty() && !integer) {
      // Python's str() of a float, padded on the left to the width.
      String plain = Double.toString(value);
      int pad = width.isEmpty() ? 0 : Math.max(0, Integer.parseInt(width) - plain.length());
      return (zero.isEmpty() ? " " : "0").repeat(pad) + plain;
    }
    if ("d".equals(type) || (type == null && integer)) {
      if (!integer && value != Math.rint(value)) {
        throw new IllegalArgumentException("ModelCheckpoint path '" + pattern + "': '" + name + "' is " + value
            + ", not a whole number, for format 'd'");
      }
      return String.format(Locale.ROOT, "%" + zero + width + "d", (long) value);
    }
    if ("%".equals(type)) {
      return String.format(Locale.ROOT, "%" + zero + width + (precision.isEmpty() ? ".6" : precision) + "f", value * 100)
          + "%";
    }
    return String.format(Locale.ROOT, "%" + zero + width + precision + (type == null ? "g" : type), value);
  }

  @Override
  public String toString() {
    return "ModelCheckpoint[path=" + path + ", monitor=" + monitor.name() + ", saveBestOnly=" + saveBestOnly
        + ", saveWeightsOnly=" + saveWeightsOnly + "]";
  }

  /** Settings at Keras' defaults. */
  public static final class Builder {
    private final String path;
    private String monitor = "val_loss";
    private boolean saveBestOnly;
    private boolean saveWeightsOnly;
    private Mode mode = Mode.AUTO;
    private @Nullable Double initialValueThreshold;

    private Builder(String path) {
      this.path = path;
    }

    public Builder monitor(String monitor) {
      this.monitor = monitor;
      return this;
    }

    public Builder saveBestOnly(boolean saveBestOnly) {
      this.saveBestOnly = saveBestOnly;
      return this;
    }

    public Builder saveWeightsOnly(boolean saveWeightsOnly) {
      this.saveWeightsOnly = saveWeightsOnly;
      return this;
    }

    public Builder mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    public Builder initialValueThreshold(@Nullable Double threshold) {
      this.initialValueThreshold = threshold;
      return this;
    }

    public ModelCheckpoint build() {
      return new ModelCheckpoint(path, monitor, saveBestOnly, saveWeightsOnly, mode, initialValueThreshold);
    }
  }
}
