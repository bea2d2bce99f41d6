package dev.topiary.dsl.data;

/**
 * Host arrays from Java's nested arrays, with the checks a compiler cannot make: rows of one length
 * (a ragged row is named), class indices within the int range.
 */
public final class HostArrays {
  private HostArrays() {}

  /** Features of shape [n, d]. */
  public static HostArray of(float[][] x) {
    int d = width(x, x.length == 0 ? 0 : length(x[0], 0), "features");
    float[] flat = new float[Math.multiplyExact(x.length, d)];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, flat, i * d, d);
    }
    return HostArray.of(flat, x.length, d);
  }

  /** Features of shape [n, d], narrowed to float. */
  public static HostArray of(double[][] x) {
    int d = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] == null) {
        throw new IllegalArgumentException("features: row " + i + " is null");
      }
      if (i == 0) {
        d = x[0].length;
      } else if (x[i].length != d) {
        throw ragged("features", i, x[i].length, d);
      }
    }
    float[] flat = new float[Math.multiplyExact(x.length, d)];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < d; j++) {
        flat[i * d + j] = (float) x[i][j];
      }
    }
    return HostArray.of(flat, x.length, d);
  }

  /** Features of shape [n, a, b]. */
  public static HostArray of(float[][][] x) {
    int a = x.length == 0 ? 0 : length(x[0], 0);
    int b = a == 0 ? 0 : length(x[0][0], 0);
    for (int i = 0; i < x.length; i++) {
      if (length(x[i], i) != a) {
        throw ragged("features", i, x[i].length, a);
      }
      for (int j = 0; j < a; j++) {
        if (x[i][j] == null) {
          throw new IllegalArgumentException("features: row [" + i + "][" + j + "] is null");
        }
        if (x[i][j].length != b) {
          throw new IllegalArgumentException("features: row [" + i + "][" + j + "] has " + x[i][j].length
              + " values but row [0][0] has " + b + " (arrays must not be ragged)");
        }
      }
    }
    int per = Math.multiplyExact(a, b);
    float[] flat = new float[Math.multiplyExact(x.length, per)];
    for (int i = 0; i < x.length; i++) {
      for (int j = 0; j < a; j++) {
        System.arraycopy(x[i][j], 0, flat, i * per + j * b, b);
      }
    }
    return HostArray.of(flat, x.length, a, b);
  }

  /** Float targets of shape [n, k]. */
  public static HostArray targets(float[][] y) {
    return of(y);
  }

  /** Class indices, shape [n]. */
  public static HostArray labels(int[] y) {
    return HostArray.ofLabels(y);
  }

  /** Class indices, shape [n], as int32: a value outside the int range is an error naming it. */
  public static HostArray labels(long[] y) {
    int[] out = new int[y.length];
    for (int i = 0; i < y.length; i++) {
      if (y[i] < Integer.MIN_VALUE || y[i] > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("label " + i + " is " + y[i] + ", outside the int range of class indices");
      }
      out[i] = (int) y[i];
    }
    return HostArray.ofLabels(out);
  }

  private static int length(Object row, int i) {
    if (row == null) {
      throw new IllegalArgumentException("features: row " + i + " is null");
    }
    return java.lang.reflect.Array.getLength(row);
  }

  private static int width(float[][] x, int d, String what) {
    for (int i = 0; i < x.length; i++) {
      int len = length(x[i], i);
      if (len != d) {
        throw ragged(what, i, len, d);
      }
    }
    return d;
  }

  private static IllegalArgumentException ragged(String what, int row, int length, int expected) {
    return new IllegalArgumentException(what + ": row " + row + " has " + length + " values but row 0 has "
        + expected + " (arrays must not be ragged)");
  }
}
