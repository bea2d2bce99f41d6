package dev.topiary.dsl.training.callbacks;

import dev.topiary.dsl.training.Callback;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Keras' {@code CSVLogger}: one CSV row per epoch, {@code epoch} (0-based, as Keras) then every log
 * key, flushed at each epoch end.
 *
 * <p>The columns are fixed by the first epoch written: its log keys, sorted (as Keras); so the header
 * never changes within a file. When appending to a non-empty file, its existing header decides the
 * columns and is not written again. A column whose key is missing from a later epoch gets {@code NA};
 * a key that first appears in a later epoch is not written (it has no column). Values are written as
 * Java's {@code Double.toString} (e.g. {@code 0.5}, {@code 1.0E-5}); a field holding the separator,
 * a quote or a line break is quoted. Lines end with {@code \n} on every platform.
 */
public final class CSVLogger implements Callback {
  private final Path file;
  private final String separator;
  private final boolean append;
  private @Nullable BufferedWriter writer;
  private @Nullable List<String> keys;
  private boolean writeHeader;

  /**
   * @param file the CSV file (its parent directory must exist)
   * @param separator between fields, e.g. {@code ","}
   * @param append add to an existing file instead of replacing it
   */
  public CSVLogger(Path file, String separator, boolean append) {
    this.file = Objects.requireNonNull(file, "file");
    this.separator = Objects.requireNonNull(separator, "separator");
    if (separator.isEmpty() || separator.contains("\"") || separator.contains("\n") || separator.contains("\r")) {
      throw new IllegalArgumentException("CSVLogger separator must be non-empty, without quotes or line breaks, got '"
          + separator + "'");
    }
    this.append = append;
  }

  /** Comma-separated, replacing the file. */
  public CSVLogger(Path file) {
    this(file, ",", false);
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    keys = null;
    writeHeader = true;
    try {
      if (append && Files.exists(file) && Files.size(file) > 0) {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (!lines.isEmpty() && !lines.get(0).isEmpty()) {
          List<String> header = new ArrayList<>(Arrays.asList(lines.get(0).split(java.util.regex.Pattern.quote(separator), -1)));
          if (header.isEmpty() || !header.get(0).equals("epoch")) {
            throw new IllegalArgumentException("CSVLogger cannot append to " + file + ": its first line is not a header"
                + " starting with 'epoch' and the separator '" + separator + "'");
          }
          keys = List.copyOf(header.subList(1, header.size()));
          writeHeader = false;
        }
        writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
      } else {
        writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("CSVLogger could not open " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
    BufferedWriter w = writer;
    if (w == null) {
      throw new IllegalStateException("CSVLogger: epoch end before train begin");
    }
    if (keys == null) {
      keys = List.copyOf(new TreeSet<>(logs.keySet()));
    }
    try {
      if (writeHeader) {
        List<String> header = new ArrayList<>();
        header.add("epoch");
        header.addAll(keys);
        writeRow(w, header);
        writeHeader = false;
      }
      List<String> row = new ArrayList<>();
      row.add(Integer.toString(epoch));
      for (String k : keys) {
        Double v = logs.get(k);
        row.add(v == null ? "NA" : Double.toString(v));
      }
      writeRow(w, row);
      w.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("CSVLogger could not write " + file + ": " + e.getMessage(), e);
    }
  }

  private void writeRow(BufferedWriter w, List<String> fields) throws IOException {
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        w.write(separator);
      }
      w.write(quote(fields.get(i)));
    }
    w.write('\n');
  }

  private String quote(String field) {
    if (field.contains(separator) || field.contains("\"") || field.contains("\n") || field.contains("\r")) {
      return "\"" + field.replace("\"", "\"\"") + "\"";
    }
    return field;
  }

  @Override
  public void onTrainEnd(Map<String, Double> logs, TrainingContext context) {
    BufferedWriter w = writer;
    writer = null;
    if (w != null) {
      try {
        w.close();
      } catch (IOException e) {
        throw new UncheckedIOException("CSVLogger could not close " + file + ": " + e.getMessage(), e);
      }
    }
  }

  public Path file() {
    return file;
  }

  @Override
  public String toString() {
    return "CSVLogger[file=" + file + ", separator=" + separator + ", append=" + append + "]";
  }
}
