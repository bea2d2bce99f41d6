package dev.topiary.sparse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.kernel.KernelPath;
import dev.topiary.sparse.matrix.Matrices;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * Every format, on both kernel paths, against a double-precision triple loop over the Keras kernel: odd
 * sizes (not multiples of 4 or of the vector length), empty rows and columns, all-zero matrices, batch
 * 1 and batches that are and are not multiples of the vector length, one and two threads, and more
 * inputs than one CSR column panel holds.
 */
class MatrixFormatsTest {
  static Stream<Arguments> cases() {
    Stream.Builder<Arguments> b = Stream.builder();
    // 4100 inputs: more than two CSR column panels, the last one partial
    int[][] sizes = {{1, 1}, {7, 5}, {33, 19}, {64, 48}, {130, 67}, {4100, 9}};
    for (Format f : Format.values()) {
      for (int[] s : sizes) {
        for (String pattern : new String[] {"random", "blocks14", "blocks41", "twofour", "zero", "emptyRows"}) {
          b.add(Arguments.of(f, s[0], s[1], pattern));
        }
      }
    }
    return b.build();
  }

  /** A kernel [in, out] with the given zero pattern (about 80 % zeros). */
  static float[] kernel(int in, int out, String pattern, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] k = new float[in * out];
    for (int i = 0; i < in; i++) {
      for (int j = 0; j < out; j++) {
        boolean keep = switch (pattern) {
          case "random" -> r.nextDouble() < 0.2;
          case "blocks14" -> new SplittableRandom(seed * 7919 + i * 1_000_003L + j / 4).nextDouble() < 0.25;
          case "blocks41" -> new SplittableRandom(seed * 7919 + (i / 4) * 1_000_003L + j).nextDouble() < 0.25;
          case "twofour" -> (i % 4) == (j % 4) || (i % 4) == ((j + 1) % 4);
          case "emptyRows" -> j % 3 != 0 && i % 2 == 0 && r.nextDouble() < 0.5;
          default -> false;
        };
        k[i * out + j] = keep ? (float) r.nextDouble(-1, 1) : 0f;
      }
    }
    return k;
  }

  /** The product in double, and (at {@code batch out + i}) the sum of the terms' magnitudes. */
  static double[] reference(float[] k, int in, int out, float[] x, int batch) {
    double[] y = new double[2 * batch * out];
    for (int b = 0; b < batch; b++) {
      for (int j = 0; j < out; j++) {
        double s = 0;
        double a = 0;
        for (int i = 0; i < in; i++) {
          double t = (double) x[b * in + i] * k[i * out + j];
          s += t;
          a += Math.abs(t);
        }
        y[b * out + j] = s;
        y[(batch + b) * out + j] = a;
      }
    }
    return y;
  }

  @ParameterizedTest(name = "{0} {1}x{2} {3}")
  @MethodSource("cases")
  void everyFormatMultipliesAsTheReference(Format format, int in, int out, String pattern) {
    float[] k = kernel(in, out, pattern, in * 31L + out);
    if (format == Format.TWO_FOUR && !Matrices.Pattern.of(k, in, out).twoFour()) {
      assertThatThrownBy(() -> Matrices.build(format, k, in, out, "w")).hasMessageContaining("does not fit 2:4");
      return;
    }
    try (WeightMatrix m = Matrices.build(format, k, in, out, "w")) {
      multipliesAsTheReference(m, format, k, in, out);
    }
  }

  private static void multipliesAsTheReference(WeightMatrix m, Format format, float[] k, int in, int out) {
    float[] back = m.toKernel();
    if (format == Format.CSR_INT8) {
      for (int i = 0; i < k.length; i++) {
        if (k[i] == 0f) {
          assertThat(back[i]).isZero(); // zeros stay zeros; weights under scale / 2 may become zeros
        }
        assertThat(Math.abs(back[i] - k[i])).isLessThanOrEqualTo(1f / 127 / 2 + 1e-6f);
      }
    } else {
      assertThat(back).containsExactly(k);
    }
    double tol = format == Format.CSR_INT8 ? 2e-2 : 1e-5;
    for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
      for (int threads : new int[] {1, 2}) {
        try (Exec exec = new Exec(path.kernels(), threads, 0)) {
          for (int batch : new int[] {1, 3, 16, 17, 33, 64}) {
            SplittableRandom r = new SplittableRandom(batch);
            float[] x = new float[batch * in];
            for (int i = 0; i < x.length; i++) {
              x[i] = (float) r.nextDouble(-1, 1);
            }
            float[] y = new float[batch * out];
            java.util.Arrays.fill(y, Float.NaN);
            m.multiply(exec, x, batch, y);
            double[] expected = reference(back, in, out, x, batch);
            for (int i = 0; i < y.length; i++) {
              // float sums of thousands of terms round by up to ~1e-7 of each term's size on the way
              double bound = tol + 1e-6 * expected[y.length + i];
              assertThat((double) y[i]).as("%s %s batch %d threads %d at %d", format, path, batch, threads, i)
                  .isCloseTo(expected[i], org.assertj.core.data.Offset.offset(bound));
            }
          }
        }
      }
    }
  }

  @Test
  void aStepMatrixMultipliesOneExampleWithOneFormatAndTransposedSharesWithTheOther() {
    int in = 13;
    int out = 21;
    float[] k = kernel(in, out, "random", 5);
    WeightMatrix m = new dev.topiary.sparse.matrix.StepMatrix(Matrices.build(Format.DENSE, k, in, out, "w"),
        Matrices.build(Format.BLOCK_4X1, k, in, out, "w"));
    assertThat(m.format()).isEqualTo(Format.BLOCK_4X1);
    assertThat(m.paddedInputs()).isEqualTo(16);
    assertThat(m.toKernel()).containsExactly(k);
    for (KernelPath path : new KernelPath[] {KernelPath.SCALAR, KernelPath.AUTO}) {
      try (Exec exec = new Exec(path.kernels(), 1)) {
        int batch = 5;
        int bp = exec.paddedBatch(batch);
        SplittableRandom r = new SplittableRandom(3);
        float[] x = new float[batch * in];
        float[] xT = new float[m.paddedInputs() * bp];
        for (int b = 0; b < batch; b++) {
          for (int i = 0; i < in; i++) {
            x[b * in + i] = (float) r.nextDouble(-1, 1);
            xT[i * bp + b] = x[b * in + i];
          }
        }
        double[] expected = reference(k, in, out, x, batch);
        float[] y = new float[out];
        m.multiply(exec, java.util.Arrays.copyOf(x, in), 1, y);
        float[] yT = new float[m.paddedOutputs() * bp];
        m.multiplyTransposed(exec, xT, bp, yT);
        for (int j = 0; j < out; j++) {
          assertThat((double) y[j]).as("one example, %s, %d", path, j).isCloseTo(expected[j], org.assertj.core.data.Offset.offset(1e-5));
          for (int b = 0; b < batch; b++) {
            assertThat((double) yT[j * bp + b]).as("shares, %s, %d %d", path, b, j)
                .isCloseTo(expected[b * out + j], org.assertj.core.data.Offset.offset(1e-5));
          }
        }
      }
    }
  }

  @Test
  void aTfDenseMatrixClosesOnceAndRefusesWorkAfterwards() {
    float[] k = kernel(9, 4, "random", 3);
    WeightMatrix m = Matrices.build(Format.TF_DENSE, k, 9, 4, "w");
    try (Exec exec = new Exec(KernelPath.SCALAR.kernels(), 1)) {
      float[] y = new float[4];
      m.multiply(exec, new float[9], 1, y);
      assertThat(y).containsOnly(0f);
      m.close();
      m.close(); // a second close is a no-op
      assertThatThrownBy(() -> m.multiply(exec, new float[9], 1, y)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void vectorPathIsPresentInTheseTests() {
    // surefire starts the JVM with --add-modules jdk.incubator.vector, so AUTO above is the vector path;
    // except in .ci/run's plain-Java run, which asks for the scalar kernels (KernelWidthTest checks it).
    org.junit.jupiter.api.Assumptions.assumeFalse("scalar".equals(System.getProperty("topiary.expectKernels")));
    assertThat(KernelPath.vectorAvailable()).isTrue();
    assertThat(KernelPath.AUTO.kernels().name()).startsWith("vector-");
    assertThat(KernelPath.SCALAR.kernels().name()).isEqualTo("scalar");
  }

  @Test
  void patternsAreRead() {
    float[] k = kernel(16, 16, "twofour", 1);
    Matrices.Pattern p = Matrices.Pattern.of(k, 16, 16);
    assertThat(p.twoFour()).isTrue();
    assertThat(p.sparsity()).isEqualTo(0.5);
    float[] blocks = new float[8 * 8];
    for (int j = 0; j < 4; j++) {
      blocks[3 * 8 + j] = 1; // input 3, outputs 0..3: one full 1x4 block
    }
    Matrices.Pattern b = Matrices.Pattern.of(blocks, 8, 8);
    assertThat(b.blockFill1x4()).isEqualTo(1.0);
    assertThat(b.blockFill4x1()).isEqualTo(0.25);
    assertThat(b.nonZeros()).isEqualTo(4);
  }
}
