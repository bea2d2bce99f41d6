package dev.topiary.keras;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.ReadLimits;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Keras models in and out: reads Keras 3 {@code .keras} files and legacy Keras {@code .h5} files
 * (Keras 3 and tf.keras 2.x) into Topiary models, and writes Topiary models as both, which Keras 3's
 * {@code keras.saving.load_model} opens.
 *
 * <pre>{@code
 * KerasModel keras = KerasModels.read(Path.of("cnn.keras"));          // spec + weights
 * try (Model model = keras.compile(Compile.of(Optimizer.adam(), loss))) { ... }
 * KerasModels.save(model.strip(), Path.of("pruned.keras"));          // or .h5
 * }</pre>
 *
 * <p>What is read: the architecture (Sequential and Functional, several named inputs and outputs,
 * nested models inlined with their layers' Keras names), every weight including BatchNormalization's
 * moving statistics. Not read: the optimizer state and the compile settings (loss, metrics), which a
 * {@link Compile} gives. Layers and options Topiary does not have fail naming the file, the layer and
 * the option.
 */
public final class KerasModels {
  private static final byte[] ZIP = {'P', 'K', 3, 4};
  private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

  private KerasModels() {}

  /**
   * Reads a {@code .keras} or {@code .h5} file (told apart by their content, not their name).
   *
   * @throws KerasFileException naming the file, the layer and the problem
   */
  public static KerasModel read(Path path) throws IOException {
    String file = path.toString();
    byte[] head = new byte[8];
    int n;
    try (InputStream in = Files.newInputStream(path)) {
      n = in.readNBytes(head, 0, 8);
    }
    if (n >= 4 && startsWith(head, ZIP)) {
      return readKeras(file, path);
    }
    if (n == 8 && startsWith(head, HDF5)) {
      return readLegacy(file, path);
    }
    throw new KerasFileException(file, null, "not a Keras model file (neither a .keras zip nor an HDF5 .h5 file)");
  }

  /**
   * Reads a Keras file and builds it with {@code compile}, weights loaded. TF's native library loads on
   * another thread while the file is read ({@link dev.topiary.ops.TensorFlowRuntime#preload()}).
   */
  public static Model load(Path path, Compile compile) throws IOException {
    dev.topiary.ops.TensorFlowRuntime.preload();
    return read(path).compile(compile);
  }

  /**
   * Writes a model as a Keras file: {@code .keras} (Keras 3 zip) or {@code .h5} (legacy HDF5), by the
   * file name's ending. The weights are the model's inference weights (pruned ones with their zeros);
   * pruning settings, optimizer state and compile settings are not written. Keras 3's
   * {@code keras.saving.load_model} opens both.
   *
   * @throws IllegalArgumentException for a layer type without a Keras mapping (naming the layer)
   */
  public static void save(Model model, Path path) throws IOException {
    save(model.spec(), model.weights(), path);
  }

  /** Writes a spec and its weights (by Topiary variable name) as a Keras file (see {@link #save(Model, Path)}). */
  public static void save(dev.topiary.dsl.ModelSpec spec, Map<String, HostArray> weights, Path path) throws IOException {
    String name = path.getFileName().toString();
    String lower = name.toLowerCase(java.util.Locale.ROOT);
    String modelName = name.replaceFirst("\\.[^.]*$", "").replaceAll("[^A-Za-z0-9_]", "_");
    if (lower.endsWith(".keras")) {
      KerasFileWriter.writeKeras(spec, weights, path, modelName);
    } else if (lower.endsWith(".h5") || lower.endsWith(".hdf5")) {
      KerasFileWriter.writeLegacy(spec, weights, path, modelName);
    } else {
      throw new IllegalArgumentException(path + ": a Keras file name ends with .keras or .h5");
    }
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** One budget for a whole read, failing with {@link KerasFileException}s like every other problem. */
  private static ReadLimits.Tally tally(String file) {
    return ReadLimits.tally(file, (f, problem) -> new KerasFileException(f, null, problem));
  }

  private static KerasModel readKeras(String file, Path path) {
    ReadLimits.Tally tally = tally(file);
    KerasArchive.Contents zip = KerasArchive.read(file, path, tally);
    String version = zip.metadata().path("keras_version").asText("3");
    KerasModelReader.Result model = new KerasModelReader(file, new KerasLayers(version)).read(zip.config());
    try (H5File h5 = H5File.of(file + "!/" + KerasArchive.WEIGHTS, zip.weights(), tally)) {
      return new KerasModel(model.spec(), KerasWeightsReader.keras3(h5, model), version, "keras");
    }
  }

  private static KerasModel readLegacy(String file, Path path) throws IOException {
    // Read into memory (charged to the budget) rather than through jHDF's file channel: from a file,
    // jHDF 0.9.4 loops forever on an object header that claims more bytes than the file has left, and
    // allocates whatever size a header claims; from bytes both are bounds errors.
    ReadLimits.Tally tally = tally(file);
    byte[] bytes = tally.readFile(path, HDF5, 0, "HDF5 file");
    try (H5File h5 = H5File.of(file, bytes, tally)) {

      String config = h5.stringAttribute("/", "model_config");
      if (config == null) {
        throw new KerasFileException(file, null, "an HDF5 file without a model_config attribute: not a Keras model"
            + " (a weights-only file needs its model's architecture)");
      }
      String version = h5.stringAttribute("/", "keras_version");
      if (version == null) {
        version = h5.stringAttribute("/model_weights", "keras_version");
      }
      version = version == null ? "unknown" : version;
      JsonNode root = KerasArchive.parse(file, "model_config", config.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      KerasModelReader.Result model = new KerasModelReader(file, new KerasLayers(version)).read(root);
      String weights = h5.isGroup("/model_weights") ? "/model_weights" : "/";
      Map<String, HostArray> values = KerasWeightsReader.legacy(h5, weights, model);
      String checksum = h5.stringAttribute("/", H5Integrity.ATTRIBUTE);
      if (checksum != null) { // a file Topiary wrote: what was read must be what was written
        H5Integrity.verify(file, checksum, config, values.values());
      }
      return new KerasModel(model.spec(), values, version, "h5");
    }
  }
}
