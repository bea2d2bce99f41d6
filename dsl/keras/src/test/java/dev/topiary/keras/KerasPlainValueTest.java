package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Layer options come out of the config as plain Java values through {@link KerasLayers#plainValue}; they
 * must be what Jackson's own {@code convertValue(node, Object.class)} gives, types included (Integer vs
 * Long vs BigInteger, Double, nested lists and maps in order).
 */
class KerasPlainValueTest {
  @Test
  void plainValuesAreJacksonsConvertValue() throws Exception {
    String json = "{\"units\": 7, \"big\": 12345678901, \"huge\": 123456789012345678901234567890,"
        + " \"rate\": 0.1, \"exp\": -1.5e-7, \"neg\": -3, \"on\": true, \"off\": false, \"none\": null,"
        + " \"name\": \"dense_\\u00e9\", \"empty\": [], \"shape\": [null, 32, 32, 3],"
        + " \"nested\": {\"b\": [1, [2.5, {\"c\": \"d\"}]], \"a\": {}}, \"list\": [true, null, \"x\", 1e300]}";
    JsonNode root = KerasLayers.JSON_VALUES.readTree(json);
    root.fields().forEachRemaining(e -> {
      Object expected = KerasLayers.JSON_VALUES.convertValue(e.getValue(), Object.class);
      Object actual = KerasLayers.plainValue(e.getValue());
      assertThat(actual).as(e.getKey()).isEqualTo(expected);
      if (expected != null) {
        assertThat(actual.getClass()).as(e.getKey()).isEqualTo(expected.getClass());
      }
    });
    assertThat(KerasLayers.plainValue(root)).isEqualTo(KerasLayers.JSON_VALUES.convertValue(root, Object.class));
  }
}
