package dev.topiary.dsl.saving;

import dev.topiary.dsl.Checkpoint;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.export.SparseWeights;
import dev.topiary.dsl.training.Compile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** The formats {@code dsl} itself reads and writes. */
final class BuiltInFormats {
  private BuiltInFormats() {}

  static List<ModelFormat> all() {
    return List.of(new TopiaryDirectory(), new SavedModelDirectory(), new SparseWeightsFile(), new CheckpointFile());
  }

  static boolean startsWith(byte[] head, String magic) {
    byte[] m = magic.getBytes(StandardCharsets.US_ASCII);
    return head.length >= m.length && Arrays.equals(head, 0, m.length, m, 0, m.length);
  }

  static void noVariant(ModelFormat f, String variant) {
    if (variant != null) {
      throw new IllegalArgumentException("format " + f.name() + " has no variant '" + variant + "'");
    }
  }

  /** Formats written as directories (no file name ending). */
  abstract static class DirectoryFormat implements ModelFormat {
    @Override
    public List<String> extensions() {
      return List.of();
    }

    @Override
    public boolean directories() {
      return true;
    }
  }

  /** A Topiary model directory ({@link ModelFiles}): definition, weights, masks, optimizer state, step. */
  static final class TopiaryDirectory extends DirectoryFormat {
    @Override
    public String name() {
      return "topiary";
    }

    @Override
    public boolean recognizes(Path path, byte[] head) {
      return Files.isRegularFile(path.resolve(ModelFiles.CONFIG)) || Files.isRegularFile(path.resolve(ModelFiles.MANIFEST));
    }

    @Override
    public void save(Model model, Path path, String variant) throws IOException {
      noVariant(this, variant);
      ModelFiles.save(model, path);
    }

    @Override
    public Model load(Path path, Compile compile) throws IOException {
      return ModelFiles.load(path, compile);
    }

    @Override
    public void loadInto(Model model, Path path) throws IOException {
      ModelFiles.restoreInto(model, path);
    }
  }

  /** A TF SavedModel directory: the inference graph for TF Serving and converters, written only. */
  static final class SavedModelDirectory extends DirectoryFormat {
    @Override
    public String name() {
      return "savedmodel";
    }

    @Override
    public boolean recognizes(Path path, byte[] head) {
      return Files.isRegularFile(path.resolve("saved_model.pb"));
    }

    @Override
    public void save(Model model, Path path, String variant) throws IOException {
      noVariant(this, variant);
      model.exportSavedModel(path);
    }

    @Override
    public Model load(Path path, Compile compile) {
      throw new UnsupportedOperationException(path + " is a SavedModel: an inference graph for TF, not a Topiary"
          + " model; load the Topiary model directory or the .keras file it was exported from");
    }

    @Override
    public void loadInto(Model model, Path path) {
      throw new UnsupportedOperationException(path + " is a SavedModel: Topiary writes SavedModels but does not read"
          + " weights back from them; use the Topiary model directory, a .keras or a .tpsw file");
    }
  }

  /** Sparse weights ({@code .tpsw}, {@link SparseWeights}): the inference weights, zeros compressed. */
  static final class SparseWeightsFile implements ModelFormat {
    @Override
    public String name() {
      return "tpsw";
    }

    @Override
    public List<String> extensions() {
      return List.of(".tpsw");
    }

    @Override
    public boolean recognizes(Path path, byte[] head) {
      return startsWith(head, "TPSW");
    }

    /** Variant {@code int8}: weights quantised per tensor; default float32. */
    @Override
    public void save(Model model, Path path, String variant) throws IOException {
      SparseWeights.Encoding encoding = variant == null ? SparseWeights.Encoding.FLOAT32
          : switch (variant.toLowerCase(Locale.ROOT)) {
            case "float32" -> SparseWeights.Encoding.FLOAT32;
            case "int8" -> SparseWeights.Encoding.INT8;
            default -> throw new IllegalArgumentException("format tpsw has variants float32 and int8, not '" + variant + "'");
          };
      SparseWeights.write(path, model.weights(), encoding);
    }

    @Override
    public void loadInto(Model model, Path path) throws IOException {
      model.setWeights(SparseWeights.read(path));
    }
  }

  /** A training checkpoint ({@code .tpck}, written by fit): loaded into a model (weights, masks, state). */
  static final class CheckpointFile implements ModelFormat {
    @Override
    public String name() {
      return "checkpoint";
    }

    @Override
    public List<String> extensions() {
      return List.of(".tpck");
    }

    @Override
    public boolean recognizes(Path path, byte[] head) {
      return startsWith(head, "TPCK");
    }

    @Override
    public void save(Model model, Path path, String variant) {
      throw new UnsupportedOperationException("checkpoints are written during fit (Fit.checkpoints(file, everySteps)),"
          + " with the fit's position; to save a model, save a Topiary directory (no extension) or a .keras file");
    }

    @Override
    public void loadInto(Model model, Path path) throws IOException {
      model.restore(Checkpoint.read(path).snapshot());
    }
  }
}
