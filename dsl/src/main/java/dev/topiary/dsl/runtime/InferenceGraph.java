package dev.topiary.dsl.runtime;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.SavedModels;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A graph holding the inference pass of a model and nothing else, for export: the input
 * placeholders, one variable per weight (TF1-style: an initializer assigning an initial value and a
 * snapshot read), the layers' inference ops and an identity per output. No step, labels, loss,
 * metrics, sample weights, optimizer, pruning state or weight-loading placeholders.
 *
 * <p>The initial values are zero-filled tensors; the session sets the real weights by running the
 * initializers with the zero tensors fed (a session may feed any tensor, not only placeholders), so
 * the graph carries neither a constant copy of the weights nor a placeholder per weight. The
 * exporter then writes the values into the SavedModel's {@code variables/} checkpoint.
 */
final class InferenceGraph implements AutoCloseable {
  private final ModelSpec spec;
  private final Graph graph;
  private final Ops tf;
  private final List<Placeholder<TFloat32>> inputs = new ArrayList<>();
  private final List<Operand<TFloat32>> outputs;
  private final Map<String, Variable<TFloat32>> variables = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> initialValues = new LinkedHashMap<>();
  private final Map<String, Op> initializers = new LinkedHashMap<>();
  private final Map<String, Operand<TFloat32>> snapshots = new LinkedHashMap<>();
  private final Map<String, Boolean> trainable = new LinkedHashMap<>();

  private InferenceGraph(ModelSpec spec, long seed) {
    if (!spec.prunedLayers().isEmpty()) {
      throw new IllegalArgumentException("an inference graph holds no pruning state: strip the model first");
    }
    this.spec = spec;
    this.graph = new Graph();
    try {
      this.tf = Ops.create(graph);
      for (Layer layer : spec.layers()) {
        for (WeightSpec w : spec.weights(layer)) {
          String name = spec.variableName(layer, w.name());
          Variable<TFloat32> v = tf.withName(name).variable(w.shape(), TFloat32.class);
          Operand<TFloat32> zeros = tf.withName(name + "_initial_value")
              .fill(tf.withName(name + "_initial_shape").constant(w.shape().asArray()), tf.constant(0f));
          variables.put(name, v);
          initialValues.put(name, zeros);
          initializers.put(name, tf.withName(name + "_initializer").assign(v, zeros));
          snapshots.put(name, tf.withName(name + "_read").identity(v));
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
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  /**
   * Writes the inference graph of {@code spec} (stripped of pruning) with {@code weights} as a
   * standard SavedModel: see {@link SavedModels#exportInference}.
   */
  static void export(ModelSpec spec, long seed, Map<String, HostArray> weights, Path dir) throws IOException {
    try (InferenceGraph g = new InferenceGraph(spec, seed); Session session = new Session(g.graph)) {
      g.initialize(session, weights);
      Signature.Builder signature = Signature.builder(Signature.DEFAULT_KEY).methodName(SavedModels.PREDICT_METHOD);
      for (int i = 0; i < spec.inputs().size(); i++) {
        signature.input(spec.inputName(spec.inputs().get(i)), g.inputs.get(i));
      }
      for (int i = 0; i < spec.outputs().size(); i++) {
        signature.output(spec.outputName(i), g.outputs.get(i));
      }
      List<SavedModels.VariableNames> names = new ArrayList<>();
      for (String name : g.variables.keySet()) {
        names.add(new SavedModels.VariableNames(g.variables.get(name).op().name(),
            g.initializers.get(name).op().name(), g.snapshots.get(name).op().name(),
            g.initialValues.get(name).op().name(), g.trainable.get(name)));
      }
      SavedModels.exportInference(dir, session, signature.build(), names);
    }
  }

  private void initialize(Session session, Map<String, HostArray> weights) {
    if (variables.isEmpty()) {
      return;
    }
    List<Tensor> tensors = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (String name : variables.keySet()) {
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

  /** Reads each weight through its variable's snapshot; the inference pass assigns nothing. */
  private final class Backend implements Pass.Backend {
    @Override
    public Ops scope(String layerName, int call) {
      return tf.withSubScope(tf.scope().makeUnique(layerName + (call == 0 ? "" : "_call" + call)));
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
