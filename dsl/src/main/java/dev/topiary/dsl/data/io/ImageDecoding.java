package dev.topiary.dsl.data.io;

import dev.topiary.dsl.data.Example;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * How encoded images (JPEG, PNG, also BMP and GIF) become a model's input: decoded, given the model's
 * channels (1 grayscale, 3 RGB), resized to the model's height and width, and scaled. The same settings
 * serve {@link TFRecordDataset#imageInput} and {@link ImageFolderDataset}:
 *
 * <pre>{@code
 * ImageDecoding.of(224, 224).centralCrop(0.875).scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE) // ImageNet evaluation
 * ImageDecoding.of(28, 28).grayscale().scale(ImageDecoding.Scale.UNIT)                       // MNIST-like, [0, 1]
 * }</pre>
 *
 * <p>What it matches: decoding is the JDK's (javax.imageio: no dependency, no TensorFlow session per
 * thread). PNG pixels are exact. JPEG pixels equal libjpeg's accurate integer IDCT, that is TF's
 * {@code decode_jpeg(dct_method="INTEGER_ACCURATE")} and PIL's decoding, exactly; TF's default
 * ({@code INTEGER_FAST}) differs from it by a few levels (up to 5 of 255, 1 on average on photos).
 * Resizing is {@code tf.image.resize(method="bilinear")} (half-pixel centres, no antialiasing) on float
 * pixels, as Keras' {@code image_dataset_from_directory}; {@link #centralCrop} is
 * {@code tf.image.central_crop} first, as ImageNet evaluation pipelines. A grayscale image asked for
 * RGB is repeated over the channels; an RGB image asked for grayscale is ITU-R 601 luma rounded to an
 * integer (PIL's {@code convert("L")}); alpha is dropped; 16-bit PNG keeps the high byte.
 */
public final class ImageDecoding {

  /** How pixel values 0..255 are scaled into the model's input. */
  public enum Scale {
    /** 0..255 as floats, as Keras' {@code image_dataset_from_directory} and TF's decode + resize give them. */
    RAW,
    /** x / 255: [0, 1]. */
    UNIT,
    /** x / 127.5 - 1: [-1, 1] (MobileNet's and Inception's {@code preprocess_input}). */
    MINUS_ONE_TO_ONE
  }

  private final int height;
  private final int width;
  private final int channels;
  private final double cropFraction;
  private final Scale scale;

  private ImageDecoding(int height, int width, int channels, double cropFraction, Scale scale) {
    if (height <= 0 || width <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
    }
    this.height = height;
    this.width = width;
    this.channels = channels;
    this.cropFraction = cropFraction;
    this.scale = scale;
  }

  /** Images resized to {@code height} x {@code width}, RGB, values 0..255 ({@link Scale#RAW}). */
  public static ImageDecoding of(int height, int width) {
    return new ImageDecoding(height, width, 3, 1.0, Scale.RAW);
  }

  /** One channel (grayscale). */
  public ImageDecoding grayscale() {
    return new ImageDecoding(height, width, 1, cropFraction, scale);
  }

  /** Three channels (RGB), the default. */
  public ImageDecoding rgb() {
    return new ImageDecoding(height, width, 3, cropFraction, scale);
  }

  /**
   * The central {@code fraction} of each side is kept before resizing ({@code tf.image.central_crop}):
   * 0.875 is the crop of ImageNet evaluation (Inception, MobileNet).
   */
  public ImageDecoding centralCrop(double fraction) {
    if (!(fraction > 0 && fraction <= 1)) {
      throw new IllegalArgumentException("central crop fraction must be in (0, 1], got " + fraction);
    }
    return new ImageDecoding(height, width, channels, fraction, scale);
  }

  /** How values are scaled ({@link Scale#RAW} by default). */
  public ImageDecoding scale(Scale s) {
    return new ImageDecoding(height, width, channels, cropFraction, s);
  }

  /** The shape of one decoded image: [height, width, channels]. */
  public long[] shape() {
    return new long[] {height, width, channels};
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }

  public int channels() {
    return channels;
  }

  /**
   * The model input of one encoded image: float values of {@link #shape()}, row-major (HWC).
   *
   * @throws IllegalArgumentException naming the problem when the bytes are not a readable image
   */
  public float[] decode(byte[] encoded) {
    Pixels p = pixels(encoded, channels);
    int top = 0;
    int left = 0;
    int h = p.height;
    int w = p.width;
    if (cropFraction < 1) {
      // tf.image.central_crop: the offset is truncated, the size is what remains on both sides.
      top = (int) ((h - h * cropFraction) / 2);
      left = (int) ((w - w * cropFraction) / 2);
      h -= 2 * top;
      w -= 2 * left;
    }
    float[] out = resizeBilinear(p.values, p.width, channels, top, left, h, w, height, width);
    switch (scale) {
      case RAW -> { }
      case UNIT -> {
        for (int i = 0; i < out.length; i++) {
          out[i] /= 255f;
        }
      }
      case MINUS_ONE_TO_ONE -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = out[i] / 127.5f - 1f;
        }
      }
    }
    return out;
  }

  /** As {@link #decode}, as an example's values of {@link #shape()}. */
  public Example.Values values(byte[] encoded) {
    return Example.Values.of(decode(encoded), shape());
  }

  @Override
  public String toString() {
    return "ImageDecoding(" + height + "x" + width + "x" + channels + (cropFraction < 1 ? ", central " + cropFraction : "")
        + ", " + scale + ")";
  }

  // ---- decoding ------------------------------------------------------------------------------

  /** Decoded 8-bit pixels, row-major HWC. */
  record Pixels(int height, int width, int channels, int[] values) {}

  /** The format of encoded bytes from their first bytes (as TF's decode_image), or null. */
  static String sniff(byte[] data) {
    if (data.length >= 3 && (data[0] & 0xFF) == 0xFF && (data[1] & 0xFF) == 0xD8 && (data[2] & 0xFF) == 0xFF) {
      return "jpeg";
    }
    if (data.length >= 8 && (data[0] & 0xFF) == 0x89 && data[1] == 'P' && data[2] == 'N' && data[3] == 'G') {
      return "png";
    }
    if (data.length >= 4 && data[0] == 'G' && data[1] == 'I' && data[2] == 'F' && data[3] == '8') {
      return "gif";
    }
    if (data.length >= 2 && data[0] == 'B' && data[1] == 'M') {
      return "bmp";
    }
    return null;
  }

  /** The pixels of an encoded image with {@code channels} channels (1 or 3). */
  static Pixels pixels(byte[] data, int channels) {
    String format = sniff(data);
    if (format == null) {
      StringBuilder start = new StringBuilder();
      for (int i = 0; i < Math.min(4, data.length); i++) {
        start.append(String.format(Locale.ROOT, "%02x", data[i] & 0xFF));
      }
      throw new IllegalArgumentException("not a JPEG, PNG, GIF or BMP image (" + data.length + " bytes"
          + (data.length == 0 ? "" : ", starting 0x" + start) + ")");
    }
    BufferedImage image = read(data, format);
    int h = image.getHeight();
    int w = image.getWidth();
    Raster raster = image.getRaster();
    ColorModel cm = image.getColorModel();
    int[] out = new int[Math.multiplyExact(Math.multiplyExact(h, w), channels)];
    int[] row = null;
    if (cm instanceof IndexColorModel icm) {
      // Palette images (GIF, some PNG): the palette's colours, alpha dropped.
      row = new int[w];
      for (int y = 0; y < h; y++) {
        raster.getSamples(0, y, w, 1, 0, row);
        for (int x = 0; x < w; x++) {
          int i = row[x];
          put(out, (y * w + x) * channels, channels, icm.getRed(i), icm.getGreen(i), icm.getBlue(i));
        }
      }
      return new Pixels(h, w, channels, out);
    }
    int colours = cm.getNumColorComponents();
    if (colours != 1 && colours != 3) {
      throw new IllegalArgumentException("a " + format.toUpperCase(Locale.ROOT) + " image with " + colours
          + " colour components (CMYK?): only grayscale and RGB are read");
    }
    int bands = raster.getNumBands();
    int[][] to8 = new int[colours][];
    for (int k = 0; k < colours; k++) {
      to8[k] = eightBits(cm.getComponentSize(k));
    }
    row = new int[w * bands];
    for (int y = 0; y < h; y++) {
      raster.getPixels(0, y, w, 1, row);
      for (int x = 0; x < w; x++) {
        int b = x * bands;
        int o = (y * w + x) * channels;
        if (colours == 1) {
          int g = to8[0][row[b]];
          put(out, o, channels, g, g, g);
        } else {
          put(out, o, channels, to8[0][row[b]], to8[1][row[b + 1]], to8[2][row[b + 2]]);
        }
      }
    }
    return new Pixels(h, w, channels, out);
  }

  /**
   * Samples of {@code bits} bits as 8-bit values: 8 bits as they are, 16 bits their high byte (TF's
   * decode_png to uint8), other depths (5- or 6-bit BMP channels) scaled to 0..255 and rounded.
   */
  private static int[] eightBits(int bits) {
    int[] table = new int[1 << bits];
    for (int v = 0; v < table.length; v++) {
      table[v] = bits == 8 ? v : bits == 16 ? v >> 8 : Math.round(v * 255f / (table.length - 1));
    }
    return table;
  }

  private static void put(int[] out, int o, int channels, int r, int g, int b) {
    if (channels == 3) {
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = b;
    } else if (r == g && g == b) {
      out[o] = r;
    } else {
      out[o] = (19595 * r + 38470 * g + 7471 * b + 32768) >> 16; // ITU-R 601 luma, as PIL's convert("L")
    }
  }

  /**
   * The most pixels an image may have (64 Mi, about 8,000 x 8,000): a damaged or hostile header may claim
   * any size, and decoding it would run out of memory instead of failing with a message.
   */
  static final long MAX_PIXELS = 1L << 26;

  private static BufferedImage read(byte[] data, String format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format);
    if (!readers.hasNext()) {
      throw new IllegalStateException("this JDK has no " + format + " image reader");
    }
    ImageReader reader = readers.next();
    String name = format.toUpperCase(Locale.ROOT);
    List<String> warnings = new ArrayList<>(1);
    BufferedImage image;
    // A memory-cached stream: ImageIO.read would use a temporary file per image when caching is on.
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(data))) {
      reader.setInput(in, true, true);
      // libjpeg reports a truncated or damaged JPEG as a warning and returns grey pixels; fail instead.
      reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
      long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
      if (pixels > MAX_PIXELS) {
        throw new IllegalArgumentException("the header says " + reader.getWidth(0) + "x" + reader.getHeight(0)
            + " pixels, more than the " + MAX_PIXELS + " an image may have");
      }
      image = reader.read(0);
    } catch (IOException | RuntimeException e) {
      // ImageIO's decoders throw IIOException and, on some damaged streams, runtime exceptions; CMYK
      // JPEGs are "Unsupported Image Type".
      throw new IllegalArgumentException("corrupt or unsupported " + name + " data (" + data.length + " bytes): "
          + e.getMessage(), e);
    } finally {
      reader.dispose();
    }
    if (!warnings.isEmpty()) {
      throw new IllegalArgumentException("corrupt " + name + " data (" + data.length + " bytes): " + warnings.get(0));
    }
    return image;
  }

  // ---- resizing ------------------------------------------------------------------------------

  /**
   * TF's ResizeBilinear with half-pixel centres (tf.image.resize's bilinear) of the window
   * [top, top + h) x [left, left + w) of an image {@code stride} pixels wide; the same size copies.
   */
  static float[] resizeBilinear(int[] in, int stride, int channels, int top, int left, int h, int w, int outH,
      int outW) {
    float[] out = new float[outH * outW * channels];
    if (h == outH && w == outW) {
      for (int y = 0; y < outH; y++) {
        for (int x = 0; x < outW; x++) {
          for (int c = 0; c < channels; c++) {
            out[(y * outW + x) * channels + c] = in[((top + y) * stride + left + x) * channels + c];
          }
        }
      }
      return out;
    }
    float scaleY = (float) h / outH;
    float scaleX = (float) w / outW;
    int[] x0 = new int[outW];
    int[] x1 = new int[outW];
    float[] xl = new float[outW];
    for (int x = 0; x < outW; x++) {
      float inX = (x + 0.5f) * scaleX - 0.5f;
      float fl = (float) Math.floor(inX);
      x0[x] = Math.max((int) fl, 0);
      x1[x] = Math.min((int) Math.ceil(inX), w - 1);
      xl[x] = inX - fl;
    }
    for (int y = 0; y < outH; y++) {
      float inY = (y + 0.5f) * scaleY - 0.5f;
      float fl = (float) Math.floor(inY);
      int y0 = Math.max((int) fl, 0);
      int y1 = Math.min((int) Math.ceil(inY), h - 1);
      float yl = inY - fl;
      int r0 = (top + y0) * stride + left;
      int r1 = (top + y1) * stride + left;
      for (int x = 0; x < outW; x++) {
        for (int c = 0; c < channels; c++) {
          float tl = in[(r0 + x0[x]) * channels + c];
          float tr = in[(r0 + x1[x]) * channels + c];
          float bl = in[(r1 + x0[x]) * channels + c];
          float br = in[(r1 + x1[x]) * channels + c];
          float t = tl + (tr - tl) * xl[x];
          float b = bl + (br - bl) * xl[x];
          out[(y * outW + x) * channels + c] = t + (b - t) * yl;
        }
      }
    }
    return out;
  }

  // ---- encoding ------------------------------------------------------------------------------

  /**
   * Encodes one image of {@code height} x {@code width} x {@code channels} (1 or 3) values, row-major,
   * rounded and clamped to 0..255, as {@code "png"} (lossless) or {@code "jpeg"} (quality 0.95, as TF's
   * ImageNet conversion script).
   */
  public static byte[] encode(float[] pixels, int height, int width, int channels, String format) {
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("images to encode need 1 or 3 channels, got " + channels);
    }
    if ((long) height * width * channels != pixels.length) {
      throw new IllegalArgumentException(pixels.length + " values are not an image of " + height + "x" + width + "x"
          + channels);
    }
    String f = format.toLowerCase(Locale.ROOT);
    if (!f.equals("png") && !f.equals("jpeg")) {
      throw new IllegalArgumentException("format must be png or jpeg, got " + format);
    }
    BufferedImage image = new BufferedImage(width, height,
        channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
    WritableRaster raster = image.getRaster();
    int[] v = new int[pixels.length];
    for (int i = 0; i < v.length; i++) {
      float p = pixels[i];
      if (Float.isNaN(p)) {
        throw new IllegalArgumentException("pixel value " + i + " is NaN");
      }
      v[i] = Math.round(Math.max(0f, Math.min(255f, p)));
    }
    raster.setPixels(0, 0, width, height, v);
    ImageWriter writer = ImageIO.getImageWritersByFormatName(f).next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (f.equals("jpeg")) {
        param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
        param.setCompressionQuality(0.95f);
      }
      writer.write(null, new IIOImage(image, null, null), param);
    } catch (IOException e) {
      throw new IllegalStateException("encoding a " + f + " image failed: " + e.getMessage(), e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }
}
