package dev.topiary.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * Mutation fuzzing of a reader under a small read budget (issue 29): whole-file mutations (bit flips,
 * bytes set, ranges zeroed, overwritten, inserted, deleted, duplicated, truncations) and size-field
 * mutations (a 2-, 4- or 8-byte window, either byte order, set to a large or boundary value) of a
 * small file Topiary wrote. Each read runs on its own thread with a time bound and the budget set by
 * the {@link Limits} (Topiary's {@code ReadLimits.withBudget}); its outcome is counted as refused (the
 * limits' refusal, Topiary's {@code CorruptFileException}), unchanged (read, same content), silently
 * changed (read, other content), OutOfMemoryError, or other (any other exception or a hang: a bug).
 *
 * <p>A module of its own, depending on no Topiary module, so that dsl, keras and tflite test their readers
 * with it as a plain test dependency: a dependency on dsl's test jar made the samples' {@code -am compile
 * exec:java} (the README's main job) fail, since {@code exec:java} resolves every reactor module's test
 * dependencies and a test jar exists only after {@code package}.
 */
public final class ReadFuzz {
  /** What a reader makes of a file: something whose equals tells an unchanged read from a changed one. */
  @FunctionalInterface
  public interface Read {
    Object read(Path file) throws Exception;
  }

  /**
   * How the reads are bounded and how a reader refuses a file: {@code new Limits((bytes, read) ->
   * ReadLimits.withBudget(bytes, read::read), CorruptFileException.class)}.
   */
  public record Limits(Budgeted budgeted, Class<? extends Throwable> refusal) {}

  /** Runs {@code read} under a budget of {@code bytes}. */
  @FunctionalInterface
  public interface Budgeted {
    Object withBudget(long bytes, IoRead read) throws Exception;
  }

  /** A read that fails only with an {@link java.io.IOException} or unchecked exceptions. */
  @FunctionalInterface
  public interface IoRead {
    Object read() throws java.io.IOException;
  }

  /** The counts of one format. */
  public static final class Figures {
    public final String format;
    public int refused;
    public int unchanged;
    public int changed;
    public int oom;
    public final List<String> other = new ArrayList<>();
    public final List<String> changedSamples = new ArrayList<>();

    public Figures(String format) {
      this.format = format;
    }

    public int total() {
      return refused + unchanged + changed + oom + other.size();
    }

    @Override
    public String toString() {
      return format + ": " + total() + " mutations, refused " + refused + ", unchanged " + unchanged
          + ", silently changed " + changed + ", OOM " + oom + ", other " + other.size()
          + (other.isEmpty() ? "" : " " + other.subList(0, Math.min(3, other.size())));
    }
  }

  private static final long[] LARGE = {0x7FFFFFFFL, 0xFFFFFFFFL, 0x80000000L, 0x40000000L, 0x10000000L, 0x01000000L,
      0x00FFFFFFL, 0xFFFFL, 0x7FFFL, 0x8000L, 0xFFFFFFFFFFFFFFFFL, 0x7FFFFFFFFFFFFFFFL, 1L << 40};

  private ReadFuzz() {}

  /**
   * Runs {@code wholeFile} whole-file and {@code sizeFields} size-field mutations of {@code original},
   * each written to {@code file} (after {@code seal}, e.g. a recomputed checksum, or the identity) and
   * read by {@code read} under {@code budget} bytes of {@code limits}.
   */
  public static Figures run(String format, byte[] original, Path file, Read read, long budget, int wholeFile,
      int sizeFields, long seed, UnaryOperator<byte[]> seal, Limits limits) throws Exception {
    Files.write(file, original);
    Object baseline = limits.budgeted().withBudget(budget, ioRead(read, file));
    Figures figures = new Figures(format);
    Random random = new Random(seed);
    ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "read-fuzz");
      t.setDaemon(true);
      return t;
    });
    try {
      for (int i = 0; i < wholeFile + sizeFields; i++) {
        byte[] mutated = i < wholeFile ? wholeFile(original, random) : sizeField(original, random);
        if (Arrays.equals(mutated, original)) {
          mutated = flip(original, random);
        }
        Files.write(file, seal.apply(mutated));
        String what = (i < wholeFile ? "whole-file" : "size-field") + " mutation " + i;
        Future<Object> result = pool.submit(() -> limits.budgeted().withBudget(budget, ioRead(read, file)));
        try {
          Object content = result.get(30, TimeUnit.SECONDS);
          if (Objects.equals(content, baseline)) {
            figures.unchanged++;
          } else {
            figures.changed++;
            if (figures.changedSamples.size() < 5) {
              figures.changedSamples.add(what);
            }
          }
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          if (limits.refusal().isInstance(cause)) {
            figures.refused++;
          } else if (cause instanceof OutOfMemoryError) {
            figures.oom++;
          } else {
            figures.other.add(what + ": " + cause);
          }
        } catch (TimeoutException e) {
          result.cancel(true);
          figures.other.add(what + ": no answer within 30 s");
          pool.shutdownNow();
          pool = Executors.newSingleThreadExecutor();
        }
      }
    } finally {
      pool.shutdownNow();
      Files.write(file, original); // as found: a directory's other files are fuzzed next
    }
    return figures;
  }

  /** {@code read} of {@code file} as the budget takes it: checked exceptions other than I/O wrapped. */
  private static IoRead ioRead(Read read, Path file) {
    return () -> {
      try {
        return read.read(file);
      } catch (java.io.IOException | RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  private static byte[] flip(byte[] data, Random r) {
    byte[] out = data.clone();
    int at = r.nextInt(out.length);
    out[at] ^= (byte) (1 << r.nextInt(8));
    return out;
  }

  /** One random whole-file mutation. */
  static byte[] wholeFile(byte[] data, Random r) {
    int n = data.length;
    int at = r.nextInt(n);
    int len = 1 + r.nextInt(Math.max(1, Math.min(64, n - at)));
    byte[] out;
    switch (r.nextInt(8)) {
      case 0 -> {
        out = data.clone();
        for (int k = 1 + r.nextInt(4); k > 0; k--) {
          int p = r.nextInt(n);
          out[p] ^= (byte) (1 << r.nextInt(8));
        }
      }
      case 1 -> {
        out = data.clone();
        out[at] = (byte) r.nextInt(256);
      }
      case 2 -> {
        out = data.clone();
        Arrays.fill(out, at, Math.min(n, at + len), (byte) 0);
      }
      case 3 -> {
        out = data.clone();
        for (int p = at; p < Math.min(n, at + len); p++) {
          out[p] = (byte) r.nextInt(256);
        }
      }
      case 4 -> out = Arrays.copyOf(data, r.nextInt(n)); // truncated
      case 5 -> { // inserted
        byte[] extra = new byte[len];
        r.nextBytes(extra);
        out = concat(Arrays.copyOf(data, at), extra, Arrays.copyOfRange(data, at, n));
      }
      case 6 -> out = concat(Arrays.copyOf(data, at), Arrays.copyOfRange(data, Math.min(n, at + len), n)); // deleted
      default -> out = concat(Arrays.copyOf(data, at + len > n ? n : at + len), Arrays.copyOfRange(data, at,
          Math.min(n, at + len)), Arrays.copyOfRange(data, Math.min(n, at + len), n)); // duplicated
    }
    return out;
  }

  /** One size-field mutation: a 2-, 4- or 8-byte window set to a large or boundary value. */
  static byte[] sizeField(byte[] data, Random r) {
    int width = new int[] {2, 4, 4, 4, 8}[r.nextInt(5)];
    if (data.length < width) {
      return flip(data, r);
    }
    int at = r.nextBoolean() ? r.nextInt(data.length - width + 1) : (r.nextInt((data.length - width) / 4 + 1) * 4);
    long value = switch (r.nextInt(4)) {
      case 0 -> data.length * (2L + r.nextInt(1000));
      case 1 -> data.length + 1 + r.nextInt(16);
      default -> LARGE[r.nextInt(LARGE.length)];
    };
    byte[] out = data.clone();
    ByteBuffer b = ByteBuffer.wrap(out).order(r.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    switch (width) {
      case 2 -> b.putShort(at, (short) value);
      case 4 -> b.putInt(at, (int) value);
      default -> b.putLong(at, value);
    }
    return out;
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n);
    for (byte[] p : parts) {
      b.put(p);
    }
    return b.array();
  }

  /**
   * Prints each format's figures under {@code suite} and fails on any OutOfMemoryError, any other
   * outcome, and any silently changed read of a file Topiary wrote.
   */
  public static void assertNoneHarmful(String suite, List<Figures> all) {
    all.forEach(f -> System.out.println(suite + " " + f));
    for (Figures f : all) {
      org.assertj.core.api.Assertions.assertThat(f.oom).as(f.format + " OutOfMemoryErrors").isZero();
      org.assertj.core.api.Assertions.assertThat(f.other).as(f.format + " other outcomes").isEmpty();
      org.assertj.core.api.Assertions.assertThat(f.changed).as(f.format + " silently changed: " + f.changedSamples)
          .isZero();
    }
  }
}
