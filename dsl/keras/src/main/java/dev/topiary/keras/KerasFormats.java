package dev.topiary.keras;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.saving.ModelFormat;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Keras files as {@link ModelFormat}s for {@link dev.topiary.dsl.saving.Saving} (found through
 * {@code META-INF/services}): {@code keras} (Keras 3 zip, {@code .keras}) and {@code h5} (legacy HDF5),
 * both carrying the definition and the inference weights ({@link KerasModels}).
 */
public abstract sealed class KerasFormats implements ModelFormat permits KerasFormats.Keras, KerasFormats.H5 {
  private final String name;
  private final byte[] magic;

  KerasFormats(String name, byte[] magic) {
    this.name = name;
    this.magic = magic;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public List<String> extensions() {
    return List.of("." + name);
  }

  @Override
  public boolean recognizes(Path path, byte[] head) {
    return head.length >= magic.length && Arrays.equals(head, 0, magic.length, magic, 0, magic.length);
  }

  @Override
  public void save(Model model, Path path, String variant) throws IOException {
    if (variant != null) {
      throw new IllegalArgumentException("format " + name + " has no variant '" + variant + "'");
    }
    String file = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (!file.endsWith("." + name)) {
      throw new IllegalArgumentException("a " + name + " file must be named *." + name + " (Keras opens it by its"
          + " ending), got " + path.getFileName());
    }
    KerasModels.save(model, path);
  }

  @Override
  public Model load(Path path, Compile compile) throws IOException {
    return KerasModels.load(path, compile);
  }

  @Override
  public void loadInto(Model model, Path path) throws IOException {
    model.setWeights(KerasModels.read(path).weights());
  }

  /** {@code .keras}: a zip archive (local file header magic). */
  public static final class Keras extends KerasFormats {
    public Keras() {
      super("keras", new byte[] {'P', 'K', 3, 4});
    }
  }

  /** {@code .h5}: HDF5's signature. */
  public static final class H5 extends KerasFormats {
    public H5() {
      super("h5", new byte[] {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'});
    }
  }
}
