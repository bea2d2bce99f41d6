package dev.topiary.dsl.layers.reshaping;

import dev.topiary.dsl.config.Settings;
import dev.topiary.dsl.layers.LayerShapeException;
import dev.topiary.dsl.layers.Shapes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tensorflow.ndarray.Shape;

/**
 * The whole-number arguments of the small shape layers (Permute, cropping, padding, up-sampling): their
 * checks and their saved form {@code "args": [...]}, which configs have always used.
 */
final class Args {
  private Args() {}

  static long[] nonNegative(String type, long... args) {
    for (long a : args) {
      if (a < 0) {
        throw new IllegalArgumentException(type + " arguments must be >= 0, got " + Arrays.toString(args));
      }
    }
    return args.clone();
  }

  static Settings settings(String type, long... args) {
    List<Long> list = new ArrayList<>();
    for (long a : args) {
      list.add(a);
    }
    return Settings.of(type).put("args", list);
  }

  /** Exactly {@code count} arguments from a saved config (any count if negative). */
  static long[] read(Settings s, int count) {
    long[] args = s.getLongs("args");
    if (count >= 0 && args.length != count) {
      throw new IllegalArgumentException(s.owner() + ": args needs " + count + " values, got " + args.length);
    }
    return args;
  }

  static int i(long value) {
    return Math.toIntExact(value);
  }

  /** Fails naming the layer and its arguments when an output dimension is empty. */
  static Shape nonEmpty(String layer, long[] args, long[] in, long[] out) {
    for (int i = 1; i < out.length; i++) {
      if (out[i] < 1) {
        throw new LayerShapeException(layer + " " + Arrays.toString(args) + " leaves nothing of input "
            + Shapes.format(Shape.of(in)));
      }
    }
    return Shape.of(out);
  }
}
