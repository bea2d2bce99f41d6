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
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
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
 *
 * <p>Encoded images ({@code bytes_list} features of JPEG or PNG) are inputs through {@link #imageInput}:
 * decoded, resized and scaled as {@link ImageDecoding} says, on {@link #decodeThreads} threads. The
 * layouts of TF's ImageNet conversion script and of TFDS read as they are:
 *
 * <pre>{@code
 * TFRecordDataset.of(shards).imageInput("image/encoded", ImageDecoding.of(224, 224).centralCrop(0.875))
 *     .intLabel("image/class/label", -1);                        // build_imagenet_data.py: labels 1..1000
 * TFRecordDataset.of(files).imageInput("image", ImageDecoding.of(32, 32)).intLabel("label"); // TFDS
 * }</pre>
 *
 * A corrupt image or one in another encoding fails with the file and the record's index, unless
 * {@link #skipCorruptImages()} is set; then it is left out, counted ({@link #skippedImages()}) and logged.
 */
public final class TFRecordDataset extends ForwardingDataset {

  /** A feature read as an input or label; {@code image} set: encoded image bytes; {@code offset}: added to int labels. */
  private record Column(String feature, boolean floats, long[] shape, boolean label, @Nullable ImageDecoding image,
      int offset) {
    Column(String feature, boolean floats, long[] shape, boolean label) {
      this(feature, floats, shape, label, null, 0);
    }

    /** An input without a shape is a vector of whatever length the records have. */
    boolean anyLength() {
      return !label && shape.length == 0 && image == null;
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
  private final int threads;
  private final boolean skipCorrupt;
  private final AtomicLong skipped = new AtomicLong();
  private final Dataset delegate;

  private TFRecordDataset(List<Path> files, List<Column> columns, @Nullable String weight,
      TFRecords.Compression compression, boolean named, int threads, boolean skipCorrupt) {
    this.files = List.copyOf(files);
    this.columns = List.copyOf(columns);
    this.weight = weight;
    this.compression = compression;
    this.named = named;
    this.threads = threads;
    this.skipCorrupt = skipCorrupt;
    // Records are read in order on the consumer's thread; parsing and image decoding run on `threads`.
    this.delegate = Dataset.fromItems(epoch -> new RecordReader(), this::example, threads, OptionalLong.empty());
  }

  private TFRecordDataset(List<Path> files, List<Column> columns, @Nullable String weight,
      TFRecords.Compression compression, boolean named) {
    this(files, columns, weight, compression, named, 1, false);
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
    return new TFRecordDataset(files, more, weight, compression, named, threads, skipCorrupt);
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
    return intLabel(feature, 0);
  }

  /**
   * A class-index label plus {@code offset}: -1 for the labels 1..1000 of TF's ImageNet conversion
   * script (0 is its background class), so classes count from 0 as the model's outputs do.
   */
  public TFRecordDataset intLabel(String feature, int offset) {
    return with(new Column(feature, false, new long[0], true, null, offset));
  }

  /**
   * An input decoded from an encoded image (JPEG, PNG; a {@code bytes_list} of one value, such as
   * {@code image/encoded} or TFDS's {@code image}), of shape [height, width, channels] as {@code decoding} says.
   */
  public TFRecordDataset imageInput(String feature, ImageDecoding decoding) {
    return with(new Column(feature, false, decoding.shape(), false, decoding, 0));
  }

  /**
   * Parses records and decodes images on {@code threads} threads (1 by default: the thread that makes
   * the batches, or {@link Dataset#prefetch}'s). The examples' order does not depend on it.
   */
  public TFRecordDataset decodeThreads(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("decodeThreads must be >= 1, got " + threads);
    }
    return new TFRecordDataset(files, columns, weight, compression, named, threads, skipCorrupt);
  }

  /**
   * Leaves out records whose image cannot be decoded instead of failing; each pass logs how many it left
   * out (logger {@code dev.topiary}, WARNING) and {@link #skippedImages()} counts them. Other problems
   * (missing features, corrupt files) still fail.
   */
  public TFRecordDataset skipCorruptImages() {
    return new TFRecordDataset(files, columns, weight, compression, named, threads, true);
  }

  /** The records this dataset left out for corrupt images, over all passes so far ({@link #skipCorruptImages()}). */
  public long skippedImages() {
    return skipped.get();
  }

  /** Float targets from a {@code float_list} feature of {@code shape} per example (scalar by default). */
  public TFRecordDataset floatLabel(String feature, long... shape) {
    return with(new Column(feature, true, shape.clone(), true));
  }

  /** The example weight from a {@code float_list} feature with one value. */
  public TFRecordDataset weight(String feature) {
    return new TFRecordDataset(files, columns, feature, compression, named, threads, skipCorrupt);
  }

  /** The files' compression ({@link TFRecords.Compression#AUTO} by default). */
  public TFRecordDataset compression(TFRecords.Compression c) {
    return new TFRecordDataset(files, columns, weight, c, named, threads, skipCorrupt);
  }

  /** Batches name their arrays by feature name, so the model matches them to inputs and outputs by name. */
  public TFRecordDataset named() {
    return new TFRecordDataset(files, columns, weight, compression, true, threads, skipCorrupt);
  }

  @Override
  protected Dataset delegate() {
    if (columns.stream().noneMatch(c -> !c.label)) {
      throw new IllegalStateException("name at least one input feature (floatInput or intInput) of " + files);
    }
    return delegate;
  }

  /** One record's bytes, where it came from, and the pass it belongs to (for counting what was skipped). */
  private record Record(int file, long index, byte[] bytes, RecordReader pass) {}

  /** Reads the files one after another, giving their records in order. */
  private final class RecordReader implements Iterator<Record>, AutoCloseable {
    private int file = -1;
    private TFRecords.@Nullable Reader reader;
    private final AtomicLong skippedInPass = new AtomicLong();
    private volatile @Nullable String firstSkipped;

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
    public Record next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      long index = reader.index();
      return new Record(file, index, reader.next(), this);
    }

    void skip(String problem) {
      skipped.incrementAndGet();
      if (skippedInPass.incrementAndGet() == 1) {
        firstSkipped = problem;
      }
    }

    @Override
    public void close() {
      if (reader != null) {
        reader.close();
        reader = null;
      }
      long n = skippedInPass.get();
      if (n > 0) {
        LOG.log(System.Logger.Level.WARNING, "TFRecordDataset " + files + ": skipped " + n
            + " records with corrupt images in this pass (the first: " + firstSkipped + ")");
      }
    }
  }

  private static final System.Logger LOG = System.getLogger("dev.topiary");

  /** The example of one record (null: left out for a corrupt image). Runs on the decoding threads. */
  private @Nullable Example example(Record r) {
    String where = "record " + r.index;
    Path path = files.get(r.file);
    org.tensorflow.proto.Example proto;
    try {
      proto = org.tensorflow.proto.Example.parseFrom(r.bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptFileException(path.toString(), where + ": not a tf.train.Example: " + e.getMessage());
    }
    Map<String, Feature> features = proto.getFeatures().getFeatureMap();
    List<Example.Values> in = new ArrayList<>();
    List<Example.Values> lab = new ArrayList<>();
    List<String> inputNames = new ArrayList<>();
    List<String> labelNames = new ArrayList<>();
    for (Column c : columns) {
      Example.Values v;
      if (c.image != null) {
        Feature f = features.get(c.feature);
        if (f == null || f.getKindCase() != Feature.KindCase.BYTES_LIST || f.getBytesList().getValueCount() != 1) {
          throw problem(path, where, "image feature '" + c.feature + "' must be a bytes_list of one encoded image, got "
              + describe(f));
        }
        try {
          v = c.image.values(f.getBytesList().getValue(0).toByteArray());
        } catch (IllegalArgumentException e) {
          String what = "image feature '" + c.feature + "': " + e.getMessage();
          if (skipCorrupt) {
            r.pass.skip(path + ": " + where + ": " + what);
            return null;
          }
          throw problem(path, where, what);
        }
      } else {
        v = values(c, features.get(c.feature), path, where);
      }
      (c.label ? lab : in).add(v);
      (c.label ? labelNames : inputNames).add(c.feature);
    }
    Float w = null;
    if (weight != null) {
      Feature f = features.get(weight);
      if (f == null || f.getKindCase() != Feature.KindCase.FLOAT_LIST || f.getFloatList().getValueCount() != 1) {
        throw problem(path, where, "weight feature '" + weight + "' must be a float_list of one value, got " + describe(f));
      }
      w = f.getFloatList().getValue(0);
    }
    return new Example(in, lab, w, named ? inputNames : null, named ? labelNames : null);
  }

  private static Example.Values values(Column c, @Nullable Feature f, Path path, String where) {
    if (f == null) {
      throw problem(path, where, "has no feature '" + c.feature + "'");
    }
    int expected = c.size();
    if (c.floats) {
      if (f.getKindCase() != Feature.KindCase.FLOAT_LIST) {
        throw problem(path, where, "feature '" + c.feature + "' is " + describe(f) + ", expected a float_list");
      }
      int n = f.getFloatList().getValueCount();
      if (n != expected && !c.anyLength()) {
        throw problem(path, where, "feature '" + c.feature + "' has " + n + " values, expected " + expected + " (shape "
            + Arrays.toString(c.shape) + ")");
      }
      float[] v = new float[n];
      for (int i = 0; i < n; i++) {
        v[i] = f.getFloatList().getValue(i);
      }
      return c.anyLength() ? Example.Values.of(v) : Example.Values.of(v).reshape(c.shape);
    }
    if (f.getKindCase() != Feature.KindCase.INT64_LIST) {
      throw problem(path, where, "feature '" + c.feature + "' is " + describe(f) + ", expected an int64_list");
    }
    int n = f.getInt64List().getValueCount();
    if (n != expected && !c.anyLength()) {
      throw problem(path, where, "feature '" + c.feature + "' has " + n + " values, expected " + expected + " (shape "
          + Arrays.toString(c.shape) + ")");
    }
    int[] v = new int[n];
    for (int i = 0; i < n; i++) {
      long x = f.getInt64List().getValue(i) + c.offset;
      if (x < Integer.MIN_VALUE || x > Integer.MAX_VALUE) {
        throw problem(path, where, "feature '" + c.feature + "' value " + x + " is outside the int range");
      }
      if (c.label && x < 0) {
        throw problem(path, where, "label feature '" + c.feature + "' is " + x
            + (c.offset == 0 ? "" : " after the offset " + c.offset) + ": class indices start at 0");
      }
      v[i] = (int) x;
    }
    return c.anyLength() ? Example.Values.ofInts(v) : Example.Values.ofInts(v).reshape(c.shape);
  }

  private static CorruptFileException problem(Path path, String where, String what) {
    return new CorruptFileException(path.toString(), where + ": " + what);
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

  /** A {@code tf.train.Example} feature of byte strings (encoded images, text). */
  public static Feature bytes(byte[]... values) {
    org.tensorflow.proto.BytesList.Builder b = org.tensorflow.proto.BytesList.newBuilder();
    for (byte[] v : values) {
      b.addValue(com.google.protobuf.ByteString.copyFrom(v));
    }
    return Feature.newBuilder().setBytesList(b).build();
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
    return "TFRecordDataset(" + files + ", " + columns.stream().map(c -> (c.label ? "label " : c.image != null ? "image " : "input ") + c.feature).toList()
        + ")";
  }
}
