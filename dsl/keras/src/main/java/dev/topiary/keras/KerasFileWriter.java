package dev.topiary.keras;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.AtomicFiles;
import dev.topiary.dsl.layers.WeightSpec;
import io.jhdf.HdfFile;
import io.jhdf.WritableHdfFile;
import io.jhdf.api.WritableGroup;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a spec and its weights as a Keras 3 {@code .keras} zip or a legacy Keras {@code .h5} file,
 * atomically (a temporary sibling renamed into place).
 *
 * <p>jHDF 0.9.4 writes groups, string and string-array attributes (as fixed-length byte strings, as
 * Keras' legacy writer does) and contiguous float32 datasets, which is all Keras' readers need. It
 * cannot write an empty array attribute, and it writes a group without children that follows a
 * dataset with a broken object header (h5py: "bad object header version number"; checked with h5py
 * 3 and jHDF 0.9.4). So no childless group is written: a layer without weights gets no group at all,
 * which both Keras readers treat as "no variables" (Keras 3 reads a missing {@code vars} group as
 * empty; the legacy reader matches the layers that have weights, in order, to {@code layer_names}).
 * jHDF writes every attribute inside the object header (at most 64 KiB a message), so the legacy
 * {@code model_config} is afterwards turned into a variable-length string in a global heap
 * ({@link H5VariableLengthString}) and long name lists are split as Keras splits them ({@link #putStrings}).
 */
final class KerasFileWriter {
  /** The Keras version whose readers these files are made for (and checked with, dsl/keras/tools/check_keras.py). */
  static final String KERAS_VERSION = "3.15.1";
  /** The largest attribute an HDF5 object header message holds, as Keras' legacy saver counts it (HDF5_OBJECT_HEADER_LIMIT). */
  static final int ATTRIBUTE_LIMIT = 64512;

  private KerasFileWriter() {}

  static void writeKeras(ModelSpec spec, Map<String, HostArray> weights, Path path, String modelName)
      throws IOException {
    KerasModelWriter.Result model = new KerasModelWriter().write(spec, modelName);
    byte[] h5 = h5Bytes(path, file -> {
      for (KerasModelWriter.Placed p : model.layers()) {
        List<WeightSpec> ws = spec.weights(p.layer());
        int i = 0;
        for (LayerMapping.Group g : p.mapping().groups().of(ws.size())) {
          if (g.count() == 0) {
            continue;
          }
          WritableGroup group = groupAt(file, p.kerasPath() + "/" + g.path());
          for (int v = 0; v < g.count(); v++, i++) {
            group.putDataset(Integer.toString(v), nested(value(spec, weights, p, ws.get(i))));
          }
          for (int v = 0; v < g.skipped().size(); v++) {
            group.putDataset(Integer.toString(g.count() + v), 0L);
          }
        }
      }
    });
    ObjectNode metadata = KerasLayers.JSON.objectNode();
    metadata.put("keras_version", KERAS_VERSION).put("date_saved", java.time.Instant.now().toString())
        .put("written_by", "topiary-keras");
    ByteArrayOutputStream zipBytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(zipBytes)) {
      entry(zip, KerasArchive.METADATA, KerasArchive.JSON.writeValueAsBytes(metadata));
      entry(zip, KerasArchive.CONFIG, KerasArchive.JSON.writeValueAsBytes(model.config()));
      entry(zip, KerasArchive.WEIGHTS, h5);
    }
    AtomicFiles.write(path, zipBytes.toByteArray());
  }

  static void writeLegacy(ModelSpec spec, Map<String, HostArray> weights, Path path, String modelName)
      throws IOException {
    KerasModelWriter.Result model = new KerasModelWriter().write(spec, modelName);
    String config = KerasArchive.JSON.writeValueAsString(model.config());
    // Exactly the weights written below (the reader digests what it reads).
    List<HostArray> written = new ArrayList<>();
    for (KerasModelWriter.Placed p : model.layers()) {
      for (WeightSpec w : spec.weights(p.layer())) {
        written.add(value(spec, weights, p, w));
      }
    }
    byte[] bytes = h5Bytes(path, file -> {
      file.putAttribute("keras_version", KERAS_VERSION);
      file.putAttribute("backend", "tensorflow");
      // Replaced below: the config goes to a global heap, as h5py stores it, so it may exceed 64 KiB.
      file.putAttribute("model_config", H5VariableLengthString.placeholder());
      file.putAttribute(H5Integrity.ATTRIBUTE, H5Integrity.value(config, written));
      WritableGroup root = file.putGroup("model_weights");
      root.putAttribute("keras_version", KERAS_VERSION);
      root.putAttribute("backend", "tensorflow");
      List<String> names = new ArrayList<>();
      for (KerasModelWriter.Placed p : model.layers()) {
        List<WeightSpec> ws = spec.weights(p.layer());
        if (ws.isEmpty()) {
          continue; // see the class comment: no childless groups; Keras skips weightless layers anyway
        }
        names.add(p.name());
        WritableGroup layer = root.putGroup(p.name());
        WritableGroup inner = layer.putGroup(p.name());
        List<String> skipped = p.mapping().groups().of(ws.size()).stream().flatMap(g -> g.skipped().stream()).toList();
        String[] weightNames = new String[ws.size() + skipped.size()];
        for (int i = 0; i < ws.size(); i++) {
          weightNames[i] = p.name() + "/" + ws.get(i).name();
          inner.putDataset(ws.get(i).name(), nested(value(spec, weights, p, ws.get(i))));
        }
        for (int i = 0; i < skipped.size(); i++) {
          weightNames[ws.size() + i] = p.name() + "/" + skipped.get(i);
          inner.putDataset(skipped.get(i), 0L);
        }
        putStrings(layer, "weight_names", weightNames);
      }
      if (!names.isEmpty()) { // jHDF cannot write an empty array; absent reads as empty
        putStrings(root, "layer_names", names.toArray(new String[0]));
      }
    });
    AtomicFiles.write(path, H5VariableLengthString.store(bytes, "model_config", config));
  }

  /**
   * A string-array attribute, split as Keras' legacy saver splits one above {@link #ATTRIBUTE_LIMIT}
   * bytes (an object header message holds at most 64 KiB): into {@code name0}, {@code name1}, ... of
   * consecutive parts, which Keras' reader (and {@link H5File#stringsAttribute}) joins again.
   */
  static void putStrings(WritableGroup group, String name, String[] values) {
    List<String[]> parts = chunks(group.getPath() + " " + name, values);
    if (parts.size() == 1) {
      group.putAttribute(name, values);
      return;
    }
    for (int i = 0; i < parts.size(); i++) {
      group.putAttribute(name + i, parts.get(i));
    }
  }

  /**
   * {@code values} in as few consecutive parts as keep each below the limit, split as numpy's
   * array_split does (the first parts one longer); jHDF stores each as fixed-length strings of the
   * longest value's UTF-8 bytes plus a terminator.
   */
  static List<String[]> chunks(String attribute, String[] values) {
    int width = 1;
    String widest = "";
    for (String v : values) {
      int bytes = v.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
      if (bytes > width) {
        width = bytes;
        widest = v;
      }
    }
    if (width > ATTRIBUTE_LIMIT) {
      throw new IllegalArgumentException(attribute + ": the name '" + widest.substring(0, 80) + "...' has " + (width - 1)
          + " bytes, a legacy .h5 file holds names of at most " + (ATTRIBUTE_LIMIT - 1));
    }
    int n = 1;
    while ((long) ((values.length + n - 1) / n) * width > ATTRIBUTE_LIMIT) {
      n++;
    }
    List<String[]> out = new ArrayList<>();
    int from = 0;
    for (int i = 0; i < n; i++) {
      int size = values.length / n + (i < values.length % n ? 1 : 0);
      out.add(java.util.Arrays.copyOfRange(values, from, from + size));
      from += size;
    }
    return out;
  }

  private static HostArray value(ModelSpec spec, Map<String, HostArray> weights, KerasModelWriter.Placed p,
      WeightSpec w) {
    String name = spec.variableName(p.layer(), w.name());
    HostArray v = weights.get(name);
    if (v == null) {
      throw new IllegalArgumentException("layer '" + p.name() + "': weight " + name + " is missing");
    }
    if (!java.util.Arrays.equals(v.shape(), w.shape().asArray())) {
      throw new IllegalArgumentException("layer '" + p.name() + "': weight " + name + " has shape "
          + java.util.Arrays.toString(v.shape()) + ", the layer needs " + w.shape());
    }
    return v;
  }

  private interface H5Content {
    void fill(WritableHdfFile file) throws IOException;
  }

  /** jHDF writes to a path: an HDF5 file made in a temporary sibling of {@code target}, read back and removed. */
  private static byte[] h5Bytes(Path target, H5Content content) throws IOException {
    Path tmp = AtomicFiles.newTempFile(target);
    try {
      try (WritableHdfFile file = HdfFile.write(tmp)) {
        content.fill(file);
      }
      return Files.readAllBytes(tmp);
    } finally {
      AtomicFiles.release(tmp);
    }
  }

  private static WritableGroup groupAt(WritableHdfFile file, String path) {
    WritableGroup g = file;
    for (String part : path.split("/")) {
      io.jhdf.api.Node child = g.getChild(part);
      g = child instanceof WritableGroup w ? w : g.putGroup(part);
    }
    return g;
  }

  private static void entry(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
    zip.putNextEntry(new ZipEntry(name));
    zip.write(bytes);
    zip.closeEntry();
  }

  /** A flat row-major array as the nested Java array jHDF writes (a Float for a scalar). */
  static Object nested(HostArray a) {
    float[] flat = a.floats();
    long[] shape = a.shape();
    if (shape.length == 0) {
      return flat[0];
    }
    int[] dims = new int[shape.length];
    for (int i = 0; i < dims.length; i++) {
      dims[i] = Math.toIntExact(shape[i]);
    }
    Object out = Array.newInstance(float.class, dims);
    fill(out, flat, 0, dims, 0);
    return out;
  }

  private static int fill(Object array, float[] flat, int offset, int[] dims, int depth) {
    if (depth == dims.length - 1) {
      float[] row = (float[]) array;
      System.arraycopy(flat, offset, row, 0, row.length);
      return offset + row.length;
    }
    for (int i = 0; i < dims[depth]; i++) {
      offset = fill(Array.get(array, i), flat, offset, dims, depth + 1);
    }
    return offset;
  }
}
