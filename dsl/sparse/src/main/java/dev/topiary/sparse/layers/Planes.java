package dev.topiary.sparse.layers;

import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.sparse.exec.Exec;
import dev.topiary.sparse.exec.LayerOp;
import dev.topiary.sparse.exec.Value;
import dev.topiary.sparse.matrix.WeightMatrix;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The layers that run on channel-major values ({@link Value#isChw}: one contiguous plane of pixels per
 * channel), as XNNPACK's sparse inference keeps MobileNet's activations across its depthwise / 1x1 chain.
 * A sparse 1x1 convolution is then {@code out[co][:] += w * in[ci][:]} over the non-zeros of row
 * {@code co}: a broadcast and an FMA per vector of pixels, with no transpose of the activation in and out
 * (channels-last, a sparse product gathers inputs per pixel or transposes each chunk of pixels, and at
 * 112 x 112 and 56 x 56 pixels with 16-144 channels that cost more than dense). A depthwise convolution
 * runs per plane along its rows; zero padding, {@code Add} and global average pooling on planes.
 * Which layers run so is decided once when the model is built ({@link #kind}); the model transposes a
 * value where a channel-major chain begins and ends.
 */
public final class Planes {
  /** Pixels per tile of a 1x1 convolution are chosen so that the input tile stays in cache (floats). */
  private static final int TILE_FLOATS = Integer.getInteger("topiary.planeTileFloats", 16384);

  /**
   * Output values per band of a depthwise convolution fused with the 1x1 expansion before it (its input
   * rows, expanded rows and phases then stay in the first cache levels).
   */
  private static final int BAND_FLOATS = Integer.getInteger("topiary.planeBandFloats", 4096);

  /** Input channels up to which a k x k Conv2D runs on planes (MobileNet's stem reads 3). */
  static final int STEM_CHANNELS = 4;

  private Planes() {}

  /** How a layer call takes part in a channel-major chain. */
  public enum Kind {
    /** It does not run on planes. */
    NONE,
    /** Runs on planes and is worth a chain of its own (a 1x1 or depthwise convolution). */
    START,
    /** Runs on planes when its inputs are planes (padding, Add); channels-last otherwise. */
    FOLLOW,
    /** Reads planes when its input is planes and gives a channels-last value (global average pooling). */
    END
  }

  /**
   * How {@code layer} with example input shapes {@code in} and (after what is folded into it) activation
   * {@code activation} (null for a layer without one) can run on planes.
   */
  public static Kind kind(Layer layer, List<int[]> in, @Nullable Activation activation) {
    if (in.isEmpty() || in.get(0).length != 3) {
      return Kind.NONE;
    }
    Class<?> c = layer.getClass();
    if (c == Conv2D.class) {
      Conv2D v = (Conv2D) layer;
      boolean pointwise = v.kernelHeight() == 1 && v.kernelWidth() == 1 && v.strideRows() == 1 && v.strideCols() == 1;
      // a k x k convolution runs on planes directly only on a few input channels (a stem reading an image):
      // with many, each tap's plane would be read once per output channel
      boolean stem = v.kernelHeight() == v.kernelWidth() && v.strideRows() == v.strideCols() && in.get(0)[2] <= STEM_CHANNELS;
      return (pointwise || stem) && v.dilation() == 1 && activation != null && Epilogue.isClamp(activation)
          ? Kind.START : Kind.NONE;
    }
    if (c == DepthwiseConv2D.class) {
      return ((DepthwiseConv2D) layer).depthMultiplier() == 1 && activation != null && Epilogue.isClamp(activation) ? Kind.START : Kind.NONE;
    }
    if (c == ZeroPadding2D.class) {
      return Kind.FOLLOW;
    }
    if (c == Add.class) {
      for (int[] s : in) {
        if (!Arrays.equals(s, in.get(0))) {
          return Kind.NONE; // broadcasting
        }
      }
      return Kind.FOLLOW;
    }
    if (c == GlobalAveragePooling2D.class) {
      return Kind.END;
    }
    return Kind.NONE;
  }

  /**
   * The op of {@code layer} on planes ({@link #kind} not NONE), with {@code epilogue} (bias, folded batch
   * normalization, clamp) for a convolution.
   */
  public static LayerOp op(Layer layer, List<int[]> in, int[] out, Weights w, Epilogue epilogue) {
    return op(layer, in, out, w, epilogue, null);
  }

  /**
   * As {@link #op(Layer, List, int[], Weights, Epilogue)}; for a k x k or depthwise convolution,
   * {@code padding} {top, bottom, left, right} is a ZeroPadding2D before it folded in ({@code in} is then the
   * padding's input), or null.
   */
  public static LayerOp op(Layer layer, List<int[]> in, int[] out, Weights w, Epilogue epilogue,
      int @Nullable [] padding) {
    return op(layer, in, out, w, epilogue, padding, null);
  }

  /**
   * As {@link #op(Layer, List, int[], Weights, Epilogue, int[])}; a depthwise convolution with {@code
   * expansion} computes the 1x1 convolution before it itself ({@code in} is then the expansion's output shape;
   * the op reads the expansion's input planes).
   */
  public static LayerOp op(Layer layer, List<int[]> in, int[] out, Weights w, Epilogue epilogue,
      int @Nullable [] padding, @Nullable Pointwise expansion) {
    if (expansion != null && !(layer instanceof DepthwiseConv2D)) {
      throw new IllegalArgumentException("layer '" + w.layerName() + "' (" + layer.getClass().getSimpleName()
          + ") cannot compute a 1x1 convolution before it");
    }
    int[] x = in.get(0);
    int[] pad = padding != null ? padding : new int[4];
    int ph = x[0] + pad[0] + pad[1];
    int pw = x[1] + pad[2] + pad[3];
    if (layer instanceof Conv2D v && v.kernelHeight() == 1 && padding == null && v.strideRows() == 1) {
      WeightMatrix m = w.planeMatrix("kernel", x[2], out[2]);
      return new Conv1x1(m.toKernel(), x[0], x[1], x[2], out[2], epilogue);
    }
    if (layer instanceof Conv2D v) {
      Window win = Window.of(ph, pw, v.kernelHeight(), v.kernelWidth(), v.strideRows(), v.strideCols(),
          v.padding() == dev.topiary.dsl.layers.Padding.SAME);
      WeightMatrix m = w.planeMatrix("kernel", v.kernelHeight() * v.kernelWidth() * x[2], out[2]);
      return new Conv(false, m.toKernel(), epilogue, x, out, v.kernelHeight(), v.strideRows(),
          win.padTop() + pad[0], win.padLeft() + pad[2]);
    }
    if (layer instanceof DepthwiseConv2D d) {
      Window win = Window.of(ph, pw, d.kernelSize(), d.kernelSize(), d.strides(), d.strides(),
          d.padding() == dev.topiary.dsl.layers.Padding.SAME);
      return new Conv(true, expansion, w.values("depthwise_kernel"), epilogue, x, out, d.kernelSize(), d.strides(),
          win.padTop() + pad[0], win.padLeft() + pad[2]);
    }
    if (layer instanceof ZeroPadding2D) {
      return padding((ZeroPadding2D) layer, x, out);
    }
    if (layer instanceof Add) {
      return (inputs, exec) -> {
        float[] first = inputs.get(0).data();
        float[] sum = exec.floats(first.length);
        System.arraycopy(first, 0, sum, 0, first.length);
        for (int i = 1; i < inputs.size(); i++) {
          float[] d = inputs.get(i).data();
          for (int j = 0; j < sum.length; j++) {
            sum[j] += d[j];
          }
        }
        return List.of(Value.chw(sum, inputs.get(0).batch(), out));
      };
    }
    if (layer instanceof GlobalAveragePooling2D) {
      return average(x, out);
    }
    throw new IllegalArgumentException("layer '" + w.layerName() + "' (" + layer.getClass().getSimpleName()
        + ") does not run on channel-major planes");
  }

  /**
   * {@code v} channel-major (a copy; {@code v} is channels-last, example shape {@code [h, w, c]}), in an array
   * from {@link Exec#floats}.
   */
  public static Value toChw(Value v, Exec exec) {
    int[] s = v.shape();
    int pixels = s[0] * s[1];
    int c = s[2];
    int ps = Value.planeStride(pixels);
    float[] d = v.data();
    float[] out = exec.floats(v.batch() * c * ps);
    for (int b = 0; b < v.batch(); b++) {
      int src = b * pixels * c;
      int dst = b * c * ps;
      zeroPlanePadding(out, dst, c, pixels, ps);
      // blocks of 16 pixels: each block's source rows are read once, its destination rows stay in cache
      for (int p0 = 0; p0 < pixels; p0 += 16) {
        int p1 = Math.min(pixels, p0 + 16);
        for (int ch = 0; ch < c; ch++) {
          int o = dst + ch * ps;
          for (int p = p0; p < p1; p++) {
            out[o + p] = d[src + p * c + ch];
          }
        }
      }
    }
    return Value.chw(out, v.batch(), s);
  }

  /** {@code v} channels-last (a copy; {@code v} is channel-major), in an array as {@link #toChw}'s. */
  public static Value toNhwc(Value v, Exec exec) {
    int[] s = v.shape();
    int pixels = s[0] * s[1];
    int c = s[2];
    int ps = Value.planeStride(pixels);
    float[] d = v.data();
    float[] out = exec.floats(v.batch() * pixels * c);
    for (int b = 0; b < v.batch(); b++) {
      int src = b * c * ps;
      int dst = b * pixels * c;
      for (int p0 = 0; p0 < pixels; p0 += 16) {
        int p1 = Math.min(pixels, p0 + 16);
        for (int ch = 0; ch < c; ch++) {
          int i = src + ch * ps;
          for (int p = p0; p < p1; p++) {
            out[dst + p * c + ch] = d[i + p];
          }
        }
      }
    }
    return new Value(out, v.batch(), s);
  }

  /** A 1x1 convolution (its weight {@code kernel}) to be computed by the depthwise convolution reading it. */
  public static Pointwise expansion(Weights w, int cin, int cout, Epilogue epilogue) {
    return Pointwise.of(w.planeMatrix("kernel", cin, cout).toKernel(), cin, cout, epilogue);
  }

  /**
   * A 1x1 convolution's kernel {@code [cin, cout]} as CSR rows over output channels (the non-zeros of each,
   * by input channel), with its epilogue: scale (folded batch normalization, or null), shift, clamp.
   */
  public record Pointwise(int[] ptr, int[] idx, float[] val, float @Nullable [] scale, float[] shift, float lo, float hi) {
    static Pointwise of(float[] kernel, int cin, int cout, Epilogue e) {
      int[] ptr = new int[cout + 1];
      int nnz = 0;
      for (float v : kernel) {
        nnz += v != 0f ? 1 : 0;
      }
      int[] idx = new int[nnz];
      float[] val = new float[nnz];
      int k = 0;
      for (int j = 0; j < cout; j++) {
        for (int i = 0; i < cin; i++) {
          float v = kernel[i * cout + j];
          if (v != 0f) {
            idx[k] = i;
            val[k++] = v;
          }
        }
        ptr[j + 1] = k;
      }
      return new Pointwise(ptr, idx, val, e.scale(), e.shift() != null ? e.shift() : new float[cout], e.lo(), e.hi());
    }

    /** Output channel {@code c} on runs placed by tables: see {@link dev.topiary.sparse.kernel.Kernels#planeSpmmAt}. */
    void runAt(Exec exec, float[] x, int xo, int xs, int[] xt, float[] y, int yo, int[] yt, int n, int c) {
      exec.kernels().planeSpmmAt(ptr, idx, val, c, x, xo, xs, xt, y, yo, yt, 0, n, scale == null ? 1f : scale[c], shift[c],
          lo, hi);
    }

    /** Output channels {@code from..to}, {@code len} values each: see {@link dev.topiary.sparse.kernel.Kernels#planeSpmm}. */
    void run(Exec exec, float[] x, int xo, int xs, float[] y, int yo, int ys, int len, int from, int to) {
      exec.kernels().planeSpmm(ptr, idx, val, x, xo, xs, y, yo, ys, len, scale, shift, lo, hi, from, to);
    }
  }

  /**
   * A 1x1 convolution (stride 1) on planes: CSR rows over output channels, each non-zero scaling a tile of
   * input pixels into the output channel's tile; bias, folded batch normalization and clamp in the pass that
   * stores it. Tiles of pixels are sized so that the input tile ({@code cin} rows) stays in cache while
   * every output channel reads it.
   */
  static final class Conv1x1 implements LayerOp {
    private final Pointwise pw;
    private final int h;
    private final int w;
    private final int cin;
    private final int cout;
    private final int tile;

    Conv1x1(float[] kernel, int h, int w, int cin, int cout, Epilogue e) {
      this.h = h;
      this.w = w;
      this.cin = cin;
      this.cout = cout;
      pw = Pointwise.of(kernel, cin, cout, e);
      int ps = Value.planeStride(h * w);
      tile = Math.min(ps, Math.max(64, TILE_FLOATS / Math.max(1, cin) / 16 * 16));
    }

    @Override
    public List<Value> run(List<Value> inputs, Exec exec) {
      Value x = inputs.get(0);
      int batch = x.batch();
      int ps = Value.planeStride(h * w);
      float[] d = x.data();
      float[] y = exec.floats(batch * cout * ps); // planeSpmm writes every value, plane padding included
      int tiles = (ps + tile - 1) / tile;
      exec.forRows(batch * tiles, (long) Math.max(1, pw.val().length) * tile, (from, to) -> {
        for (int i = from; i < to; i++) {
          int b = i / tiles;
          int t0 = i % tiles * tile;
          int len = Math.min(tile, ps - t0);
          pw.run(exec, d, b * cin * ps + t0, ps, y, b * cout * ps + t0, ps, len, 0, cout);
        }
      });
      return List.of(Value.chw(y, batch, new int[] {h, w, cout}));
    }
  }

  /**
   * A k x k convolution on planes, run directly (no im2col): depthwise (output channel {@code c} reads input
   * channel {@code c} only) or full (every input channel; the stem convolution of MobileNet). Each input
   * plane is copied zero-padded and, for stride {@code s > 1}, split into {@code s} row phases (padded row
   * {@code s y + n} at row {@code y} of phase {@code n}) and, for a full convolution, {@code s} column
   * phases as well, each phase {@code pw} values wide. Every tap {@code (i, j)} of an output pixel then
   * reads its phase at a fixed offset from the output's flat index, so the whole output plane (with spare
   * columns per row, dropped when it is copied out) is one run of FMAs along the vector lanes, without a
   * scalar tail per row (MobileNetV2's 7 x 7 and 14 x 14 planes have rows shorter than two vectors). A
   * depthwise convolution keeps whole rows (no column phases: splitting columns is a strided copy of the
   * input, which cost more than computing every column of a strided row and keeping every {@code s}-th).
   * Zero weights of a full convolution are skipped. A folded batch normalization's scale is multiplied into
   * the filters.
   *
   * <p>A depthwise convolution with an {@code expand}ed 1x1 convolution before it runs in bands of output
   * rows: for each band and channel the 1x1 convolution computes just the input rows the band's windows
   * read, straight into their places in the phases (runs of vector lanes placed by tables, see {@link
   * Runs}; where a row cannot be placed so, one flat run into a small buffer, then split), and they are
   * convolved at once; two bands recompute the {@code k - s} rows they share. The expanded planes, the
   * largest values of MobileNetV2, are never stored. At stride {@code s > 1} the expansion's input is split
   * by column phase first, so that its runs fill whole rows of the column phases as well. The taps then
   * write the output rows in place. Without an expansion a plane is one band, and a strided depthwise
   * convolution computes every column of a flat run, the copy keeping every {@code s}-th.
   */
  static final class Conv implements LayerOp {
    private final boolean depthwise;
    /**
     * A 1x1 convolution before a depthwise one, computed here band by band (null: the input planes are the
     * depthwise convolution's): its output never goes to memory (see the class comment).
     */
    private final @Nullable Pointwise expand;
    /** Per output channel its taps: offsets into the phases (of its input plane for depthwise) and weights. */
    private final int[][] src;
    private final float[][] weights;
    private final float[] bias;
    private final float lo;
    private final float hi;
    private final int h;
    private final int wd;
    private final int cin;
    private final int cout;
    private final int k;
    private final int s;
    private final int oh;
    private final int ow;
    private final int padTop;
    private final int padLeft;
    /** Column phases (1 or s), and the flat columns from one output pixel to the next (s / cs). */
    private final int cs;
    private final int step;
    /** Output rows per band: the buffers of a band stay in cache. */
    private final int band;
    /** Width and rows of a phase (for one band), values per phase, values per input plane (all its phases). */
    private final int pw;
    private final int ph;
    private final int phase;
    private final int planeSize;
    /** Flat outputs per band, rounded up to 16 (whole vectors at every width). */
    private final int flat;
    /** Where runs of vectors go, for the width of the kernels that last ran (see {@link Runs}). */
    private volatile @Nullable Runs runs;
    /**
     * For an expansion, per column phase {@code m}: its first input column, how many of its input columns the
     * taps read, and where the first of them goes in the phase's rows.
     */
    private final int[] colFirst;
    private final int[] colCount;
    private final int[] colAt;
    /**
     * The rows of the expansion's input as its runs read them: the plane's own rows ({@code cs == 1}), or
     * rows split by column phase ({@code cs > 1}, see {@link #byColumnPhase}), {@code half} values per phase.
     */
    private final int half;
    private final int xRow;

    Conv(boolean depthwise, float[] kernel, Epilogue e, int[] in, int[] out, int k, int stride, int padTop,
        int padLeft) {
      this(depthwise, null, kernel, e, in, out, k, stride, padTop, padLeft);
    }

    /**
     * @param expand a 1x1 convolution whose output only this depthwise convolution reads, or null
     * @param kernel Keras' {@code [k, k, cin, cout]} (full) or {@code [k, k, c, 1]} (depthwise)
     * @param in the example input shape (the expansion's output for a fused one); {@code padTop}/{@code
     *     padLeft} the window's padding with a folded ZeroPadding2D's, {@code out} the output shape
     */
    Conv(boolean depthwise, @Nullable Pointwise expand, float[] kernel, Epilogue e, int[] in, int[] out, int k,
        int stride, int padTop, int padLeft) {
      this.depthwise = depthwise;
      this.expand = expand;
      this.h = in[0];
      this.wd = in[1];
      this.cin = in[2];
      this.oh = out[0];
      this.ow = out[1];
      this.cout = out[2];
      this.k = k;
      this.s = stride;
      this.padTop = padTop;
      this.padLeft = padLeft;
      // columns split into phases: a stem, and a depthwise convolution whose expansion writes its rows into
      // the phases (from its input split by column phase, a sixth of the expanded values); an unfused depthwise
      // convolution computes every column of a strided row and keeps every s-th (splitting the columns of its
      // own input is a strided copy of the values it convolves, which cost more)
      cs = depthwise && expand == null ? 1 : s;
      step = s / cs;
      pw = cs == s ? ow + (k - 1) / s : (ow - 1) * s + k;
      // a fused expansion recomputes the k - s rows two bands share: bands of about 4096 output values
      band = expand == null ? oh : Math.max(1, Math.min(oh, BAND_FLOATS / Math.max(1, s * pw)));
      ph = band + (k - 1) / s;
      flat = (band * pw + 15) / 16 * 16;
      phase = ph * pw + 32; // the last vector of a flat run reads up to 16 values past the rows
      planeSize = s * cs * phase;
      float[] scale = e.scale();
      src = new int[cout][];
      weights = new float[cout][];
      for (int co = 0; co < cout; co++) {
        int[] t = new int[k * k * (depthwise ? 1 : cin)];
        float[] v = new float[t.length];
        int n = 0;
        for (int ci = depthwise ? co : 0; ci < (depthwise ? co + 1 : cin); ci++) {
          for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
              float wv = kernel[(i * k + j) * (depthwise ? cin : cin * cout) + (depthwise ? co : ci * cout + co)];
              if (wv == 0f && !depthwise) {
                continue;
              }
              t[n] = (depthwise ? 0 : ci * planeSize) + ((i % s) * cs + j % cs) * phase + (i / s) * pw + j / cs;
              v[n++] = wv * (scale == null ? 1f : scale[co]);
            }
          }
        }
        src[co] = java.util.Arrays.copyOf(t, n);
        weights[co] = java.util.Arrays.copyOf(v, n);
      }
      bias = e.shift() != null ? e.shift() : new float[cout];
      lo = e.lo();
      hi = e.hi();
      colFirst = new int[cs];
      colCount = new int[cs];
      colAt = new int[cs];
      for (int m = 0; m < cs; m++) {
        // input column c sits at padded column c + padLeft: phase (c + padLeft) % cs, column (c + padLeft) / cs;
        // the taps read phase columns up to pw (the rest, past the last window, are left out)
        colFirst[m] = Math.floorMod(m - padLeft, cs);
        colAt[m] = (colFirst[m] + padLeft) / cs;
        int all = colFirst[m] < wd ? (wd - colFirst[m] + cs - 1) / cs : 0;
        colCount[m] = Math.max(0, Math.min(all, pw - colAt[m]));
      }
      half = (wd + cs - 1) / cs;
      xRow = cs * half; // wd when the columns are not split
    }

    /** Input rows {@code [first, last)} that output rows {@code r0..r1} read (the window's rows inside the input). */
    private int firstRow(int r0) {
      return Math.max(0, s * r0 - padTop);
    }

    private int lastRow(int r1) {
      return Math.min(h, s * (r1 - 1) + k - padTop);
    }

    /**
     * Copies the input rows that output rows {@code r0..r1} read into their phases at {@code to} of {@code buf}:
     * input row {@code iy} of the plane is at {@code rows + iy * wd} of {@code d}; a window row past the input
     * is zeroed (the buffer serves every band), columns past it stay zero.
     */
    private void split(float[] d, int rows, float[] buf, int to, int r0, int r1) {
      for (int n = 0; n < s; n++) {
        for (int y = 0; y < ph; y++) {
          int py = s * (r0 + y) + n; // padded row
          if (py >= s * (r1 - 1) + k) {
            break; // no output row of this band reads it
          }
          int iy = py - padTop;
          for (int m = 0; m < cs; m++) {
            int o = to + (n * cs + m) * phase + y * pw;
            if (iy < 0 || iy >= h) {
              java.util.Arrays.fill(buf, o, o + pw, 0f);
              continue;
            }
            int row = rows + iy * wd;
            // columns u with 0 <= cs u + m - padLeft < wd
            int u0 = Math.max(0, Math.floorDiv(padLeft - m + cs - 1, cs));
            int u1 = Math.min(pw, Math.floorDiv(wd - 1 + padLeft - m, cs) + 1);
            if (cs == 1) {
              if (u1 > u0) {
                System.arraycopy(d, row + u0 - padLeft, buf, o + u0, u1 - u0);
              }
            } else {
              for (int u = u0; u < u1; u++) {
                buf[o + u] = d[row + cs * u + m - padLeft];
              }
            }
          }
        }
      }
    }

    @Override
    public List<Value> run(List<Value> inputs, Exec exec) {
      Value x = inputs.get(0);
      int batch = x.batch();
      int psIn = Value.planeStride(h * wd);
      int psOut = Value.planeStride(oh * ow);
      float[] d = x.data();
      float[] y = exec.floats(batch * cout * psOut);
      zeroPlanePadding(y, 0, batch * cout, oh * ow, psOut); // the taps (or copyOut) write the pixels
      int bands = (oh + band - 1) / band;
      if (expand != null) {
        // a band's input rows (every input channel) stay in cache while each channel of the band is expanded
        // and convolved; channel groups only to give every thread a share at batch 1
        int groups = Math.max(1, Math.min(cout, 2 * exec.threads() / Math.max(1, batch * bands)));
        int xcs = x.shape()[2];
        Runs at = runs(exec.kernels().lanes());
        float[] source = cs > 1 ? byColumnPhase(x, exec) : d;
        int sourcePlane = cs > 1 ? columnPhasePlane() : psIn;
        exec.forRows(batch * bands * groups, (long) flat * (src[0].length + 4) * cout / groups, (from, to) -> {
          float[] buf = new float[planeSize];
          float[] out = new float[outSize()];
          float[] rows = at.expandIn() == null ? new float[((s * (band - 1) + k) * wd + 15) / 16 * 16] : null;
          for (int item = from; item < to; item++) {
            int g = item % groups;
            int bb = item / groups;
            int b = bb / bands;
            int r0 = bb % bands * band;
            int r1 = Math.min(oh, r0 + band);
            // without tables: the flat run of the band's input rows, moved back so that its whole vectors end
            // inside the plane, then split into the phases
            int len = ((lastRow(r1) - firstRow(r0)) * wd + 15) / 16 * 16;
            int start = Math.max(0, Math.min(firstRow(r0) * wd, psIn - len));
            for (int c = g * cout / groups; c < (g + 1) * cout / groups; c++) {
              if (rows == null) {
                expandInto(exec, at, source, b * xcs * sourcePlane, sourcePlane, buf, r0, r1, c);
              } else {
                expand.run(exec, d, b * xcs * psIn + start, psIn, rows, 0, 0, len, c, c + 1);
                split(rows, -start, buf, 0, r0, r1);
              }
              taps(exec, at, buf, out, c, y, (b * cout + c) * psOut, r0, r1);
            }
          }
        });
        if (source != d) {
          exec.release(source);
        }
      } else if (depthwise) {
        Runs at = runs(exec.kernels().lanes());
        exec.forRows(batch * cout, (long) flat * src[0].length, (from, to) -> {
          // the columns where the window reaches past the input stay zero for every plane (split zeroes the
          // rows past it)
          float[] buf = new float[planeSize];
          float[] out = new float[outSize()];
          for (int bc = from; bc < to; bc++) {
            split(d, bc * psIn, buf, 0, 0, oh);
            taps(exec, at, buf, out, bc % cout, y, bc * psOut, 0, oh);
          }
        });
      } else {
        for (int b = 0; b < batch; b++) {
          float[] buf = new float[cin * planeSize];
          for (int ci = 0; ci < cin; ci++) {
            split(d, (b * cin + ci) * psIn, buf, ci * planeSize, 0, oh);
          }
          int yb = b * cout * psOut;
          exec.forRows(cout, (long) flat * src[0].length, (from, to) -> {
            float[] out = new float[flat];
            for (int co = from; co < to; co++) {
              exec.kernels().planeTaps(buf, src[co], weights[co], 0, src[co].length, bias[co], lo, hi, out, 0, flat);
              copyOut(out, y, yb + co * psOut, 0, oh);
            }
          });
        }
      }
      return List.of(Value.chw(y, batch, new int[] {oh, ow, cout}));
    }

    /**
     * Where the runs of vectors of the two table kernels go ({@link dev.topiary.sparse.kernel.Kernels#planeSpmmAt},
     * {@code planeTapsAt}), for kernels of {@code lanes} values per vector; a table is null where its layer
     * keeps the flat run and its copy. The runs of a row of width {@code w} start at 0, {@code lanes}, ...
     * and, where {@code w} is not a multiple, at {@code w - lanes} (its last values computed twice, alike):
     * nothing lands past the row. A row narrower than a vector is one run that reaches into the next row's
     * place (overwritten by that row, or, in a phase, by zeros: see {@link #expandInto}).
     *
     * @param expandIn per column phase, per run of one phase's input rows (rows {@code s} input rows apart):
     *     its offset in the expansion's input rows ({@link #xRow}); {@code expandOut} its offset in the phase
     * @param tapsIn per run of output rows (stride 1): its offset in the phases; {@code tapsOut} in the
     *     output plane
     */
    record Runs(int lanes, int @Nullable [] perRowIn, int @Nullable [][] expandIn, int @Nullable [][] expandOut,
        int perRowOut, int @Nullable [] tapsIn, int @Nullable [] tapsOut) {}

    /**
     * The flat run of a band, or the rows of a band that {@link #taps} computes aside: fewer than {@code 16 /
     * ow + 1} rows, each run reaching at most 16 values.
     */
    private int outSize() {
      return Math.max(flat, 2 * 16 + ow);
    }

    private Runs runs(int lanes) {
      Runs r = runs;
      if (r == null || r.lanes() != lanes) {
        r = makeRuns(lanes);
        runs = r;
      }
      return r;
    }

    private Runs makeRuns(int lanes) {
      int[] outRuns = starts(ow, lanes);
      int[][] in = null;
      int[][] at = null;
      int[] perRow = null;
      // the expansion writes each input row into its place in a phase; a row narrower than a vector must read
      // inside its array (the plane's padding holds the rest; rows split by column phase carry their own)
      if (this.expand != null && (cs > 1 || wd >= lanes || (h - 1) * wd + lanes <= Value.planeStride(h * wd))) {
        in = new int[cs][];
        at = new int[cs][];
        perRow = new int[cs];
        for (int m = 0; m < cs; m++) {
          int[] starts = colCount[m] > 0 ? starts(colCount[m], lanes) : new int[0];
          int[][] t = table(ph, starts, s * xRow, pw);
          in[m] = t[0];
          at[m] = t[1];
          perRow[m] = starts.length;
        }
      }
      // the taps write the output plane's rows themselves where every column of a flat run is an output
      int[][] taps = step == 1 ? table(band, outRuns, pw, ow) : null;
      return new Runs(lanes, perRow, in, at, outRuns.length, taps == null ? null : taps[0], taps == null ? null : taps[1]);
    }

    /** The offsets of runs starting at {@code starts} in each of {@code rows} rows, {@code in} / {@code out} apart. */
    private static int[][] table(int rows, int[] starts, int in, int out) {
      int[][] t = new int[2][rows * starts.length];
      for (int r = 0, v = 0; r < rows; r++) {
        for (int q : starts) {
          t[0][v] = r * in + q;
          t[1][v++] = r * out + q;
        }
      }
      return t;
    }

    /** Where the runs of {@code lanes} values of a row of {@code width} start (see {@link Runs}). */
    private static int[] starts(int width, int lanes) {
      if (width <= lanes) {
        return new int[] {0};
      }
      int n = (width + lanes - 1) / lanes;
      int[] q = new int[n];
      for (int i = 0; i < n; i++) {
        q[i] = Math.min(i * lanes, width - lanes);
      }
      return q;
    }

    /**
     * The expansion's channel {@code c} of the input rows that output rows {@code r0..r1} read, computed into
     * their places in the phases of {@code buf} (as {@link #split} places them), the padding around them
     * zeroed: no flat run of rows, no copy. {@code d} holds the input rows from {@code plane} ({@code
     * planeStride} values per input channel, rows of {@link #xRow}).
     */
    private void expandInto(Exec exec, Runs at, float[] d, int plane, int planeStride, float[] buf, int r0, int r1,
        int c) {
      int limit = s * (r1 - 1) + k; // padded rows from here on are read by no output row of the band
      for (int n = 0; n < s; n++) {
        // phase rows y hold padded rows s (r0 + y) + n: the band reads those below limit, the input has
        // those from padTop to padTop + h
        int end = Math.min(ph, Math.floorDiv(limit - n - s * r0 + s - 1, s));
        int y0 = Math.min(end, Math.max(0, Math.floorDiv(padTop - n - s * r0 + s - 1, s)));
        int y1 = Math.max(y0, Math.min(end, Math.floorDiv(h + padTop - n - s * r0 + s - 1, s)));
        for (int m = 0; m < cs; m++) {
          int base = (n * cs + m) * phase;
          if (y1 > y0 && at.perRowIn()[m] > 0) {
            int iy = s * (r0 + y0) + n - padTop;
            expand.runAt(exec, d, plane + iy * xRow + m * half, planeStride, at.expandIn()[m], buf,
                base + y0 * pw + colAt[m], at.expandOut()[m], (y1 - y0) * at.perRowIn()[m], c);
          }
          java.util.Arrays.fill(buf, base, base + y0 * pw, 0f);
          java.util.Arrays.fill(buf, base + y1 * pw, base + end * pw, 0f);
          if (colCount[m] > 0 && colCount[m] < at.lanes()) {
            // a row's one run reached past it, into the padding after it and before the next row
            // (rows below y1 were zeroed above; what reached past end is read by no output of the band)
            for (int y = y0; y < y1; y++) {
              java.util.Arrays.fill(buf, base + y * pw + colAt[m] + colCount[m],
                  Math.min(base + end * pw, base + (y + 1) * pw + colAt[m]), 0f);
            }
          }
        }
      }
    }

    /** Values per input channel of {@link #byColumnPhase}'s rows: the rows, and 16 past them that a run may read. */
    private int columnPhasePlane() {
      return h * xRow + 16;
    }

    /**
     * The expansion's input with each row split by column phase (the columns of phase {@code m} together, at
     * {@code m * half}), so that its runs write whole rows of a column phase: a strided copy of the block's
     * input, a sixth of what splitting the expanded values would copy.
     */
    private float[] byColumnPhase(Value x, Exec exec) {
      float[] d = x.data();
      int psIn = Value.planeStride(h * wd);
      int planes = x.batch() * x.shape()[2];
      int ps = columnPhasePlane();
      float[] out = exec.floats(planes * ps);
      for (int p = 0; p < planes; p++) {
        for (int iy = 0; iy < h; iy++) {
          int row = p * psIn + iy * wd;
          for (int m = 0; m < cs; m++) {
            int o = p * ps + iy * xRow + m * half;
            for (int u = 0, i = row + colFirst[m]; u < colCount[m]; u++, i += cs) {
              out[o + u] = d[i];
            }
          }
        }
      }
      return out;
    }

    /**
     * Output rows {@code r0..r1} of channel {@code c} from the phases in {@code buf}, into the output plane at
     * {@code to}: straight from the taps where {@link Runs} has their table, else as a flat run in {@code out}
     * and its copy.
     */
    private void taps(Exec exec, Runs at, float[] buf, float[] out, int c, float[] y, int to, int r0, int r1) {
      if (at.tapsIn() == null) {
        exec.kernels().planeTaps(buf, src[c], weights[c], 0, src[c].length, bias[c], lo, hi, out, 0, flat);
        copyOut(out, y, to, r0, r1);
        return;
      }
      // a run reaching past the band would write into rows another thread may own: the rows whose runs do
      // (rows narrower than a vector) go through out
      int rows = r1 - r0;
      int direct = ow >= at.lanes() ? rows : Math.max(0, Math.floorDiv(rows * ow - at.lanes(), ow) + 1);
      int per = at.perRowOut();
      exec.kernels().planeTapsAt(buf, src[c], weights[c], 0, src[c].length, bias[c], lo, hi, at.tapsIn(), y,
          to + r0 * ow, at.tapsOut(), 0, direct * per);
      if (direct < rows) {
        exec.kernels().planeTapsAt(buf, src[c], weights[c], 0, src[c].length, bias[c], lo, hi, at.tapsIn(), out,
            -direct * ow, at.tapsOut(), direct * per, rows * per);
        System.arraycopy(out, 0, y, to + (r0 + direct) * ow, (rows - direct) * ow);
      }
    }

    /**
     * Output rows {@code r0..r1}: the {@code ow} real columns of each flat row (every {@code step}-th) into the
     * output plane at {@code to}.
     */
    private void copyOut(float[] out, float[] y, int to, int r0, int r1) {
      for (int r = r0; r < r1; r++) {
        int f = (r - r0) * pw;
        if (step == 1) {
          System.arraycopy(out, f, y, to + r * ow, ow);
        } else {
          for (int q = 0, o = to + r * ow; q < ow; q++, f += step) {
            y[o + q] = out[f];
          }
        }
      }
    }
  }

  /**
   * Zeros after the {@code pixels} of each of {@code planes} planes of {@code ps} values from {@code from}: a
   * value's plane padding is read as a whole by the next 1x1 convolution and Add (never into a pixel), and
   * an array reused from the buffers holds an earlier value's numbers there.
   */
  private static void zeroPlanePadding(float[] y, int from, int planes, int pixels, int ps) {
    if (ps > pixels) {
      for (int p = 0; p < planes; p++) {
        java.util.Arrays.fill(y, from + p * ps + pixels, from + (p + 1) * ps, 0f);
      }
    }
  }

  /** ZeroPadding2D's amounts {top, bottom, left, right}, as its config carries them. */
  public static int[] paddingOf(ZeroPadding2D layer) {
    return java.util.Arrays.stream(layer.config().getLongs("padding")).mapToInt(Math::toIntExact).toArray();
  }

  /** ZeroPadding2D on planes: each input row copied to its place in the zeroed output plane. */
  private static LayerOp padding(ZeroPadding2D layer, int[] in, int[] out) {
    int[] amounts = paddingOf(layer);
    int top = amounts[0];
    int left = amounts[2];
    int psIn = Value.planeStride(in[0] * in[1]);
    int psOut = Value.planeStride(out[0] * out[1]);
    return (inputs, exec) -> {
      Value x = inputs.get(0);
      float[] d = x.data();
      int planes = x.batch() * in[2];
      float[] y = exec.zeros(planes * psOut);
      for (int bc = 0; bc < planes; bc++) {
        for (int r = 0; r < in[0]; r++) {
          System.arraycopy(d, bc * psIn + r * in[1], y, bc * psOut + (r + top) * out[1] + left, in[1]);
        }
      }
      return List.of(Value.chw(y, x.batch(), out));
    };
  }

  private static LayerOp average(int[] in, int[] out) {
    int pixels = in[0] * in[1];
    int c = in[2];
    int ps = Value.planeStride(pixels);
    return (inputs, exec) -> {
      Value x = inputs.get(0);
      float[] d = x.data();
      float[] y = new float[x.batch() * c];
      for (int bc = 0; bc < y.length; bc++) {
        float sum = 0;
        int o = bc * ps;
        for (int p = 0; p < pixels; p++) {
          sum += d[o + p];
        }
        y[bc] = sum / pixels;
      }
      return List.of(new Value(y, x.batch(), out));
    };
  }
}
