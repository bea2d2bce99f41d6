package dev.topiary.keras;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.layers.core.Dense;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy .h5 files whose config and layer list exceed what one HDF5 object header message holds
 * (64 KiB): the config goes to a global heap as a variable-length string and the layer names are
 * split into layer_names0, layer_names1, ... as Keras' legacy saver splits them.
 */
class KerasLargeH5Test {
  private static final int LAYERS = 1200;

  @TempDir
  Path dir;

  /** 1200 Dense layers with 57-byte names: 1200 * 58 bytes of names and a config of several hundred KB. */
  private static ModelSpec deep() {
    List<Layer> layers = new ArrayList<>();
    for (int i = 0; i < LAYERS; i++) {
      layers.add(Dense.of(2).named(name(i)));
    }
    return Sequential.of(Input.of(2), layers.toArray(new Layer[0]));
  }

  private static String name(int i) {
    return String.format("dense_layer_with_a_rather_long_name_for_chunking_no_%05d", i);
  }

  /** Every weight a different value, so a weight read from the wrong place shows. */
  private static Map<String, HostArray> weights(ModelSpec spec) {
    Map<String, HostArray> weights = new LinkedHashMap<>();
    int k = 0;
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        long[] shape = w.shape().asArray();
        float[] values = new float[(int) Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        for (int i = 0; i < values.length; i++) {
          values[i] = k++ * 0.25f;
        }
        weights.put(spec.variableName(layer, w.name()), HostArray.of(values, shape));
      }
    }
    return weights;
  }

  @Test
  void aConfigAndLayerListAbove64KiBAreWrittenAndReadBack() throws Exception {
    assertThat(name(0)).hasSize(57);
    ModelSpec spec = deep();
    Map<String, HostArray> weights = weights(spec);
    Path h5 = dir.resolve("deep.h5");
    KerasFileWriter.writeLegacy(spec, weights, h5, "deep");

    KerasModel read = KerasModels.read(h5);
    assertThat(read.format()).isEqualTo("h5");
    assertThat(read.spec().layers()).hasSize(LAYERS);
    assertThat(read.spec().layers().get(LAYERS - 1).name()).isEqualTo(name(LAYERS - 1));
    assertThat(read.weights()).hasSize(2 * LAYERS);
    for (Map.Entry<String, HostArray> e : weights.entrySet()) {
      assertThat(read.weights().get(e.getKey()).floats()).as(e.getKey()).containsExactly(e.getValue().floats());
    }

    try (HdfFile file = new HdfFile(h5)) {
      Attribute config = file.getAttribute("model_config");
      assertThat((String) config.getData()).startsWith("{").contains(name(LAYERS - 1)).hasSizeGreaterThan(200_000);
      // 1200 names of 58 bytes (with the terminator) are 69,600 bytes: two parts of 600, as numpy.array_split makes them.
      Map<String, Attribute> attributes = file.getByPath("model_weights").getAttributes();
      assertThat(attributes).containsKeys("layer_names0", "layer_names1").doesNotContainKeys("layer_names", "layer_names2");
      assertThat((String[]) attributes.get("layer_names0").getData()).hasSize(600).startsWith(name(0));
      assertThat((String[]) attributes.get("layer_names1").getData()).hasSize(600).endsWith(name(LAYERS - 1));
    }
    try (H5File file = H5File.of("deep.h5", Files.readAllBytes(h5), ReadLimits.tally("deep.h5"))) {
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < LAYERS; i++) {
        expected.add(name(i));
      }
      assertThat(file.stringsAttribute("model_weights", "layer_names")).containsExactlyElementsOf(expected);
    }
  }

  /**
   * HDF5 checksums no global heap: a changed byte of the config, or a heap that claims more bytes than
   * the file has, is refused naming the file (the config byte by Topiary's checksum); a changed reference
   * to the heap by the object header's checksum.
   */
  @Test
  void aDamagedGlobalHeapIsRefused() throws Exception {
    ModelSpec spec = Sequential.of(Input.of(2), Dense.of(2).named("only"));
    Path h5 = dir.resolve("small.h5");
    KerasFileWriter.writeLegacy(spec, weights(spec), h5, "small");
    byte[] original = Files.readAllBytes(h5);
    int heap = indexOf(original, "GCOL");
    int config = indexOf(original, "{\"");
    int reference = indexOf(original, "model_config\0") + 13 + 24; // name, then datatype and dataspace
    assertThat(heap).isPositive();
    assertThat(config).isGreaterThan(heap);
    List<java.util.function.Consumer<java.nio.ByteBuffer>> damages = List.of(
        b -> b.put(config + 2, (byte) (b.get(config + 2) ^ 0x01)), // a config byte
        b -> b.putLong(heap + 8, 1L << 40), // the collection's size
        b -> b.putLong(heap + 24, 1L << 40), // the config object's size
        b -> b.putShort(heap + 16, (short) 7), // the config object's index
        b -> b.putInt(reference, Integer.MAX_VALUE)); // the reference's length
    for (int i = 0; i < damages.size(); i++) {
      byte[] bytes = original.clone();
      damages.get(i).accept(java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN));
      Path damaged = Files.write(dir.resolve("damaged" + i + ".h5"), bytes);
      assertThatThrownBy(() -> KerasModels.read(damaged)).as("damage " + i)
          .isInstanceOf(KerasFileException.class).hasMessageContaining("damaged" + i + ".h5");
    }
  }

  private static int indexOf(byte[] bytes, String text) {
    byte[] t = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (int i = 0; i + t.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + t.length, t, 0, t.length)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void namesAreSplitAsKerasSplitsThem() {
    // Values of 20,000 bytes (20,001 stored): three fit the 64,512-byte limit, so 7 values take 3 parts,
    // the first one longer: numpy.array_split(7 values, 3) gives 3, 2, 2.
    String[] values = new String[7];
    for (int i = 0; i < values.length; i++) {
      values[i] = Character.toString('a' + i).repeat(20_000);
    }
    List<String[]> parts = KerasFileWriter.chunks("/g names", values);
    assertThat(parts).extracting(p -> p.length).containsExactly(3, 2, 2);
    assertThat(parts.get(1)[0]).startsWith("d");
    assertThat(KerasFileWriter.chunks("/g names", new String[] {"a", "b"})).hasSize(1);
    assertThatThrownBy(() -> KerasFileWriter.chunks("/model_weights/big weight_names",
        new String[] {"x".repeat(70_000)})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/model_weights/big weight_names").hasMessageContaining("70000 bytes");
  }

  @Test
  void bytesNotLaidOutAsJhdfWritesThemAreRefused() {
    assertThatThrownBy(() -> H5VariableLengthString.store(new byte[64], "model_config", "{}"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("superblock");
  }
}
