package dev.topiary.backends;

import static org.assertj.core.api.Assertions.assertThat;

import dev.topiary.bridge.EagerModel;
import dev.topiary.dsl.LayerExamples;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.layers.BuiltInLayers;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.keras.KerasModels;
import dev.topiary.sparse.SparseModel;
import dev.topiary.sparse.SparseOptions;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layer support matrix in {@code docs/reference/layer-support-matrix.md}, made by running every back end on
 * every registered layer type's example model ({@link LayerExamples}): a cell is "yes" when the back end
 * ran it, or the back end's own refusal naming the layer. A back end that fails any other way (a raw
 * exception, a refusal that does not name the layer) fails this test, and so does a committed table that
 * differs from the one made here: the docs cannot claim what the code does not do. Regenerate with
 * {@code -Dtopiary.writeSupportMatrix=true}.
 */
class SupportMatrixTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(), Loss.meanSquaredError()).seed(3);
  private static final List<String> COLUMNS = List.of("graph", "eager", "Keras write + read", "TFLite float32",
      "TFLite int8", "TFLite sparse", "SparseModel", "prunable weights");

  @TempDir
  Path dir;

  @Test
  void everyRegisteredLayerIsSupportedOrRefusedWithAReasonAndTheDocsSaySo() throws Exception {
    Map<String, List<String>> rows = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    List<String> wrong = new ArrayList<>();
    for (LayerType<?> type : BuiltInLayers.codecs()) {
      LayerExamples.Example e = LayerExamples.all().stream().filter(x -> x.type().equals(type.typeName())).findFirst()
          .orElseThrow(() -> new AssertionError("no example for " + type.typeName()));
      List<String> row = new ArrayList<>();
      try (Model graph = e.spec().compile(COMPILE)) {
        String name = graph.spec().layerName(e.layer());
        row.add(cell(type, "graph", name, wrong, () -> graph.predict(e.inputs(), 8)));
        row.add(cell(type, "eager", name, wrong, () -> {
          try (EagerModel eager = EagerModel.from(graph)) {
            return eager.predict(e.inputs(), 8);
          }
        }));
        row.add(cell(type, "Keras", name, wrong, () -> {
          Path file = dir.resolve(type.typeName() + ".keras");
          KerasModels.save(graph, file);
          return KerasModels.read(file);
        }));
        for (TfliteFlavour f : List.of(TfliteFlavour.FLOAT32, TfliteFlavour.INT8, TfliteFlavour.SPARSE)) {
          row.add(cell(type, "TFLite " + f, name, wrong, () -> TfliteExport.bytes(graph, f)));
        }
        row.add(cell(type, "SparseModel", name, wrong, () -> {
          try (SparseModel sparse = SparseModel.of(graph, SparseOptions.defaults().calibrate(false))) {
            return sparse.predict(e.inputs(), 8);
          }
        }));
      }
      row.add(e.layer().prunableWeights().isEmpty() ? "-" : String.join(", ", new java.util.TreeSet<>(e.layer().prunableWeights())));
      rows.put(type.typeName(), row);
    }
    assertThat(wrong).as("back ends that neither ran a layer nor refused it naming it").isEmpty();

    String table = table(rows, reasons(rows));
    Path doc = docs().resolve("reference/layer-support-matrix.md");
    if (Boolean.getBoolean("topiary.writeSupportMatrix")) {
      Files.createDirectories(doc.getParent());
      Files.writeString(doc, table, StandardCharsets.UTF_8);
    }
    assertThat(Files.exists(doc)).as(doc + " exists (regenerate with -Dtopiary.writeSupportMatrix=true)").isTrue();
    assertThat(Files.readString(doc, StandardCharsets.UTF_8))
        .as("docs/reference/layer-support-matrix.md is what the back ends do (regenerate with -Dtopiary.writeSupportMatrix=true)")
        .isEqualTo(table);
  }

  /** "yes", or the refusal (for this layer only); anything else is recorded in {@code wrong}. */
  private static String cell(LayerType<?> type, String backEnd, String layerName, List<String> wrong, Callable<?> run) {
    try {
      run.call();
      return "yes";
    } catch (dev.topiary.tflite.UnsupportedLayersException ex) {
      for (String p : ex.problems()) {
        if (p.startsWith("'" + layerName + "' (")) {
          return "no: " + p.substring(p.indexOf("): ") + 3);
        }
      }
      wrong.add(type.typeName() + " / " + backEnd + ": refused for other layers only: " + ex.getMessage());
    } catch (dev.topiary.sparse.UnsupportedLayersException ex) {
      if (ex.layers().stream().anyMatch(l -> l.startsWith("'" + layerName + "' ("))) {
        return "no: " + dev.topiary.sparse.UnsupportedLayersException.REASON;
      }
      wrong.add(type.typeName() + " / " + backEnd + ": refused for other layers only: " + ex.getMessage());
    } catch (IllegalArgumentException | IOException ex) {
      if (String.valueOf(ex.getMessage()).contains(layerName) || String.valueOf(ex.getMessage()).contains(type.typeName())) {
        return "no: " + firstSentence(ex.getMessage());
      }
      wrong.add(type.typeName() + " / " + backEnd + ": " + ex);
    } catch (Exception | Error ex) {
      wrong.add(type.typeName() + " / " + backEnd + ": " + ex);
    }
    return "?";
  }

  private static String firstSentence(String message) {
    String m = message.replace('|', '/').replace('\n', ' ');
    int cut = m.indexOf(" (mapped:");
    if (cut > 0) {
      m = m.substring(0, cut);
    }
    return m.length() > 140 ? m.substring(0, 137) + "..." : m;
  }

  /** Each distinct refusal, numbered in order of first appearance; cells then read "no (n)". */
  private static List<String> reasons(Map<String, List<String>> rows) {
    List<String> reasons = new ArrayList<>();
    for (List<String> row : rows.values()) {
      for (int i = 0; i < row.size(); i++) {
        String c = row.get(i);
        if (c.startsWith("no: ")) {
          String reason = c.substring(4);
          if (!reasons.contains(reason)) {
            reasons.add(reason);
          }
          row.set(i, "no (" + (reasons.indexOf(reason) + 1) + ")");
        }
      }
    }
    return reasons;
  }

  private static String table(Map<String, List<String>> rows, List<String> reasons) {
    StringBuilder b = new StringBuilder();
    b.append("# Layer support matrix\n\n")
        .append("Made by `SupportMatrixTest` (module `tests`), which runs every back end on one small model per\n")
        .append("registered layer type and fails when this page differs from what the back ends do. \"yes\": the\n")
        .append("back end ran the layer; \"no (n)\": the back end refused it, for reason n below. Keras write + read:\n")
        .append("written as `.keras` and read back by Topiary (reading Keras-made files is tested on Keras fixtures).\n")
        .append("Layers that are a `LoweredLayer` (described once in `Primitives`) run in every back end with no code\n")
        .append("of their own.\n\n")
        .append("| layer | ").append(String.join(" | ", COLUMNS)).append(" |\n")
        .append("|---|").append("---|".repeat(COLUMNS.size())).append('\n');
    rows.forEach((type, row) -> b.append("| ").append(type).append(" | ").append(String.join(" | ", row)).append(" |\n"));
    b.append("\nReasons given by the back ends:\n\n");
    for (int i = 0; i < reasons.size(); i++) {
      b.append(i + 1).append(". ").append(reasons.get(i)).append('\n');
    }
    return b.toString();
  }

  /** The repository's docs folder (tests run in the module folder). */
  private static Path docs() {
    Path here = Path.of("").toAbsolutePath();
    for (Path p = here; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("docs")) && Files.exists(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("dsl"))) {
        return p.resolve("docs");
      }
    }
    throw new AssertionError("no docs folder above " + here);
  }
}
