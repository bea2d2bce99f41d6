package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.SnapshotFile;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.fuzz.ReadFuzz;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whole-file and size-field mutations of small files Topiary wrote, read under a 16 MiB budget (issue
 * 29; {@link ReadFuzz}): checkpoints, sparse weights and model directories. Raw mutations must all be
 * refused by the checksums (silently changed 0), and nothing may end in an OutOfMemoryError or another
 * exception. "Crafted" runs recompute the CRC after mutating, so the structural checks and the budget,
 * not the checksum, meet the forged sizes: there a read may succeed with other content (every byte is
 * then the writer's), but still never run out of memory. The figures are printed per format; {@code
 * mvn -Pbench} runs the {@code benchmark}-tagged long version (20 times as many mutations).
 */
class BudgetFuzzTest {
  /** Topiary's read budget and refusal, for {@link ReadFuzz}. */
  private static final ReadFuzz.Limits LIMITS =
      new ReadFuzz.Limits((bytes, read) -> ReadLimits.withBudget(bytes, read::read), CorruptFileException.class);

  private static final long BUDGET = 16L << 20;

  @TempDir
  Path dir;

  @Test
  void mutatedCoreFilesAreRefusedOrUnchangedAndNeverExhaustTheHeap() throws Exception {
    check(run(1));
  }

  @Tag("benchmark")
  @Test
  void longFuzzOfTheCoreFormats() throws Exception {
    check(run(20));
  }

  private static void check(List<ReadFuzz.Figures> all) {
    all.forEach(f -> System.out.println("BudgetFuzzTest " + f));
    for (ReadFuzz.Figures f : all) {
      assertThat(f.oom).as(f.format + " OutOfMemoryErrors").isZero();
      assertThat(f.other).as(f.format + " other outcomes").isEmpty();
      if (!f.format.contains("crafted")) {
        assertThat(f.changed).as(f.format + " silently changed: " + f.changedSamples).isZero();
      }
    }
  }

  private List<ReadFuzz.Figures> run(int scale) throws Exception {
    List<ReadFuzz.Figures> all = new ArrayList<>();
    UnaryOperator<byte[]> raw = UnaryOperator.identity();
    UnaryOperator<byte[]> crc = b -> b.length < 8 ? b : BinaryFormat.withChecksum(Arrays.copyOf(b, b.length - 8));

    byte[] tpck = SnapshotFile.encode(snapshot(), Map.of("epoch", "1", "batch", "2"));
    Path tpckFile = dir.resolve("fuzz.tpck");
    all.add(ReadFuzz.run(".tpck", tpck, tpckFile, SnapshotFile::read, BUDGET, 150 * scale, 100 * scale, 1, raw, LIMITS));
    all.add(ReadFuzz.run(".tpck crafted", tpck, tpckFile, SnapshotFile::read, BUDGET, 100 * scale, 150 * scale, 2, crc, LIMITS));

    Path tpswFile = dir.resolve("fuzz.tpsw");
    for (SparseWeights.Encoding e : SparseWeights.Encoding.values()) {
      byte[] tpsw = SparseWeights.encode(snapshot().variables(), e);
      String name = ".tpsw " + e.name().toLowerCase(java.util.Locale.ROOT);
      all.add(ReadFuzz.run(name, tpsw, tpswFile, SparseWeights::read, BUDGET, 75 * scale, 50 * scale, 3, raw, LIMITS));
      all.add(ReadFuzz.run(name + " crafted", tpsw, tpswFile, SparseWeights::read, BUDGET, 50 * scale, 75 * scale, 4, crc, LIMITS));
    }

    Path model = dir.resolve("model");
    try (Model m = Sequential.of(Input.of(6), Dense.of(8), Dense.of(3))
        .compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(3))) {
      ModelFiles.save(m, model);
    }
    ReadFuzz.Read directory = d -> List.of(ModelConfig.toJson(ModelFiles.loadSpec(model)),
        SnapshotFile.read(model.resolve(ModelFiles.STATE)));
    ReadFuzz.Figures dirFigures = new ReadFuzz.Figures("model directory");
    for (String name : List.of(ModelFiles.CONFIG, ModelFiles.STATE, ModelFiles.MANIFEST)) {
      Path file = model.resolve(name);
      ReadFuzz.Figures f = ReadFuzz.run(name, Files.readAllBytes(file), file, directory, BUDGET, 50 * scale,
          35 * scale, name.hashCode(), raw, LIMITS);
      dirFigures.refused += f.refused;
      dirFigures.unchanged += f.unchanged;
      dirFigures.changed += f.changed;
      dirFigures.oom += f.oom;
      dirFigures.other.addAll(f.other);
      dirFigures.changedSamples.addAll(f.changedSamples);
    }
    all.add(dirFigures);
    return all;
  }

  /** A few variables of the kinds a checkpoint holds. */
  private static Snapshot snapshot() {
    Random r = new Random(7);
    Map<String, HostArray> v = new LinkedHashMap<>();
    float[] kernel = new float[16 * 8];
    for (int i = 0; i < kernel.length; i++) {
      kernel[i] = i % 3 == 0 ? 0f : (float) r.nextGaussian();
    }
    v.put("dense/kernel", HostArray.ofFloats(kernel, 16, 8));
    v.put("dense/bias", HostArray.ofFloats(new float[] {0.5f, 0, -1, 2, 0, 0, 3, 1}, 8));
    float[] conv = new float[3 * 3 * 2 * 4];
    for (int i = 0; i < conv.length; i++) {
      conv[i] = i % 2 == 0 ? 0f : (float) r.nextGaussian();
    }
    v.put("conv/kernel", HostArray.ofFloats(conv, 3, 3, 2, 4));
    return new Snapshot(v);
  }
}
