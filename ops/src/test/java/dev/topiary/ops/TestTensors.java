package dev.topiary.ops;

import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/** Reading tensors back into Java arrays in tests; every tensor is closed. */
public final class TestTensors {
  private TestTensors() {}

  public static float[] floats(Tensor tensor) {
    TFloat32 t = (TFloat32) tensor;
    float[] out = new float[Math.toIntExact(t.size())];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  public static float[] floats(Operand<TFloat32> eagerOperand) {
    return floats(eagerOperand.asTensor());
  }

  public static float[] fetchFloats(Session session, Operand<TFloat32> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return floats(r.get(0));
    }
  }

  public static float fetchFloat(Session session, Operand<TFloat32> operand) {
    return fetchFloats(session, operand)[0];
  }

  public static long fetchLong(Session session, Operand<TInt64> operand) {
    try (Result r = session.runner().fetch(operand).run()) {
      return ((TInt64) r.get(0)).getLong();
    }
  }

  public static boolean[] booleans(Tensor tensor) {
    TBool t = (TBool) tensor;
    boolean[] out = new boolean[Math.toIntExact(t.size())];
    t.copyTo(DataBuffers.of(out, false, false));
    return out;
  }

  /** 1, 2, ..., n as floats. */
  public static float[] oneTo(int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = i + 1;
    }
    return out;
  }
}
