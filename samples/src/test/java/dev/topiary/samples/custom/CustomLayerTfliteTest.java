package dev.topiary.samples.custom;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Model;
import dev.topiary.samples.TfliteFixtures;
import dev.topiary.tflite.TfliteExport;
import dev.topiary.tflite.TfliteFlavour;
import dev.topiary.tflite.UnsupportedLayersException;
import org.junit.jupiter.api.Test;

/** A user-written layer has no TFLite builtin: the writer refuses it by name and type. */
class CustomLayerTfliteTest {
  @Test
  void refusesTheCustomLayer() {
    try (Model custom = CustomLayerPruning.model().compile(TfliteFixtures.COMPILE)) {
      assertThatThrownBy(() -> TfliteExport.bytes(custom, TfliteFlavour.FLOAT32))
          .isInstanceOf(UnsupportedLayersException.class).hasMessageContaining("(ScaledDense)");
    }
  }
}
