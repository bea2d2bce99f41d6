package dev.topiary.keras;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.ReadLimits;
import io.jhdf.HdfFile;
import io.jhdf.api.Attribute;
import io.jhdf.api.Dataset;
import io.jhdf.api.Group;
import io.jhdf.api.Node;
import io.jhdf.object.datatype.FloatingPoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * An HDF5 file read through jHDF with every size checked before anything is allocated: a dataset's
 * declared size must fit in the file (uncompressed) or within a bounded expansion (filtered), its
 * type must be float32 and its shape the one the layer needs.
 */
final class H5File implements AutoCloseable {
  /** Deflate cannot expand more than about 1032:1; anything beyond that is a forged size. */
  private static final long MAX_EXPANSION = 1100;
  private static final long MAX_DATASET_BYTES = 1L << 31;
  private final String file;
  private final HdfFile hdf;
  private final long fileBytes;
  private final ReadLimits.Tally tally;

  private H5File(String file, HdfFile hdf, long fileBytes, ReadLimits.Tally tally) {
    this.file = file;
    this.hdf = hdf;
    this.fileBytes = fileBytes;
    this.tally = tally;
  }

  /** Reads {@code bytes} (already charged to {@code tally}). */
  static H5File of(String file, byte[] bytes, ReadLimits.Tally tally) {
    try {
      return new H5File(file, HdfFile.fromBytes(bytes), bytes.length, tally);
    } catch (RuntimeException e) {
      throw new KerasFileException(file, null, "not a readable HDF5 file (" + describe(e) + ")");
    }
  }

  static String describe(Throwable e) {
    return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  String file() {
    return file;
  }

  @Nullable Node node(String path) {
    try {
      return path.isEmpty() || path.equals("/") ? hdf : hdf.getByPath(path);
    } catch (RuntimeException e) {
      return null;
    }
  }

  boolean isGroup(String path) {
    Node n = node(path);
    return n != null && n.isGroup();
  }

  /** The names of a group's children (datasets and groups), or empty if there is no such group. */
  List<String> children(String path) {
    Node n = node(path);
    if (!(n instanceof Group g)) {
      return List.of();
    }
    try {
      return new ArrayList<>(g.getChildren().keySet());
    } catch (RuntimeException e) {
      throw new KerasFileException(file, null, "group " + path + " cannot be read (" + describe(e) + ")");
    }
  }

  /** A string attribute (h5py writes fixed- or variable-length strings), or null if absent. */
  @Nullable String stringAttribute(String path, String name) {
    Object data = attribute(path, name);
    if (data == null) {
      return null;
    }
    if (data instanceof String s) {
      return s;
    }
    if (data instanceof String[] a && a.length == 1) {
      return a[0];
    }
    throw new KerasFileException(file, null, "attribute " + name + " of " + path + " is not a string");
  }

  /**
   * A string-array attribute; absent means empty, as Keras' own reader treats it. Keras' legacy saver
   * splits one above 64,512 bytes into {@code name0}, {@code name1}, ... (an HDF5 object header message
   * holds at most 64 KiB); those are joined, in order, as Keras' reader joins them.
   */
  List<String> stringsAttribute(String path, String name) {
    Object data = attribute(path, name);
    if (data == null) {
      List<String> joined = new ArrayList<>();
      Object part;
      for (int i = 0; (part = attribute(path, name + i)) != null; i++) {
        joined.addAll(strings(path, name + i, part));
      }
      return joined;
    }
    return strings(path, name, data);
  }

  private List<String> strings(String path, String name, Object data) {
    if (data instanceof String s) {
      return List.of(s);
    }
    if (data instanceof String[] a) {
      return Arrays.asList(a);
    }
    if (data.getClass().isArray() && java.lang.reflect.Array.getLength(data) == 0) {
      return List.of();
    }
    throw new KerasFileException(file, null, "attribute " + name + " of " + path + " is not a list of strings");
  }

  private @Nullable Object attribute(String path, String name) {
    Node n = node(path);
    if (n == null) {
      return null;
    }
    try {
      Attribute a = n.getAttribute(name);
      if (a == null) {
        return null;
      }
      if (a.getSizeInBytes() > Math.max(fileBytes, 0)) {
        throw new KerasFileException(file, null, "attribute " + name + " of " + path + " claims " + a.getSizeInBytes()
            + " bytes, more than the file's " + fileBytes);
      }
      tally.charge(a.getSizeInBytes(), "attribute " + name + " of " + path);
      return a.getData();
    } catch (KerasFileException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new KerasFileException(file, null, "attribute " + name + " of " + path + " cannot be read (" + describe(e) + ")");
    }
  }

  /**
   * The float32 dataset at {@code path} as a host array of exactly {@code expected} shape.
   *
   * @throws KerasFileException naming the layer and the weight if it is missing, of another type or
   *     shape, or claims more data than the file can hold
   */
  HostArray floats(String path, String layer, String weight, long[] expected) {
    Node n = node(path);
    if (!(n instanceof Dataset ds)) {
      throw new KerasFileException(file, layer, "weight " + weight + " is missing (no dataset " + path + ")");
    }
    try {
      int[] dims = ds.getDimensions();
      long[] shape = new long[dims.length];
      long count = 1;
      for (int i = 0; i < dims.length; i++) {
        shape[i] = dims[i];
        if (dims[i] < 0) {
          throw new KerasFileException(file, layer, "weight " + weight + " has a negative dimension");
        }
        count = Math.multiplyExact(count, (long) dims[i]);
      }
      if (!Arrays.equals(shape, expected)) {
        throw new KerasFileException(file, layer, "weight " + weight + " has shape " + Arrays.toString(shape)
            + ", the layer needs " + Arrays.toString(expected));
      }
      if (!(ds.getDataType() instanceof FloatingPoint fp) || fp.getSize() != 4) {
        throw new KerasFileException(file, layer, "weight " + weight + " is " + ds.getJavaType().getSimpleName()
            + " of " + ds.getDataType().getSize() + " bytes, not float32");
      }
      long bytes = Math.multiplyExact(count, 4L);
      boolean filtered = !ds.getFilters().isEmpty();
      long limit = filtered ? Math.min(MAX_DATASET_BYTES, Math.multiplyExact(fileBytes, MAX_EXPANSION)) : fileBytes;
      if (bytes > limit || bytes > MAX_DATASET_BYTES) {
        throw new KerasFileException(file, layer, "weight " + weight + " claims " + bytes + " bytes of data, more than "
            + (filtered ? "its compressed form can hold (" + limit + ")" : "the file's " + fileBytes + " bytes"));
      }
      if (count == 0) {
        return HostArray.of(new float[0], shape);
      }
      // A filtered (chunked, compressed) dataset is inflated into jHDF's buffer, then copied.
      tally.charge(filtered ? 2 * bytes : bytes, "weight " + weight + " of layer '" + layer + "'");
      Object flat = ds.getDataFlat();
      if (!(flat instanceof float[] values) || values.length != count) {
        throw new KerasFileException(file, layer, "weight " + weight + " did not read as " + count + " float32 values");
      }
      // Shape () (Attention's scale, concat score weight) is a scalar, not an array of examples.
      return shape.length == 0 ? HostArray.ofFloats(values, shape) : HostArray.of(values, shape);
    } catch (KerasFileException e) {
      throw e;
    } catch (ArithmeticException e) {
      throw new KerasFileException(file, layer, "weight " + weight + " has a size that overflows");
    } catch (RuntimeException e) {
      throw new KerasFileException(file, layer, "weight " + weight + " cannot be read (" + describe(e) + ")");
    }
  }

  @Override
  public void close() {
    hdf.close();
  }
}
