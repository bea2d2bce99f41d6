package dev.topiary.dsl.saving;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One model file format, found by {@link Saving} on the class path ({@link java.util.ServiceLoader}: a
 * module that adds a format lists its class in {@code META-INF/services/dev.topiary.dsl.saving.ModelFormat}),
 * so {@code dsl} depends on no exporter. A format may carry a whole model (settings + weights: Topiary model
 * directories, {@code .keras}, {@code .h5}) or only weights ({@code .tflite}, {@code .tpsw}, checkpoints,
 * which need the model's definition to load into); a format that cannot do an operation throws
 * {@link UnsupportedOperationException} saying what it holds and what to use instead.
 */
public interface ModelFormat {
  /** The name used to ask for this format ({@code "keras"}); variants as {@code "tflite:int8"}. */
  String name();

  /** File name endings this format writes and reads ({@code ".keras"}), lower case; empty for directories. */
  List<String> extensions();

  /** Whether this format writes directories (with no extension) rather than files. */
  default boolean directories() {
    return false;
  }

  /**
   * Whether {@code path} holds this format, from its content: {@code head} is the file's first bytes (up to
   * 16; empty for a directory), so no file is read whole to decide.
   */
  boolean recognizes(Path path, byte[] head);

  /** Writes {@code model} to {@code path}; {@code variant} is what followed the colon of the name, or null. */
  void save(Model model, Path path, String variant) throws IOException;

  /** A model built with {@code compile} from a file that carries its definition. */
  default Model load(Path path, Compile compile) throws IOException {
    throw new UnsupportedOperationException(name() + " files hold weights, not a model's definition: build the model"
        + " from its definition and use Saving.loadWeights(model, " + path + ")");
  }

  /**
   * Loads what {@code path} holds into {@code model}, whose definition must match: the weights (and,
   * for formats that keep them, masks and training state).
   */
  void loadInto(Model model, Path path) throws IOException;
}
