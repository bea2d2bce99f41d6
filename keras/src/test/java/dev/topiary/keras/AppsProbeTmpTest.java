package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Temporary probe (not committed): loads Keras Applications models from a directory. */
class AppsProbeTmpTest {
  @Test
  void probe() throws Exception {
    String d = System.getProperty("apps.dir");
    if (d == null) {
      return;
    }
    try (var files = Files.list(Path.of(d))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".keras")).sorted().toList()) {
        String name = f.getFileName().toString().replace(".keras", "");
        try {
          JsonNode expected = Fixtures.JSON.readTree(Path.of(d, name + ".json").toFile());
          KerasModel keras = KerasModels.read(f);
          List<HostArray> inputs = Fixtures.arrays(expected.get("inputs"));
          List<HostArray> outputs = Fixtures.arrays(expected.get("outputs"));
          try (Model model = keras.compile(Fixtures.COMPILE)) {
            List<HostArray> predicted = model.predict(inputs, 16);
            double rel = Fixtures.maxAbsDiff(predicted.get(0), outputs.get(0));
            double scale = 0;
            for (float v : outputs.get(0).floats()) {
              scale = Math.max(scale, Math.abs(v));
            }
            System.out.println("PROBE " + name + " OK maxAbsDiff=" + rel + " maxAbsOut=" + scale);
          }
        } catch (Exception | Error e) {
          System.out.println("PROBE " + name + " FAIL " + e.getClass().getSimpleName() + ": " + e.getMessage());
        }
      }
    }
  }
}
