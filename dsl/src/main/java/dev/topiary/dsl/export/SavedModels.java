package dev.topiary.dsl.export;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.TensorFlow;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.VariableDef;

/** SavedModel export that never leaves a half-written directory behind. */
public final class SavedModels {
  /** The method name of a predict signature (TF Serving's {@code PREDICT_METHOD_NAME}). */
  public static final String PREDICT_METHOD = "tensorflow/serving/predict";
  /** The SavedModel schema version Python's TensorFlow writes (and its TFLite converter expects). */
  public static final long SCHEMA_VERSION = 1;

  private SavedModels() {}

  /**
   * The graph names of one TF1-style variable, for the MetaGraph's {@code variables} collection
   * (Python's loader builds its variable list from it).
   *
   * @param variable the VariableV2 op
   * @param initializer the op assigning the initial value
   * @param snapshot the op reading the variable (an identity)
   * @param initialValue the op computing the initial value
   */
  public record VariableNames(String variable, String initializer, String snapshot, String initialValue,
      boolean trainable) {}

  /**
   * Exports {@code session} with {@code signature} into a temporary sibling of {@code dir}, then
   * renames it to {@code dir}.
   *
   * @throws IllegalArgumentException if {@code dir} already exists
   */
  public static void exportAtomically(Path dir, Session session, Signature signature) throws IOException {
    export(dir, session, signature, null);
  }

  /**
   * Exports an inference graph as a standard SavedModel, atomically as {@link #exportAtomically}:
   * TF Java's exporter writes the graph, the {@code serve} tag, the signature and the
   * {@code variables/} checkpoint; then {@code saved_model.pb} is completed as Python's
   * {@code SavedModelBuilder} writes it: schema version 1, {@code tensorflow_version} (TF Java's
   * runtime), the predict method name on every signature, and the {@code variables} and
   * {@code trainable_variables} collections naming every variable.
   */
  public static void exportInference(Path dir, Session session, Signature signature, List<VariableNames> variables)
      throws IOException {
    export(dir, session, signature, variables);
  }

  private static void export(Path dir, Session session, Signature signature, List<VariableNames> variables)
      throws IOException {
    Path target = dir.toAbsolutePath();
    if (Files.exists(target)) {
      throw new IllegalArgumentException("cannot export to " + dir + ": it already exists");
    }
    Files.createDirectories(target.getParent());
    Path temp = AtomicFiles.newDirectory(target.getParent(), target.getFileName() + ".partial");
    try {
      Files.delete(temp); // the exporter creates the directory itself
      SavedModelBundle.exporter(temp.toString()).withSession(session).withSignature(signature).export();
      if (variables != null) {
        Path pb = temp.resolve("saved_model.pb");
        SavedModel model = SavedModel.parseFrom(Files.readAllBytes(pb));
        AtomicFiles.writeSynced(pb, standardize(model, variables).toByteArray());
      }
      AtomicFiles.syncDirectory(temp);
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
      AtomicFiles.syncDirectory(target.getParent());
    } finally {
      AtomicFiles.deleteRecursively(temp);
    }
  }

  /** {@code model} as Python's SavedModelBuilder would write it (see {@link #exportInference}). */
  static SavedModel standardize(SavedModel model, List<VariableNames> variables) {
    SavedModel.Builder out = model.toBuilder().setSavedModelSchemaVersion(SCHEMA_VERSION);
    CollectionDef.BytesList.Builder all = CollectionDef.BytesList.newBuilder();
    CollectionDef.BytesList.Builder trainable = CollectionDef.BytesList.newBuilder();
    for (VariableNames v : variables) {
      VariableDef def = VariableDef.newBuilder()
          .setVariableName(v.variable() + ":0")
          .setInitializerName(v.initializer())
          .setSnapshotName(v.snapshot() + ":0")
          .setInitialValueName(v.initialValue() + ":0")
          .setTrainable(v.trainable())
          .build();
      all.addValue(def.toByteString());
      if (v.trainable()) {
        trainable.addValue(def.toByteString());
      }
    }
    for (MetaGraphDef.Builder meta : out.getMetaGraphsBuilderList()) {
      meta.getMetaInfoDefBuilder().setTensorflowVersion(TensorFlow.version());
      if (!variables.isEmpty()) {
        meta.putCollectionDef("variables", CollectionDef.newBuilder().setBytesList(all).build());
      }
      if (trainable.getValueCount() > 0) {
        meta.putCollectionDef("trainable_variables", CollectionDef.newBuilder().setBytesList(trainable).build());
      }
      for (var e : meta.getSignatureDefMap().entrySet()) {
        meta.putSignatureDef(e.getKey(), e.getValue().toBuilder().setMethodName(PREDICT_METHOD).build());
      }
    }
    return out.build();
  }
}
