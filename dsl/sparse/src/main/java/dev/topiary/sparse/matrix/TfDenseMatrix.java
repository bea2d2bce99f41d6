package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.linalg.MatMul;
import org.tensorflow.types.TFloat32;

/**
 * The kernel as a constant in a small TF graph of its own, multiplied by TF's MatMul: row-major batches
 * {@code x [n, in] . W} and transposed ones {@code W^T . xT [in, bp]} (transposeA: no copy of W). The
 * graph is built once, here; each product copies its input into a tensor and its result out (about
 * 0.1 ms per 512 KB), which only large matrices amortize. Threads are TF's own (its pool fixed by the
 * process's first session), not the executor's.
 */
final class TfDenseMatrix extends WeightMatrix {
  private final Graph graph = newGraph();
  private final Session session;
  private final Placeholder<TFloat32> x;
  private final Operand<TFloat32> y;
  private final Placeholder<TFloat32> xT;
  private final Operand<TFloat32> yT;
  private final Operand<TFloat32> w;

  /** A SparseModel may be a process's first TF use: TF's oneDNN switch must be set before TF loads. */
  private static Graph newGraph() {
    dev.topiary.ops.TensorFlowRuntime.requireSupported();
    return new Graph();
  }
  private boolean closed;

  TfDenseMatrix(float[] kernel, int in, int out) {
    super(in, out);
    try {
      Ops tf = Ops.create(graph);
      try (TFloat32 k = TFloat32.tensorOf(Shape.of(in, out), DataBuffers.of(kernel, true, false))) {
        w = tf.constant(k);
      }
      x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, in)));
      y = tf.linalg.matMul(x, w);
      xT = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(in, -1)));
      yT = tf.linalg.matMul(w, xT, MatMul.transposeA(true));
      session = new Session(graph);
      // TF's first run of a graph optimizes it (seconds for a large constant): here, not in a timed product
      float[] probe = new float[Math.max(in, out)];
      run(x, y, Shape.of(1, in), probe, probe, out);
    } catch (RuntimeException | Error e) {
      graph.close();
      throw e;
    }
  }

  @Override
  public Format format() {
    return Format.TF_DENSE;
  }

  /** The weights TF holds (native memory). */
  @Override
  public long bytes() {
    return 4L * in * out;
  }

  @Override
  public float[] toKernel() {
    float[] k = new float[in * out];
    try (Result r = session.runner().fetch(w).run()) {
      ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(k);
    }
    return k;
  }

  @Override
  int kernelRows() {
    return out;
  }

  @Override
  void single(Exec exec, float[] x, float[] y, int from, int to) {
    throw new IllegalStateException("not reached: multiply runs the whole product in TF");
  }

  @Override
  void batched(Exec exec, float[] xTIn, int bp, float[] yTOut, int from, int to) {
    if (from != 0 || to != out) {
      throw new IllegalStateException("TF_DENSE multiplies all rows at once, not rows " + from + ".." + to);
    }
    run(xT, yT, Shape.of(in, bp), xTIn, yTOut, out * bp);
  }

  @Override
  public void multiply(Exec exec, float[] xIn, int batch, float[] yOut) {
    run(x, y, Shape.of(batch, in), xIn, yOut, batch * out);
  }

  private void run(Placeholder<TFloat32> input, Operand<TFloat32> output, Shape shape, float[] from, float[] to,
      int results) {
    int n = (int) shape.size();
    try (TFloat32 t = TFloat32.tensorOf(shape, DataBuffers.of(from, true, false).slice(0, n));
        Result r = session.runner().feed(input, t).fetch(output).run()) {
      ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(to, 0, results);
    }
  }

  /** Idempotent: a sparse model closed twice closes its matrices twice. */
  @Override
  public synchronized void close() {
    if (!closed) {
      closed = true;
      session.close();
      graph.close();
    }
  }
}
