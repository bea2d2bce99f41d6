package dev.topiary.dsl.runtime;

import dev.topiary.dsl.training.Callback;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * TensorBoard event files for one {@code fit}: after each batch its loss and metrics
 * ({@code batch_<name>}) and, per pruned weight, the reference's {@code <weight>/sparsity} and
 * {@code <weight>/threshold}, against the training step; after each epoch its logs as
 * {@code epoch_<name>} against the epoch.
 *
 * <p>The writer lives in a small graph of its own, built once when training begins: the model's
 * graph never grows for it, and the values come from the executor whatever its mode.
 */
final class TensorBoardCallback implements Callback {
  private final Path dir;
  private final Executor executor;
  private Graph graph;
  private Session session;
  private Operand<TInt64> stepFeed;
  private Operand<TString> tagFeed;
  private Operand<TFloat32> valueFeed;
  private Op write;
  private Op flush;
  private Op closeWriter;

  TensorBoardCallback(Path dir, Executor executor) {
    this.dir = dir;
    this.executor = executor;
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    try {
      Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot create the TensorBoard directory " + dir + ": " + e.getMessage(), e);
    }
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      SummaryWriter writer = tf.summary.summaryWriter(SummaryWriter.sharedName("topiary_" + System.identityHashCode(this)));
      Op create = tf.summary.createSummaryFileWriter(writer, tf.constant(dir.toAbsolutePath().toString()),
          tf.constant(10), tf.constant(1000), tf.constant(".topiary.v2"));
      stepFeed = tf.placeholder(TInt64.class, Placeholder.shape(Shape.scalar()));
      tagFeed = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
      valueFeed = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      write = tf.summary.writeScalarSummary(writer, stepFeed, tagFeed, valueFeed);
      flush = tf.summary.flushSummaryWriter(writer);
      closeWriter = tf.summary.closeSummaryWriter(writer);
      session = new Session(graph);
      session.run(create);
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public void onBatchEnd(int epoch, int batch, Map<String, Double> logs, TrainingContext context) {
    long step = context.step() - 1;
    context.batchLogs().forEach((k, v) -> write(step, "batch_" + k, v));
    executor.pruningSummaries().forEach((tag, v) -> write(step, tag, v));
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
    logs.forEach((k, v) -> write(epoch, "epoch_" + k, v));
    session.run(flush);
  }

  @Override
  public void onTrainEnd(Map<String, Double> logs, TrainingContext context) {
    close();
  }

  private void write(long step, String tag, double value) {
    try (Tensor s = TInt64.scalarOf(step); Tensor t = TString.scalarOf(tag); Tensor v = TFloat32.scalarOf((float) value)) {
      session.runner().feed(stepFeed, s).feed(tagFeed, t).feed(valueFeed, v).addTarget(write).run();
    }
  }

  private void close() {
    if (session != null) {
      try {
        session.run(flush);
        session.run(closeWriter);
      } finally {
        session.close();
        session = null;
      }
    }
    if (graph != null) {
      graph.close();
      graph = null;
    }
  }
}
