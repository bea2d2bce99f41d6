package dev.topiary.dsl.data.io;

import dev.topiary.dsl.Seeds;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.data.ForwardingDataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Images in a folder with one subfolder per class, as Keras' {@code image_dataset_from_directory}:
 *
 * <pre>{@code
 * Dataset train = ImageFolderDataset.of(Path.of("flowers"))
 *     .image(ImageDecoding.of(180, 180))                               // RGB, resized bilinearly, 0..255
 *     .validationSplit(0.2, ImageFolderDataset.Subset.TRAINING, 123)
 *     .shuffle(123)
 *     .decodeThreads(2);
 * }</pre>
 *
 * <p>As Keras: class names are the subfolders' names, sorted (or given by {@link #classNames(List)}), and
 * class {@code i} is the {@code i}-th name; the images are the files under each class folder, at any
 * depth, whose names end (in any case) with an accepted extension ({@code .bmp .gif .jpeg .jpg .png} by
 * default), in the order of Keras' listing (folders sorted by path, files by name); files directly in the
 * folder are not images of any class. Labels are class indices ({@link Labels#INT}, the default), one-hot
 * ({@link Labels#CATEGORICAL}), 0/1 floats for two classes ({@link Labels#BINARY}) or absent
 * ({@link Labels#NONE}). A validation split puts the last {@code floor(fraction * n)} files of a seeded
 * shuffle of the list in {@link Subset#VALIDATION} and the others in {@link Subset#TRAINING}: the two
 * subsets with the same fraction and seed are disjoint and hold every file (Keras shuffles the list the
 * same way with numpy's generator, so the files drawn differ from Keras' for the same seed).
 * {@link #shuffle(long)} orders the files anew for every epoch, the same for the same epoch.
 *
 * <p>Each image is read and decoded when its example is made, on {@link #decodeThreads} threads. A file
 * that is not a readable image fails naming it, unless {@link #skipCorruptImages()} is set.
 */
public final class ImageFolderDataset extends ForwardingDataset {

  /** Keras' {@code label_mode}. */
  public enum Labels {
    /** The class index, an int scalar ({@code "int"}). */
    INT,
    /** A float one-hot vector of the class count ({@code "categorical"}). */
    CATEGORICAL,
    /** A float of shape [1], 0 or 1, for exactly two classes ({@code "binary"}). */
    BINARY,
    /** No labels, for predict ({@code None}). */
    NONE
  }

  /** Which part of a validation split this dataset is. */
  public enum Subset {
    TRAINING,
    VALIDATION
  }

  /** Keras' accepted image extensions. */
  public static final List<String> DEFAULT_EXTENSIONS = List.of(".bmp", ".gif", ".jpeg", ".jpg", ".png");

  private record Settings(Path dir, ImageDecoding decoding, Labels labels, @Nullable List<String> classNames,
      List<String> extensions, double split, Subset subset, long splitSeed, @Nullable Long shuffleSeed,
      int threads, boolean skipCorrupt) {}

  /** The files of this dataset (its subset), in listing order, with their class indices. */
  private record Index(List<String> classNames, List<Path> files, int[] classes) {}

  private final Settings s;
  private final AtomicLong skipped = new AtomicLong();
  private volatile @Nullable Index index;
  private volatile @Nullable Dataset delegate;

  private ImageFolderDataset(Settings s) {
    this.s = s;
  }

  /** The images under {@code dir}, one subfolder per class, decoded as {@code ImageDecoding.of(256, 256)} (Keras' default size). */
  public static ImageFolderDataset of(Path dir) {
    return new ImageFolderDataset(new Settings(dir, ImageDecoding.of(256, 256), Labels.INT, null, DEFAULT_EXTENSIONS,
        0, Subset.TRAINING, 0, null, 1, false));
  }

  /** How images are decoded, resized and scaled (Keras' {@code image_size}, {@code color_mode}). */
  public ImageFolderDataset image(ImageDecoding decoding) {
    return new ImageFolderDataset(new Settings(s.dir, decoding, s.labels, s.classNames, s.extensions, s.split, s.subset,
        s.splitSeed, s.shuffleSeed, s.threads, s.skipCorrupt));
  }

  /** The labels' form (Keras' {@code label_mode}); {@link Labels#INT} by default. */
  public ImageFolderDataset labels(Labels labels) {
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, labels, s.classNames, s.extensions, s.split, s.subset,
        s.splitSeed, s.shuffleSeed, s.threads, s.skipCorrupt));
  }

  /**
   * The classes in this order (Keras' {@code class_names}): exactly the subfolders' names, so the class
   * indices follow this list instead of the sorted names.
   */
  public ImageFolderDataset classNames(List<String> names) {
    if (names.isEmpty()) {
      throw new IllegalArgumentException("class names must not be empty");
    }
    if (names.stream().distinct().count() != names.size()) {
      throw new IllegalArgumentException("class names must be distinct, got " + names);
    }
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, s.labels, List.copyOf(names), s.extensions, s.split,
        s.subset, s.splitSeed, s.shuffleSeed, s.threads, s.skipCorrupt));
  }

  /** The accepted file name endings, such as {@code ".png"} (any case); Keras' list by default. */
  public ImageFolderDataset extensions(String... extensions) {
    if (extensions.length == 0) {
      throw new IllegalArgumentException("name at least one extension");
    }
    List<String> lower = Arrays.stream(extensions).map(e -> e.toLowerCase(Locale.ROOT)).toList();
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, s.labels, s.classNames, lower, s.split, s.subset,
        s.splitSeed, s.shuffleSeed, s.threads, s.skipCorrupt));
  }

  /**
   * One part of a split: the files are shuffled with {@code seed}, the last {@code floor(fraction * n)} are
   * {@link Subset#VALIDATION}, the others {@link Subset#TRAINING} (Keras' {@code validation_split},
   * {@code subset}, {@code seed}). Use the same fraction and seed for both parts.
   */
  public ImageFolderDataset validationSplit(double fraction, Subset subset, long seed) {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("validation split must be in (0, 1), got " + fraction);
    }
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, s.labels, s.classNames, s.extensions, fraction, subset,
        seed, s.shuffleSeed, s.threads, s.skipCorrupt));
  }

  /** The files in a new order every epoch, drawn from {@code seed} and the epoch (unshuffled by default). */
  public ImageFolderDataset shuffle(long seed) {
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, s.labels, s.classNames, s.extensions, s.split, s.subset,
        s.splitSeed, seed, s.threads, s.skipCorrupt));
  }

  /** Reads and decodes images on {@code threads} threads (1 by default); the order does not depend on it. */
  public ImageFolderDataset decodeThreads(int threads) {
    if (threads <= 0) {
      throw new IllegalArgumentException("decodeThreads must be >= 1, got " + threads);
    }
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, s.labels, s.classNames, s.extensions, s.split, s.subset,
        s.splitSeed, s.shuffleSeed, threads, s.skipCorrupt));
  }

  /**
   * Leaves out files that are not readable images instead of failing; each pass logs how many (logger
   * {@code dev.topiary}, WARNING) and {@link #skippedImages()} counts them. The dataset's size is then unknown.
   */
  public ImageFolderDataset skipCorruptImages() {
    return new ImageFolderDataset(new Settings(s.dir, s.decoding, s.labels, s.classNames, s.extensions, s.split, s.subset,
        s.splitSeed, s.shuffleSeed, s.threads, true));
  }

  /** The files left out as corrupt over all passes so far ({@link #skipCorruptImages()}). */
  public long skippedImages() {
    return skipped.get();
  }

  /** The class names, class {@code i} first at {@code i}. */
  public List<String> classNames() {
    return index().classNames;
  }

  /** This dataset's files (its subset), in the order of an unshuffled pass. */
  public List<Path> files() {
    return index().files;
  }

  @Override
  protected Dataset delegate() {
    Dataset d = delegate;
    if (d == null) {
      Index ix = index();
      int n = ix.files.size();
      d = Dataset.fromItems(epoch -> order(n, epoch), i -> example(ix, i), s.threads,
          s.skipCorrupt ? OptionalLong.empty() : OptionalLong.of(n));
      delegate = d;
    }
    return d;
  }

  /** The file indices of one pass: shuffled per epoch when asked; closing logs what the pass skipped. */
  private ClosingIterator order(int n, int epoch) {
    List<Integer> order = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      order.add(i);
    }
    if (s.shuffleSeed != null) {
      java.util.Collections.shuffle(order, Seeds.epochRandom(s.shuffleSeed, epoch));
    }
    return new ClosingIterator(order.iterator(), skipped.get());
  }

  private final class ClosingIterator implements Iterator<Integer>, AutoCloseable {
    private final Iterator<Integer> it;
    private final long before;

    ClosingIterator(Iterator<Integer> it, long before) {
      this.it = it;
      this.before = before;
    }

    @Override
    public boolean hasNext() {
      return it.hasNext();
    }

    @Override
    public Integer next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return it.next();
    }

    @Override
    public void close() {
      long n = skipped.get() - before;
      if (n > 0) {
        LOG.log(System.Logger.Level.WARNING, "ImageFolderDataset " + s.dir + ": skipped " + n
            + " files that are not readable images in this pass");
      }
    }
  }

  private static final System.Logger LOG = System.getLogger("dev.topiary");

  /** The example of file {@code i} (null: skipped as corrupt). Runs on the decoding threads. */
  private @Nullable Example example(Index ix, int i) {
    Path file = ix.files.get(i);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read image " + file + ": " + e.getMessage(), e);
    }
    Example.Values image;
    try {
      image = s.decoding.values(bytes);
    } catch (IllegalArgumentException e) {
      if (s.skipCorrupt) {
        skipped.incrementAndGet();
        LOG.log(System.Logger.Level.DEBUG, () -> "skipped " + file + ": " + e.getMessage());
        return null;
      }
      throw new CorruptFileException(file.toString(), e.getMessage());
    }
    int k = ix.classes[i];
    int classes = ix.classNames.size();
    return switch (s.labels) {
      case INT -> Example.of(image, Example.Values.label(k));
      case CATEGORICAL -> {
        float[] oneHot = new float[classes];
        oneHot[k] = 1;
        yield Example.of(image, Example.Values.of(oneHot));
      }
      case BINARY -> Example.of(image, Example.Values.of(new float[] {k}));
      case NONE -> Example.of(List.of(image), List.of());
    };
  }

  private Index index() {
    Index ix = index;
    if (ix == null) {
      ix = list();
      index = ix;
    }
    return ix;
  }

  private Index list() {
    if (!Files.isDirectory(s.dir)) {
      throw new IllegalArgumentException("image folder " + s.dir + " is not a directory");
    }
    List<String> found;
    try (Stream<Path> children = Files.list(s.dir)) {
      found = children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + s.dir + ": " + e.getMessage(), e);
    }
    List<String> names = found;
    if (s.classNames != null) {
      if (!new java.util.HashSet<>(s.classNames).equals(new java.util.HashSet<>(found))) {
        throw new IllegalArgumentException("class names " + s.classNames + " must be the subfolders of " + s.dir
            + ", which are " + found);
      }
      names = s.classNames;
    }
    if (names.isEmpty()) {
      throw new IllegalArgumentException("image folder " + s.dir + " has no subfolders: put each class's images in a"
          + " subfolder named after the class");
    }
    if (s.labels == Labels.BINARY && names.size() != 2) {
      throw new IllegalArgumentException("binary labels need exactly 2 classes, " + s.dir + " has " + names.size() + ": "
          + names);
    }
    List<Path> files = new ArrayList<>();
    List<Integer> classes = new ArrayList<>();
    for (int k = 0; k < names.size(); k++) {
      for (Path f : imagesUnder(s.dir.resolve(names.get(k)))) {
        files.add(f);
        classes.add(k);
      }
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no images in " + s.dir + " (files ending with " + s.extensions
          + " in its class subfolders " + names + ")");
    }
    int[] order = new int[files.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    if (s.split > 0) {
      // A seeded shuffle of the whole list, then the last floor(fraction * n) are validation (Keras' split).
      Random random = new Random(Seeds.mix(s.splitSeed, "validation split"));
      for (int i = order.length - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
      int validation = (int) Math.floor(s.split * order.length);
      order = s.subset == Subset.VALIDATION ? Arrays.copyOfRange(order, order.length - validation, order.length)
          : Arrays.copyOfRange(order, 0, order.length - validation);
      if (order.length == 0) {
        throw new IllegalArgumentException("the " + s.subset.name().toLowerCase(Locale.ROOT) + " subset of " + s.dir
            + " is empty: " + files.size() + " images with validation split " + s.split);
      }
    }
    List<Path> chosen = new ArrayList<>(order.length);
    int[] chosenClasses = new int[order.length];
    for (int i = 0; i < order.length; i++) {
      chosen.add(files.get(order[i]));
      chosenClasses[i] = classes.get(order[i]);
    }
    return new Index(List.copyOf(names), List.copyOf(chosen), chosenClasses);
  }

  /** The accepted files under {@code classDir}: folders by path, then files by name (Keras' os.walk order). */
  private List<Path> imagesUnder(Path classDir) {
    try (Stream<Path> all = Files.walk(classDir)) {
      return all.filter(Files::isRegularFile)
          .filter(p -> {
            String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
            return s.extensions.stream().anyMatch(name::endsWith);
          })
          .sorted(Comparator.comparing((Path p) -> p.getParent().toString()).thenComparing(p -> p.getFileName().toString()))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + classDir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "ImageFolderDataset(" + s.dir + ", " + s.decoding + ", labels " + s.labels
        + (s.split > 0 ? ", " + s.subset + " of split " + s.split : "") + ")";
  }

  // ---- writing -------------------------------------------------------------------------------

  /**
   * Writes images as a folder this class (and Keras) reads: {@code dir/<class name>/<index>.png}, index
   * zero-padded. {@code images} are floats of shape [n, height, width, channels] (1 or 3 channels) or
   * [n, height, width] (grayscale), values 0..255 (rounded and clamped); {@code labels} index
   * {@code classNames}. Every class gets its folder, even without images.
   */
  public static void write(Path dir, HostArray images, int[] labels, List<String> classNames) {
    long[] shape = images.shape();
    if (images.dtype() != HostArray.DType.FLOAT32 || (shape.length != 4 && shape.length != 3)) {
      throw new IllegalArgumentException("images must be float [n, height, width, channels] or [n, height, width], got "
          + images);
    }
    int n = (int) shape[0];
    int h = (int) shape[1];
    int w = (int) shape[2];
    int c = shape.length == 4 ? (int) shape[3] : 1;
    if (labels.length != n) {
      throw new IllegalArgumentException(labels.length + " labels for " + n + " images");
    }
    if (classNames.isEmpty() || classNames.stream().distinct().count() != classNames.size()) {
      throw new IllegalArgumentException("class names must be distinct and not empty, got " + classNames);
    }
    for (String name : classNames) {
      if (name.isEmpty() || name.contains("/") || name.contains("\\") || name.equals(".") || name.equals("..")) {
        throw new IllegalArgumentException("class name '" + name + "' is not a folder name");
      }
    }
    float[] all = images.floats();
    int per = h * w * c;
    int digits = Math.max(1, String.valueOf(Math.max(0, n - 1)).length());
    try {
      for (String name : classNames) {
        Files.createDirectories(dir.resolve(name));
      }
      for (int i = 0; i < n; i++) {
        int k = labels[i];
        if (k < 0 || k >= classNames.size()) {
          throw new IllegalArgumentException("label " + i + " is " + k + ", outside 0.." + (classNames.size() - 1));
        }
        byte[] png = ImageDecoding.encode(Arrays.copyOfRange(all, i * per, (i + 1) * per), h, w, c, "png");
        Files.write(dir.resolve(classNames.get(k)).resolve(String.format(Locale.ROOT, "%0" + digits + "d.png", i)), png);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write images to " + dir + ": " + e.getMessage(), e);
    }
  }
}
