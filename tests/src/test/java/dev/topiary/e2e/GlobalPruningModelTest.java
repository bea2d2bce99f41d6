package dev.topiary.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.GlobalMagnitude;
import dev.topiary.ops.GlobalPruningSpec;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.PruningState;
import dev.topiary.ops.mask.HostMask;
import dev.topiary.ops.schedule.ConstantSparsity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Global pruning in the DSL: graph and eager models, Java's rule, model files. */
class GlobalPruningModelTest {
  private static final List<String> KERNELS = List.of("dense_kernel", "dense_1_kernel", "dense_2_kernel");

  private static long expectedKept(long total, double sparsity) {
    float real = (float) total * (1f - (float) sparsity);
    return Math.max(new BigDecimal(real).setScale(0, RoundingMode.HALF_EVEN).longValueExact(), 1);
  }

  private static ModelSpec base() {
    return Sequential.of(Input.of(12), Dense.of(16), Dense.of(8), Dense.of(3));
  }

  private static Compile compile() {
    return Compile.of(Optimizer.sgd(0.01f), Loss.sparseCategoricalCrossentropy(true)).seed(3);
  }

  /** Weights of different scales per layer (so the layers end at different sparsities). */
  private static Map<String, HostArray> weights(ModelSpec spec) {
    Random random = new Random(11);
    Map<String, HostArray> out = new LinkedHashMap<>();
    float[] scales = {1f, 0.3f, 0.05f};
    int layer = 0;
    for (var e : spec.initialWeights(0).entrySet()) {
      float[] values = e.getValue().floats();
      float scale = e.getKey().endsWith("kernel") ? scales[layer++] : 0.1f;
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) random.nextGaussian() * scale;
      }
      out.put(e.getKey(), HostArray.of(values, e.getValue().shape()));
    }
    return out;
  }

  /** One training step: step 0 recomputes every mask from the weights just set. */
  private static void oneStep(Model model) {
    Random random = new Random(5);
    float[] x = new float[32 * 12];
    int[] y = new int[32];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) random.nextGaussian();
    }
    for (int i = 0; i < y.length; i++) {
      y[i] = random.nextInt(3);
    }
    model.fit(HostArray.of(x, 32, 12), HostArray.ofLabels(y, 32),
        Fit.ofEpochs(1).batchSize(32).shuffle(false).progress(ProgressSink.silent()));
  }

  private static List<HostMask> javaMasks(GlobalPruningSpec group, Map<String, HostArray> weights, float sparsity) {
    List<float[]> values = new ArrayList<>();
    List<long[]> shapes = new ArrayList<>();
    for (String k : KERNELS) {
      values.add(weights.get(k).floats());
      shapes.add(weights.get(k).shape());
    }
    return GlobalMagnitude.host(group, values, shapes, sparsity);
  }

  private static void assertMasks(Model model, List<HostMask> expected) {
    var state = model.snapshot();
    for (int j = 0; j < KERNELS.size(); j++) {
      assertThat(state.get(PruningState.maskName(KERNELS.get(j))).floats()).as(KERNELS.get(j))
          .containsExactly(expected.get(j).mask());
      assertThat(state.get(PruningState.thresholdName(KERNELS.get(j))).floats()[0])
          .isEqualTo(expected.get(j).threshold());
    }
  }

  @Test
  void graphAndEagerModelsPruneTheGroupExactlyAsJavaDoes() {
    GlobalPruningSpec group = GlobalPruningSpec.of(ConstantSparsity.of(0.9, 0, -1, 1)).keepAtLeast(3);
    ModelSpec spec = base().prunedGlobally(group);
    assertThat(spec.globalGroups().get(group).keySet()).containsExactlyElementsOf(KERNELS);
    Map<String, HostArray> w = weights(spec);
    List<HostMask> expected = javaMasks(group, w, 0.9f);
    int kept = expected.stream().mapToInt(HostMask::keptCount).sum();
    assertThat(kept).isEqualTo(expectedKept(12 * 16 + 16 * 8 + 8 * 3, 0.9));
    assertThat(expected.get(2).keptCount()).isEqualTo(3); // the floor holds the small-weight layer
    assertThat(expected.get(0).sparsity()).isLessThan(expected.get(1).sparsity());

    try (Model graph = spec.compile(compile()); EagerModel eager = EagerModel.build(spec, compile())) {
      graph.setWeights(w);
      oneStep(graph);
      assertMasks(graph, expected);
      eager.setWeights(w);
      oneStep(eager);
      assertMasks(eager, expected);
      assertThat(eager.snapshot().get(PruningState.maskName("dense_kernel")).floats())
          .containsExactly(graph.snapshot().get(PruningState.maskName("dense_kernel")).floats());
      // The pass reads weight x mask: the stored weights of the stripped model hold the zeros.
      try (Model stripped = graph.strip()) {
        long nonZero = 0;
        for (String k : KERNELS) {
          for (float v : stripped.weights().get(k).floats()) {
            nonZero += v != 0f ? 1 : 0;
          }
        }
        assertThat(nonZero).isEqualTo(kept);
      }
    }
  }

  @Test
  void theGroupSurvivesSavingAndLoading(@TempDir Path dir) throws Exception {
    GlobalPruningSpec group = GlobalPruningSpec.of(ConstantSparsity.of(0.8, 0, -1, 1)).named("kernels")
        .normalizedBy(GlobalPruningSpec.Normalization.MAX_ABS).atMostSparsity(0.95);
    ModelSpec spec = base().prunedGlobally(group, PruningPolicy.named("dense", "dense_1"))
        .prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0)));
    try (Model model = spec.compile(compile())) {
      model.setWeights(weights(spec));
      oneStep(model);
      ModelFiles.save(model, dir.resolve("m"));
      String json = Files.readString(dir.resolve("m").resolve(ModelFiles.CONFIG));
      assertThat(json).contains("\"pruning_groups\"").contains("\"group\": \"kernels\"").contains("MAX_ABS");
      ModelSpec loaded = ModelFiles.loadSpec(dir.resolve("m"));
      // Schedules compare by identity: compare the settings by their descriptions.
      assertThat(loaded.globalGroups()).hasSize(1);
      GlobalPruningSpec read = loaded.globalGroups().keySet().iterator().next();
      assertThat(read.toString()).isEqualTo(group.toString());
      assertThat(read.maxSparsity()).isEqualTo(0.95f);
      assertThat(loaded.globalGroups().get(read).keySet()).containsExactly("dense_kernel", "dense_1_kernel");
      assertThat(loaded.prunedWeights().get("dense_2_kernel").toString())
          .isEqualTo(PruningSpec.of(ConstantSparsity.of(0.5, 0)).toString());
      assertThat(ModelFiles.loadSpec(dir.resolve("m")).toString()).isEqualTo(spec.toString());
      assertThat(model.sparsity().keySet()).containsExactlyElementsOf(KERNELS);
      try (Model back = ModelFiles.load(dir.resolve("m"), compile())) {
        for (String k : KERNELS) {
          assertThat(back.snapshot().get(PruningState.maskName(k)).floats())
              .containsExactly(model.snapshot().get(PruningState.maskName(k)).floats());
        }
        oneStep(back); // and it trains on, as a group
        long kept = 0;
        for (String k : List.of("dense_kernel", "dense_1_kernel")) {
          for (float m : back.snapshot().get(PruningState.maskName(k)).floats()) {
            kept += m != 0f ? 1 : 0;
          }
        }
        assertThat(kept).isEqualTo(expectedKept(12 * 16 + 16 * 8, 0.8));
      }
    }
  }

  @Test
  void badGroupsFailAtDefinition() {
    assertThatThrownBy(() -> base().prunedGlobally(GlobalPruningSpec.of(ConstantSparsity.of(0.9, 0)).keepAtLeast(20)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("floors");
    GlobalPruningSpec g = GlobalPruningSpec.of(ConstantSparsity.of(0.5, 0));
    assertThatThrownBy(() -> base().prunedGlobally(g, PruningPolicy.named("dense"))
        .prunedGlobally(g.keepAtLeast(1), PruningPolicy.named("dense_1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("already has a global pruning group named 'global'");
    assertThatThrownBy(() -> base().prunedGlobally(g, PruningPolicy.named("nope")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope");
  }
}
