package dev.topiary.samples.custom;

import dev.topiary.dsl.data.HostArray;
import dev.topiary.tflite.LoweringContext;
import dev.topiary.tflite.TfliteLowering;

/**
 * {@link ScaledDense} as TFLite builtins, written by the layer's author without touching the writer (a part of
 * {@link ScaledDense#TYPE}):
 * {@code (x . kernel) * scale} is FULLY_CONNECTED (kernel transposed to TFLite's {@code [out, in]}, no
 * bias) then MUL by the per-output scale. The kernel goes through the flavour's int8/sparse handling;
 * the scale stays float.
 */
public final class ScaledDenseTflite implements TfliteLowering<ScaledDense> {
  ScaledDenseTflite() {}

  @Override
  public void lower(ScaledDense layer, LoweringContext ctx) {
    HostArray kernel = ctx.weight("kernel"); // [in, units]
    int in = (int) kernel.shape()[0];
    int units = (int) kernel.shape()[1];
    float[] k = kernel.floats();
    float[] outIn = new float[k.length];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < units; o++) {
        outIn[o * in + i] = k[i * units + o];
      }
    }
    int w = ctx.fullyConnectedKernel(ctx.variableName("kernel"), outIn, units, in);
    int scale = ctx.constant(ctx.variableName("scale"), ctx.weight("scale").floats(), units);
    ctx.output(ctx.mul(ctx.fullyConnected(ctx.inputs().get(0), w, -1), scale));
  }
}
