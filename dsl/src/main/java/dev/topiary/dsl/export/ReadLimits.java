package dev.topiary.dsl.export;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.BiFunction;

/**
 * How much memory one read of a model file may take: the one budget every Topiary reader ({@code .tpck}
 * checkpoints, {@code .tpsw} sparse weights, {@code .tflite}, model directories, {@code .keras} and
 * {@code .h5}) charges its allocations to <em>before</em> making them, so that no file, however crafted
 * (a forged size, a zip bomb, a 2 GB file with the right magic), can make a reader exhaust the heap. A
 * file that needs more fails with a {@link CorruptFileException} naming the file, what it needs and
 * the budget.
 *
 * <p>The default is half of the JVM's maximum heap ({@link Runtime#maxMemory}), or the value of the
 * system property {@value #PROPERTY} (bytes, or with a {@code k}, {@code m} or {@code g} suffix). A
 * program that loads larger files raises it with {@link #setBudget}; a service that loads files from
 * users lowers it, for all threads or, with {@link #withBudget}, for the reads of one task.
 *
 * <p>What a read is charged: the file's bytes when it is read whole (checked against the file's length
 * before reading), every decoded array (weights, masks), every zip entry by its declared size before
 * inflating (and refused if it inflates to more), and a JSON document by its length before parsing.
 * Zip entries must also not expand by more than {@link #maxCompressionRatio} (beyond 1 MiB).
 */
public final class ReadLimits {
  /** The system property that sets the default budget, e.g. {@code -Dtopiary.readBudget=256m}. */
  public static final String PROPERTY = "topiary.readBudget";
  /** Inflated zip entries up to this size are never refused for their compression ratio. */
  public static final long RATIO_FREE_BYTES = 1 << 20;
  /** The default {@link #maxCompressionRatio}: far above what weights compress by, far below a bomb's 1000:1. */
  public static final int DEFAULT_MAX_COMPRESSION_RATIO = 100;

  private static volatile long globalBudget = 0; // 0: the default
  private static volatile int maxRatio = DEFAULT_MAX_COMPRESSION_RATIO;
  private static final ThreadLocal<Long> SCOPED = new ThreadLocal<>();

  private ReadLimits() {}

  /** The budget reads on this thread get now, in bytes. */
  public static long budget() {
    Long scoped = SCOPED.get();
    if (scoped != null) {
      return scoped;
    }
    long global = globalBudget;
    return global > 0 ? global : defaultBudget();
  }

  /**
   * The budget when none was set: {@value #PROPERTY} if given, else half of the maximum heap.
   *
   * @throws IllegalArgumentException if the property is set but not a positive size
   */
  public static long defaultBudget() {
    String property = System.getProperty(PROPERTY);
    if (property != null && !property.isBlank()) {
      return parseSize(property.trim(), PROPERTY);
    }
    long max = Runtime.getRuntime().maxMemory();
    return max == Long.MAX_VALUE ? 1L << 31 : Math.max(1, max / 2);
  }

  /** Sets the budget of every read in this JVM (unless {@link #withBudget} overrides it on a thread). */
  public static void setBudget(long bytes) {
    globalBudget = requirePositive(bytes, "read budget");
  }

  /** Back to the {@link #defaultBudget}. */
  public static void resetBudget() {
    globalBudget = 0;
  }

  /** What a read does under a budget. */
  @FunctionalInterface
  public interface Read<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code read} with {@code bytes} as the budget of the reads this thread makes meanwhile (other
   * threads keep theirs), e.g. to load a file a user uploaded with a tighter budget.
   */
  public static <T> T withBudget(long bytes, Read<T> read) throws IOException {
    requirePositive(bytes, "read budget");
    Objects.requireNonNull(read, "withBudget: read");
    Long before = SCOPED.get();
    SCOPED.set(bytes);
    try {
      return read.run();
    } finally {
      if (before == null) {
        SCOPED.remove();
      } else {
        SCOPED.set(before);
      }
    }
  }

  /** Largest ratio of inflated to compressed size accepted for a zip entry over {@link #RATIO_FREE_BYTES}. */
  public static int maxCompressionRatio() {
    return maxRatio;
  }

  /** Sets {@link #maxCompressionRatio} for every read in this JVM. */
  public static void setMaxCompressionRatio(int ratio) {
    maxRatio = (int) requirePositive(ratio, "compression ratio");
  }

  private static long requirePositive(long value, String what) {
    if (value <= 0) {
      throw new IllegalArgumentException(what + " must be positive, got " + value);
    }
    return value;
  }

  /** {@code 123}, {@code 64k}, {@code 256m}, {@code 2g} as bytes. */
  static long parseSize(String text, String what) {
    String t = text.toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    char last = t.isEmpty() ? ' ' : t.charAt(t.length() - 1);
    if (last == 'k' || last == 'm' || last == 'g') {
      unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
      t = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(t);
      if (n > 0 && n <= Long.MAX_VALUE / unit) {
        return n * unit;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(what + " must be a positive size in bytes (e.g. 256m), got '" + text + "'");
  }

  /** A new tally for one read of {@code source} under the current {@link #budget}. */
  public static Tally tally(String source) {
    return new Tally(source, budget(), CorruptFileException::new);
  }

  /** The same, failing with the exceptions {@code error} makes (file, problem), e.g. a format's own subclass. */
  public static Tally tally(String source, BiFunction<String, String, ? extends CorruptFileException> error) {
    return new Tally(source, budget(), error);
  }

  /**
   * What one read has allocated so far; {@link #charge} before each allocation fails once the sum
   * would pass the budget.
   */
  public static final class Tally {
    private final String source;
    private final long budget;
    private final BiFunction<String, String, ? extends CorruptFileException> error;
    private long used;

    private Tally(String source, long budget, BiFunction<String, String, ? extends CorruptFileException> error) {
      this.source = source;
      this.budget = budget;
      this.error = error;
    }

    public String source() {
      return source;
    }

    public long budget() {
      return budget;
    }

    /** Bytes charged so far. */
    public long used() {
      return used;
    }

    /** Bytes left. */
    public long remaining() {
      return budget - used;
    }

    /** An exception of this tally's kind naming its source. */
    public CorruptFileException error(String problem) {
      return error.apply(source, problem);
    }

    /**
     * Charges {@code bytes} for {@code what}, failing before they are allocated if they would pass
     * the budget.
     */
    public void charge(long bytes, String what) {
      if (bytes < 0 || bytes > remaining()) {
        throw error(what + " needs " + bytes + " bytes, more than the " + Math.max(0, remaining()) + " left of the read"
            + " budget of " + budget + " bytes (ReadLimits.setBudget or -D" + PROPERTY + " raise it)");
      }
      used += bytes;
    }

    /**
     * All bytes of {@code file}: its length is charged first (so an oversized file fails before a byte
     * is read), and if {@code magic} is given, the first bytes are checked before the rest is read.
     *
     * @param magic the bytes the file must start with at {@code magicOffset}, or null
     * @param what what the file should be, e.g. "Topiary checkpoint", for errors
     * @throws CorruptFileException (of this tally's kind) for a file too large, too short or foreign
     */
    public byte[] readFile(Path file, byte[] magic, int magicOffset, String what) throws IOException {
      long size = Files.size(file);
      if (size > BinaryFormat.MAX_FILE_BYTES) {
        throw error("too large to read (" + size + " bytes; at most " + BinaryFormat.MAX_FILE_BYTES + ")");
      }
      if (magic != null) {
        byte[] head = new byte[magicOffset + magic.length];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
          n = in.readNBytes(head, 0, head.length);
        }
        if (n < head.length) {
          throw error("too short to be a " + what + " (" + n + " bytes)");
        }
        for (int i = 0; i < magic.length; i++) {
          if (head[magicOffset + i] != magic[i]) {
            throw error("not a " + what + " (bad magic)");
          }
        }
      }
      charge(size, "the file");
      byte[] data;
      try (InputStream in = Files.newInputStream(file)) {
        data = in.readNBytes((int) size);
        if (in.read() != -1) {
          throw error("grew while it was being read (more than " + size + " bytes)");
        }
      }
      if (data.length != size) {
        throw error("shrank while it was being read (" + data.length + " of " + size + " bytes)");
      }
      return data;
    }
  }
}
