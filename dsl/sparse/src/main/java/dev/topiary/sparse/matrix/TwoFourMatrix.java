package dev.topiary.sparse.matrix;

import dev.topiary.sparse.Format;
import dev.topiary.sparse.exec.Exec;

/**
 * 2:4: per output and group of 4 consecutive inputs, 2 values and their offsets (2 bits each, one byte
 * per group): 9 bytes per 4 weights instead of 16, no index arrays. Inputs are padded to a multiple of 4.
 */
final class TwoFourMatrix extends WeightMatrix {
  private final int groups;
  private final float[] val;
  private final byte[] off;

  TwoFourMatrix(float[] kernel, int in, int out, String name) {
    super(in, out);
    groups = (in + 3) / 4;
    val = new float[2 * groups * out];
    off = new byte[groups * out];
    for (int j = 0; j < out; j++) {
      for (int g = 0; g < groups; g++) {
        int slot = 0;
        int o = 0;
        for (int q = 0; q < 4 && 4 * g + q < in; q++) {
          float v = kernel[(4 * g + q) * out + j];
          if (v != 0f) {
            if (slot == 2) {
              throw new IllegalArgumentException(name + " does not fit 2:4: output " + j + " has more than 2 non-zeros"
                  + " among inputs " + 4 * g + ".." + Math.min(in - 1, 4 * g + 3) + "; use another format");
            }
            val[2 * (j * groups + g) + slot] = v;
            o |= q << (2 * slot);
            slot++;
          }
        }
        off[j * groups + g] = (byte) o;
      }
    }
  }

  /** True if no output has more than 2 non-zeros in a group of 4 consecutive inputs. */
  static boolean fits(float[] kernel, int in, int out) {
    for (int j = 0; j < out; j++) {
      for (int g = 0; 4 * g < in; g++) {
        int count = 0;
        for (int q = 0; q < 4 && 4 * g + q < in; q++) {
          count += kernel[(4 * g + q) * out + j] != 0f ? 1 : 0;
        }
        if (count > 2) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public Format format() {
    return Format.TWO_FOUR;
  }

  @Override
  public long bytes() {
    return 4L * val.length + off.length;
  }

  @Override
  public float[] toKernel() {
    float[] kernel = new float[in * out];
    for (int j = 0; j < out; j++) {
      for (int g = 0; g < groups; g++) {
        int o = off[j * groups + g];
        for (int s = 0; s < 2; s++) {
          float v = val[2 * (j * groups + g) + s];
          if (v != 0f) {
            kernel[(4 * g + ((o >> (2 * s)) & 3)) * out + j] = v;
          }
        }
      }
    }
    return kernel;
  }

  @Override
  int kernelRows() {
    return out;
  }

  @Override
  public int paddedInputs() {
    return 4 * groups;
  }

  @Override
  void single(Exec exec, float[] x, float[] y, int from, int to) {
    exec.kernels().twoFour(val, off, groups, x, y, from, to);
  }

  @Override
  void batched(Exec exec, float[] xT, int bp, float[] yT, int from, int to) {
    exec.kernels().twoFourT(val, off, groups, xT, bp, yT, from, to);
  }
}
