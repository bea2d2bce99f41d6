package dev.topiary.dsl.distributed;

import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.tensorflow.DeviceSpec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.io.FifoQueue;
import org.tensorflow.op.io.QueueClose;
import org.tensorflow.op.io.QueueDequeue;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * The worker side of worker input ({@link InputChannel}), in the worker's JVM: one thread waits on
 * the control queue for a chief's request; each request starts a feed that opens the worker's
 * {@link WorkerInput} and pushes its batches into the fit's data queue, from the requested epoch and
 * batch on, until the chief closes the queue. A newer request cancels the older feed (a worker feeds
 * one fit at a time). A failing input (exception, data ending early, a batch that does not fit) is
 * reported on the status queue, then the data queue is closed, so the chief's step fails at once.
 */
final class WorkerFeeder {
  private final Cluster cluster;
  private final int index;
  private final @Nullable WorkerInput input;
  /** Shared state (the queues), no operation timeout: a feed waits for the chief as long as it takes. */
  private final ConfigProto config;
  private final DeviceSpec device;
  private @Nullable Feed current;

  WorkerFeeder(Cluster cluster, int index, @Nullable WorkerInput input) {
    this.cluster = cluster;
    this.index = index;
    this.input = input;
    this.config = InputChannel.shared(RemoteSessions.config(cluster, Duration.ofSeconds(1))).toBuilder()
        .setOperationTimeoutInMs(0).build();
    this.device = DeviceSpec.newBuilder().job(cluster.jobName()).replica(0).task(index)
        .deviceType(DeviceSpec.DeviceType.CPU).deviceIndex(0).build();
  }

  /** Starts the control thread (the worker's server must be running). */
  void start() {
    // A worker process may touch TF here first: TF's oneDNN switch must be set before it loads.
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    Thread t = new Thread(this::serve, "topiary-worker-input");
    t.setDaemon(true);
    t.start();
  }

  private void serve() {
    while (true) {
      try (Graph graph = new Graph()) {
        Ops tf = Ops.create(graph).withDevice(device);
        QueueDequeue next = tf.io.queueDequeue(InputChannel.control(tf), List.of(TString.class));
        try (Session session = RemoteSessions.open(graph, cluster.address(index), config)) {
          while (true) {
            String text;
            try (Result r = session.runner().fetch(next.components().get(0)).run()) {
              text = ((TString) r.get(0)).getObject();
            }
            InputChannel.Request request = InputChannel.Request.decode(text);
            synchronized (this) {
              if (current != null) {
                current.cancel();
              }
              current = new Feed(request);
            }
            Thread t = new Thread(current::run, "topiary-worker-input-" + request.fit());
            t.setDaemon(true);
            t.start();
          }
        }
      } catch (RuntimeException e) {
        System.err.println("topiary worker " + index + ": worker input control failed, retrying: " + e);
        try {
          Thread.sleep(1000);
        } catch (InterruptedException interrupted) {
          return;
        }
      }
    }
  }

  /** One fit's batches. */
  private final class Feed {
    private final InputChannel.Request request;
    private final Graph graph = new Graph();
    private final List<Placeholder<?>> components = new ArrayList<>();
    private final Op enqueue;
    private final Op close;
    private final Op cancel;
    private final Placeholder<TString> statusText;
    private final Op report;
    private final Session session;
    private volatile boolean cancelled;
    private boolean closed;

    @SuppressWarnings({"unchecked", "rawtypes"})
    Feed(InputChannel.Request request) {
      this.request = request;
      Ops tf = Ops.create(graph).withDevice(device);
      List<Class<? extends TType>> types = request.types();
      FifoQueue data = InputChannel.data(tf, request.fit(), types);
      for (Class<? extends TType> type : types) {
        components.add(tf.placeholder((Class) type));
      }
      this.enqueue = tf.io.queueEnqueue(data, (List) components);
      this.close = tf.io.queueClose(data);
      this.cancel = tf.io.queueClose(data, QueueClose.cancelPendingEnqueues(true));
      this.statusText = tf.placeholder(TString.class);
      this.report = tf.io.queueEnqueue(InputChannel.status(tf, request.fit()), List.of(statusText));
      Session s;
      try {
        s = RemoteSessions.open(graph, cluster.address(index), config);
      } catch (RuntimeException e) {
        graph.close();
        throw e;
      }
      this.session = s;
    }

    void run() {
      try {
        feed();
      } catch (Exception | Error e) {
        if (cancelled || closedByChief(e)) {
          return; // the fit ended (or a newer one started): nothing to report
        }
        System.err.println("topiary worker " + index + ": input failed: " + describe(e));
        report(InputChannel.ERROR + describe(e));
        runQuietly(close);
      } finally {
        synchronized (this) {
          closed = true;
          session.close();
          graph.close();
        }
      }
    }

    private void feed() throws Exception {
      if (input == null) {
        throw new IllegalStateException("worker " + index + " (" + cluster.address(index) + ") was started without"
            + " a worker input: start it with --input <class implementing " + WorkerInput.class.getName() + ">");
      }
      if (request.index() != index || request.workers() != cluster.size()) {
        throw new IllegalStateException("the chief asked task " + request.index() + " of " + request.workers()
            + " workers for input, but this is task " + index + " of " + cluster.size());
      }
      WorkerContext context = new WorkerContext(index, cluster.size(), request.batchSize(), request.stepsPerEpoch(),
          request.seed());
      Dataset dataset = input.open(context);
      if (dataset == null) {
        throw new IllegalStateException(input.getClass().getName() + ".open returned no dataset");
      }
      report(InputChannel.OK);
      int skip = request.batch();
      for (int epoch = request.epoch(); !cancelled; epoch++) {
        try (Dataset.Batches batches = dataset.batches(epoch, request.batchSize())) {
          for (int b = 0; b < request.stepsPerEpoch() && !cancelled; b++) {
            if (!batches.hasNext()) {
              throw new IllegalStateException("the input of worker " + index + " ended after " + b + " batches of"
                  + " epoch " + epoch + "; the fit takes " + request.stepsPerEpoch() + " steps per epoch"
                  + " (Distribution.multiWorker(...).workerInput(stepsPerEpoch))");
            }
            Batch batch = batches.next();
            if (b < skip) {
              continue; // resumed mid-epoch: trained before the checkpoint
            }
            enqueue(batch, epoch, b);
          }
        }
        skip = 0;
      }
    }

    private void enqueue(Batch batch, int epoch, int b) {
      List<HostArray> arrays = arrays(batch, epoch, b);
      List<Tensor> tensors = new ArrayList<>();
      try {
        Session.Runner runner = session.runner();
        for (int i = 0; i < arrays.size(); i++) {
          Tensor t = arrays.get(i).toTensor();
          tensors.add(t);
          feed(runner, components.get(i), t);
        }
        runner.addTarget(enqueue).run();
      } finally {
        tensors.forEach(Tensor::close);
      }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void feed(Session.Runner runner, Operand<?> placeholder, Tensor t) {
      runner.feed((Operand) placeholder, t);
    }

    /** The batch's arrays in the data queue's order, checked against what the model takes. */
    private List<HostArray> arrays(Batch batch, int epoch, int b) {
      String where = "batch " + b + " of epoch " + epoch + " of worker " + index;
      if (batch.inputs().size() != request.inputs() || batch.labels().size() != request.labelTypes().size()) {
        throw new IllegalArgumentException(where + " has " + batch.inputs().size() + " inputs and "
            + batch.labels().size() + " labels; the model takes " + request.inputs() + " and "
            + request.labelTypes().size());
      }
      List<HostArray> out = new ArrayList<>();
      for (int i = 0; i < batch.inputs().size(); i++) {
        HostArray a = batch.inputs().get(i);
        if (a.dtype() != HostArray.DType.FLOAT32) {
          throw new IllegalArgumentException(where + ": input " + i + " is " + a.dtype() + ", the model takes FLOAT32");
        }
        out.add(a);
      }
      for (int i = 0; i < batch.labels().size(); i++) {
        HostArray a = batch.labels().get(i);
        HostArray.DType wanted = request.labelTypes().get(i).equals("int32") ? HostArray.DType.INT32
            : HostArray.DType.FLOAT32;
        if (a.dtype() != wanted) {
          throw new IllegalArgumentException(where + ": label " + i + " is " + a.dtype() + ", the model's loss takes "
              + wanted);
        }
        out.add(a);
      }
      HostArray weights = batch.sampleWeights();
      if (weights == null) {
        float[] ones = new float[batch.examples()];
        Arrays.fill(ones, 1f);
        weights = HostArray.ofFloats(ones, ones.length);
      }
      out.add(weights);
      return out;
    }

    private void report(String text) {
      try (TString t = TString.scalarOf(text)) {
        session.runner().feed(statusText, t).addTarget(report).run();
      } catch (RuntimeException e) {
        System.err.println("topiary worker " + index + ": cannot report '" + text + "' to the chief: " + e);
      }
    }

    /** Cancels this feed: its waiting enqueue fails, its thread ends. */
    synchronized void cancel() {
      cancelled = true;
      if (!closed) {
        runQuietly(cancel);
      }
    }

    private void runQuietly(Op op) {
      try {
        session.runner().addTarget(op).run();
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  /** TF's errors for an enqueue into a queue the chief closed: "... is closed", "Enqueue operation was cancelled". */
  private static boolean closedByChief(Throwable e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    return e instanceof org.tensorflow.exceptions.TensorFlowException && (m.contains("closed") || m.contains("cancel"));
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }
}
