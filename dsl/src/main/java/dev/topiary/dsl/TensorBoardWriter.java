package dev.topiary.dsl;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.Tensor;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.summary.SummaryWriter;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.TString;

/**
 * TensorBoard event files for one model and directory: batch loss and metrics plus, per pruned
 * weight, the reference's {@code <weight>/sparsity} and {@code <weight>/threshold}, against the
 * training step; epoch logs as {@code epoch_<name>} against the epoch. Ops are made once.
 */
final class TensorBoardWriter implements AutoCloseable {
  private final GraphModel model;
  private final Path dir;
  private final Operand<TInt64> stepFeed;
  private final Operand<TString> tagFeed;
  private final Operand<TFloat32> valueFeed;
  private final Op writeFed;
  private final List<Op> writePruning = new ArrayList<>();
  private final Op flush;
  private final Op closeWriter;
  private boolean closed;

  TensorBoardWriter(GraphModel model, Path dir) {
    this.model = model;
    this.dir = dir;
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot create the TensorBoard directory " + dir + ": " + e.getMessage(), e);
    }
    Ops tf = model.tf().withSubScope("tensorboard_" + Math.abs(dir.toString().hashCode()));
    SummaryWriter writer = tf.summary.summaryWriter(SummaryWriter.sharedName("topiary_" + System.identityHashCode(this)));
    Op create = tf.summary.createSummaryFileWriter(writer, tf.constant(dir.toAbsolutePath().toString()),
        tf.constant(10), tf.constant(1000), tf.constant(".topiary.v2"));
    this.stepFeed = tf.placeholder(TInt64.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
    this.tagFeed = tf.placeholder(TString.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
    this.valueFeed = tf.placeholder(TFloat32.class, Placeholder.shape(org.tensorflow.ndarray.Shape.scalar()));
    this.writeFed = tf.summary.writeScalarSummary(writer, stepFeed, tagFeed, valueFeed);
    if (model.pruningHook() != null) {
      for (Map.Entry<String, Operand<TFloat32>> e : model.pruningHook().summaries().entrySet()) {
        writePruning.add(tf.summary.writeScalarSummary(writer, stepFeed, tf.constant(e.getKey()), e.getValue()));
      }
    }
    this.flush = tf.summary.flushSummaryWriter(writer);
    this.closeWriter = tf.summary.closeSummaryWriter(writer);
    model.session().run(create);
  }

  Path dir() {
    return dir;
  }

  /** After a training step: batch logs and pruning scalars at {@code step}. */
  void writeStep(long step, Map<String, Double> batchLogs) {
    batchLogs.forEach((k, v) -> write(step, "batch_" + k, v));
    if (!writePruning.isEmpty()) {
      try (Tensor s = TInt64.scalarOf(step)) {
        var runner = model.session().runner().feed(stepFeed, s);
        writePruning.forEach(runner::addTarget);
        runner.run();
      }
    }
  }

  /** After an epoch: its logs as {@code epoch_<name>}, then a flush. */
  void writeEpoch(int epoch, Map<String, Double> logs) {
    logs.forEach((k, v) -> write(epoch, "epoch_" + k, v));
    model.session().run(flush);
  }

  private void write(long step, String tag, double value) {
    try (Tensor s = TInt64.scalarOf(step); Tensor t = TString.scalarOf(tag); Tensor v = TFloat32.scalarOf((float) value)) {
      model.session().runner().feed(stepFeed, s).feed(tagFeed, t).feed(valueFeed, v).addTarget(writeFed).run();
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      model.session().run(flush);
      model.session().run(closeWriter);
    }
  }
}
