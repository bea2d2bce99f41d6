package dev.topiary.dsl.export;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.SnapshotFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a killed save leaves (issue 29): temporary siblings with a recognisable name, removed by the next
 * save of the same target, in every format of the core module. The planted names are what this
 * version and the previous one wrote; a sibling of another target is left alone.
 */
class TempFilesTest {
  private static final ModelSpec SPEC = Sequential.of(Input.of(3), Dense.of(2));

  @TempDir
  Path dir;

  /** Plants a killed save's leftovers beside {@code target} (files and a directory) and returns their names. */
  private List<String> plantLeftovers(String target) throws IOException {
    List<String> names = List.of("." + target + ".tmp-00112233aabbccdd", "." + target + ".0123456789abcdef.tmp",
        target + ".partial0123456789abcdef");
    Files.write(dir.resolve(names.get(0)), new byte[1000]);
    Files.write(dir.resolve(names.get(1)), new byte[1000]);
    Files.createDirectories(dir.resolve(names.get(2)).resolve("variables"));
    return names;
  }

  private List<String> listing() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void everyCoreFormatRemovesAKilledSavesTemporaryFilesOfTheSameTarget() throws Exception {
    Files.writeString(dir.resolve(".other.tpck.tmp-00112233aabbccdd"), "another target's");
    Files.writeString(dir.resolve("notes.tmp"), "not ours");
    Snapshot snapshot = new Snapshot(Map.of("w", HostArray.ofFloats(new float[] {1, 2}, 2)));

    plantLeftovers("state.tpck");
    SnapshotFile.write(dir.resolve("state.tpck"), snapshot, Map.of());
    plantLeftovers("weights.tpsw");
    SparseWeights.write(dir.resolve("weights.tpsw"), Map.of("w", HostArray.ofFloats(new float[] {1, 0}, 2)),
        SparseWeights.Encoding.FLOAT32);
    plantLeftovers("model.json");
    dev.topiary.dsl.config.ModelConfig.write(dir.resolve("model.json"), SPEC);
    try (Model model = SPEC.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).seed(1))) {
      plantLeftovers("model");
      ModelFiles.save(model, dir.resolve("model"));
      plantLeftovers("exported");
      model.exportSavedModel(dir.resolve("exported"));
    }
    assertThat(listing()).containsExactly(".other.tpck.tmp-00112233aabbccdd", "exported", "model", "model.json",
        "notes.tmp", "state.tpck", "weights.tpsw");
  }

  @Test
  void aSaveInProgressInThisJvmIsNotTakenForStale() throws Exception {
    Path target = dir.resolve("a.tpck");
    Path mine = AtomicFiles.newTempFile(target);
    try {
      assertThat(mine.getFileName().toString()).startsWith(".a.tpck.tmp-");
      AtomicFiles.write(target, new byte[] {1});
      assertThat(mine).exists();
    } finally {
      AtomicFiles.release(mine);
    }
    assertThat(mine).doesNotExist();
    assertThat(listing()).containsExactly("a.tpck");
  }
}
