package dev.topiary.dsl.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.topiary.dsl.data.HostArray;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.StdArrays;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/** The distillation loss against values worked out by hand (two classes, T = 2). */
class DistillationTest {

  private static final float LN3 = (float) Math.log(3);

  /**
   * Teacher logits (0, 2 ln 3) at T = 2 give p = (1/4, 3/4).
   * Example 0: student (0, 0), hard class 0: CE = ln 2, q = (1/2, 1/2),
   * KL = 1/4 ln(1/2) + 3/4 ln(3/2); alpha 0.5: 0.5 ln 2 + 0.5 * 4 * KL = 1.5 ln 1.5.
   * Example 1: student (2 ln 3, 0), hard class 1: softmax = (9/10, 1/10), CE = ln 10, q = (3/4, 1/4),
   * KL = -1/4 ln 3 + 3/4 ln 3 = 0.5 ln 3; loss 0.5 ln 10 + 2 * 0.5 ln 3.
   * Gradient of the teacher term alone (alpha 1) w.r.t. the student logits: T (q - p).
   */
  @Test
  void lossAndGradientMatchHandComputedValues() {
    float[][] student = {{0f, 0f}, {2 * LN3, 0f}};
    HostArray labels = Distillation.labels(HostArray.ofLabels(new int[] {0, 1}, 2),
        HostArray.of(new float[] {0f, 2 * LN3, 0f, 2 * LN3}, 2, 2));
    assertThat(labels.floats()).containsExactly(1f, 0f, 0f, 2 * LN3, 0f, 1f, 0f, 2 * LN3);
    float[] half = run(Loss.distillation(2, 0.5), student, labels, false);
    assertThat(half[0]).isCloseTo((float) (1.5 * Math.log(1.5)), within(1e-5f));
    assertThat(half[1]).isCloseTo((float) (0.5 * Math.log(10) + Math.log(3)), within(1e-5f));
    // alpha 0: the plain hard-label cross-entropy.
    float[] hard = run(Loss.distillation(2, 0), student, labels, false);
    assertThat(hard[0]).isCloseTo((float) Math.log(2), within(1e-6f));
    assertThat(hard[1]).isCloseTo((float) Math.log(10), within(1e-5f));
    // d/dz of 4 * KL: 2 (q - p) = (0.5, -0.5) for example 0, (1, -1) for example 1.
    float[] grad = run(Loss.distillation(2, 1), student, labels, true);
    assertThat(grad).containsExactly(new float[] {0.5f, -0.5f, 1f, -1f}, within(1e-5f));
  }

  /** Per-example losses, or the gradient of their sum w.r.t. the student logits. */
  private static float[] run(Loss loss, float[][] student, HostArray labels, boolean gradient) {
    try (Graph g = new Graph(); Session session = new Session(g)) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> z = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      Placeholder<TFloat32> y = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 4)));
      Operand<TFloat32> perExample = loss.perExample(tf, z, y);
      Operand<?> fetched = gradient
          ? g.addGradients(tf.sum(perExample, tf.constant(0)).asOutput(), new Output<?>[] {z.asOutput()})[0]
          : perExample;
      try (TFloat32 zt = TFloat32.tensorOf(StdArrays.ndCopyOf(student));
          TFloat32 yt = TFloat32.tensorOf(Shape.of(2, 4), d -> {
            float[] v = labels.floats();
            for (int i = 0; i < v.length; i++) {
              d.setFloat(v[i], i / 4, i % 4);
            }
          });
          Result r = session.runner().feed(z, zt).feed(y, yt).fetch(fetched).run()) {
        TFloat32 out = (TFloat32) r.get(0);
        if (out.shape().numDimensions() == 1) {
          return new float[] {out.getFloat(0), out.getFloat(1)};
        }
        return new float[] {out.getFloat(0, 0), out.getFloat(0, 1), out.getFloat(1, 0), out.getFloat(1, 1)};
      }
    }
  }

  @Test
  void labelsAndSettingsAreChecked() {
    HostArray logits = HostArray.of(new float[] {0f, 1f}, 1, 2);
    assertThatThrownBy(() -> Distillation.labels(HostArray.ofLabels(new int[] {2}, 1), logits))
        .hasMessageContaining("example 0 has class id 2");
    assertThatThrownBy(() -> Distillation.labels(HostArray.ofLabels(new int[] {0, 1}, 2), logits))
        .hasMessageContaining("2 class ids but 1 rows");
    assertThatThrownBy(() -> Loss.distillation(0, 0.5)).hasMessageContaining("temperature");
    assertThatThrownBy(() -> Loss.distillation(2, 1.5)).hasMessageContaining("alpha");
    assertThatThrownBy(() -> Loss.distillation(2, 0.5).checkLabels("dense", Shape.of(-1, 2), HostArray.of(
        new float[] {0f, 1f}, 1, 2))).hasMessageContaining("(None, 4)");
  }

  @Test
  void roundTripsThroughTheRegistry() {
    Loss loss = Loss.distillation(4, 0.9);
    assertThat(TrainingRegistry.readLoss(TrainingRegistry.writeLoss(loss))).isEqualTo(loss);
    assertThat(List.of(loss.kerasName())).containsExactly("distillation");
  }
}
