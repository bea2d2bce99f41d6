package dev.topiary.dsl.data.io;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.data.ForwardingDataset;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * Examples from a CSV file with a header line (plain or gzip), read anew at every pass: the feature
 * columns, by name, make one float input vector; label columns are class indices ({@link #intLabel}) or
 * float targets ({@link #floatLabel}); a column may give example weights. Without {@link #features},
 * every column that is not a label or the weight is a feature.
 *
 * <pre>{@code
 * Dataset iris = CsvDataset.of(Path.of("iris.csv")).intLabel("species").shuffle(150, 1);
 * }</pre>
 *
 * Fields may be double-quoted; blank lines are skipped. A bad value, a missing column or a line with
 * the wrong number of fields fails with the file and line number.
 */
public final class CsvDataset extends ForwardingDataset {
  private final Path file;
  private final char delimiter;
  private final @Nullable List<String> features;
  private final List<String> labels;
  private final List<Boolean> intLabels;
  private final @Nullable String weight;
  private final Dataset delegate;

  private CsvDataset(Path file, char delimiter, @Nullable List<String> features, List<String> labels,
      List<Boolean> intLabels, @Nullable String weight) {
    this.file = file;
    this.delimiter = delimiter;
    this.features = features == null ? null : List.copyOf(features);
    this.labels = List.copyOf(labels);
    this.intLabels = List.copyOf(intLabels);
    this.weight = weight;
    this.delegate = Dataset.fromGenerator(Reader::new);
  }

  /** The CSV file {@code file}, comma-separated, with a header. */
  public static CsvDataset of(Path file) {
    return new CsvDataset(file, ',', null, List.of(), List.of(), null);
  }

  /** The field delimiter (',' by default; ';', '\t', ...). */
  public CsvDataset delimiter(char d) {
    if (d == '"' || d == '\n' || d == '\r') {
      throw new IllegalArgumentException("cannot delimit fields with " + (int) d);
    }
    return new CsvDataset(file, d, features, labels, intLabels, weight);
  }

  /** The feature columns, in this order, as one float input vector. */
  public CsvDataset features(String... columns) {
    if (columns.length == 0) {
      throw new IllegalArgumentException("name at least one feature column");
    }
    return new CsvDataset(file, delimiter, Arrays.asList(columns), labels, intLabels, weight);
  }

  /** A label column of class indices (integers). */
  public CsvDataset intLabel(String column) {
    return label(column, true);
  }

  /** A label column of float targets (a scalar per example). */
  public CsvDataset floatLabel(String column) {
    return label(column, false);
  }

  private CsvDataset label(String column, boolean ints) {
    if (labels.contains(column)) {
      throw new IllegalArgumentException("label column '" + column + "' is named twice");
    }
    List<String> l = new ArrayList<>(labels);
    l.add(column);
    List<Boolean> t = new ArrayList<>(intLabels);
    t.add(ints);
    return new CsvDataset(file, delimiter, features, l, t, weight);
  }

  /** A column of example weights. */
  public CsvDataset weight(String column) {
    return new CsvDataset(file, delimiter, features, labels, intLabels, column);
  }

  @Override
  protected Dataset delegate() {
    return delegate;
  }

  /** Splits one line into fields: double quotes enclose fields, {@code ""} in them is a quote. */
  static List<String> split(String line, char delimiter, String where) {
    List<String> out = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean wasQuoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
            field.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          field.append(c);
        }
      } else if (c == '"' && field.toString().isBlank() && !wasQuoted) {
        quoted = true;
        wasQuoted = true;
        field.setLength(0);
      } else if (c == delimiter) {
        out.add(wasQuoted ? field.toString() : field.toString().trim());
        field.setLength(0);
        wasQuoted = false;
      } else {
        field.append(c);
      }
    }
    if (quoted) {
      throw new IllegalArgumentException(where + ": a quoted field is not closed");
    }
    out.add(wasQuoted ? field.toString() : field.toString().trim());
    return out;
  }

  private final class Reader implements Iterator<Example>, AutoCloseable {
    private final BufferedReader in;
    private final int[] featureColumns;
    private final int[] labelColumns;
    private final int weightColumn;
    private final int fields;
    private final List<String> names;
    private long line;
    private @Nullable Example next;

    Reader() {
      try {
        InputStream raw = new java.io.BufferedInputStream(Files.newInputStream(file));
        raw.mark(2);
        boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
        raw.reset();
        in = new BufferedReader(new InputStreamReader(gzip ? new GZIPInputStream(raw) : raw, StandardCharsets.UTF_8));
        String header = readLine();
        if (header == null) {
          throw fail("the file is empty: a header line is needed");
        }
        if (header.startsWith("\uFEFF")) {
          header = header.substring(1);
        }
        names = split(header, delimiter, file + ":" + line);
        fields = names.size();
        labelColumns = new int[labels.size()];
        for (int i = 0; i < labelColumns.length; i++) {
          labelColumns[i] = column(names, labels.get(i));
        }
        weightColumn = weight == null ? -1 : column(names, weight);
        List<Integer> f = new ArrayList<>();
        if (features == null) {
          for (int i = 0; i < names.size(); i++) {
            if (!labels.contains(names.get(i)) && !names.get(i).equals(weight)) {
              f.add(i);
            }
          }
        } else {
          for (String name : features) {
            f.add(column(names, name));
          }
        }
        if (f.isEmpty()) {
          throw fail("no feature columns remain in the header " + names);
        }
        featureColumns = f.stream().mapToInt(Integer::intValue).toArray();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }

    private int column(List<String> names, String name) {
      int i = names.indexOf(name);
      if (i < 0) {
        throw fail("no column '" + name + "' in the header " + names);
      }
      return i;
    }

    private CorruptFileException fail(String what) {
      return new CorruptFileException(file.toString(), "line " + Math.max(line, 1) + ": " + what);
    }

    private @Nullable String readLine() throws IOException {
      String s = in.readLine();
      if (s != null) {
        line++;
      }
      return s;
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      try {
        String s;
        do {
          s = readLine();
          if (s == null) {
            return false;
          }
        } while (s.isBlank());
        next = parse(s);
        return true;
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }

    private Example parse(String s) {
      List<String> values;
      try {
        values = split(s, delimiter, "");
      } catch (IllegalArgumentException e) {
        throw fail("a quoted field is not closed");
      }
      if (values.size() != fields) {
        throw fail(values.size() + " fields but the header has " + fields);
      }
      float[] x = new float[featureColumns.length];
      for (int i = 0; i < x.length; i++) {
        x[i] = number(values, featureColumns[i]);
      }
      List<Example.Values> y = new ArrayList<>(labelColumns.length);
      for (int i = 0; i < labelColumns.length; i++) {
        int c = labelColumns[i];
        if (intLabels.get(i)) {
          String v = values.get(c);
          int label;
          try {
            label = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw fail("label column '" + labels.get(i) + "' is '" + v + "', not an integer class index");
          }
          y.add(Example.Values.label(label));
        } else {
          y.add(Example.Values.scalar(number(values, c)));
        }
      }
      Example e = Example.of(List.of(Example.Values.of(x)), y);
      return weightColumn < 0 ? e : e.withWeight(number(values, weightColumn));
    }

    private float number(List<String> values, int c) {
      String v = values.get(c);
      try {
        return Float.parseFloat(v);
      } catch (NumberFormatException e) {
        throw fail("column '" + names.get(c) + "' is '" + v + "', not a number");
      }
    }

    @Override
    public Example next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      Example e = next;
      next = null;
      return e;
    }

    @Override
    public void close() {
      try {
        in.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot close " + file + ": " + e.getMessage(), e);
      }
    }
  }

  @Override
  public String toString() {
    return "CsvDataset(" + file + ", labels " + labels + ")";
  }
}
