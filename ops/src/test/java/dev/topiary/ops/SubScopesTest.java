package dev.topiary.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * {@link SubScopes#of} names every operation as TF Java's own {@code withSubScope} does (the expected names
 * come from TF Java, building the same ops), keeps control dependencies, and the graph computes the same.
 */
class SubScopesTest {
  /** The names of every operation after {@code build}, with {@code sub} making the sub-scopes. */
  private static List<String> names(BiFunction<Ops, String, Ops> sub) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      build(tf, sub);
      List<String> names = new ArrayList<>();
      g.operations().forEachRemaining(op -> names.add(op.name() + ":" + op.type() + ":" + op.numControlInputs()));
      return names;
    }
  }

  private static Operand<TFloat32> build(Ops tf, BiFunction<Ops, String, Ops> sub) {
    Operand<TFloat32> x = tf.withName("x").constant(2f);
    Operand<TFloat32> last = x;
    for (int layer = 0; layer < 3; layer++) {
      // A layer's scope as the executors make it (a root-unique name, then a sub-scope of it), twice the same
      // layer name, nested scopes with repeated names, named ops and control dependencies inside.
      Ops l = sub.apply(tf, tf.scope().makeUnique("train_dense"));
      Operand<TFloat32> y = l.math.mul(last, l.constant(3f));
      y = l.math.add(y, l.constant(1f));
      Ops inner = sub.apply(l, "recompute");
      Ops inner2 = sub.apply(l, "recompute");
      y = inner.withControlDependencies(List.of(y)).math.add(y, inner.constant(0.5f));
      y = inner2.withName("out").identity(y);
      Ops deeper = sub.apply(inner2, "zero").withControlDependencies(List.of(inner.noOp()));
      last = deeper.math.sub(y, deeper.constant(0.25f));
    }
    return tf.withName("result").identity(last);
  }

  @Test
  void namesEveryOperationAsWithSubScopeDoes() {
    List<String> tfJava = names(Ops::withSubScope);
    assertThat(tfJava).contains("train_dense_1/Mul:Mul:0", "train_dense_2/recompute_1/out:Identity:0");
    assertThat(names(SubScopes::of)).isEqualTo(tfJava);
  }

  @Test
  void theGraphComputesTheSame() {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Operand<TFloat32> out = build(Ops.create(g), SubScopes::of);
      try (TFloat32 t = (TFloat32) s.runner().fetch(out).run().get(0)) {
        // ((((2*3+1)+0.5)-0.25)*3+1+0.5-0.25)*3+1+0.5-0.25 by hand
        float v = 2f;
        for (int i = 0; i < 3; i++) {
          v = v * 3f + 1f + 0.5f - 0.25f;
        }
        assertThat(t.getFloat()).isEqualTo(v);
      }
    }
  }

  @Test
  void badNamesAreRefusedNamingThem() {
    try (Graph g = new Graph()) {
      assertThatThrownBy(() -> SubScopes.of(Ops.create(g), "a/b")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'a/b'");
    }
  }
}
