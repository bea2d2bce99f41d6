package dev.topiary.dsl.data.io;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.data.ForwardingDataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import com.google.protobuf.InvalidProtocolBufferException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;
import org.tensorflow.proto.Feature;

/**
 * Examples from TFRecord files of serialized {@code tf.train.Example}s, the format TF users keep their
 * data in, read anew at every pass (data larger than memory streams). Name the features that are inputs
 * ({@code float_list}, or {@code int64_list} read as int32) with their per-example shapes, the label
 * feature(s), and optionally a weight feature:
 *
 * <pre>{@code
 * Dataset train = TFRecordDataset.of(Path.of("train.tfrecord"))
 *     .floatInput("image", 28, 28)
 *     .intLabel("label")
 *     .shuffle(10_000, 1);
 * }</pre>
 *
 * Missing features, wrong kinds and wrong value counts fail with the file and the record's index.
 */
public final class TFRecordDataset extends ForwardingDataset {

  private record Column(String feature, boolean floats, long[] shape, boolean label) {
    /** An input without a shape is a vector of whatever length the records have. */
    boolean anyLength() {
      return !label && shape.length == 0;
    }

    int size() {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      return (int) n;
    }
  }

  private final List<Path> files;
  private final List<Column> columns;
  private final @Nullable String weight;
  private final TFRecords.Compression compression;
  private final boolean named;
  private final Dataset delegate;

  private TFRecordDataset(List<Path> files, List<Column> columns, @Nullable String weight,
      TFRecords.Compression compression, boolean named) {
    this.files = List.copyOf(files);
    this.columns = List.copyOf(columns);
    this.weight = weight;
    this.compression = compression;
    this.named = named;
    this.delegate = Dataset.fromGenerator(this::open);
  }

  /** The records of {@code files}, read in this order; name the inputs and labels next. */
  public static TFRecordDataset of(List<Path> files) {
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no TFRecord files given");
    }
    return new TFRecordDataset(files, List.of(), null, TFRecords.Compression.AUTO, false);
  }

  /** The records of {@code files}, read in this order. */
  public static TFRecordDataset of(Path... files) {
    return of(Arrays.asList(files));
  }

  private TFRecordDataset with(Column c) {
    for (Column o : columns) {
      if (o.feature.equals(c.feature) && o.label == c.label) {
        throw new IllegalArgumentException("feature '" + c.feature + "' is named twice");
      }
    }
    for (long d : c.shape) {
      if (d <= 0) {
        throw new IllegalArgumentException("feature '" + c.feature + "': dimensions must be positive, got "
            + Arrays.toString(c.shape));
      }
    }
    List<Column> more = new ArrayList<>(columns);
    more.add(c);
    return new TFRecordDataset(files, more, weight, compression, named);
  }

  /** An input read from a {@code float_list} feature, of {@code shape} per example (a vector by default). */
  public TFRecordDataset floatInput(String feature, long... shape) {
    return with(new Column(feature, true, shape.clone(), false));
  }

  /** An input read from an {@code int64_list} feature as int32 (token ids), of {@code shape} per example (a vector by default). */
  public TFRecordDataset intInput(String feature, long... shape) {
    return with(new Column(feature, false, shape.clone(), false));
  }

  /** A class-index label: an {@code int64_list} with one value (a scalar per example). */
  public TFRecordDataset intLabel(String feature) {
    return with(new Column(feature, false, new long[0], true));
  }

  /** Float targets from a {@code float_list} feature of {@code shape} per example (scalar by default). */
  public TFRecordDataset floatLabel(String feature, long... shape) {
    return with(new Column(feature, true, shape.clone(), true));
  }

  /** The example weight from a {@code float_list} feature with one value. */
  public TFRecordDataset weight(String feature) {
    return new TFRecordDataset(files, columns, feature, compression, named);
  }

  /** The files' compression ({@link TFRecords.Compression#AUTO} by default). */
  public TFRecordDataset compression(TFRecords.Compression c) {
    return new TFRecordDataset(files, columns, weight, c, named);
  }

  /** Batches name their arrays by feature name, so the model matches them to inputs and outputs by name. */
  public TFRecordDataset named() {
    return new TFRecordDataset(files, columns, weight, compression, true);
  }

  @Override
  protected Dataset delegate() {
    if (columns.stream().noneMatch(c -> !c.label)) {
      throw new IllegalStateException("name at least one input feature (floatInput or intInput) of " + files);
    }
    return delegate;
  }

  private Iterator<Example> open() {
    return new ExampleReader();
  }

  /** Reads the files one after another, parsing each record. */
  private final class ExampleReader implements Iterator<Example>, AutoCloseable {
    private int file = -1;
    private TFRecords.@Nullable Reader reader;
    private final List<String> inputNames = new ArrayList<>();
    private final List<String> labelNames = new ArrayList<>();

    ExampleReader() {
      for (Column c : columns) {
        (c.label ? labelNames : inputNames).add(c.feature);
      }
    }

    @Override
    public boolean hasNext() {
      while (reader == null || !reader.hasNext()) {
        if (reader != null) {
          reader.close();
          reader = null;
        }
        if (file + 1 >= files.size()) {
          return false;
        }
        file++;
        reader = TFRecords.reader(files.get(file), compression);
      }
      return true;
    }

    @Override
    public Example next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      long index = reader.index();
      byte[] record = reader.next();
      String where = "record " + index;
      org.tensorflow.proto.Example proto;
      try {
        proto = org.tensorflow.proto.Example.parseFrom(record);
      } catch (InvalidProtocolBufferException e) {
        throw new CorruptFileException(files.get(file).toString(), where + ": not a tf.train.Example: " + e.getMessage());
      }
      Map<String, Feature> features = proto.getFeatures().getFeatureMap();
      List<Example.Values> in = new ArrayList<>();
      List<Example.Values> lab = new ArrayList<>();
      for (Column c : columns) {
        (c.label ? lab : in).add(values(c, features.get(c.feature), where));
      }
      Float w = null;
      if (weight != null) {
        Feature f = features.get(weight);
        if (f == null || f.getKindCase() != Feature.KindCase.FLOAT_LIST || f.getFloatList().getValueCount() != 1) {
          throw problem(where, "weight feature '" + weight + "' must be a float_list of one value, got " + describe(f));
        }
        w = f.getFloatList().getValue(0);
      }
      return new Example(in, lab, w, named ? inputNames : null, named ? labelNames : null);
    }

    private Example.Values values(Column c, @Nullable Feature f, String where) {
      if (f == null) {
        throw problem(where, "has no feature '" + c.feature + "'");
      }
      int expected = c.size();
      if (c.floats) {
        if (f.getKindCase() != Feature.KindCase.FLOAT_LIST) {
          throw problem(where, "feature '" + c.feature + "' is " + describe(f) + ", expected a float_list");
        }
        int n = f.getFloatList().getValueCount();
        if (n != expected && !c.anyLength()) {
          throw problem(where, "feature '" + c.feature + "' has " + n + " values, expected " + expected + " (shape "
              + Arrays.toString(c.shape) + ")");
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
          v[i] = f.getFloatList().getValue(i);
        }
        return c.anyLength() ? Example.Values.of(v) : Example.Values.of(v).reshape(c.shape);
      }
      if (f.getKindCase() != Feature.KindCase.INT64_LIST) {
        throw problem(where, "feature '" + c.feature + "' is " + describe(f) + ", expected an int64_list");
      }
      int n = f.getInt64List().getValueCount();
      if (n != expected && !c.anyLength()) {
        throw problem(where, "feature '" + c.feature + "' has " + n + " values, expected " + expected + " (shape "
            + Arrays.toString(c.shape) + ")");
      }
      int[] v = new int[n];
      for (int i = 0; i < n; i++) {
        long x = f.getInt64List().getValue(i);
        if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
          throw problem(where, "feature '" + c.feature + "' value " + x + " is outside the int range");
        }
        v[i] = (int) x;
      }
      return c.anyLength() ? Example.Values.ofInts(v) : Example.Values.ofInts(v).reshape(c.shape);
    }

    private CorruptFileException problem(String where, String what) {
      return new CorruptFileException(files.get(file).toString(), where + ": " + what);
    }

    @Override
    public void close() {
      if (reader != null) {
        reader.close();
        reader = null;
      }
    }
  }

  private static String describe(@Nullable Feature f) {
    if (f == null) {
      return "missing";
    }
    return switch (f.getKindCase()) {
      case FLOAT_LIST -> "a float_list of " + f.getFloatList().getValueCount();
      case INT64_LIST -> "an int64_list of " + f.getInt64List().getValueCount();
      case BYTES_LIST -> "a bytes_list of " + f.getBytesList().getValueCount();
      default -> "empty";
    };
  }

  // ---- writing -------------------------------------------------------------------------------

  /** A {@code tf.train.Example} feature of floats. */
  public static Feature floats(float... values) {
    org.tensorflow.proto.FloatList.Builder b = org.tensorflow.proto.FloatList.newBuilder();
    for (float v : values) {
      b.addValue(v);
    }
    return Feature.newBuilder().setFloatList(b).build();
  }

  /** A {@code tf.train.Example} feature of int64s. */
  public static Feature ints(long... values) {
    org.tensorflow.proto.Int64List.Builder b = org.tensorflow.proto.Int64List.newBuilder();
    for (long v : values) {
      b.addValue(v);
    }
    return Feature.newBuilder().setInt64List(b).build();
  }

  /** A {@code tf.train.Example} of named features. */
  public static org.tensorflow.proto.Example example(Map<String, Feature> features) {
    return org.tensorflow.proto.Example.newBuilder()
        .setFeatures(org.tensorflow.proto.Features.newBuilder().putAllFeature(features)).build();
  }

  /**
   * Writes arrays as a TFRecord file of {@code tf.train.Example}s, one per example: each array's example
   * flattened into a {@code float_list} (float arrays) or {@code int64_list} (int arrays) under its name.
   */
  public static void write(Path file, Map<String, HostArray> arrays, TFRecords.Compression compression) {
    if (arrays.isEmpty()) {
      throw new IllegalArgumentException("nothing to write");
    }
    int n = arrays.values().iterator().next().examples();
    for (Map.Entry<String, HostArray> e : arrays.entrySet()) {
      if (e.getValue().examples() != n) {
        throw new IllegalArgumentException("'" + e.getKey() + "' has " + e.getValue().examples() + " examples, not " + n);
      }
    }
    try (TFRecords.Writer w = TFRecords.writer(file, compression)) {
      for (int i = 0; i < n; i++) {
        Map<String, Feature> features = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, HostArray> e : arrays.entrySet()) {
          HostArray one = e.getValue().slice(i, i + 1);
          features.put(e.getKey(), switch (one.dtype()) {
            case FLOAT32 -> floats(one.floats());
            case INT32 -> ints(Arrays.stream(one.ints()).asLongStream().toArray());
            case INT64 -> ints(one.longs());
          });
        }
        w.write(example(features));
      }
    }
  }

  @Override
  public String toString() {
    return "TFRecordDataset(" + files + ", " + columns.stream().map(c -> (c.label ? "label " : "input ") + c.feature).toList()
        + ")";
  }
}
