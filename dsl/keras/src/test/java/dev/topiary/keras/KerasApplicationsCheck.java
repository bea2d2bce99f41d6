package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The full-size Keras Applications check: not in the default suite (its name does not end in
 * {@code Test}, and it needs files that are too large to commit). {@code
 * dsl/keras/tools/check_applications.py DIR} writes every family as {@code .keras} and {@code .h5} with
 * Keras' own predictions; this loads each with {@link KerasModels} and compares (tolerance 1e-4, relative
 * to the largest |output| where that is above 1), then
 * writes {@code DIR/results.md}, the table of docs/results/interop.md:
 *
 * <pre>
 * mvn -B -o -pl dsl/keras -am test -Dtest=KerasApplicationsCheck -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dtopiary.applications.dir=DIR
 * </pre>
 *
 * {@code -Dtopiary.applications.only=REGEX} checks only the models whose names match (e.g. {@code .*_(top|avg)}).
 * It fails if any file does not load or differs by more than the tolerance, after checking them all.
 */
class KerasApplicationsCheck {
  static final double TOLERANCE = 1e-4;

  @Test
  void everyFamilyLoadsAndPredictsAsKeras() throws Exception {
    String dirName = System.getProperty("topiary.applications.dir", "");
    assumeTrue(!dirName.isBlank(), "-Dtopiary.applications.dir=DIR (written by check_applications.py) not given");
    Path dir = Path.of(dirName);
    JsonNode index = Fixtures.JSON.readTree(dir.resolve("index.json").toFile());
    List<String> rows = new ArrayList<>();
    rows.add("| model | params | .keras | .h5 |");
    rows.add("|---|---:|---|---|");
    int failed = 0;
    // With -Dtopiary.keras.dir=OUT each model is also written back as .keras and .h5 with Java's predictions,
    // for dsl/keras/tools/check_keras.py OUT to reload in Keras.
    String writeDir = System.getProperty("topiary.keras.dir", "");
    Path writeBack = writeDir.isBlank() ? null : Files.createDirectories(Path.of(writeDir));
    java.util.regex.Pattern only = java.util.regex.Pattern.compile(System.getProperty("topiary.applications.only", ".*"));
    for (JsonNode name : index.get("models")) {
      if (!only.matcher(name.asText()).matches()) {
        continue;
      }
      JsonNode expected = Fixtures.JSON.readTree(dir.resolve(name.asText() + ".json").toFile());
      List<HostArray> inputs = Fixtures.arrays(expected.get("inputs"));
      List<HostArray> outputs = Fixtures.arrays(expected.get("outputs"));
      StringBuilder row = new StringBuilder("| " + name.asText() + " | " + String.format("%,d", expected.get("params").asLong()) + " |");
      for (String format : List.of("keras", "h5")) {
        String cell = check(dir.resolve(name.asText() + "." + format), inputs, outputs, writeBack, name.asText() + "_from_" + format);
        failed += cell.startsWith("ok") ? 0 : 1;
        row.append(' ').append(cell).append(" |");
      }
      rows.add(row.toString());
      System.out.println(row);
    }
    String table = String.join("\n", rows) + "\n";
    Files.writeString(dir.resolve("results.md"), table);
    System.out.println(table);
    assertThat(failed).as("files that failed (table in " + dir.resolve("results.md") + ")").isZero();
  }

  /**
   * "ok 3.1e-06" (max abs diff over all outputs; "of 62" when the largest |output| is 62), "DIFF 2.0e-02", a
   * shape mismatch, or "fails: " and the first line of the error.
   */
  private static String check(Path file, List<HostArray> inputs, List<HostArray> outputs, Path writeBack, String base) {
    long start = System.nanoTime();
    try (Model model = KerasModels.load(file, Fixtures.COMPILE)) {
      List<HostArray> predicted = model.predict(inputs, 2);
      if (writeBack != null) {
        KerasModels.save(model, writeBack.resolve(base + ".keras"));
        KerasModels.save(model, writeBack.resolve(base + ".h5"));
        KerasRoundTripTest.writeExpectations(writeBack, base, inputs, predicted);
      }
      double diff = 0;
      double largest = 1;
      for (int i = 0; i < outputs.size(); i++) {
        for (float v : outputs.get(i).floats()) {
          largest = Math.max(largest, Math.abs(v));
        }
        if (!java.util.Arrays.equals(predicted.get(i).shape(), outputs.get(i).shape())) {
          return "shape " + java.util.Arrays.toString(predicted.get(i).shape()) + " vs Keras "
              + java.util.Arrays.toString(outputs.get(i).shape());
        }
        diff = Math.max(diff, Fixtures.maxAbsDiff(predicted.get(i), outputs.get(i)));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      // Relative above |output| 1: feature maps of random-weight nets reach 1e3 (NASNetMobile), where float32's
      // own rounding of a sum is above 1e-4.
      return String.format("%s %.1e%s (%.0f s)", diff <= TOLERANCE * largest ? "ok" : "DIFF", diff,
          largest > 1 ? String.format(" of %.3g", largest) : "", seconds);
    } catch (Exception | Error e) {
      String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
      // The file name is in every KerasFileException; the table's row already says it.
      message = message.replace(file.toString() + ": ", "").replace("|", "/");
      return "fails: " + e.getClass().getSimpleName() + ": " + (message.length() > 160 ? message.substring(0, 160) + "..." : message);
    }
  }
}
