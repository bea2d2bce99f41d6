package dev.topiary.dsl.distributed;

import dev.topiary.dsl.runtime.GraphExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;
import org.jspecify.annotations.Nullable;
import org.tensorflow.Result;
import org.tensorflow.op.Op;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.io.FifoQueue;
import org.tensorflow.op.io.QueueClose;
import org.tensorflow.proto.RunOptions;

/**
 * Replica {@code task} of a multi-worker fit: its ops on the worker's CPU, gradients combined with
 * TF's collective all-reduce ({@code CollectiveReduceV2}, ring, the op MultiWorkerMirroredStrategy
 * uses). Every replica builds the same collectives in the same order, so instance keys match
 * without any coordination; the group key is fresh per fit (TF's collective runtime caches groups
 * and instances for the life of the server).
 *
 * <p>The sum is weighted by examples: each replica contributes {@code n_i * g_i} and its {@code n_i},
 * and divides the sums, so the result is the gradient of the global batch's mean loss even when the
 * replicas' shares differ in size. All gradients travel in one flat vector: one collective per step.
 */
final class AllReduce implements GraphExecutor.Replication {
  private final Cluster cluster;
  private final int task;
  private final int groupKey;
  private final Duration timeout;
  private final ConfigProto config;
  private int nextInstance = 1;
  /** Floats all-reduced per training step (gradients, statistics and the example counts). */
  private long floatsPerStep;

  /** The fit's id when the worker reads its own data (names its queues), else null. */
  private final @Nullable String fit;
  private @Nullable List<Class<? extends TType>> inputTypes;
  private @Nullable Placeholder<TString> requestText;
  private @Nullable Op request;
  private @Nullable Operand<TInt32> statusSize;
  private @Nullable Operand<?> statusNext;
  private @Nullable Op closeInput;
  private @Nullable Session session;

  AllReduce(Cluster cluster, int task, int groupKey, Duration timeout, @Nullable String fit) {
    this.cluster = cluster;
    this.task = task;
    this.groupKey = groupKey;
    this.timeout = timeout;
    this.fit = fit;
    ConfigProto base = RemoteSessions.config(cluster, timeout);
    this.config = fit == null ? base : InputChannel.shared(base);
  }

  @Override
  public @Nullable List<Operand<?>> workerBatch(Ops tf, List<Class<? extends TType>> types) {
    if (fit == null) {
      return null;
    }
    this.inputTypes = List.copyOf(types);
    Ops input = tf.withSubScope("worker_input");
    FifoQueue data = InputChannel.data(input, fit, types);
    this.requestText = input.withName("request_text").placeholder(TString.class);
    this.request = input.withName("request").io.queueEnqueue(InputChannel.control(input), List.of(requestText));
    FifoQueue status = InputChannel.status(input, fit);
    this.statusSize = input.withName("status_size").io.queueSize(status);
    this.statusNext = input.withName("status_next").io.queueDequeue(status, List.of(TString.class)).components().get(0);
    this.closeInput = input.withName("close").io.queueClose(data, QueueClose.cancelPendingEnqueues(true));
    List<Operand<?>> out = new ArrayList<>();
    input.withName("next_batch").io.queueDequeue(data, types).components().forEach(out::add);
    return out;
  }

  /** The label types of the data queue, as a request names them. */
  List<String> labelTypes(int inputs) {
    List<String> out = new ArrayList<>();
    for (Class<? extends TType> t : inputTypes.subList(inputs, inputTypes.size() - 1)) {
      out.add(t == TInt32.class ? "int32" : "float32");
    }
    return out;
  }

  /** Asks the worker for its batches (enqueued on its control queue). */
  void requestInput(InputChannel.Request r) {
    try (TString text = TString.scalarOf(r.encode())) {
      session.runner().feed(requestText, text).addTarget(request).run();
    }
  }

  /** The worker's next status message, waiting at most {@code patience}. */
  String awaitStatus(Duration patience) {
    try (Result r = session.runner().fetch(statusNext)
        .setOptions(RunOptions.newBuilder().setTimeoutInMs(patience.toMillis()).build()).run()) {
      return ((TString) r.get(0)).getObject();
    }
  }

  /** A status message the worker has sent, if any, without waiting. */
  @Nullable String pendingStatus(Duration patience) {
    RunOptions options = RunOptions.newBuilder().setTimeoutInMs(patience.toMillis()).build();
    try (Result r = session.runner().fetch(statusSize).setOptions(options).run()) {
      if (((TInt32) r.get(0)).getInt() == 0) {
        return null;
      }
    }
    return awaitStatus(patience);
  }

  /** Closes the data queue: the worker's feed stops (its waiting enqueue is cancelled). */
  void closeInput(Duration patience) {
    session.runner().addTarget(closeInput).setOptions(RunOptions.newBuilder().setTimeoutInMs(patience.toMillis())
        .build()).run();
  }

  @Override
  public DeviceSpec device() {
    return DeviceSpec.newBuilder().job(cluster.jobName()).replica(0).task(task)
        .deviceType(DeviceSpec.DeviceType.CPU).deviceIndex(0).build();
  }

  @Override
  public List<Operand<TFloat32>> allReduce(Ops tf, List<Operand<TFloat32>> gradients, Operand<TFloat32> examples) {
    List<Operand<TFloat32>> parts = new ArrayList<>();
    long floats = 1;
    for (Operand<TFloat32> g : gradients) {
      // mulNoNan: a replica without examples (NaN mean loss) contributes exact zeros.
      parts.add(tf.reshape(tf.math.mulNoNan(g, examples), tf.constant(new long[] {-1})));
      floats += g.shape().size();
    }
    parts.add(tf.reshape(examples, tf.constant(new long[] {1})));
    Operand<TFloat32> sum = collective(tf, tf.concat(parts, tf.constant(0)), "all_reduce_gradients");
    floatsPerStep += floats;
    Operand<TFloat32> total = tf.slice(sum, tf.constant(new long[] {floats - 1}), tf.constant(new long[] {1}));
    List<Operand<TFloat32>> out = new ArrayList<>();
    long offset = 0;
    for (Operand<TFloat32> g : gradients) {
      long size = g.shape().size();
      Operand<TFloat32> slice = tf.slice(sum, tf.constant(new long[] {offset}), tf.constant(new long[] {size}));
      out.add(tf.reshape(tf.math.div(slice, total), tf.shape(g)));
      offset += size;
    }
    return out;
  }

  @Override
  public Operand<TFloat32> average(Ops tf, Operand<TFloat32> value, Operand<TFloat32> examples) {
    long size = value.shape().size();
    if (size < 0) {
      throw new IllegalArgumentException("a training pass assigns a value of unknown shape " + value.shape()
          + "; multi-worker training averages assigned statistics and needs their shape");
    }
    Operand<TFloat32> packed = tf.concat(List.of(tf.reshape(tf.math.mulNoNan(value, examples), tf.constant(new long[] {-1})),
        tf.reshape(examples, tf.constant(new long[] {1}))), tf.constant(0));
    Operand<TFloat32> sum = collective(tf, packed, "all_reduce_statistics");
    floatsPerStep += size + 1;
    Operand<TFloat32> mean = tf.math.div(tf.slice(sum, tf.constant(new long[] {0}), tf.constant(new long[] {size})),
        tf.slice(sum, tf.constant(new long[] {size}), tf.constant(new long[] {1})));
    return tf.reshape(mean, tf.shape(value));
  }

  private Operand<TFloat32> collective(Ops tf, Operand<TFloat32> input, String name) {
    Graph graph = (Graph) tf.scope().env();
    GraphOperation op = graph.opBuilder("CollectiveReduceV2", tf.scope().makeUnique(name), tf.scope())
        .addInput(input.asOutput())
        .addInput(tf.constant(cluster.size()).asOutput())
        .addInput(tf.constant(groupKey).asOutput())
        .addInput(tf.constant(nextInstance++).asOutput())
        .addInputList(new Output<?>[0])
        .setAttr("merge_op", "Add")
        .setAttr("final_op", "Id")
        .setAttr("communication_hint", "ring")
        .setAttr("timeout_seconds", (float) timeout.toMillis() / 1000f)
        .build();
    return op.output(0);
  }

  @Override
  public Session open(Graph graph) {
    if (fit != null) {
      // Shared state (for the input queues): the model's variables need a container of their own.
      InputChannel.isolateState(graph);
    }
    Session session = RemoteSessions.open(graph, cluster.address(task), config);
    try {
      session.initialize();
      this.session = session;
      return session;
    } catch (RuntimeException e) {
      session.close();
      throw e;
    }
  }

  long floatsPerStep() {
    return floatsPerStep;
  }
}
