package dev.topiary.dsl.layers;

import java.util.Locale;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/** Activation functions, with Keras' names and definitions; every one has a gradient in TF Java. */
public enum Activation {
  LINEAR {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return x;
    }
  },
  RELU {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.nn.relu(x);
    }
  },
  RELU6 {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.nn.relu6(x);
    }
  },
  SIGMOID {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.sigmoid(x);
    }
  },
  TANH {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.tanh(x);
    }
  },
  /** Softmax over the last axis. */
  SOFTMAX {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.nn.softmax(x);
    }
  },
  ELU {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.nn.elu(x);
    }
  },
  SELU {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.nn.selu(x);
    }
  },
  SOFTPLUS {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.softplus(x);
    }
  },
  SOFTSIGN {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.nn.softsign(x);
    }
  },
  /** x * sigmoid(x), also called SiLU. */
  SWISH {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.mul(x, tf.math.sigmoid(x));
    }
  },
  /** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
  GELU {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      Operand<TFloat32> erf = tf.math.erf(tf.math.mul(x, tf.constant((float) (1 / Math.sqrt(2)))));
      return tf.math.mul(tf.math.mul(tf.constant(0.5f), x), tf.math.add(tf.constant(1f), erf));
    }
  },
  EXPONENTIAL {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.exp(x);
    }
  },
  /** max(0, min(1, 0.2 x + 0.5)), as tensorflow-framework's HardSigmoid. */
  HARD_SIGMOID {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      Operand<TFloat32> linear = tf.math.add(tf.math.mul(tf.constant(0.2f), x), tf.constant(0.5f));
      return tf.math.maximum(tf.constant(0f), tf.math.minimum(tf.constant(1f), linear));
    }
  };

  public abstract Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x);

  /** The Keras name, e.g. {@code relu}, {@code hard_sigmoid}. */
  public String kerasName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a Keras name ({@code "relu"}, {@code "hard_sigmoid"}).
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Activation parse(String name) {
    for (Activation a : values()) {
      if (a.kerasName().equals(name.trim().toLowerCase(Locale.ROOT))) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown activation '" + name + "', expected one of " + java.util.Arrays.stream(values()).map(Activation::kerasName).toList());
  }
}
