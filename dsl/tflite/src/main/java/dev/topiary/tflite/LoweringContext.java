package dev.topiary.tflite;

import dev.topiary.dsl.data.HostArray;
import java.util.List;

/**
 * What a {@link TfliteLowering} sees of the node it lowers. Tensors are ints (indices in the file's
 * subgraph). Intermediate tensors made by the op methods have the node's output shape (batch dynamic).
 * Name constants after model variables ({@link #variableName}) so {@link TfliteWeights} reads them back.
 */
public interface LoweringContext {
  /** The tensors feeding the node, in the layer's input order. */
  List<Integer> inputs();

  /** The node's output shape without the batch dimension. */
  int[] outputShape();

  /** The layer's weight as inference sees it (stripped: pruned weights with their zeros, no masks). */
  HostArray weight(String name);

  /** The model variable name of the layer's weight (what constants should be called). */
  String variableName(String weight);

  /** A float32 constant stored as is (no int8, no sparsity): biases, scales. */
  int constant(String name, float[] values, int... shape);

  /**
   * A fully connected kernel {@code [out, in]} (row-major) stored as the flavour asks: dynamic-range int8
   * with per-output scales, CSR or 1x4 blocks when that is smaller. Returns the tensor FULLY_CONNECTED reads.
   */
  int fullyConnectedKernel(String name, float[] outIn, int out, int in);

  /** FULLY_CONNECTED of {@code x} with a kernel from {@link #fullyConnectedKernel}; {@code bias} -1 for none. */
  int fullyConnected(int x, int kernel, int bias);

  /** Elementwise MUL with broadcasting. */
  int mul(int a, int b);

  /** Elementwise ADD with broadcasting. */
  int add(int a, int b);

  /** LOGISTIC (sigmoid). */
  int logistic(int x);

  /** TANH. */
  int tanh(int x);

  /** RELU. */
  int relu(int x);

  /** Sets the node's result. Must be called once. */
  void output(int tensor);
}
