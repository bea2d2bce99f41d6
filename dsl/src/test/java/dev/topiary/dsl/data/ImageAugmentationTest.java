package dev.topiary.dsl.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Seeded image augmentation: deterministic per epoch, and each step doing what it says. */
class ImageAugmentationTest {
  static final int H = 5;
  static final int W = 7;
  static final int C = 2;

  /** 40 distinct images [5, 7, 2] with their index as label. */
  static Dataset images() {
    List<Example> out = new ArrayList<>();
    for (int n = 0; n < 40; n++) {
      float[] px = new float[H * W * C];
      for (int i = 0; i < px.length; i++) {
        px[i] = n * 1000 + i;
      }
      out.add(Example.of(Example.Values.of(px, H, W, C), Example.Values.label(n)));
    }
    return Dataset.fromExamples(out);
  }

  static float[] source(int n) {
    return images().examples(0).get(n).input().floats();
  }

  static List<float[]> pixels(Dataset d, int epoch) {
    return d.examples(epoch).stream().map(e -> e.input().floats()).toList();
  }

  @Test
  void sameEpochSameImagesWhateverTheThreadsOtherEpochsDiffer() {
    ImageAugmentation a = ImageAugmentation.seeded(7).flipHorizontal().translate(0.4, 0.3).brightness(3f).contrast(0.5);
    Dataset d = images().shuffle(40, 1).augment(a);
    List<float[]> e0 = pixels(d, 0);
    assertSamePixels(pixels(d, 0), e0);
    assertSamePixels(pixels(images().shuffle(40, 1).augment(a, 3), 0), e0);
    List<float[]> e1 = pixels(d, 1);
    assertThat(e1.get(0)).isNotEqualTo(e0.get(0));
    List<float[]> otherSeed = pixels(images().shuffle(40, 1).augment(ImageAugmentation.seeded(8).flipHorizontal()
        .translate(0.4, 0.3).brightness(3f).contrast(0.5)), 0);
    assertThat(otherSeed.get(0)).isNotEqualTo(e0.get(0));
    // The labels travel with their images.
    assertThat(d.examples(0).stream().map(e -> e.label().intValue()))
        .containsExactlyElementsOf(images().shuffle(40, 1).examples(0).stream().map(e -> e.label().intValue()).toList());
  }

  private static void assertSamePixels(List<float[]> got, List<float[]> want) {
    assertThat(got).hasSameSizeAs(want);
    for (int i = 0; i < want.size(); i++) {
      assertThat(got.get(i)).as("image " + i).isEqualTo(want.get(i));
    }
  }

  private static float at(float[] px, int y, int x, int c) {
    return px[(y * W + x) * C + c];
  }

  @Test
  void horizontalFlipMirrorsAboutHalfTheImages() {
    List<float[]> out = pixels(images().augment(ImageAugmentation.seeded(1).flipHorizontal()), 0);
    int flipped = 0;
    for (int n = 0; n < out.size(); n++) {
      float[] src = source(n);
      float[] got = out.get(n);
      boolean same = java.util.Arrays.equals(src, got);
      boolean mirrored = true;
      for (int y = 0; y < H; y++) {
        for (int x = 0; x < W; x++) {
          for (int c = 0; c < C; c++) {
            mirrored &= at(got, y, x, c) == at(src, y, W - 1 - x, c);
          }
        }
      }
      assertThat(same || mirrored).as("image " + n + " is itself or its mirror").isTrue();
      flipped += mirrored ? 1 : 0;
    }
    assertThat(flipped).isBetween(8, 32); // 40 fair coins
  }

  /** Reflect padding as scipy's "reflect" mode: d c b a | a b c d | d c b a. */
  private static int reflect(int i, int n) {
    while (i < 0 || i >= n) {
      i = i < 0 ? -i - 1 : 2 * n - i - 1;
    }
    return i;
  }

  @Test
  void translationShiftsByWholePixelsWithinTheRangeFillingByReflection() {
    List<float[]> out = pixels(images().augment(ImageAugmentation.seeded(2).translate(0.4, 0.3)), 0);
    java.util.Set<String> shifts = ConcurrentHashMap.newKeySet();
    for (int n = 0; n < out.size(); n++) {
      float[] src = source(n);
      float[] got = out.get(n);
      String found = null;
      for (int dy = -2; dy <= 2 && found == null; dy++) { // round(0.4 * 5) = 2
        for (int dx = -2; dx <= 2 && found == null; dx++) { // round(0.3 * 7) = 2
          boolean match = true;
          for (int y = 0; y < H && match; y++) {
            for (int x = 0; x < W && match; x++) {
              for (int c = 0; c < C; c++) {
                match &= at(got, y, x, c) == at(src, reflect(y - dy, H), reflect(x - dx, W), c);
              }
            }
          }
          if (match) {
            found = dy + "," + dx;
          }
        }
      }
      assertThat(found).as("image " + n + " is a shift of at most 2 pixels each way").isNotNull();
      shifts.add(found);
    }
    assertThat(shifts.size()).isGreaterThan(8); // of 25 possible shifts
  }

  @Test
  void brightnessAddsOneDeltaAndContrastScalesAboutTheChannelMeans() {
    List<float[]> bright = pixels(images().augment(ImageAugmentation.seeded(3).brightness(4f)), 0);
    for (int n = 0; n < bright.size(); n++) {
      float[] src = source(n);
      float delta = bright.get(n)[0] - src[0];
      assertThat(delta).isBetween(-4f, 4f);
      for (int i = 0; i < src.length; i++) {
        assertThat(bright.get(n)[i] - src[i]).isCloseTo(delta, within(1e-2f));
      }
    }
    List<float[]> contrast = pixels(images().augment(ImageAugmentation.seeded(4).contrast(0.5)), 0);
    for (int n = 0; n < contrast.size(); n++) {
      float[] src = source(n);
      float[] got = contrast.get(n);
      for (int c = 0; c < C; c++) {
        int ch = c;
        double mean = IntStream.range(0, H * W).mapToDouble(i -> src[i * C + ch]).average().orElseThrow();
        double meanOut = IntStream.range(0, H * W).mapToDouble(i -> got[i * C + ch]).average().orElseThrow();
        assertThat(meanOut).isCloseTo(mean, within(1e-2));
        double factor = (got[ch] - mean) / (src[ch] - mean);
        assertThat(factor).isBetween(0.5, 1.5);
        for (int i = 0; i < H * W; i++) {
          assertThat((double) got[i * C + ch]).isCloseTo(mean + (src[i * C + ch] - mean) * factor, within(0.05));
        }
      }
    }
  }

  @Test
  void badInputsAndSettingsFailNamingThem() {
    Dataset flat = Dataset.of(new float[][] {{1, 2, 3}}, new int[] {0});
    assertThatThrownBy(() -> flat.augment(ImageAugmentation.seeded(1).flipHorizontal()).examples(0))
        .hasMessageContaining("float images of shape [height, width, channels]").hasMessageContaining("float[3]");
    assertThatThrownBy(() -> ImageAugmentation.seeded(1).contrast(1.5)).hasMessageContaining("contrast factor");
    assertThatThrownBy(() -> ImageAugmentation.seeded(1).translate(-0.1, 0)).hasMessageContaining("translation");
    assertThatThrownBy(() -> images().batch(4).augment(ImageAugmentation.seeded(1)))
        .hasMessageContaining("augment applies to examples");
  }

  @Test
  void parallelMapKeepsTheOrderAndPassesErrorsAsThrown() {
    Dataset d = images().map(e -> {
      try {
        Thread.sleep((e.label().intValue() * 7) % 5); // finish out of order
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
      }
      return e.withLabels(List.of(Example.Values.label(e.label().intValue() * 2)));
    }, 4);
    assertThat(d.examples(0).stream().map(e -> e.label().intValue()))
        .containsExactlyElementsOf(IntStream.range(0, 40).map(i -> 2 * i).boxed().toList());
    Dataset failing = images().map(e -> {
      if (e.label().intValue() == 13) {
        throw new IllegalArgumentException("example 13 is bad");
      }
      return e;
    }, 3);
    assertThatThrownBy(() -> failing.examples(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("example 13 is bad");
    assertThatThrownBy(() -> images().map(e -> e, 0)).hasMessageContaining("threads must be >= 1");
  }

  @Test
  void closingEarlyStopsTheWorkerThreads() throws InterruptedException {
    Dataset d = images().map(e -> e, 3).batch(4).prefetch(2);
    try (Dataset.Batches b = d.batches(0, 4)) {
      assertThat(b.next().examples()).isEqualTo(4);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (workers() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(workers()).isZero();
  }

  private static long workers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(Pipelines.WORKER_THREAD)).count();
  }
}
