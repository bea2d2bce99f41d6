package dev.topiary.dsl.saving;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * Model files, one pair of verbs for every format, as Keras' {@code save_model}/{@code load_model}:
 *
 * <pre>{@code
 * Saving.save(model, Path.of("mnist.keras"));            // by the name: .keras, .h5, .tflite, .tpsw
 * Saving.save(model, Path.of("mnist"));                  // no extension: a Topiary model directory
 * Saving.save(model, Path.of("serving"), "savedmodel");  // by format name; variants: "tflite:int8"
 * Model back = Saving.load(Path.of("mnist.keras"), compile);   // by the content, whatever the name
 * Saving.loadWeights(model, Path.of("mnist.tflite"));          // weights-only formats into a model
 * }</pre>
 *
 * <p>Formats: {@code topiary} (model directory: definition, weights, masks, optimizer state),
 * {@code savedmodel} (TF SavedModel directory, written only), {@code tpsw} (sparse weights), {@code checkpoint}
 * ({@code .tpck}, loaded only: fit writes them), and from the modules on the class path {@code keras}
 * ({@code .keras}), {@code h5}, {@code tflite} (variants {@code int8}, {@code sparse}, {@code sparse_int8}).
 * Other formats plug in as {@link ModelFormat}s.
 */
public final class Saving {
  private static volatile List<ModelFormat> formats;

  private Saving() {}

  /** Every format: the built-in ones, then those found on the class path. */
  public static List<ModelFormat> formats() {
    List<ModelFormat> f = formats;
    if (f == null) {
      List<ModelFormat> all = new ArrayList<>(BuiltInFormats.all());
      for (ModelFormat m : ServiceLoader.load(ModelFormat.class, Saving.class.getClassLoader())) {
        all.add(m);
      }
      f = List.copyOf(all);
      formats = f;
    }
    return f;
  }

  /** The format named {@code name} (before any {@code :variant}). */
  public static ModelFormat format(String name) {
    Objects.requireNonNull(name, "format name");
    String base = name.contains(":") ? name.substring(0, name.indexOf(':')) : name;
    for (ModelFormat f : formats()) {
      if (f.name().equals(base)) {
        return f;
      }
    }
    throw new IllegalArgumentException("no model file format '" + base + "' (known: " + names() + "; keras, h5 and"
        + " tflite need topiary-keras / topiary-tflite on the class path)");
  }

  /** Writes {@code model} in the format its file name asks for (no extension: a Topiary model directory). */
  public static void save(Model model, Path path) throws IOException {
    Objects.requireNonNull(model, "save: model");
    Objects.requireNonNull(path, "save: path");
    save(model, path, byName(path).name());
  }

  /** Writes {@code model} as format {@code format} ({@code "name"} or {@code "name:variant"}). */
  public static void save(Model model, Path path, String format) throws IOException {
    Objects.requireNonNull(model, "save: model");
    Objects.requireNonNull(path, "save: path");
    ModelFormat f = format(format);
    String variant = format.contains(":") ? format.substring(format.indexOf(':') + 1) : null;
    f.save(model, path, variant);
  }

  /** The model in {@code path}, built with {@code compile}; the format is recognised from the content. */
  public static Model load(Path path, Compile compile) throws IOException {
    Objects.requireNonNull(path, "load: path");
    Objects.requireNonNull(compile, "load: compile settings");
    return byContent(path).load(path, compile);
  }

  /** Loads the weights (and what else the format keeps) in {@code path} into {@code model}. */
  public static void loadWeights(Model model, Path path) throws IOException {
    Objects.requireNonNull(model, "loadWeights: model");
    Objects.requireNonNull(path, "loadWeights: path");
    byContent(path).loadInto(model, path);
  }

  /** The format that writes files named like {@code path}. */
  static ModelFormat byName(Path path) {
    String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
    for (ModelFormat f : formats()) {
      for (String ext : f.extensions()) {
        if (name.endsWith(ext)) {
          return f;
        }
      }
    }
    if (!name.contains(".")) {
      return format("topiary");
    }
    throw new IllegalArgumentException("no model file format writes '" + path.getFileName() + "' (known endings: "
        + endings() + "; no ending: a Topiary model directory; or name the format: save(model, path, \"keras\"))");
  }

  /** The format of what is at {@code path}, from its first bytes (a directory: from its files). */
  public static ModelFormat byContent(Path path) throws IOException {
    Objects.requireNonNull(path, "path");
    byte[] head = new byte[0];
    if (!Files.isDirectory(path)) {
      if (!Files.exists(path)) {
        // A Topiary directory whose save was killed between its renames is still found (ModelFiles).
        Path previous = path.toAbsolutePath().getParent().resolve("." + path.getFileName() + ".previous");
        if (!Files.isDirectory(previous)) {
          throw new NoSuchFileException(path.toString(), null, "no model file here");
        }
        return format("topiary");
      }
      try (InputStream in = Files.newInputStream(path)) {
        head = in.readNBytes(16);
      }
    }
    for (ModelFormat f : formats()) {
      if (f.directories() == Files.isDirectory(path) && f.recognizes(path, head)) {
        return f;
      }
    }
    throw new IllegalArgumentException(path + " is not a model file of a known format (" + names()
        + (Files.isDirectory(path) ? "" : "; it starts with " + hex(head)) + ")");
  }

  private static String names() {
    return String.join(", ", formats().stream().map(ModelFormat::name).toList());
  }

  private static String endings() {
    return String.join(", ", formats().stream().flatMap(f -> f.extensions().stream()).toList());
  }

  private static String hex(byte[] head) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(8, head.length); i++) {
      b.append(String.format("%02x", head[i] & 0xff));
    }
    return head.length == 0 ? "nothing (empty file)" : b.toString();
  }
}
