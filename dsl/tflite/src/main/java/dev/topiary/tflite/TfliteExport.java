package dev.topiary.tflite;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a model as a TensorFlow Lite FlatBuffer ({@code .tflite}) from Java, without Python or the
 * converter: the stripped model's inference pass as TFLite builtin operators, with its weights stored
 * as the {@link TfliteFlavour} asks. The file has one subgraph and a {@code serving_default} signature
 * whose inputs and outputs carry the model's input and output names; the batch dimension is dynamic
 * (1 in the shape, -1 in the shape signature; resize the input for larger batches).
 *
 * <pre>{@code
 * TfliteExport.write(model, Path.of("mnist.tflite"), TfliteFlavour.SPARSE_INT8);
 * }</pre>
 */
public final class TfliteExport {
  private TfliteExport() {}

  /**
   * The {@code .tflite} bytes of {@code model}, stripped: its weights as inference sees them (pruned
   * weights with their masks applied, so their zeros), no masks or pruning state.
   *
   * @throws UnsupportedLayersException listing every layer that cannot be written
   */
  public static byte[] bytes(Model model, TfliteFlavour flavour) {
    return bytes(model.spec(), model.weights(), flavour);
  }

  /** The {@code .tflite} bytes of a model definition with these (stripped) weights by variable name. */
  public static byte[] bytes(ModelSpec spec, Map<String, HostArray> weights, TfliteFlavour flavour) {
    TfliteGraph graph = Lowering.lower(spec, weights, flavour);
    return FlatWriter.write(graph, "Topiary " + flavour.name().toLowerCase(java.util.Locale.ROOT) + " (CRC-32 in metadata "
        + Schema.CHECKSUM_METADATA + ")");
  }

  /**
   * Writes {@code model} to {@code file} atomically (a temporary sibling renamed into place).
   *
   * @throws UnsupportedLayersException listing every layer that cannot be written (nothing is written)
   */
  public static void write(Model model, Path file, TfliteFlavour flavour) throws IOException {
    AtomicFiles.write(file, bytes(model, flavour));
  }
}
