package dev.topiary.tflite;

import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The weights of a Topiary model read back from a {@code .tflite} file Topiary wrote for it: each
 * constant named after a model variable, densified and dequantised, back in Topiary's layout
 * (fully connected {@code [out, in]} to {@code [in, out]}, attention's {@code [in, heads, keyDim]} or
 * {@code [heads, keyDim, out]}, conv {@code [out, h, w, in]} to
 * {@code [h, w, in, out]}). A BatchNormalization the writer folded into the layer before it comes
 * back as the identity (gamma 1, mean 0, variance 1 - epsilon; beta the folded bias of a layer without
 * one), one written as MUL/ADD as gamma = scale, beta = shift. Loading these into the model
 * ({@code model.setWeights}) computes what the file computes, up to the interpreter's own arithmetic.
 */
public final class TfliteWeights {
  private TfliteWeights() {}

  private enum Layout { FULLY_CONNECTED, CONV, AS_IS }

  public static Map<String, HostArray> read(TfliteFile file, ModelSpec spec) {
    Map<Integer, Integer> source = new HashMap<>(); // DENSIFY / DEQUANTIZE output -> its input
    for (TfliteFile.Operator op : file.operators()) {
      if ((op.builtinCode() == Schema.DENSIFY || op.builtinCode() == Schema.DEQUANTIZE) && op.inputs().length == 1) {
        source.put(op.outputs()[0], op.inputs()[0]);
      }
    }
    Map<Integer, Layout> layout = new HashMap<>();
    for (TfliteFile.Operator op : file.operators()) {
      Layout l = op.builtinCode() == Schema.FULLY_CONNECTED ? Layout.FULLY_CONNECTED
          : op.builtinCode() == Schema.CONV_2D ? Layout.CONV : null;
      if (l != null && op.inputs().length > 1 && op.inputs()[1] >= 0) {
        int t = op.inputs()[1];
        for (int hops = 0; source.containsKey(t) && hops < 4; hops++) {
          t = source.get(t); // back to the stored constant
        }
        layout.put(t, l);
      }
    }
    Map<String, HostArray> out = new LinkedHashMap<>();
    for (Layer layer : spec.layers()) {
      for (WeightSpec w : spec.weights(layer)) {
        String name = spec.variableName(layer, w.name());
        long[] shape = w.shape().asArray();
        java.util.Optional<TfliteFile.Tensor> t = file.tensor(name);
        float[] v;
        if (t.isPresent() && t.get().buffer() != 0) {
          v = fromLayout(file.values(t.get()), layout.getOrDefault(t.get().index(), Layout.AS_IS), shape, t.get().shape(),
              name, file);
        } else if (layer.getClass() == BatchNormalization.class) {
          v = batchNorm(file, spec, layer, w.name(), (int) shape[0]);
        } else {
          throw new IllegalArgumentException(file + " has no constant tensor '" + name + "' (weight '" + w.name()
              + "' of layer '" + spec.layerName(layer) + "'): was it written for this model?");
        }
        out.put(name, HostArray.of(v, shape));
      }
    }
    return out;
  }

  private static float[] batchNorm(TfliteFile file, ModelSpec spec, Layer layer, String weight, int channels) {
    String base = spec.layerName(layer);
    float eps = ((BatchNormalization) layer).epsilon();
    java.util.Optional<TfliteFile.Tensor> scale = file.tensor(base + "_scale");
    java.util.Optional<TfliteFile.Tensor> shift = file.tensor(base + "_shift");
    float[] v = new float[channels];
    // A BN without gamma (scale=false) keeps the written scale in its variance, one without beta
    // (center=false) the shift in its mean: y = (x - mean) / sqrt(var + eps) * gamma + beta.
    java.util.Set<String> has = new java.util.HashSet<>();
    spec.weights(layer).forEach(w -> has.add(w.name()));
    float[] sc = scale.isPresent() ? checked(file.values(scale.get()), channels, base + "_scale", file) : null;
    float[] sh = shift.isPresent() ? checked(file.values(shift.get()), channels, base + "_shift", file) : null;
    switch (weight) {
      case "gamma" -> {
        if (sc != null) {
          return sc;
        }
        java.util.Arrays.fill(v, 1f);
      }
      case "beta" -> {
        if (sh != null) {
          return sh;
        }
      }
      case "moving_variance" -> {
        for (int c = 0; c < channels; c++) {
          v[c] = has.contains("gamma") || sc == null || sc[c] == 0 ? 1f - eps : 1f / (sc[c] * sc[c]) - eps;
        }
      }
      default -> { // moving_mean: 0, or without beta what gives the shift
        if (!has.contains("beta") && sh != null && sc != null) {
          for (int c = 0; c < channels; c++) {
            v[c] = sc[c] == 0 ? 0f : -sh[c] / sc[c];
          }
        }
      }
    }
    return v;
  }

  private static float[] checked(float[] v, int n, String name, TfliteFile file) {
    if (v.length != n) {
      throw new IllegalArgumentException(file + ": tensor '" + name + "' has " + v.length + " values, expected " + n);
    }
    return v;
  }

  private static float[] fromLayout(float[] v, Layout layout, long[] shape, int[] stored, String name, TfliteFile file) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    checked(v, (int) size, name, file);
    switch (layout) {
      case FULLY_CONNECTED -> {
        // The stored [out, in], not the variable's shape: attention's [features, heads, keyDim] kernels are
        // [heads * keyDim, features] in the file, its [heads, keyDim, features] output kernel [features, heads * keyDim].
        if (stored.length != 2 || (long) stored[0] * stored[1] != v.length) {
          throw new IllegalArgumentException(file + ": fully connected weight '" + name + "' has shape "
              + java.util.Arrays.toString(stored) + ", expected [out, in] with " + v.length + " values");
        }
        int units = stored[0];
        int in = stored[1];
        float[] t = new float[v.length];
        for (int o = 0; o < units; o++) {
          for (int i = 0; i < in; i++) {
            t[i * units + o] = v[o * in + i];
          }
        }
        return t;
      }
      case CONV -> {
        int h = (int) shape[0];
        int w = (int) shape[1];
        int in = (int) shape[2];
        int out = (int) shape[3];
        float[] t = new float[v.length];
        for (int o = 0; o < out; o++) {
          for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
              for (int i = 0; i < in; i++) {
                t[((y * w + x) * in + i) * out + o] = v[((o * h + y) * w + x) * in + i];
              }
            }
          }
        }
        return t;
      }
      default -> {
        return v;
      }
    }
  }
}
