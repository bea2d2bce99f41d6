package dev.topiary.benchmarks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.keras.KerasModel;
import dev.topiary.keras.KerasModels;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.proto.NodeExecStats;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TInt64;

/**
 * Where a Topiary training step's time goes, by TF op type: trains a {@code .keras} model two batches, then
 * runs {@code --runs} more training steps with TF's full trace and sums each op type's node time (the
 * nodes' own wall time, summed over the step's nodes, so parallel nodes add up; the per-step total is
 * printed next to the step's wall time). A diagnostic, not a table: it reaches the graph executor's session
 * by reflection.
 *
 * <pre>
 * java -cp "$(cat tests/benchmarks/target/apps.classpath):tests/benchmarks/target/classes" \
 *     dev.topiary.benchmarks.StepOpProfile --model /tmp/apps/mobilenetv2_1.0.keras --batch 32 --runs 2 [--variant pruned]
 * </pre>
 */
public final class StepOpProfile {
  private StepOpProfile() {}

  public static void main(String[] args) throws Exception {
    List<String> a = List.of(args);
    Path file = Path.of(a.get(a.indexOf("--model") + 1));
    int batch = a.contains("--batch") ? Integer.parseInt(a.get(a.indexOf("--batch") + 1)) : 32;
    int runs = a.contains("--runs") ? Integer.parseInt(a.get(a.indexOf("--runs") + 1)) : 2;
    String variant = a.contains("--variant") ? a.get(a.indexOf("--variant") + 1) : "dense";
    KerasModel keras = KerasModels.read(file);
    // pruned: masks updated every 100 steps from step 0, so the traced steps (2, 3, ...) carry the per-step
    // masking and no update
    ModelSpec spec = ApplicationsTrainingStep.variant(keras, variant, 100);
    Compile compile = Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(false)).seed(1);
    try (Model model = keras.compile(spec, compile)) {
      long[] out = spec.outputs().get(0).shape().asArray();
      HostArray[] data = ApplicationsTrainingStep.data(spec.inputs().get(0).shape().asArray(), (int) out[out.length - 1],
          batch * 2);
      model.fit(data[0], data[1], Fit.ofEpochs(1).batchSize(batch).shuffle(false).progress(ProgressSink.silent()));
      Object executor = field(model, "executor");
      Session session = (Session) field(executor, "session");
      Graph graph = (Graph) field(executor, "graph");
      @SuppressWarnings("unchecked") List<Operand<?>> inputs = (List<Operand<?>>) field(executor, "inputFeeds");
      @SuppressWarnings("unchecked") List<Operand<?>> labels = (List<Operand<?>>) field(executor, "labelFeeds");
      Operand<?> stepFeed = (Operand<?>) field(executor, "stepFeed");
      Op trainStep = (Op) field(executor, "trainStep");
      HostArray x = HostArray.of(java.util.Arrays.copyOf(data[0].floats(), (int) (data[0].floats().length / 2)),
          withBatch(data[0].shape(), batch));
      HostArray y = HostArray.ofLabels(java.util.Arrays.copyOf(data[1].ints(), batch));
      Map<String, Double> byType = new TreeMap<>();
      Map<String, String> types = new HashMap<>();
      double nodeTotal = 0;
      double wallTotal = 0;
      RunOptions trace = RunOptions.newBuilder().setTraceLevel(RunOptions.TraceLevel.FULL_TRACE).build();
      for (int r = 0; r < runs; r++) {
        try (Tensor xt = x.toTensor(); Tensor yt = y.toTensor(); Tensor st = TInt64.scalarOf(2 + r)) {
          long t0 = System.nanoTime();
          try (Result res = session.runner().feed(inputs.get(0), xt).feed(labels.get(0), yt).feed(stepFeed, st)
              .addTarget(trainStep).setOptions(trace).runAndFetchMetadata()) {
            wallTotal += (System.nanoTime() - t0) / 1e6;
            for (var dev : res.getMetadata().orElseThrow().getStepStats().getDevStatsList()) {
              for (NodeExecStats n : dev.getNodeStatsList()) {
                String name = n.getNodeName();
                String type = types.computeIfAbsent(name, k -> {
                  GraphOperation op = graph.operation(k.split(":")[0]);
                  return op == null ? "(" + k + ")" : op.type();
                });
                double ms = n.getAllEndRelMicros() / 1000.0;
                byType.merge(type, ms, Double::sum);
                nodeTotal += ms;
              }
            }
          }
        }
      }
      final double total = nodeTotal;
      System.out.printf(Locale.ROOT, "%s %s batch %d: traced step wall %.1f ms, node time %.1f ms per step%n",
          file.getFileName(), variant, batch, wallTotal / runs, total / runs);
      byType.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed()).limit(40)
          .forEach(e -> System.out.printf(Locale.ROOT, "  %-32s %8.1f ms %5.1f %%%n", e.getKey(), e.getValue() / runs,
              100 * e.getValue() / total));
    }
  }

  private static long[] withBatch(long[] shape, int batch) {
    long[] s = shape.clone();
    s[0] = batch;
    return s;
  }

  private static Object field(Object o, String name) throws ReflectiveOperationException {
    for (Class<?> c = o.getClass(); c != null; c = c.getSuperclass()) {
      try {
        Field f = c.getDeclaredField(name);
        f.setAccessible(true);
        return f.get(o);
      } catch (NoSuchFieldException e) {
        // look in the superclass
      }
    }
    throw new NoSuchFieldException(o.getClass() + "." + name);
  }
}
