package dev.topiary.samples.mnist;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.samples.data.Idx;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFile;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.TfliteWeights;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The main job's TFLite table: each model (dense and each pruned target, stripped) written as a
 * {@code .tflite} file from Java in every {@link TfliteFlavour}, with its raw and gzip size and its
 * test accuracy computed from the file's own contents without Python: the file is parsed back, its
 * weights densified and dequantised ({@link TfliteWeights}), loaded into the model and evaluated.
 * (The TFLite interpreter also quantises activations on the fly in its int8 kernels;
 * {@code dsl/tflite/tools/check_tflite.py} confirms these accuracies with the real interpreter.)
 *
 * <p>Open one around a run ({@link #open}); {@link #measure} (called by the run for each model) does
 * nothing when none is open, so other callers of the run pay nothing. With the system property
 * {@code topiary.tflite.dir} the files stay in that directory, each with a {@code .json} for the check script,
 * and each model also as a SavedModel ({@code mnist_<model>_savedmodel}) for the converter to compare with.
 */
public final class TfliteTable implements AutoCloseable {
  /** One file. */
  public record Row(String model, TfliteFlavour flavour, int rawBytes, int gzipBytes, double testAccuracy) {}

  private static final ThreadLocal<TfliteTable> CURRENT = new ThreadLocal<>();

  private final List<Row> rows = new ArrayList<>();
  private final @Nullable Path keepDir;

  private TfliteTable(@Nullable Path keepDir) {
    this.keepDir = keepDir;
  }

  /** Starts collecting rows on this thread until {@link #close}. */
  public static TfliteTable open() {
    String dir = System.getProperty("topiary.tflite.dir");
    TfliteTable t = new TfliteTable(dir == null || dir.isBlank() ? null : Path.of(dir));
    CURRENT.set(t);
    return t;
  }

  @Override
  public void close() {
    CURRENT.remove();
  }

  /** Adds the rows of {@code model} (a stripped or dense model; its weights are restored afterwards). */
  public static void measure(String name, Model model, Idx.Split test) {
    TfliteTable t = CURRENT.get();
    if (t != null) {
      t.add(name, model, test);
    }
  }

  private void add(String name, Model model, Idx.Split test) {
    if (rows.stream().anyMatch(r -> r.model().equals(name))) {
      return; // a run over several seeds: the files of the first seed stand for the row
    }
    Map<String, HostArray> original = model.weights();
    if (keepDir != null) {
      keepSavedModel(name, model);
    }
    Map<TfliteFlavour, byte[]> files = new java.util.EnumMap<>(TfliteFlavour.class);
    for (TfliteFlavour flavour : TfliteFlavour.values()) {
      files.put(flavour, TfliteExport.bytes(model, flavour)); // all from the model's own weights
    }
    // Files whose weights read back bit for bit the same (float32 and sparse are lossless; the two
    // int8 flavours share their quantization) give the same accuracy on the same model: each distinct
    // set of weights is evaluated once, which halves the table's evaluations.
    Map<Map<String, HostArray>, Double> measured = new java.util.HashMap<>();
    try {
      for (TfliteFlavour flavour : TfliteFlavour.values()) {
        byte[] bytes = files.get(flavour);
        String file = fileName(name, flavour);
        Map<String, HostArray> read = TfliteWeights.read(TfliteFile.parse(bytes, file), model.spec());
        model.setWeights(read); // (keep() below predicts with the file's weights)
        Double known = measured.get(read);
        if (known == null) {
          known = model.evaluate(test.dataset()).get("accuracy");
          measured.put(read, known);
        }
        double accuracy = known;
        rows.add(new Row(name, flavour, bytes.length, SparseWeights.gzipSize(bytes), accuracy));
        if (keepDir != null) {
          keep(file, bytes, model, test, accuracy);
        }
      }
    } finally {
      model.setWeights(original);
    }
  }

  /** The same model as a SavedModel, so that the check script can set the converter's files beside ours. */
  private void keepSavedModel(String name, Model model) {
    Path dir = keepDir.resolve("mnist_" + name.replace(' ', '_') + "_savedmodel");
    try {
      if (Files.exists(dir)) {
        dev.topiary.dsl.export.AtomicFiles.deleteRecursively(dir);
      }
      model.exportSavedModel(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot export " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String fileName(String model, TfliteFlavour flavour) {
    return "mnist_" + model.replace(' ', '_') + "_" + flavour.name().toLowerCase(Locale.ROOT) + ".tflite";
  }

  /** The file and {@code <file>.json}: 16 test images, the outputs of the model with the file's weights, the accuracy. */
  private void keep(String file, byte[] bytes, Model model, Idx.Split test, double accuracy) {
    try {
      Files.createDirectories(keepDir);
      Files.write(keepDir.resolve(file), bytes);
      int n = 16;
      float[] images = java.util.Arrays.copyOf(test.images().floats(), n * 28 * 28);
      HostArray x = HostArray.of(images, n, 28, 28);
      HostArray y = model.predict(x);
      String json = String.format(Locale.ROOT, "{\"inputs\": {\"input\": %s},\n \"outputs\": {\"dense\": %s},\n"
          + " \"mnist_test_accuracy\": %s, \"mnist_test_examples\": %d}\n", array(x), array(y), accuracy, test.size());
      Files.writeString(keepDir.resolve(file + ".json"), json);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep " + file + " in " + keepDir + ": " + e.getMessage(), e);
    }
  }

  private static String array(HostArray a) {
    StringBuilder b = new StringBuilder("{\"shape\": ").append(java.util.Arrays.toString(a.shape()))
        .append(", \"values\": [");
    float[] v = a.floats();
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ", ").append(v[i]);
    }
    return b.append("]}").toString();
  }

  public List<Row> rows() {
    return List.copyOf(rows);
  }

  /** The table: one line per model, raw / gzip bytes and accuracy per flavour. */
  public String format() {
    StringBuilder b = new StringBuilder();
    String fmt = "| %-22s | %-26s | %-26s | %-26s | %-26s |%n";
    b.append(String.format(Locale.ROOT, fmt, "model", ".tflite float32", "int8 (dynamic range)", "sparse",
        "sparse + int8"));
    b.append(String.format(Locale.ROOT, fmt, "", "raw / gzip B, accuracy", "raw / gzip B, accuracy",
        "raw / gzip B, accuracy", "raw / gzip B, accuracy"));
    b.append("|------------------------|----------------------------|----------------------------|----------------------------"
        + "|----------------------------|\n");
    for (int i = 0; i < rows.size(); i += TfliteFlavour.values().length) {
      Object[] cells = new Object[5];
      cells[0] = rows.get(i).model();
      for (int f = 0; f < 4; f++) {
        Row r = rows.get(i + f);
        cells[f + 1] = String.format(Locale.ROOT, "%,d / %,d, %.4f", r.rawBytes(), r.gzipBytes(), r.testAccuracy());
      }
      b.append(String.format(Locale.ROOT, fmt, cells));
    }
    return b.toString();
  }

  /** The rows as a JSON array. */
  public String json() {
    List<String> items = new ArrayList<>();
    for (Row r : rows) {
      items.add(String.format(Locale.ROOT, "    {\"model\": \"%s\", \"flavour\": \"%s\", \"raw_bytes\": %d,"
          + " \"gzip_bytes\": %d, \"test_accuracy\": %s}", r.model(), r.flavour().name().toLowerCase(Locale.ROOT),
          r.rawBytes(), r.gzipBytes(), r.testAccuracy()));
    }
    return String.join(",\n", items);
  }

  /** {@code resultsJson} (the main table's array) and these rows as one object: {@code {"results": [...], "tflite": [...]}}. */
  public String withResults(String resultsJson) {
    return "{\"results\": " + resultsJson.strip() + ",\n \"tflite\": [\n" + json() + "\n ]}\n";
  }

  /**
   * Prints the table after the main one; with {@code json} (the file the run wrote its rows to), rewrites
   * that file as {@link #withResults}.
   */
  public void report(@Nullable Path json) throws IOException {
    System.out.println();
    System.out.println(".tflite files written from Java (accuracy from each file's own weights, read back):");
    System.out.print(format());
    if (json != null) {
      Files.writeString(json, withResults(Files.readString(json)));
    }
  }
}
