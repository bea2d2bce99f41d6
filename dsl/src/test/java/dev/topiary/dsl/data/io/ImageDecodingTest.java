package dev.topiary.dsl.data.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.dsl.data.Batch;
import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.Example;
import dev.topiary.dsl.export.CorruptFileException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoding against images and pixels written by TensorFlow 2.21 (Python): {@code dsl/tools/make_image_fixtures.py}
 * wrote {@code src/test/resources/images} (8x6 images, their pixels as JSON, TF's resizes, and TFRecord files in
 * the layouts of TF's ImageNet conversion script and of TFDS).
 */
class ImageDecodingTest {
  @TempDir
  Path dir;

  static byte[] bytes(String name) {
    try (InputStream in = ImageDecodingTest.class.getResourceAsStream("/images/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pixels the fixture script wrote for {@code name}: shape and values. */
  record Expected(int[] shape, double[] values) {}

  static Expected expected(String name) {
    try {
      JsonNode node = new ObjectMapper().readTree(bytes(name + ".json"));
      int[] shape = new int[node.get("shape").size()];
      for (int i = 0; i < shape.length; i++) {
        shape[i] = node.get("shape").get(i).asInt();
      }
      double[] values = new double[node.get("values").size()];
      for (int i = 0; i < values.length; i++) {
        values[i] = node.get("values").get(i).asDouble();
      }
      return new Expected(shape, values);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path resource(String name) throws IOException {
    Path p = dir.resolve(name);
    Files.write(p, bytes(name));
    return p;
  }

  private static int[] ints(double[] v) {
    return Arrays.stream(v).mapToInt(x -> (int) x).toArray();
  }

  @Test
  void pngIsExactInRgbGrayAndRgba() {
    for (String name : List.of("rgb.png", "gray.png", "rgba.png")) {
      Expected e = expected(name);
      int channels = name.startsWith("gray") ? 1 : 3;
      ImageDecoding.Pixels p = ImageDecoding.pixels(bytes(name), channels);
      assertThat(new int[] {p.height(), p.width()}).isEqualTo(new int[] {6, 8});
      int[] want = ints(e.values);
      if (name.equals("rgba.png")) { // alpha dropped
        int[] rgb = new int[6 * 8 * 3];
        for (int i = 0; i < 6 * 8; i++) {
          System.arraycopy(want, i * 4, rgb, i * 3, 3);
        }
        want = rgb;
      }
      assertThat(p.values()).as(name).isEqualTo(want);
    }
  }

  @Test
  void grayscalePngAskedForRgbRepeatsTheChannelAsTfDoes() {
    assertThat(ImageDecoding.pixels(bytes("gray.png"), 3).values()).isEqualTo(ints(expected("gray.png.rgb").values));
  }

  @Test
  void jpegEqualsTfsAccurateIdctExactlyAndItsDefaultWithinFiveLevels() {
    for (String name : List.of("rgb.jpg", "gray.jpg")) {
      int channels = name.startsWith("gray") ? 1 : 3;
      int[] got = ImageDecoding.pixels(bytes(name), channels).values();
      assertThat(got).as(name + " vs decode_jpeg(dct_method='INTEGER_ACCURATE')")
          .isEqualTo(ints(expected(name).values));
      int[] fast = ints(expected(name + ".fast").values);
      for (int i = 0; i < got.length; i++) {
        assertThat(got[i]).as(name + " vs TF's default decode, value " + i).isCloseTo(fast[i], within(5));
      }
    }
  }

  @Test
  void resizeIsTfImageResizeBilinearUpAndDown() {
    ImageDecoding.Pixels p = ImageDecoding.pixels(bytes("rgb.png"), 3);
    for (int[] size : new int[][] {{4, 5}, {9, 11}}) {
      Expected e = expected("rgb.png.resize" + size[0] + "x" + size[1]);
      assertThat(e.shape).isEqualTo(new int[] {size[0], size[1], 3});
      float[] got = ImageDecoding.of(size[0], size[1]).decode(bytes("rgb.png"));
      assertThat(got).hasSize(e.values.length);
      for (int i = 0; i < got.length; i++) {
        assertThat((double) got[i]).as("resize to " + Arrays.toString(size) + ", value " + i)
            .isCloseTo(e.values[i], within(1e-3));
      }
    }
    // The same size is a copy.
    float[] same = ImageDecoding.of(6, 8).decode(bytes("rgb.png"));
    for (int i = 0; i < same.length; i++) {
      assertThat(same[i]).isEqualTo((float) p.values()[i]);
    }
  }

  @Test
  void centralCropThenResizeIsImageNetsEvaluationCrop() {
    Expected e = expected("rgb.png.crop875resize4x4");
    float[] got = ImageDecoding.of(4, 4).centralCrop(0.875).decode(bytes("rgb.png"));
    for (int i = 0; i < got.length; i++) {
      assertThat((double) got[i]).as("value " + i).isCloseTo(e.values[i], within(1e-3));
    }
  }

  @Test
  void scalesAsTheModelExpects() {
    float[] raw = ImageDecoding.of(6, 8).decode(bytes("rgb.png"));
    float[] unit = ImageDecoding.of(6, 8).scale(ImageDecoding.Scale.UNIT).decode(bytes("rgb.png"));
    float[] sym = ImageDecoding.of(6, 8).scale(ImageDecoding.Scale.MINUS_ONE_TO_ONE).decode(bytes("rgb.png"));
    double[] px = expected("rgb.png").values;
    for (int i = 0; i < raw.length; i++) {
      assertThat((double) raw[i]).isEqualTo(px[i]);
      assertThat((double) unit[i]).isCloseTo(px[i] / 255, within(1e-6));
      assertThat((double) sym[i]).isCloseTo(px[i] / 127.5 - 1, within(1e-6));
    }
  }

  @Test
  void rgbAskedForGrayscaleIsItu601Luma() {
    int[] rgb = ints(expected("rgb.png").values);
    int[] gray = ImageDecoding.pixels(bytes("rgb.png"), 1).values();
    for (int i = 0; i < gray.length; i++) {
      // PIL's convert("L"): L = R * 299/1000 + G * 587/1000 + B * 114/1000, rounded.
      double l = rgb[3 * i] * 0.299 + rgb[3 * i + 1] * 0.587 + rgb[3 * i + 2] * 0.114;
      assertThat((double) gray[i]).isCloseTo(l, within(0.51));
    }
  }

  @Test
  void imageNetConversionLayoutReadsAsItIsWithTheLabelOffset() throws IOException {
    Path file = resource("imagenet-layout.tfrecord");
    List<Example> examples = TFRecordDataset.of(file).imageInput("image/encoded", ImageDecoding.of(6, 8))
        .intLabel("image/class/label", -1).examples(0);
    assertThat(examples).hasSize(10);
    for (int i = 0; i < 10; i++) {
      assertThat(examples.get(i).label().intValue()).isEqualTo(i % 5); // written as 1..5
      assertThat(examples.get(i).input().shape()).containsExactly(6, 8, 3);
    }
    for (int i = 0; i < 2; i++) {
      assertThat(examples.get(i).input().floats()).isEqualTo(floats(expected("imagenet-layout." + i).values));
    }
  }

  @Test
  void tfdsLayoutReadsAsItIsInBatchesOnThreads() throws IOException {
    Path file = resource("tfds-layout.tfrecord");
    Dataset d = TFRecordDataset.of(file).imageInput("image", ImageDecoding.of(6, 8)).intLabel("label").decodeThreads(3);
    List<Batch> batches = d.toList(0, 4);
    assertThat(batches).hasSize(3);
    assertThat(batches.get(0).inputs().get(0).shape()).containsExactly(4, 6, 8, 3);
    assertThat(batches.get(0).labels().get(0).ints()).containsExactly(0, 1, 2, 3);
    float[] third = Arrays.copyOfRange(batches.get(0).inputs().get(0).floats(), 3 * 144, 4 * 144);
    assertThat(third).isEqualTo(floats(expected("tfds-layout.3").values));
    // The same examples in the same order on one thread.
    List<Example> one = TFRecordDataset.of(file).imageInput("image", ImageDecoding.of(6, 8)).intLabel("label").examples(0);
    assertThat(d.examples(0)).isEqualTo(one);
  }

  @Test
  void aLabelBelowZeroAfterTheOffsetFailsNamingTheRecord() throws IOException {
    Path file = resource("tfds-layout.tfrecord");
    Dataset d = TFRecordDataset.of(file).imageInput("image", ImageDecoding.of(6, 8)).intLabel("label", -1);
    assertThatThrownBy(() -> d.examples(0)).isInstanceOf(CorruptFileException.class)
        .hasMessageContaining("record 0").hasMessageContaining("'label' is -1 after the offset -1");
  }

  private static float[] floats(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return f;
  }

  // ---- corrupt and wrong encodings ----------------------------------------------------------

  private Path records(byte[]... images) {
    Path file = dir.resolve("mixed.tfrecord");
    try (TFRecords.Writer w = TFRecords.writer(file)) {
      for (int i = 0; i < images.length; i++) {
        w.write(TFRecordDataset.example(Map.of("image", TFRecordDataset.bytes(images[i]), "label", TFRecordDataset.ints(i))));
      }
    }
    return file;
  }

  @Test
  void corruptImagesFailNamingFileRecordAndFeature() {
    byte[] png = bytes("rgb.png");
    byte[] jpg = bytes("rgb.jpg");
    byte[] truncatedJpeg = Arrays.copyOf(jpg, jpg.length / 2);
    byte[] truncatedPng = Arrays.copyOf(png, png.length - 30);
    byte[] text = "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    for (byte[] bad : List.of(truncatedJpeg, truncatedPng, text, new byte[0])) {
      Path file = records(png, jpg, bad);
      for (int threads : new int[] {1, 2}) {
        Dataset d = TFRecordDataset.of(file).imageInput("image", ImageDecoding.of(6, 8)).intLabel("label")
            .decodeThreads(threads);
        assertThatThrownBy(() -> d.toList(0, 2)).isInstanceOf(CorruptFileException.class)
            .hasMessageContaining(file.toString()).hasMessageContaining("record 2")
            .hasMessageContaining("image feature 'image'");
      }
    }
    assertThatThrownBy(() -> ImageDecoding.pixels("not an image".getBytes(), 3))
        .hasMessageContaining("not a JPEG, PNG, GIF or BMP image").hasMessageContaining("0x6e6f7420");
    assertThatThrownBy(() -> ImageDecoding.pixels(truncatedJpeg, 3)) // cut in its headers
        .hasMessageContaining("corrupt or unsupported JPEG data (" + truncatedJpeg.length + " bytes)");
    // Cut in the compressed scan: the JDK warns and would return grey pixels for the rest.
    assertThatThrownBy(() -> ImageDecoding.pixels(Arrays.copyOf(jpg, jpg.length - 20), 3))
        .hasMessageContaining("corrupt JPEG data (" + (jpg.length - 20) + " bytes): Truncated File - Missing EOI marker");
  }

  @Test
  void aFloatFeatureWhereTheImageShouldBeFailsNamingIt() {
    Path file = dir.resolve("floats.tfrecord");
    try (TFRecords.Writer w = TFRecords.writer(file)) {
      w.write(TFRecordDataset.example(Map.of("image", TFRecordDataset.floats(1, 2), "label", TFRecordDataset.ints(0))));
    }
    Dataset d = TFRecordDataset.of(file).imageInput("image", ImageDecoding.of(6, 8)).intLabel("label");
    assertThatThrownBy(() -> d.examples(0)).isInstanceOf(CorruptFileException.class)
        .hasMessageContaining("record 0: image feature 'image' must be a bytes_list of one encoded image, got a float_list of 2");
  }

  @Test
  void skippingCorruptImagesIsAskedForAndCounted() {
    byte[] png = bytes("rgb.png");
    Path file = records(png, "junk".getBytes(), png, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0}, png);
    for (int threads : new int[] {1, 3}) {
      TFRecordDataset d = TFRecordDataset.of(file).imageInput("image", ImageDecoding.of(6, 8)).intLabel("label")
          .decodeThreads(threads).skipCorruptImages();
      List<Example> kept = d.examples(0);
      assertThat(kept.stream().map(e -> e.label().intValue())).containsExactly(0, 2, 4);
      assertThat(d.skippedImages()).isEqualTo(2);
      d.examples(1);
      assertThat(d.skippedImages()).isEqualTo(4);
    }
  }

  /** A PNG whose header claims 100,000 x 100,000 pixels (checksum valid) fails instead of running out of memory. */
  @Test
  void aHugeClaimedSizeFailsWithAMessage() {
    byte[] png = bytes("rgb.png");
    // IHDR's data starts at byte 16: width and height (big-endian), then its CRC over type + data at 29.
    java.nio.ByteBuffer.wrap(png).putInt(16, 100_000).putInt(20, 100_000);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    crc.update(png, 12, 17);
    java.nio.ByteBuffer.wrap(png).putInt(29, (int) crc.getValue());
    assertThatThrownBy(() -> ImageDecoding.of(6, 8).decode(png))
        .hasMessageContaining("100000x100000 pixels, more than the 67108864 an image may have");
  }

  @Test
  void encodedPngRoundTripsAndJpegStaysClose() {
    int[] px = ImageDecoding.pixels(bytes("rgb.png"), 3).values();
    float[] f = new float[px.length];
    for (int i = 0; i < f.length; i++) {
      f[i] = px[i];
    }
    assertThat(ImageDecoding.pixels(ImageDecoding.encode(f, 6, 8, 3, "png"), 3).values()).isEqualTo(px);
    int[] jpeg = ImageDecoding.pixels(ImageDecoding.encode(f, 6, 8, 3, "jpeg"), 3).values();
    double meanError = 0;
    for (int i = 0; i < px.length; i++) {
      meanError += Math.abs(jpeg[i] - px[i]) / (double) px.length;
    }
    assertThat(meanError).isLessThan(8); // quality 0.95 with 4:2:0 chroma on a noisy 8x6 image
    assertThatThrownBy(() -> ImageDecoding.encode(f, 6, 8, 2, "png")).hasMessageContaining("1 or 3 channels");
    assertThatThrownBy(() -> ImageDecoding.encode(f, 6, 8, 3, "webp")).hasMessageContaining("png or jpeg");
  }
}
