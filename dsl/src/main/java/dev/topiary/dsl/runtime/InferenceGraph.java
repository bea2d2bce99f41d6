package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SavedModels;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.ops.SubScopes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.VarHandleOp;
import org.tensorflow.op.train.Restore;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.proto.VariableDef;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * A graph holding the inference pass of a model and nothing else, for export: the input
 * placeholders, one resource variable per weight, the layers' inference ops, an identity per output,
 * and a saver. No step, labels, loss, metrics, sample weights, optimizer, pruning state or
 * weight-loading placeholders.
 *
 * <p>Variables are resource variables as Python's TF1 code makes them ({@code VarHandleOp}, an
 * initializer assigning an initial value, a {@code ReadVariableOp} snapshot): Python's
 * {@code tf.saved_model.load} turns those (not reference variables) into the variables it lists. The
 * initial values are zero fills; the session sets the real weights by running the initializers with
 * the fills' outputs fed (a session may feed any tensor), so the graph holds neither a constant copy
 * of the weights nor a placeholder per weight. The graph's own {@code SaveV2} then writes the
 * SavedModel's {@code variables/} checkpoint (TF Java's saver skips resource variables), and its
 * {@code RestoreV2} + assignments are the saver's restore op that every loader runs.
 */
final class InferenceGraph implements AutoCloseable {
  private final Graph graph;
  private final Ops tf;
  private final List<Placeholder<TFloat32>> inputs = new ArrayList<>();
  private final List<Operand<TFloat32>> outputs;
  private final Map<String, VarHandleOp> handles = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> initialValues = new LinkedHashMap<>();
  private final Map<String, Op> initializers = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> snapshots = new LinkedHashMap<>();
  private final Map<String, Boolean> trainable = new LinkedHashMap<>();
  private final Operand<TString> saveFilename;
  private final Operand<TString> saveTensor;
  private final Op restoreAll;

  private InferenceGraph(ModelSpec spec, long seed) {
    if (!spec.prunedLayers().isEmpty()) {
      throw new IllegalArgumentException("an inference graph holds no pruning state: strip the model first");
    }
    // Before TF loads (oneDNN switch) when an export is a process's first TF use.
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    this.graph = new Graph();
    try {
      this.tf = Ops.create(graph);
      for (Layer layer : spec.layers()) {
        for (WeightSpec w : spec.weights(layer)) {
          String name = spec.variableName(layer, w.name());
          VarHandleOp handle = tf.withName(name).varHandleOp(TFloat32.class, w.shape(), VarHandleOp.sharedName(name));
          Operand<TFloat32> zeros = tf.withName(name + "_initial_value")
              .fill(tf.withName(name + "_initial_shape").constant(w.shape().asArray()), tf.constant(0f));
          handles.put(name, handle);
          initialValues.put(name, zeros);
          initializers.put(name, tf.withName(name + "_initializer").assignVariableOp(handle, zeros));
          snapshots.put(name, tf.withName(name + "_read").readVariableOp(handle, TFloat32.class));
          trainable.put(name, w.trainable());
        }
      }
      for (Node in : spec.inputs()) {
        inputs.add(tf.withName(spec.inputName(in)).placeholder(TFloat32.class, Placeholder.shape(in.shape())));
      }
      Pass pass = new Pass(spec, seed, false, new Backend(), null);
      List<Operand<TFloat32>> values = pass.run(inputs);
      List<Operand<TFloat32>> out = new ArrayList<>();
      for (int i = 0; i < values.size(); i++) {
        // An identity per output, named after it: a model whose output is an input still has an op to fetch.
        out.add(tf.withName(tf.scope().makeUnique(spec.outputName(i))).identity(values.get(i)));
      }
      this.outputs = out;

      // The saver, as Python's tf.compat.v1.train.Saver builds it (a Const file name, fed when run).
      Ops save = SubScopes.of(tf, "save");
      this.saveFilename = save.withName("filename").constant("model");
      List<String> names = new ArrayList<>(handles.keySet());
      List<Op> assigns = new ArrayList<>();
      if (names.isEmpty()) {
        this.saveTensor = save.withName("control_dependency").identity(saveFilename);
      } else {
        String[] empty = new String[names.size()];
        Arrays.fill(empty, "");
        Operand<TString> tensorNames = save.withName("tensor_names").constant(StdArrays.ndCopyOf(names.toArray(empty.clone())));
        Operand<TString> slices = save.withName("shape_and_slices").constant(StdArrays.ndCopyOf(empty));
        Op saveOp = save.withName("SaveV2").train.save(saveFilename, tensorNames, slices, new ArrayList<Operand<?>>(snapshots.values()));
        this.saveTensor = save.withControlDependencies(List.of(saveOp)).withName("control_dependency").identity(saveFilename);
        List<Class<? extends TType>> types = new ArrayList<>();
        names.forEach(n -> types.add(TFloat32.class));
        Restore restore = save.withName("RestoreV2").train.restore(saveFilename, tensorNames, slices, types);
        for (int i = 0; i < names.size(); i++) {
          assigns.add(save.withName("Assign_" + i).assignVariableOp(handles.get(names.get(i)), restore.tensors().get(i)));
        }
      }
      this.restoreAll = save.withControlDependencies(assigns).withName("restore_all").noOp();
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  /**
   * Writes the inference graph of {@code spec} (stripped of pruning) with {@code weights} as a
   * standard SavedModel (see {@link SavedModels#standard}), atomically.
   */
  static void export(ModelSpec spec, long seed, Map<String, HostArray> weights, Path dir) throws IOException {
    try (InferenceGraph g = new InferenceGraph(spec, seed); Session session = new Session(g.graph)) {
      g.initialize(session, weights);
      Map<String, TensorInfo> in = new LinkedHashMap<>();
      for (int i = 0; i < spec.inputs().size(); i++) {
        in.put(spec.inputName(spec.inputs().get(i)), info(g.inputs.get(i).asOutput()));
      }
      Map<String, TensorInfo> out = new LinkedHashMap<>();
      for (int i = 0; i < spec.outputs().size(); i++) {
        out.put(spec.outputName(i), info(g.outputs.get(i).asOutput()));
      }
      List<VariableDef> variables = new ArrayList<>();
      for (String name : g.handles.keySet()) {
        variables.add(VariableDef.newBuilder()
            .setVariableName(g.handles.get(name).op().name() + ":0")
            .setInitializerName(g.initializers.get(name).op().name())
            .setSnapshotName(g.snapshots.get(name).op().name() + ":0")
            .setInitialValueName(g.initialValues.get(name).op().name() + ":0")
            .setIsResource(true)
            .setTrainable(g.trainable.get(name))
            .build());
      }
      SaverDef saver = SaverDef.newBuilder()
          .setFilenameTensorName(g.saveFilename.op().name() + ":0")
          .setSaveTensorName(g.saveTensor.op().name() + ":0")
          .setRestoreOpName(g.restoreAll.op().name())
          .setMaxToKeep(5)
          .setKeepCheckpointEveryNHours(10000)
          .setVersion(SaverDef.CheckpointFormatVersion.V2)
          .build();
      SavedModel model = SavedModels.standard(g.graph.toGraphDef(), saver, in, out, variables);
      SavedModels.writeAtomically(dir, model, prefix -> g.save(session, prefix));
    }
  }

  private static TensorInfo info(Output<?> output) {
    TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
    Shape s = output.shape();
    if (s.isUnknown()) {
      shape.setUnknownRank(true);
    } else {
      for (long d : s.asArray()) {
        shape.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
      }
    }
    return TensorInfo.newBuilder().setName(output.op().name() + ":" + output.index())
        .setDtype(DataType.DT_FLOAT).setTensorShape(shape).build();
  }

  private void initialize(Session session, Map<String, HostArray> weights) {
    if (handles.isEmpty()) {
      return;
    }
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (String name : handles.keySet()) {
        HostArray value = weights.get(name);
        if (value == null) {
          throw new IllegalArgumentException("no value for weight '" + name + "'");
        }
        Tensor t = value.toTensor();
        tensors.add(t);
        runner.feed(initialValues.get(name), (TFloat32) t);
        runner.addTarget(initializers.get(name));
      }
      runner.run();
    } finally {
      tensors.forEach(Tensor::close);
    }
  }

  private void save(Session session, Path prefix) {
    if (handles.isEmpty()) {
      return;
    }
    try (TString file = TString.scalarOf(prefix.toString())) {
      session.runner().feed(saveFilename, file).fetch(saveTensor).run().close();
    }
  }

  /** Reads each weight through its variable's snapshot; the inference pass assigns nothing. */
  private final class Backend implements Pass.Backend {
    @Override
    public Ops scope(String layerName, int call) {
      return SubScopes.of(tf, tf.scope().makeUnique(layerName + (call == 0 ? "" : "_call" + call)));
    }

    @Override
    public @Nullable Operand<TFloat32> read(String variable) {
      return snapshots.get(variable);
    }

    @Override
    public Op assign(Ops scope, String variable, Operand<TFloat32> value) {
      throw new IllegalStateException("the inference pass assigns no variable");
    }
  }

  @Override
  public void close() {
    graph.close();
  }
}
