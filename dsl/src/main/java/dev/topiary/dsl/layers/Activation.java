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
  },
  /**
   * Keras 3's {@code hard_sigmoid}: {@code relu6(x + 3) / 6} (Keras 2's is {@link #HARD_SIGMOID}). Topiary
   * names it {@code hard_sigmoid_keras3}; the {@code keras} module maps Keras 3's {@code hard_sigmoid} to it.
   */
  HARD_SIGMOID_KERAS3 {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.div(tf.nn.relu6(tf.math.add(x, tf.constant(3f))), tf.constant(6f));
    }
  },
  /** Keras 3's {@code hard_silu} (also {@code hard_swish}, as MobileNetV3 uses it): {@code x * relu6(x + 3) / 6}. */
  HARD_SILU {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.mul(x, HARD_SIGMOID_KERAS3.apply(tf, x));
    }
  },
  /** Keras 3's {@code leaky_relu} activation: x for x &gt;= 0, else {@code 0.2 x} (its default slope). */
  LEAKY_RELU {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      return tf.math.maximum(x, tf.math.mul(tf.constant(0.2f), x));
    }
  },
  /**
   * GELU's tanh approximation, {@code 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))} (Keras'
   * {@code gelu(x, approximate=True)}, which a Keras file cannot name: Keras' {@code "gelu"} is exact).
   */
  GELU_APPROXIMATE {
    @Override
    public Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x) {
      Operand<TFloat32> cube = tf.math.mul(tf.math.mul(x, x), x);
      Operand<TFloat32> inner = tf.math.mul(tf.constant((float) Math.sqrt(2 / Math.PI)),
          tf.math.add(x, tf.math.mul(tf.constant(0.044715f), cube)));
      return tf.math.mul(tf.math.mul(tf.constant(0.5f), x), tf.math.add(tf.constant(1f), tf.math.tanh(inner)));
    }
  };

  public abstract Operand<TFloat32> apply(Ops tf, Operand<TFloat32> x);

  /**
   * The name in Topiary's configs, Keras' name where Keras has one: {@code relu}, {@code hard_sigmoid}
   * (Keras 2's), {@code hard_sigmoid_keras3}, {@code gelu_approximate}.
   */
  public String kerasName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Parses a Keras name ({@code "relu"}, {@code "hard_sigmoid"}).
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Activation parse(String name) {
    String key = name.trim().toLowerCase(Locale.ROOT);
    if (key.equals("hard_swish")) { // Keras 3's other name of hard_silu
      return HARD_SILU;
    }
    for (Activation a : values()) {
      if (a.kerasName().equals(key)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "unknown activation '" + name + "', expected one of " + java.util.Arrays.stream(values()).map(Activation::kerasName).toList());
  }
}
