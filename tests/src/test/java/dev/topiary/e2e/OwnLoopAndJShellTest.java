package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.samples.data.Idx;
import dev.topiary.samples.ownloop.OwnTrainingLoop;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The "existing training loop" sample and the JShell scripts, run as a user would. */
class OwnLoopAndJShellTest {


  @Test
  void handWrittenLoopReachesItsTargetSparsity() {
    OwnTrainingLoop.Result r = OwnTrainingLoop.run(Idx.embedded("train"), Idx.embedded("t10k"), 0.9, 3, false);
    assertThat(r.steps()).isEqualTo(3 * (8000 / 64));
    assertThat(r.kernel1Sparsity()).isCloseTo(dev.topiary.ops.Measurements.expectedSparsity(784 * 128, 0.9f), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(r.kernel2Sparsity()).isCloseTo(dev.topiary.ops.Measurements.expectedSparsity(128 * 10, 0.9f), org.assertj.core.data.Offset.offset(1e-6));
    assertThat(r.testAccuracy()).isGreaterThan(0.8);
  }

  @Test
  void ownLoopScript() throws Exception {
    assertThat(runJShell("own-loop.jsh")).contains("steps: 250, kernel sparsity: 0.8000").doesNotContain("Error");
  }

  @Test
  void dslScript() throws Exception {
    String out = runJShell("dsl-mnist.jsh");
    assertThat(out).contains("Model: Sequential", "conv2d (Conv2D)", "kernel 0.8000", "steps: 378", "epochs seen by the callback: 6",
        "dense_kernel=0.8", "test accuracy: 0.").doesNotContain("Error");
  }

  @Test
  void startupFileGivesAReadySessionWithoutImports() throws Exception {
    Path script = Files.createTempFile("topiary-startup", ".jsh");
    try {
      Files.writeString(script, String.join("\n",
          "var x = HostArray.of(new float[] {1, 0, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1}, 4, 4);",
          "var y = HostArray.ofLabels(new int[] {0, 1, 0, 1});",
          // JShell ends a snippet at a complete line: a chained call must stay on it.
          "ModelSpec spec = Sequential.of(Input.of(4), Dense.of(8, Activation.RELU), Dropout.of(0.1), Dense.of(2))"
              + ".prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1)), PruningPolicy.named(\"dense\"));",
          "MaskStrategy strategy = MaskStrategy.block(1, 2, BlockPooling.MAX);",
          "Model model = spec.compile(Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true))"
              + ".metrics(Metric.ACCURACY).seed(1));",
          "History history = model.fit(x, y, Fit.ofEpochs(2).batchSize(2).progress(ProgressSink.silent()));",
          "Snapshot snapshot = model.snapshot();",
          "System.out.println(\"spec: \" + spec);",
          "System.out.println(\"history: \" + history);",
          "System.out.println(\"steps: \" + model.step() + \", sparsity: \" + model.sparsity());",
          "EagerModel eager = EagerModel.from(model);",
          "System.out.println(\"eager masks: \" + eager.masks().keySet());",
          "eager.close();",
          "SensitivityReport sensitivity = Sensitivity.defaults().grid(0.5).run(model, Dataset.of(x, y));",
          "System.out.println(\"sensitivity layers: \" + sensitivity.layers().size() + \", kept \" + sensitivity.targets(0.25).totalKept());",
          "System.out.println(\"report charts: \" + PruningReport.of(model).histograms().size());",
          "System.out.println(\"tflite ops: \" + TfliteFile.parse(TfliteExport.bytes(model, TfliteFlavour.SPARSE), \"m\").operators().size());",
          "Path kerasFile = Files.createTempFile(\"topiary-jshell\", \".keras\");",
          "KerasModels.save(model, kerasFile);",
          "System.out.println(\"keras: \" + KerasModels.read(kerasFile).spec().layerNames());",
          "Files.delete(kerasFile);",
          // Classes of packages the startup once missed (callbacks, export, LR schedules, ops' hook).
          "Callback stop = EarlyStopping.of(\"loss\", 2);",
          "System.out.println(\"callback: \" + stop.getClass().getSimpleName());",
          "byte[] int8 = SparseWeights.encode(model.weights(), SparseWeights.Encoding.INT8);",
          "System.out.println(\"sparse weights: \" + SparseWeights.decode(int8, \"jshell\").size());",
          "LearningRateSchedule decay = new ExponentialDecay(0.01, 100, 0.9, false);",
          "System.out.println(\"hook class: \" + PruningHook.class.getSimpleName());",
          "model.close();",
          "/exit", ""));
      Path startup = Path.of("..", "samples", "jshell", "topiary.jsh").toAbsolutePath().normalize();
      String out = runJShell(script, "--startup", "DEFAULT", "--startup", startup.toString());
      assertThat(out).contains("spec: Sequential(input (None, 4) -> 3 layers -> dense_1 (None, 2); pruned: dense)",
          "history: History(2 epochs; last: loss=", "steps: 4, sparsity: {dense_kernel=0.5}",
          "eager masks: [dense_kernel]", "sensitivity layers: 2, kept 36", "report charts: 1", "tflite ops: 2",
          "keras: [dense, dropout, dense_1]", "callback: EarlyStopping", "sparse weights: 4",
          "hook class: PruningHook").doesNotContain("Error", "cannot find symbol", "Exception");
    } finally {
      Files.deleteIfExists(script);
    }
  }

  /** Runs a script of samples/jshell non-interactively with this JVM's class path; returns its output. */
  static String runJShell(String script) throws IOException, InterruptedException {
    return runJShell(Path.of("..", "samples", "jshell", script).toAbsolutePath().normalize());
  }

  /** Runs {@code file} with jshell, this JVM's class path and {@code options}; returns its output. */
  static String runJShell(Path file, String... options) throws IOException, InterruptedException {
    assertThat(file).exists();
    Path jshell = Path.of(System.getProperty("java.home"), "bin", "jshell");
    // jshell refuses class path entries that do not exist (a module without main classes has none).
    String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(entry -> Files.exists(Path.of(entry)))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of(jshell.toString(), "--class-path", classPath));
    command.addAll(java.util.List.of(options));
    command.add(file.toString());
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(5, TimeUnit.MINUTES)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text;
  }
}
