package dev.topiary.dsl.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.VariableDef;

/**
 * Standard SavedModels, written so that a failure never leaves a half-written directory behind.
 *
 * <p>TF Java's {@code SavedModelBundle.exporter} writes schema version 0, no
 * {@code tensorflow_version}, no variable collections, and saves only reference variables; so the
 * {@code saved_model.pb} is built here, as Python's {@code SavedModelBuilder} writes it, and the
 * {@code variables/} checkpoint by the graph's own save op.
 */
public final class SavedModels {
  /** The method name of a predict signature (TF Serving's {@code PREDICT_METHOD_NAME}). */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  /** The SavedModel schema version Python's TensorFlow writes (and its TFLite converter expects). */
  public static final long SCHEMA_VERSION = 1;
  /** The tag of a serving MetaGraph. */
  public static final String SERVE = "serve";
  /** The key of the default serving signature. */
  public static final String SERVING_DEFAULT = "serving_default";

  private SavedModels() {}

  /** Writes a SavedModel's {@code variables/} checkpoint at {@code prefix} ({@code .../variables/variables}). */
  @FunctionalInterface
  public interface CheckpointWriter {
    void write(Path prefix) throws IOException;
  }

  /**
   * A one-MetaGraph SavedModel tagged {@code serve}: schema version 1, {@code tensorflow_version}
   * (TF Java's runtime), the graph, its saver, a {@code serving_default} predict signature, and the
   * {@code variables} (and {@code trainable_variables}) collections Python's loader builds its
   * variable list from.
   */
  public static SavedModel standard(GraphDef graph, SaverDef saver, Map<String, TensorInfo> inputs,
      Map<String, TensorInfo> outputs, List<VariableDef> variables) {
    MetaGraphDef.Builder meta = MetaGraphDef.newBuilder()
        .setGraphDef(graph)
        .setSaverDef(saver)
        .putSignatureDef(SERVING_DEFAULT, SignatureDef.newBuilder()
            .putAllInputs(inputs)
            .putAllOutputs(outputs)
            .setMethodName(PREDICT_METHOD)
            .build());
    meta.getMetaInfoDefBuilder().addTags(SERVE).setTensorflowVersion(TensorFlow.version());
    CollectionDef.BytesList.Builder all = CollectionDef.BytesList.newBuilder();
    CollectionDef.BytesList.Builder trainable = CollectionDef.BytesList.newBuilder();
    for (VariableDef v : variables) {
      all.addValue(v.toByteString());
      if (v.getTrainable()) {
        trainable.addValue(v.toByteString());
      }
    }
    if (all.getValueCount() > 0) {
      meta.putCollectionDef("variables", CollectionDef.newBuilder().setBytesList(all).build());
    }
    if (trainable.getValueCount() > 0) {
      meta.putCollectionDef("trainable_variables", CollectionDef.newBuilder().setBytesList(trainable).build());
    }
    return SavedModel.newBuilder().setSavedModelSchemaVersion(SCHEMA_VERSION).addMetaGraphs(meta).build();
  }

  /**
   * Writes {@code model} as {@code dir/saved_model.pb} and its checkpoint (by {@code variables})
   * under {@code dir/variables/}, all in a temporary sibling of {@code dir} renamed to {@code dir}
   * when complete.
   *
   * @throws IllegalArgumentException if {@code dir} already exists
   */
  public static void writeAtomically(Path dir, SavedModel model, CheckpointWriter variables) throws IOException {
    Path target = dir.toAbsolutePath();
    if (Files.exists(target)) {
      throw new IllegalArgumentException("cannot export to " + dir + ": it already exists");
    }
    Files.createDirectories(target.getParent());
    Path temp = AtomicFiles.newTempDirectory(target);
    try {
      Path variablesDir = Files.createDirectory(temp.resolve("variables"));
      variables.write(variablesDir.resolve("variables"));
      try (var files = Files.list(variablesDir)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
            ch.force(true);
          }
        }
      }
      Path pb = Files.createFile(temp.resolve("saved_model.pb"));
      AtomicFiles.writeSynced(pb, model.toByteArray());
      AtomicFiles.syncDirectory(variablesDir);
      AtomicFiles.syncDirectory(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(target.getParent());
    } finally {
      AtomicFiles.release(temp);
    }
  }
}
