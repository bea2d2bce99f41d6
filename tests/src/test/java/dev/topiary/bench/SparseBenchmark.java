package dev.topiary.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.AtomicFiles;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.samples.imdb.ImdbPruning;
import dev.topiary.sparse.Format;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.kernel.KernelPath;
import dev.topiary.sparse.matrix.Matrices;
import dev.topiary.sparse.matrix.WeightMatrix;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.UnsupportedLayersException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;

/**
 * Sparse inference against TF Java dense: one 4096 x 4096 layer (each format against TF's MatMul) and
 * whole models (784-4096-4096-10 MLP, the IMDB LSTM sample) against the same stripped model in TF, at
 * 50 / 80 / 90 / 95 % zeros and batch 1 / 8 / 32. Each cell's candidates run interleaved, round after
 * round, in one JVM; a ratio is the median over rounds of (candidate / TF) with the min..max over rounds.
 *
 * <p>{@code -Dsparse.bench.tfThreads=1} makes the first TF session (which fixes the process's thread
 * pool) single-threaded; default: TF's own choice. {@code -Dsparse.bench.rounds=N}, {@code
 * -Dsparse.bench.n=4096}, {@code -Dsparse.bench.threads=1} (the sparse side), {@code -Dsparse.bench.only=layer|models}, {@code -Dsparse.bench.model=IMDB} (name filter),
 * {@code -Dsparse.bench.sparsities=0.5,0.9}, {@code -Dsparse.bench.batches=1,32}.
 *
 * <p>{@code -Dsparse.bench.tfliteDir=DIR}: the models table also writes each TF model it times (per model,
 * sparsity and zeros, random or 1x4) as {@code DIR/<slug>_<sparsity %>_<zeros>.tflite} (float32), and
 * {@code DIR/models.json} with the input each file wants and the Java times per batch, for
 * {@code dsl/tflite/tools/tflite_column.py DIR}, which adds the TFLite interpreter on the same files as a column.
 * Run (see docs/results/sparse-inference.md):
 * {@code taskset -c 1 mvn -B -o -q -Pbench -pl tests -am test -Dtest=SparseBenchmark -Dsurefire.failIfNoSpecifiedTests=false}
 */
@Tag("benchmark")
class SparseBenchmark {
  private static final int ROUNDS = Integer.getInteger("sparse.bench.rounds", 15);
  private static final int N = Integer.getInteger("sparse.bench.n", 4096);
  private static final double[] SPARSITIES =
      java.util.Arrays.stream(System.getProperty("sparse.bench.sparsities", "0.5,0.8,0.9,0.95").split(","))
          .mapToDouble(Double::parseDouble).toArray();
  private static final int[] BATCHES =
      java.util.Arrays.stream(System.getProperty("sparse.bench.batches", "1,8,32").split(","))
          .mapToInt(Integer::parseInt).toArray();
  private static final int THREADS = Integer.getInteger("sparse.bench.threads", 1);
  private static final String TFLITE_DIR = System.getProperty("sparse.bench.tfliteDir", "");

  /** One thing to time and how to run it once. */
  record Candidate(String name, Runnable run) {}

  /** Per candidate: median ratio to the first candidate over rounds, min and max, and the median time. */
  record Cell(double ratio, double min, double max, double medianMicros) {}

  static Map<String, Cell> interleaved(List<Candidate> candidates, int rounds) {
    // Warm-up: each candidate for at least 0.4 s (and 3 runs), so that the JIT has compiled the code
    // around the kernels too (a recurrent layer's step loop; TF Java's own Java side). Three runs were not
    // enough: a 200-step recurrence at batch 1 then ran interpreted, 17x slower than compiled.
    for (Candidate c : candidates) {
      long end = System.nanoTime() + 400_000_000L;
      for (int w = 0; w < 3 || System.nanoTime() < end; w++) {
        c.run().run();
      }
    }
    int k = candidates.size();
    double[][] t = new double[k][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < k; i++) {
        // the best of 3 in a row: the least disturbed by the other agents on this machine
        double best = Double.MAX_VALUE;
        for (int rep = 0; rep < 3; rep++) {
          long t0 = System.nanoTime();
          candidates.get(i).run().run();
          best = Math.min(best, System.nanoTime() - t0);
        }
        t[i][r] = best;
      }
    }
    Map<String, Cell> out = new LinkedHashMap<>();
    for (int i = 0; i < k; i++) {
      double[] ratio = new double[rounds];
      for (int r = 0; r < rounds; r++) {
        ratio[r] = t[i][r] / t[0][r];
      }
      out.put(candidates.get(i).name(), new Cell(median(ratio), min(ratio), max(ratio), median(t[i]) / 1e3));
    }
    return out;
  }

  static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double min(double[] v) {
    return java.util.Arrays.stream(v).min().orElseThrow();
  }

  static double max(double[] v) {
    return java.util.Arrays.stream(v).max().orElseThrow();
  }

  /** A kernel [in, out] with Gaussian-ish values and {@code sparsity} zeros: unstructured, 1x4, 4x1 or 2:4. */
  static float[] kernel(int in, int out, double sparsity, String zeros, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] k = new float[in * out];
    SplittableRandom blocks = new SplittableRandom(seed + 1);
    boolean[] keepBlock = null;
    if (zeros.equals("1x4")) {
      keepBlock = new boolean[in * ((out + 3) / 4)];
    } else if (zeros.equals("4x1")) {
      keepBlock = new boolean[((in + 3) / 4) * out];
    }
    if (keepBlock != null) {
      for (int i = 0; i < keepBlock.length; i++) {
        keepBlock[i] = blocks.nextDouble() >= sparsity;
      }
    }
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        boolean keep = switch (zeros) {
          case "1x4" -> keepBlock[i * ((out + 3) / 4) + j / 4];
          case "4x1" -> keepBlock[(i / 4) * out + j];
          case "2:4" -> (i % 4) == (j % 4) || (i % 4) == ((j + 2) % 4);
          default -> r.nextDouble() >= sparsity;
        };
        k[i * out + j] = keep ? (float) (r.nextGaussian() / Math.sqrt(in)) : 0f;
      }
    }
    return k;
  }

  static String tfThreads() {
    return Integer.getInteger("sparse.bench.tfThreads", 0) == 1 ? "TF 1 thread" : "TF default threads";
  }

  /** The first session of the process: it fixes TF's thread pool for every later one. */
  static void fixTfThreads() {
    int threads = Integer.getInteger("sparse.bench.tfThreads", 0);
    ConfigProto.Builder config = ConfigProto.newBuilder();
    if (threads > 0) {
      config.setIntraOpParallelismThreads(threads).setInterOpParallelismThreads(threads);
    }
    try (Graph g = new Graph(); Session s = new Session(g, config.build())) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> one = tf.constant(1f);
      try (Result r = s.runner().fetch(tf.math.add(one, one)).run()) {
        r.get(0).close();
      }
    }
  }

  /** TF Java's dense MatMul of a fed batch by a constant kernel, fetched (the optimizer cannot prune it). */
  static final class TfMatMul implements AutoCloseable {
    final Graph g = new Graph();
    final Session s;
    final Placeholder<TFloat32> x;
    final Operand<TFloat32> y;
    final TFloat32 input;

    TfMatMul(float[] kernel, int in, int out, int batch) {
      Ops tf = Ops.create(g);
      x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, in)));
      try (TFloat32 k = TFloat32.tensorOf(Shape.of(in, out), DataBuffers.of(kernel, true, false))) {
        y = tf.linalg.matMul(x, tf.constant(k));
      }
      s = new Session(g);
      float[] v = new float[batch * in];
      SplittableRandom r = new SplittableRandom(batch);
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextDouble(-1, 1);
      }
      input = TFloat32.tensorOf(Shape.of(batch, in), DataBuffers.of(v, true, false));
    }

    void run() {
      try (Result r = s.runner().feed(x, input).fetch(y).run()) {
        Tensor t = r.get(0);
        if (t.shape().get(0) < 1) {
          throw new IllegalStateException();
        }
      }
    }

    @Override
    public void close() {
      input.close();
      s.close();
      g.close();
    }
  }

  @Test
  void table() {
    fixTfThreads();
    String only = System.getProperty("sparse.bench.only", "");
    KernelPath.AUTO.kernels();
    System.out.printf(Locale.ROOT, "%n# Sparse inference benchmark: %s, kernels %s, sparse %d thread(s), %d rounds"
        + " (machine shared with other agents)%n", tfThreads(), KernelPath.AUTO.kernels().name(), THREADS, ROUNDS);
    if (!only.equals("models")) {
      layer();
    }
    if (!only.equals("layer")) {
      models();
    }
  }

  private void layer() {
    System.out.printf(Locale.ROOT, "%n## One layer %d x %d: time / TF dense MatMul (median, min..max over rounds; TF in us)%n%n", N, N);
    List<String> header = List.of("dense (Java)", "CSR", "CSR int8", "1x4 blocks", "4x1 blocks", "2:4");
    System.out.println("| sparsity | batch | TF dense us | " + String.join(" | ", header) + " |");
    System.out.println("|---|---|---|" + "---|".repeat(header.size()));
    try (Exec exec = new Exec(KernelPath.AUTO.kernels(), THREADS)) {
      for (double sp : SPARSITIES) {
        float[] unstructured = kernel(N, N, sp, "random", 1);
        float[] rowBlocks = kernel(N, N, sp, "1x4", 2);
        float[] colBlocks = kernel(N, N, sp, "4x1", 3);
        float[] twoFour = sp == 0.5 ? kernel(N, N, sp, "2:4", 4) : null;
        Map<String, WeightMatrix> m = new LinkedHashMap<>();
        m.put("dense (Java)", Matrices.build(Format.DENSE, unstructured, N, N, "w"));
        m.put("CSR", Matrices.build(Format.CSR, unstructured, N, N, "w"));
        m.put("CSR int8", Matrices.build(Format.CSR_INT8, unstructured, N, N, "w"));
        m.put("1x4 blocks", Matrices.build(Format.BLOCK_1X4, rowBlocks, N, N, "w"));
        m.put("4x1 blocks", Matrices.build(Format.BLOCK_4X1, colBlocks, N, N, "w"));
        if (twoFour != null) {
          m.put("2:4", Matrices.build(Format.TWO_FOUR, twoFour, N, N, "w"));
        }
        for (int batch : BATCHES) {
          try (TfMatMul tf = new TfMatMul(unstructured, N, N, batch)) {
            float[] x = new float[batch * N];
            new SplittableRandom(batch).doubles(x.length, -1, 1).forEach(new java.util.function.DoubleConsumer() {
              int i;

              @Override
              public void accept(double v) {
                x[i++] = (float) v;
              }
            });
            float[] y = new float[batch * N];
            List<Candidate> cs = new ArrayList<>();
            cs.add(new Candidate("TF", tf::run));
            m.forEach((name, w) -> cs.add(new Candidate(name, () -> w.multiply(exec, x, batch, y))));
            Map<String, Cell> cells = interleaved(cs, ROUNDS);
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %.0f %% | %d | %.0f |", sp * 100, batch,
                cells.get("TF").medianMicros()));
            for (String h : header) {
              Cell c = cells.get(h);
              row.append(c == null ? " - |" : String.format(Locale.ROOT, " %.2f (%.2f..%.2f) |", c.ratio(), c.min(), c.max()));
            }
            System.out.println(row);
          }
        }
        long dense = 4L * N * N;
        System.out.printf(Locale.ROOT, "|   | bytes / dense |   | %s |%n", String.join(" | ",
            header.stream().map(h -> m.containsKey(h) ? String.format(Locale.ROOT, "%.3f", (double) m.get(h).bytes() / dense)
                : "-").toList()));
      }
    }
  }

  static ModelSpec mlp() {
    return Sequential.of(Input.of(784), Dense.of(4096, Activation.RELU), Dense.of(4096, Activation.RELU), Dense.of(10));
  }

  /** {@code spec} in TF with random weights whose kernels have {@code sparsity} zeros ({@code zeros} pattern). */
  static Model tfModel(ModelSpec spec, double sparsity, String zeros) {
    Model m = spec.compile(Compile.of(Optimizer.sgd(0.1f), Loss.meanSquaredError()).seed(1));
    Map<String, HostArray> w = new LinkedHashMap<>();
    long seed = 10;
    for (Map.Entry<String, HostArray> e : m.weights().entrySet()) {
      long[] shape = e.getValue().shape();
      float[] v;
      if (shape.length == 2) {
        v = kernel((int) shape[0], (int) shape[1], sparsity, e.getKey().contains("embeddings") ? "random" : zeros, seed++);
      } else {
        v = e.getValue().floats().clone();
        SplittableRandom r = new SplittableRandom(seed++);
        for (int i = 0; i < v.length; i++) {
          v[i] += (float) r.nextDouble(-0.1, 0.1);
        }
      }
      w.put(e.getKey(), HostArray.of(v, shape));
    }
    m.setWeights(w);
    return m;
  }

  /** A model of the models table; {@code slug} names its .tflite files. */
  record BenchModel(String name, String slug, ModelSpec spec) {}

  /** Java's median times of one batch, for models.json. */
  record BatchTimes(int batch, double tfJavaMicros, double sparseModelMicros) {}

  /**
   * One models.json row: a .tflite file and what dsl/tflite/tools/tflite_column.py needs to feed it (the input shape
   * without the batch; integer ids drawn from [0, vocabulary) as {@link #input} draws them), with the Java
   * times of the same model. TF Java's time is the random-zeros model's for both zero patterns: dense TF
   * does the same work whatever the zeros, and the benchmark times it once per cell.
   */
  record TfliteRow(String model, String slug, double sparsity, String zeros, String file, long[] inputShape,
      boolean integerIds, Integer vocabulary, String sparseModelFormats, List<BatchTimes> batches) {}

  private void models() {
    ImdbPruning.Shape imdb = ImdbPruning.Shape.defaults();
    List<BenchModel> specs = List.of(
        new BenchModel("MLP 784-4096-4096-10", "mlp", mlp()),
        new BenchModel("IMDB LSTM (Embedding 10002x32, LSTM 32, 200 steps)", "imdb_lstm", ImdbPruning.model(imdb)));
    Path tfliteDir = TFLITE_DIR.isEmpty() ? null : Path.of(TFLITE_DIR);
    List<TfliteRow> tfliteRows = new ArrayList<>();
    System.out.printf(Locale.ROOT, "%n## Whole models: SparseModel.predict / the stripped model's predict in TF"
        + " (median, min..max; TF in us). Sparse formats calibrated (SparseModel.of defaults).%n%n");
    System.out.println("| model | zeros | sparsity | batch | TF us | sparse (unstructured) | sparse (1x4 blocks) | formats chosen | weight bytes / dense |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    String filter = System.getProperty("sparse.bench.model", "");
    for (BenchModel bm : specs) {
      if (!bm.name().contains(filter)) {
        continue;
      }
      for (double sp : SPARSITIES) {
        try (Model tf = tfModel(bm.spec(), sp, "random"); Model tfBlocks = tfModel(bm.spec(), sp, "1x4");
            SparseModel sparse = SparseModel.of(tf, SparseOptions.defaults().threads(THREADS));
            SparseModel sparseBlocks = SparseModel.of(tfBlocks, SparseOptions.defaults().threads(THREADS))) {
          long denseBytes = tf.weights().values().stream().mapToLong(w -> 4L * w.floats().length).sum();
          String chosen = formats(sparse) + " / " + formats(sparseBlocks);
          // Exported before the cell's warm-up: the export's allocation (an 80 MB FlatBuffer for the MLP)
          // then stays out of the timed rounds.
          TfliteRow random = tfliteDir == null ? null : tfliteRow(tfliteDir, bm, sp, "random", tf, sparse, imdb);
          TfliteRow blocks = tfliteDir == null ? null : tfliteRow(tfliteDir, bm, sp, "1x4", tfBlocks, sparseBlocks, imdb);
          for (int batch : BATCHES) {
            HostArray x = input(bm.spec(), batch, imdb.vocabulary());
            List<Candidate> cs = List.of(
                new Candidate("TF", () -> tf.predict(List.of(x), batch)),
                new Candidate("sparse", () -> sparse.predict(List.of(x), batch)),
                new Candidate("blocks", () -> sparseBlocks.predict(List.of(x), batch)));
            Map<String, Cell> cells = interleaved(cs, ROUNDS);
            System.out.printf(Locale.ROOT, "| %s | random / 1x4 | %.0f %% | %d | %.0f | %s | %s | %s | %.3f / %.3f |%n",
                bm.name(), sp * 100, batch, cells.get("TF").medianMicros(), cell(cells.get("sparse")),
                cell(cells.get("blocks")), chosen, (double) sparse.weightBytes() / denseBytes,
                (double) sparseBlocks.weightBytes() / denseBytes);
            double tfMicros = cells.get("TF").medianMicros();
            if (random != null) {
              random.batches().add(new BatchTimes(batch, tfMicros, cells.get("sparse").medianMicros()));
            }
            if (blocks != null) {
              blocks.batches().add(new BatchTimes(batch, tfMicros, cells.get("blocks").medianMicros()));
            }
          }
          if (random != null) {
            tfliteRows.add(random);
          }
          if (blocks != null) {
            tfliteRows.add(blocks);
          }
        }
        if (tfliteDir != null) {
          // Rewritten after every cell: a long run stopped part way still leaves a usable index.
          writeTfliteIndex(tfliteDir, tfliteRows);
        }
      }
    }
  }

  /**
   * Writes {@code model} as {@code dir/<slug>_<sparsity %>_<zeros>.tflite} (float32: TFLite's dense kernels,
   * the same computation as TF Java's) and returns its models.json row with no times yet; null, with the
   * reason printed, if TfliteExport cannot write one of its layers (the benchmark goes on without it).
   */
  private static TfliteRow tfliteRow(Path dir, BenchModel bm, double sparsity, String zeros, Model model,
      SparseModel sparse, ImdbPruning.Shape imdb) {
    String name = String.format(Locale.ROOT, "%s_%.0f_%s.tflite", bm.slug(), sparsity * 100, zeros);
    Path file = dir.resolve(name);
    try {
      Files.createDirectories(dir);
      TfliteExport.write(model, file, TfliteFlavour.FLOAT32);
    } catch (UnsupportedLayersException e) {
      // stderr: a line on stdout would break the markdown table being printed.
      System.err.printf(Locale.ROOT, "(no TFLite file for %s, skipped: %s)%n", name, e.getMessage());
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TFLite file " + file, e);
    }
    boolean ids = integerIds(bm.spec());
    return new TfliteRow(bm.name(), bm.slug(), sparsity, zeros, name,
        dev.topiary.dsl.layers.Shapes.withoutBatch(bm.spec().inputs().get(0).shape()), ids,
        ids ? imdb.vocabulary() : null, formats(sparse), new ArrayList<>());
  }

  private static void writeTfliteIndex(Path dir, List<TfliteRow> rows) {
    Path file = dir.resolve("models.json");
    Map<String, Object> index = new LinkedHashMap<>();
    index.put("tf", tfThreads());
    index.put("sparseThreads", THREADS);
    index.put("kernels", KernelPath.AUTO.kernels().name());
    index.put("rounds", ROUNDS);
    index.put("rows", rows);
    try {
      AtomicFiles.write(file, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(index));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TFLite benchmark index " + file, e);
    }
  }

  static String cell(Cell c) {
    return String.format(Locale.ROOT, "%.2f (%.2f..%.2f)", c.ratio(), c.min(), c.max());
  }

  static String formats(SparseModel m) {
    return String.join(",", m.plan().stream().map(p -> p.format().name()).toList());
  }

  /** Whether the model's input is token ids (an Embedding first) rather than features. */
  static boolean integerIds(ModelSpec spec) {
    return spec.layers().get(0) instanceof dev.topiary.dsl.layers.core.Embedding;
  }

  static HostArray input(ModelSpec spec, int batch, int vocabulary) {
    long[] shape = dev.topiary.dsl.layers.Shapes.withoutBatch(spec.inputs().get(0).shape());
    int per = 1;
    for (long d : shape) {
      per *= (int) d;
    }
    float[] v = new float[batch * per];
    SplittableRandom r = new SplittableRandom(batch);
    boolean ids = integerIds(spec);
    for (int i = 0; i < v.length; i++) {
      v[i] = ids ? r.nextInt(vocabulary) : (float) r.nextDouble();
    }
    long[] full = new long[shape.length + 1];
    full[0] = batch;
    System.arraycopy(shape, 0, full, 1, shape.length);
    return HostArray.of(v, full);
  }
}
