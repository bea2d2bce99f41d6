package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.KerasForm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The declarative {@link KerasForm} as built-in layers use it (the same mechanism a user's layer gets):
 * defaults for absent options, activation names translated, constant and required options checked,
 * weight set-up options dropped, anything else refused by name, and what is written back. The Keras
 * configs here are written by hand as Keras 3.15 writes them.
 */
class KerasFormTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final KerasLayers layers = new KerasLayers("3.15.1");

  private Map<String, Object> read(String json) throws Exception {
    JsonNode entry = JSON.readTree(json.replace('\'', '"'));
    return layers.topiary("m.keras", entry, "fallback");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> settings(Map<String, Object> topiary) {
    return (Map<String, Object>) topiary.get("settings");
  }

  @Test
  void absentOptionsTakeTheirDefaultsAndActivationsAreTranslated() throws Exception {
    Map<String, Object> t = read("{'class_name': 'Dense', 'config': {'name': 'd', 'units': 4, 'activation': 'silu',"
        + " 'kernel_initializer': {'class_name': 'GlorotUniform', 'config': {}}, 'kernel_regularizer': {'class_name': 'L2',"
        + " 'config': {'l2': 0.01}}, 'quantization_config': null}}");
    assertThat(t.get("type")).isEqualTo("Dense");
    assertThat(settings(t)).containsExactlyInAnyOrderEntriesOf(Map.of("units", 4, "activation", "swish", "use_bias", true));
    assertThat(settings(read("{'class_name': 'Dense', 'config': {'units': 2}}"))).containsEntry("activation", "linear");
  }

  @Test
  void anUnknownOptionThatIsSetIsRefusedNamingIt() {
    assertThatThrownBy(() -> read("{'class_name': 'Dense', 'config': {'name': 'head', 'units': 4, 'lora_rank': 8}}"))
        .isInstanceOf(KerasFileException.class).hasMessageContaining("m.keras").hasMessageContaining("head")
        .hasMessageContaining("lora_rank=8").hasMessageContaining("units, activation, use_bias");
  }

  @Test
  void constantAndRequiredOptionsAreCheckedAndDroppedOptionsAreNot() throws Exception {
    String lstm = "{'class_name': 'LSTM', 'config': {'name': 'rnn', 'units': 3, 'activation': 'tanh',"
        + " 'recurrent_activation': 'sigmoid', 'unroll': true, 'seed': 7, 'unit_forget_bias': true, %s}}";
    assertThat(settings(read(String.format(lstm, "'dropout': 0.0")))).containsExactlyInAnyOrderEntriesOf(
        Map.of("units", 3, "return_sequences", false, "go_backwards", false, "return_state", false));
    assertThatThrownBy(() -> read(String.format(lstm, "'dropout': 0.25"))).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("rnn").hasMessageContaining("dropout=0.25").hasMessageContaining("only 0.0");
    assertThatThrownBy(() -> read(String.format(lstm, "'stateful': true"))).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("stateful=true");
    assertThatThrownBy(() -> read(String.format(lstm, "'time_major': true"))).isInstanceOf(KerasFileException.class)
        .hasMessageContaining("time_major=true");
    assertThatThrownBy(() -> read(String.format(lstm, "'reset_after': true")))
        .isInstanceOf(KerasFileException.class).hasMessageContaining("reset_after");
    // A constant that is also ignored (checked against the input rank later) passes whatever its value.
    assertThat(settings(read("{'class_name': 'LayerNormalization', 'config': {'axis': [2], 'epsilon': 1e-6}}")))
        .containsExactlyEntriesOf(Map.of("epsilon", 1e-6));
    assertThatThrownBy(() -> read("{'class_name': 'LayerNormalization', 'config': {'name': 'ln', 'rms_scaling': true}}"))
        .isInstanceOf(KerasFileException.class).hasMessageContaining("rms_scaling=true");
    assertThatThrownBy(() -> read("{'class_name': 'Flatten', 'config': {'name': 'f', 'data_format': 'channels_first'}}"))
        .isInstanceOf(KerasFileException.class).hasMessageContaining("data_format=\"channels_first\"");
  }

  @Test
  void writingCopiesTheSettingsHeldAndTheConstantsButNotTheRequiredOnes() {
    JsonNode gru = layers.keras("GRU", Settings.of("t").put("units", 5).put("return_sequences", true)
        .put("go_backwards", false).put("return_state", false), "g");
    JsonNode config = gru.get("config");
    assertThat(gru.get("class_name").textValue()).isEqualTo("GRU");
    assertThat(config.get("units").intValue()).isEqualTo(5);
    assertThat(config.get("return_sequences").booleanValue()).isTrue();
    assertThat(config.get("reset_after").booleanValue()).isTrue();
    assertThat(config.get("recurrent_activation").textValue()).isEqualTo("sigmoid");
    assertThat(config.get("activation").textValue()).isEqualTo("tanh");
    assertThat(config.has("dropout")).as("required options are not written").isFalse();
    assertThat(config.has("time_major")).as("Keras 3's GRU takes no time_major").isFalse();
    JsonNode dense = layers.keras("Dense", Settings.of("t").put("units", 2).put("activation", "swish"), "d").get("config");
    assertThat(dense.get("activation").textValue()).isEqualTo("silu");
    assertThat(dense.has("use_bias")).as("an option the settings do not hold is left to Keras' default").isFalse();
    assertThat(layers.keras("Flatten", Settings.of("t"), "f").get("config").has("data_format")).isFalse();
  }

  @Test
  void anUnmappedTypeIsRefusedListingEveryMappedOne() {
    assertThatThrownBy(() -> layers.keras("NoSuchLayer", Settings.of("t"), "odd"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'odd'").hasMessageContaining("NoSuchLayer")
        .hasMessageContaining("Conv2D, ") // a mapping of the keras module
        .hasMessageContaining("Dense, ").hasMessageContaining("LSTM, ").hasMessageContaining("ReLU, "); // forms
  }

  @Test
  void recurrentWeightsLiveUnderTheCell() {
    assertThat(layers.forTopiary("LSTM").groups().of(3)).containsExactly(new LayerMapping.Group("cell/vars", 3));
    assertThat(layers.forTopiary("Dense").groups().of(2)).containsExactly(new LayerMapping.Group("vars", 2));
  }

  @Test
  void aFormRefusesDefaultsForOptionsItDoesNotHave() {
    assertThatThrownBy(() -> KerasForm.of("My>Layer", "units").withDefault("rate", 0.5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("My>Layer").hasMessageContaining("rate")
        .hasMessageContaining(List.of("units").toString());
  }
}
