package dev.topiary.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * TF's oneDNN switch, each case in a JVM of its own (TF reads the variable once, when its native library
 * loads). What counts is TF's own evidence, not what TensorFlowRuntime reports: TF's INFO line "oneDNN
 * custom operations are on" and, with ONEDNN_VERBOSE=1, oneDNN's trace of a convolution primitive it ran
 * (without oneDNN's custom ops TF runs Conv2D through Eigen, which oneDNN never sees).
 */
class OnednnSwitchTest {
  private static final String TF_LINE = "oneDNN custom operations are on";
  private static final String CONV_PRIMITIVE = "exec,cpu,convolution";
  private static final boolean X86_64 = List.of("amd64", "x86_64").contains(System.getProperty("os.arch"));

  @Test
  void onByDefaultOnX86() throws Exception {
    String out = run(Map.of(), List.of());
    if (X86_64) {
      assertThat(out).contains("topiary onednn: on: Topiary's default on x86-64").contains(TF_LINE).contains(CONV_PRIMITIVE);
    } else {
      // Documented: elsewhere TF's own default stands (macOS arm64's TF has no oneDNN at all).
      assertThat(out).contains("topiary onednn: TensorFlow's default: Topiary sets nothing on");
    }
  }

  @Test
  void propertyFalseTurnsItOff() throws Exception {
    String out = run(Map.of(), List.of("-Dtopiary.onednn=false"));
    assertThat(out).contains("topiary onednn: off: -Dtopiary.onednn=false").doesNotContain(TF_LINE)
        .doesNotContain(CONV_PRIMITIVE).contains("conv ran");
  }

  @Test
  void theUsersOwnVariableWins() throws Exception {
    String out = run(Map.of("TF_ENABLE_ONEDNN_OPTS", "0"), List.of("-Dtopiary.onednn=true"));
    assertThat(out).contains("topiary onednn: TF_ENABLE_ONEDNN_OPTS=0 from the environment").doesNotContain(TF_LINE)
        .doesNotContain(CONV_PRIMITIVE);
  }

  @Test
  void tooLateWhenTensorFlowWasLoadedFirstAndSaysSo() throws Exception {
    String wantedOn = run(Map.of(), List.of("-Dtopiary.onednn=true"), "late");
    String wantedOff = run(Map.of(), List.of("-Dtopiary.onednn=false"), "late");
    for (String out : List.of(wantedOn, wantedOff)) {
      assertThat(out).contains("topiary onednn: TensorFlow's default: TensorFlow was loaded before Topiary")
          .contains("conv ran");
    }
    // TF's own default stands whatever Topiary was asked for: on with AVX-512 VNNI or AMX (TF's rule; an AMD Zen 4
    // has VNNI), off on other x86-64 CPUs. So not a fixed answer, but the same one both times.
    assertThat(wantedOn.contains(TF_LINE)).as("TF's oneDNN line, asked on vs asked off")
        .isEqualTo(wantedOff.contains(TF_LINE));
    assertThat(wantedOn.contains(CONV_PRIMITIVE)).as("oneDNN's convolution, asked on vs asked off")
        .isEqualTo(wantedOff.contains(CONV_PRIMITIVE));
  }

  /** preload() loads TF on another thread while the caller goes on; the switch must work as without it. */
  @Test
  void preloadSetsTheSwitchBeforeItsThreadLoadsTensorFlow() throws Exception {
    String on = run(Map.of(), List.of(), "preload");
    String off = run(Map.of(), List.of("-Dtopiary.onednn=false"), "preload");
    assertThat(on).contains("preload returned before TensorFlow was checked");
    if (X86_64) {
      assertThat(on).contains("topiary onednn: on: Topiary's default on x86-64").contains(TF_LINE).contains(CONV_PRIMITIVE);
    }
    assertThat(off).contains("topiary onednn: off: -Dtopiary.onednn=false").doesNotContain(TF_LINE)
        .doesNotContain(CONV_PRIMITIVE).contains("conv ran");
  }

  @Test
  void aPropertyNeitherTrueNorFalseIsNamed() throws Exception {
    String out = run(Map.of(), List.of("-Dtopiary.onednn=yes"));
    assertThat(out).contains("-Dtopiary.onednn=yes is neither true nor false").doesNotContain("conv ran");
  }

  /** Runs {@link Probe} in a fresh JVM without any TF_ENABLE_ONEDNN_OPTS but {@code env}'s; stdout and stderr. */
  private static String run(Map<String, String> env, List<String> jvmFlags, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().remove("TF_ENABLE_ONEDNN_OPTS");
    pb.environment().put("TF_CPP_MIN_LOG_LEVEL", "0");
    pb.environment().put("ONEDNN_VERBOSE", "1");
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("the probe JVM finished").isTrue();
    return new String(out, StandardCharsets.UTF_8);
  }

  /** A process whose first TF use goes through Topiary (or, with "late", does not), then one Conv2D. */
  public static final class Probe {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("late")) {
        System.out.println("TensorFlow " + TensorFlow.version() + " loaded first");
      }
      if (args.length > 0 && args[0].equals("preload")) {
        TensorFlowRuntime.preload();
        // TF's native library takes hundreds of milliseconds to load; preload must not wait for it.
        if (!org.bytedeco.javacpp.Loader.getLoadedLibraries().containsKey("jnitensorflow")) {
          System.out.println("preload returned before TensorFlow was checked");
        }
      }
      try {
        TensorFlowRuntime.requireSupported();
      } catch (IllegalArgumentException e) {
        System.out.println(e.getMessage());
        return;
      }
      System.out.println("topiary onednn: " + TensorFlowRuntime.onednn());
      try (Graph g = new Graph(); Session s = new Session(g)) {
        Ops tf = Ops.create(g);
        var x = tf.random.randomStandardNormal(tf.constant(new long[] {4, 16, 16, 3}), TFloat32.class);
        var w = tf.random.randomStandardNormal(tf.constant(new long[] {3, 3, 3, 8}), TFloat32.class);
        try (var r = s.runner().fetch(tf.nn.conv2d(x, w, List.of(1L, 1L, 1L, 1L), "SAME")).run()) {
          System.out.println("conv ran: " + r.get(0).shape());
        }
      }
    }
  }
}
