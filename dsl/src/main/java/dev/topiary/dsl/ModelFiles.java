package dev.topiary.dsl;

import dev.topiary.dsl.config.ModelConfig;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model saved as a directory: {@code model.json} (the readable definition: layers, settings,
 * pruning schedules and strategies) next to {@code state.tpck} (every variable, pruned weights
 * sparse). Loading gives a model that continues training exactly where the saved one stopped, or
 * that can be stripped and exported.
 */
public final class ModelFiles {
  public static final String CONFIG = "model.json";
  public static final String STATE = "state.tpck";

  private ModelFiles() {}

  public static void save(Model model, Path dir) throws IOException {
    Files.createDirectories(dir);
    ModelConfig.write(dir.resolve(CONFIG), model.spec());
    Checkpoint.of(model, 0, 0, "saved model").write(dir.resolve(STATE));
  }

  /**
   * Loads a saved model into a new graph model trained with {@code compile} (loss, optimizer, seed:
   * they are not part of the definition).
   *
   * @throws dev.topiary.dsl.export.CorruptFileException naming the file and the problem
   */
  public static Model load(Path dir, Compile compile) throws IOException {
    ModelSpec spec = ModelConfig.read(dir.resolve(CONFIG));
    Checkpoint state = Checkpoint.read(dir.resolve(STATE));
    Model model = spec.compile(compile);
    try {
      model.restore(state.snapshot());
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Only the definition, e.g. to build an eager model or to inspect it. */
  public static ModelSpec loadSpec(Path dir) throws IOException {
    return ModelConfig.read(dir.resolve(CONFIG));
  }
}
