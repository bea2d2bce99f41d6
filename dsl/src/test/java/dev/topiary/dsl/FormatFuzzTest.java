package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.BinaryFormat;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.data.HostArray;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Tensor;

/**
 * Mutation fuzzing of every file format Topiary reads (issue 11): sparse weights (TPSW), checkpoints
 * (TPCK), {@code model.json} and whole saved model directories. Mutations: bit flips, interesting
 * values over counts and dims, truncations, insertions, deletions, duplicated ranges; for the binary
 * formats half of them get a recomputed CRC ("crafted": the structural checks, not the checksum, must
 * catch them). Each read is bounded in time. Allowed outcomes: a {@link CorruptFileException} naming
 * the file, or an accepted file that is either unchanged in content or (only for crafted binary files,
 * whose every byte is then legitimately the writer's) well-formed, with every tensor created in
 * TensorFlow without reaching its fatal checks. Anything else (another exception, an error, a hang,
 * an accepted raw corruption, a changed model directory loading) fails. With the environment variable
 * {@code FUZZ_DEBUG} set, the model.json mutations that parse into another model are printed.
 */
class FormatFuzzTest {
  private static final Duration LIMIT = Duration.ofSeconds(20);

  /** Counts of outcomes by class. */
  static final class Tally {
    final String format;
    final Map<String, Integer> counts = new TreeMap<>();
    final List<String> samples = new ArrayList<>();

    Tally(String format) {
      this.format = format;
    }

    void add(String outcome) {
      counts.merge(outcome, 1, Integer::sum);
    }

    int total() {
      return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    void print() {
      System.out.printf("FormatFuzzTest %s: %d mutations %s%n", format, total(), counts);
    }
  }

  // ---------------------------------------------------------------- mutations

  private static final long[] INTERESTING = {0, 1, -1, 7, 8, 127, 128, 255, 256, 65535, 65536, Integer.MAX_VALUE,
      Integer.MIN_VALUE, 1L << 31, 1L << 32, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE};

  /** One random mutation of {@code data}, never the identity. */
  static byte[] mutate(byte[] data, Random r) {
    for (;;) {
      byte[] out = mutateOnce(data, r);
      if (!Arrays.equals(out, data)) {
        return out;
      }
    }
  }

  private static byte[] mutateOnce(byte[] data, Random r) {
    int n = data.length;
    int at = n == 0 ? 0 : r.nextInt(n);
    switch (r.nextInt(8)) {
      case 0 -> { // flip 1-4 bits
        byte[] out = data.clone();
        for (int i = r.nextInt(4); i >= 0 && n > 0; i--) {
          out[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
        }
        return out;
      }
      case 1 -> { // an interesting byte
        byte[] out = data.clone();
        if (n > 0) {
          out[at] = (byte) new int[] {0, 0xFF, 0x7F, 0x80, 0x01, 0xC3, 0xED}[r.nextInt(7)];
        }
        return out;
      }
      case 2, 3 -> { // an interesting 16/32/64-bit big-endian value over a count, length or dim
        byte[] out = data.clone();
        int width = new int[] {2, 4, 8}[r.nextInt(3)];
        long v = INTERESTING[r.nextInt(INTERESTING.length)];
        for (int i = 0; i < width && at + i < n; i++) {
          out[at + i] = (byte) (v >>> (8 * (width - 1 - i)));
        }
        return out;
      }
      case 4 -> { // truncate
        return Arrays.copyOf(data, r.nextInt(Math.max(1, n)));
      }
      case 5 -> { // insert 1-16 random bytes
        byte[] extra = new byte[1 + r.nextInt(16)];
        r.nextBytes(extra);
        return splice(data, at, at, extra);
      }
      case 6 -> { // delete a range
        return splice(data, at, Math.min(n, at + 1 + r.nextInt(16)), new byte[0]);
      }
      default -> { // duplicate a range
        int end = Math.min(n, at + 1 + r.nextInt(32));
        return splice(data, at, at, Arrays.copyOfRange(data, at, end));
      }
    }
  }

  private static byte[] splice(byte[] data, int from, int to, byte[] insert) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(data, 0, from);
    out.write(insert, 0, insert.length);
    out.write(data, to, data.length - to);
    return out.toByteArray();
  }

  /** A mutation of the payload of a checksummed file, with the CRC recomputed (magic kept). */
  static byte[] craft(byte[] file, Random r) {
    byte[] payload = Arrays.copyOf(file, file.length - 8);
    byte[] head = Arrays.copyOf(payload, 4);
    byte[] mutated = mutate(Arrays.copyOfRange(payload, 4, payload.length), r);
    return BinaryFormat.withChecksum(splice(mutated, 0, 0, head));
  }

  /** Text-level mutations of a JSON document: a changed name, a hostile number, a lost or doubled line. */
  static String mutateJson(String json, Random r) {
    for (;;) {
      String out = mutateJsonOnce(json, r);
      if (!out.equals(json)) {
        return out;
      }
    }
  }

  private static final Pattern NUMBER = Pattern.compile("-?[0-9][0-9.eE+-]*");
  private static final Pattern STRING = Pattern.compile("\"[^\"]*\"");
  private static final String[] HOSTILE_NUMBERS = {"0", "-1", "2147483647", "2147483648", "-2147483648",
      "9223372036854775807", "9223372036854775808", "1e309", "-1e309", "0.5", "1e-320", "NaN", "3.0", "00", "1.0e2"};

  private static String mutateJsonOnce(String json, Random r) {
    switch (r.nextInt(5)) {
      case 0 -> { // a number becomes a hostile one
        return replaceRandom(json, NUMBER, m -> HOSTILE_NUMBERS[r.nextInt(HOSTILE_NUMBERS.length)], r);
      }
      case 1 -> { // one character of a name or string value changes
        return replaceRandom(json, STRING, m -> {
          String s = m.substring(1, m.length() - 1);
          if (s.isEmpty()) {
            return "\"x\"";
          }
          int i = r.nextInt(s.length());
          return "\"" + s.substring(0, i) + (char) ('A' + r.nextInt(26)) + s.substring(i + 1) + "\"";
        }, r);
      }
      case 2, 3 -> { // a line is lost or doubled
        List<String> lines = new ArrayList<>(List.of(json.split("\n", -1)));
        int i = r.nextInt(lines.size());
        if (r.nextBoolean()) {
          lines.remove(i);
        } else {
          lines.add(i, lines.get(i));
        }
        return String.join("\n", lines);
      }
      default -> { // byte-level
        return new String(mutate(json.getBytes(StandardCharsets.UTF_8), r), StandardCharsets.UTF_8);
      }
    }
  }

  private static String replaceRandom(String s, Pattern p, java.util.function.UnaryOperator<String> f, Random r) {
    List<int[]> spans = new ArrayList<>();
    Matcher m = p.matcher(s);
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    if (spans.isEmpty()) {
      return s + " ";
    }
    int[] span = spans.get(r.nextInt(spans.size()));
    return s.substring(0, span[0]) + f.apply(s.substring(span[0], span[1])) + s.substring(span[1]);
  }

  // ---------------------------------------------------------------- the originals

  static Map<String, HostArray> weights() {
    Random r = new Random(4);
    Map<String, HostArray> w = new LinkedHashMap<>();
    float[] k = new float[9 * 5];
    for (int i = 0; i < k.length; i++) {
      k[i] = r.nextDouble() < 0.6 ? 0f : (float) r.nextGaussian();
    }
    w.put("dense_kernel", HostArray.of(k, 9, 5));
    w.put("dense_bias", HostArray.of(new float[] {0.5f, -1, 0, 0, 2}, 5));
    w.put("conv_kernel", HostArray.of(new float[] {1, -2, 0, 4, 0, 0, 7, -8, 9}, 1, 3, 3, 1));
    return w;
  }

  static Snapshot snapshot() {
    Map<String, HostArray> v = new LinkedHashMap<>();
    v.put("dense_kernel", HostArray.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
    v.put("dense_kernel_prune_mask", HostArray.ofFloats(new float[] {1, 0, 1, 0, 1, 1}, 2, 3));
    v.put("dense_kernel_prune_threshold", HostArray.ofFloats(new float[] {0.25f}));
    v.put("global_step", HostArray.ofLongs(new long[] {42}));
    v.put("empty", HostArray.ofFloats(new float[0], 0, 4));
    return new Snapshot(v);
  }

  static boolean sameWeights(Map<String, HostArray> a, Map<String, HostArray> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (String k : a.keySet()) {
      if (!Arrays.equals(a.get(k).shape(), b.get(k).shape()) || !Arrays.equals(a.get(k).floats(), b.get(k).floats())) {
        return false;
      }
    }
    return true;
  }

  /** Records an exception: a CorruptFileException naming {@code source} is fine, anything else fails. */
  private static void refused(Tally t, Throwable e, String source) {
    if (e instanceof CorruptFileException c && c.file().equals(source) && c.getMessage().startsWith(source + ": ")) {
      t.add("refused (CorruptFileException)");
      if (t.samples.size() < 400 && !t.samples.contains(c.getMessage())) {
        t.samples.add(c.getMessage());
      }
      return;
    }
    throw new AssertionError(t.format + ": unexpected " + e + " for " + source, e);
  }

  // ---------------------------------------------------------------- TPSW

  static Tally fuzzSparseWeights(int mutations, long seed) {
    Tally t = new Tally("TPSW sparse weights");
    Random r = new Random(seed);
    Map<String, HostArray> original = weights();
    byte[] good = SparseWeights.encode(original, SparseWeights.Encoding.FLOAT32);
    byte[] good8 = SparseWeights.encode(original, SparseWeights.Encoding.INT8);
    for (int i = 0; i < mutations; i++) {
      byte[] base = r.nextBoolean() ? good : good8;
      boolean crafted = r.nextBoolean();
      byte[] bad = crafted ? craft(base, r) : mutate(base, r);
      String source = "w" + i + ".tpsw";
      try {
        Map<String, HostArray> back = assertTimeoutPreemptively(LIMIT, () -> SparseWeights.decode(bad, source));
        if (!crafted) {
          throw new AssertionError("a corrupted file with a wrong checksum was accepted: mutation " + i);
        }
        for (HostArray a : back.values()) {
          try (Tensor tensor = a.toTensor()) {
            assertThat(tensor.shape().asArray()).containsExactly(a.shape());
          }
        }
        t.add(sameWeights(back, SparseWeights.decode(base, "base")) ? "accepted, content unchanged"
            : "accepted crafted (well-formed, values changed)");
      } catch (AssertionError e) {
        throw e;
      } catch (Throwable e) {
        refused(t, e, source);
      }
    }
    return t;
  }

  // ---------------------------------------------------------------- TPCK

  static Tally fuzzCheckpoints(Path dir, int mutations, long seed) throws Exception {
    Tally t = new Tally("TPCK checkpoint");
    Random r = new Random(seed);
    Snapshot original = snapshot();
    Map<String, String> props = new LinkedHashMap<>();
    props.put("epoch", "3");
    props.put("batch", "17");
    props.put("fingerprint", "fuzz");
    byte[] good = SnapshotFile.encode(original, props);
    Path file = dir.resolve("fuzz.tpck");
    String source = file.toString();
    for (int i = 0; i < mutations; i++) {
      boolean crafted = r.nextBoolean();
      byte[] bad = crafted ? craft(good, r) : mutate(good, r);
      Files.write(file, bad);
      try {
        SnapshotFile.Contents back = assertTimeoutPreemptively(LIMIT, () -> SnapshotFile.read(file));
        if (!crafted) {
          throw new AssertionError("a corrupted file with a wrong checksum was accepted: mutation " + i);
        }
        for (HostArray s : back.snapshot().variables().values()) {
          try (Tensor tensor = s.toTensor()) {
            assertThat(tensor.shape().asArray()).containsExactly(s.shape());
          }
        }
        t.add(back.snapshot().equals(original) && back.properties().equals(props) ? "accepted, content unchanged"
            : "accepted crafted (well-formed, values changed)");
      } catch (AssertionError e) {
        throw e;
      } catch (Throwable e) {
        refused(t, e, source);
      }
    }
    return t;
  }

  // ---------------------------------------------------------------- model.json

  static ModelSpec configSpec() {
    return ModelFilesTest.spec(true);
  }

  static Tally fuzzConfigs(int mutations, long seed) {
    Tally t = new Tally("model.json (ModelConfig.fromJson)");
    Random r = new Random(seed);
    String good = ModelConfig.toJson(configSpec());
    for (int i = 0; i < mutations; i++) {
      String bad = mutateJson(good, r);
      String source = "m" + i + ".json";
      try {
        ModelSpec back = assertTimeoutPreemptively(LIMIT, () -> ModelConfig.fromJson(bad, source));
        // Without a manifest a well-formed config that differs is simply another model; count both.
        t.add(ModelConfig.toJson(back).equals(good) ? "accepted, same model" : "accepted, another well-formed model");
        if (!ModelConfig.toJson(back).equals(good) && System.getenv("FUZZ_DEBUG") != null) {
          System.out.println("DEBUG accepted: " + diff(good, bad));
        }
      } catch (AssertionError e) {
        throw e;
      } catch (Throwable e) {
        refused(t, e, source);
      }
    }
    return t;
  }

  static String diff(String a, String b) {
    int i = 0;
    while (i < Math.min(a.length(), b.length()) && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    int from = Math.max(0, i - 30);
    return a.substring(from, Math.min(a.length(), i + 30)).replace("\n", " ") + "  =>  "
        + b.substring(from, Math.min(b.length(), i + 30)).replace("\n", " ");
  }

  // ---------------------------------------------------------------- model directories

  static Tally fuzzModelDirectories(Path root, int mutations, long seed) throws Exception {
    Tally t = new Tally("model directory (ModelFiles.load)");
    Random r = new Random(seed);
    Path template = root.resolve("template");
    float[] expected;
    try (Model m = configSpec().compile(ModelFilesTest.compile(true))) {
      ModelFiles.save(m, template);
      expected = m.predict(ModelFilesTest.inputs()).floats();
    }
    Map<String, byte[]> files = new LinkedHashMap<>();
    for (String name : List.of(ModelFiles.CONFIG, ModelFiles.STATE, ModelFiles.MANIFEST)) {
      files.put(name, Files.readAllBytes(template.resolve(name)));
    }
    String json = new String(files.get(ModelFiles.CONFIG), StandardCharsets.UTF_8);
    Path dir = root.resolve("model");
    for (int i = 0; i < mutations; i++) {
      String name = List.copyOf(files.keySet()).get(r.nextInt(files.size()));
      byte[] original = files.get(name);
      byte[] bad;
      if (name.equals(ModelFiles.CONFIG) && r.nextBoolean()) {
        bad = mutateJson(json, r).getBytes(StandardCharsets.UTF_8);
      } else if (name.equals(ModelFiles.STATE) && r.nextBoolean()) {
        bad = craft(original, r); // a valid checksum: only the manifest can notice
      } else {
        bad = mutate(original, r);
      }
      // Every tenth: a crafted state with a valid checksum and a manifest that matches it, as a
      // deliberate forger would make; the state's own checks and restore must refuse or accept it whole.
      boolean forged = i % 10 == 0;
      if (forged) {
        name = ModelFiles.STATE;
        bad = craft(files.get(ModelFiles.STATE), r);
        Map<String, byte[]> content = new LinkedHashMap<>(files);
        content.put(ModelFiles.STATE, bad);
        AtomicFilesForTest.replaceDirectory(dir, files, ModelFiles.STATE, bad);
        Files.write(dir.resolve(ModelFiles.MANIFEST), ModelFiles.manifest(content));
      } else {
        AtomicFilesForTest.replaceDirectory(dir, files, name, bad);
      }
      String changed = name;
      try {
        float[] p = assertTimeoutPreemptively(LIMIT, () -> ModelFilesTest.predictions(dir));
        if (forged) {
          t.add("accepted forged state with matching manifest (well-formed)");
          continue;
        }
        if (!changed.equals(ModelFiles.MANIFEST)) {
          throw new AssertionError("a changed " + changed + " was accepted: mutation " + i);
        }
        assertThat(p).containsExactly(expected);
        t.add("accepted, manifest change without effect (content verified unchanged)");
      } catch (AssertionError e) {
        throw e;
      } catch (Throwable e) {
        if (e instanceof CorruptFileException c && c.file().startsWith(dir.toAbsolutePath().toString())
            && c.getMessage().startsWith(c.file() + ": ")) {
          t.add("refused (CorruptFileException), " + (forged ? "forged state + manifest" : changed + " changed"));
          if (t.samples.size() < 400 && !t.samples.contains(c.getMessage())) {
            t.samples.add(c.getMessage());
          }
        } else {
          throw new AssertionError(t.format + ": unexpected " + e + " after changing " + name + ", mutation " + i, e);
        }
      }
    }
    return t;
  }

  /** Test-only file helpers. */
  static final class AtomicFilesForTest {
    private AtomicFilesForTest() {}

    static void replaceDirectory(Path dir, Map<String, byte[]> files, String changed, byte[] bytes) throws Exception {
      Files.createDirectories(dir);
      for (var e : files.entrySet()) {
        Files.write(dir.resolve(e.getKey()), e.getKey().equals(changed) ? bytes : e.getValue());
      }
    }
  }

  // ---------------------------------------------------------------- the tests

  @Test
  void sparseWeights() {
    Tally t = fuzzSparseWeights(400, 101);
    t.print();
    assertThat(t.counts.get("refused (CorruptFileException)")).isGreaterThan(300);
  }

  @Test
  void checkpoints(@TempDir Path dir) throws Exception {
    Tally t = fuzzCheckpoints(dir, 400, 102);
    t.print();
    assertThat(t.counts.get("refused (CorruptFileException)")).isGreaterThan(300);
  }

  @Test
  void modelConfigs() {
    Tally t = fuzzConfigs(400, 103);
    t.print();
    assertThat(t.counts.get("refused (CorruptFileException)")).isGreaterThan(100);
  }

  @Test
  void modelDirectories(@TempDir Path root) throws Exception {
    Tally t = fuzzModelDirectories(root, 300, 104);
    t.print();
    assertThat(t.total()).isEqualTo(300);
  }

  @Test
  void deeplyNestedJsonIsRefusedNotAStackOverflow() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    Tally t = new Tally("deep JSON");
    try {
      assertTimeoutPreemptively(LIMIT, () -> ModelConfig.fromJson(deep, "deep.json"));
      throw new AssertionError("accepted");
    } catch (AssertionError e) {
      throw e;
    } catch (Throwable e) {
      refused(t, e, "deep.json");
    }
  }

  /** About 20,000 mutations over the four formats. */
  @Test
  @Tag("benchmark")
  void longFuzzRun(@TempDir Path root) throws Exception {
    List<Tally> all = List.of(fuzzSparseWeights(6000, 201), fuzzCheckpoints(root, 6000, 202), fuzzConfigs(6000, 203),
        fuzzModelDirectories(root, 2000, 204));
    all.forEach(Tally::print);
    assertThat(all.stream().mapToInt(Tally::total).sum()).isEqualTo(20_000);
  }
}
