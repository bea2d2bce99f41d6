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

  AllReduce(Cluster cluster, int task, int groupKey, Duration timeout) {
    this.cluster = cluster;
    this.task = task;
    this.groupKey = groupKey;
    this.timeout = timeout;
    this.config = RemoteSessions.config(cluster, timeout);
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
    Session session = RemoteSessions.open(graph, cluster.address(task), config);
    try {
      session.initialize();
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
