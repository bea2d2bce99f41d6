package dev.topiary.dsl.data;

import dev.topiary.dsl.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random changes to training images, as Keras' preprocessing layers {@code RandomFlip},
 * {@code RandomTranslation}, {@code RandomBrightness} and {@code RandomContrast}, applied to the first
 * input of each example (float pixels of shape [height, width, channels], or [height, width]) by
 * {@link Dataset#augment}:
 *
 * <pre>{@code
 * ImageAugmentation.seeded(7).flipHorizontal().translate(0.1, 0.1).brightness(0.1f).contrast(0.2)
 * }</pre>
 *
 * <p>Each example's draws come from (seed, epoch, position in the pass) only: the same epoch gives the
 * same images (a resumed fit sees what an uninterrupted one saw, whatever the threads), another epoch
 * other images. The steps run in the order flip, translate, brightness, contrast. Values are not clipped
 * (as {@code tf.image.adjust_brightness}); scale them before or after as the model expects.
 */
public final class ImageAugmentation {
  private final long seed;
  private final boolean horizontal;
  private final boolean vertical;
  private final double translateHeight;
  private final double translateWidth;
  private final float brightness;
  private final double contrast;

  private ImageAugmentation(long seed, boolean horizontal, boolean vertical, double translateHeight,
      double translateWidth, float brightness, double contrast) {
    this.seed = seed;
    this.horizontal = horizontal;
    this.vertical = vertical;
    this.translateHeight = translateHeight;
    this.translateWidth = translateWidth;
    this.brightness = brightness;
    this.contrast = contrast;
  }

  /** No changes yet; the draws of every step come from {@code seed}. */
  public static ImageAugmentation seeded(long seed) {
    return new ImageAugmentation(seed, false, false, 0, 0, 0, 0);
  }

  /** Mirrors left-right with probability 1/2. */
  public ImageAugmentation flipHorizontal() {
    return new ImageAugmentation(seed, true, vertical, translateHeight, translateWidth, brightness, contrast);
  }

  /** Mirrors top-bottom with probability 1/2. */
  public ImageAugmentation flipVertical() {
    return new ImageAugmentation(seed, horizontal, true, translateHeight, translateWidth, brightness, contrast);
  }

  /**
   * Shifts by a whole number of pixels drawn uniformly up to {@code heightFraction} of the height and
   * {@code widthFraction} of the width each way, filling by reflection (Keras' default {@code fill_mode})
   * — a random crop of the reflect-padded image at the original size.
   */
  public ImageAugmentation translate(double heightFraction, double widthFraction) {
    for (double f : new double[] {heightFraction, widthFraction}) {
      if (!(f >= 0 && f <= 1)) {
        throw new IllegalArgumentException("translation fractions must be in [0, 1], got " + heightFraction + ", "
            + widthFraction);
      }
    }
    return new ImageAugmentation(seed, horizontal, vertical, heightFraction, widthFraction, brightness, contrast);
  }

  /** Adds one value drawn uniformly from [-maxDelta, maxDelta] to every pixel (in the pixels' units). */
  public ImageAugmentation brightness(float maxDelta) {
    if (!(maxDelta >= 0) || Float.isInfinite(maxDelta)) {
      throw new IllegalArgumentException("brightness delta must be finite and >= 0, got " + maxDelta);
    }
    return new ImageAugmentation(seed, horizontal, vertical, translateHeight, translateWidth, maxDelta, contrast);
  }

  /**
   * Scales each channel's deviation from its mean by a factor drawn uniformly from
   * [1 - factor, 1 + factor] ({@code tf.image.adjust_contrast}).
   */
  public ImageAugmentation contrast(double factor) {
    if (!(factor >= 0 && factor <= 1)) {
      throw new IllegalArgumentException("contrast factor must be in [0, 1], got " + factor);
    }
    return new ImageAugmentation(seed, horizontal, vertical, translateHeight, translateWidth, brightness, factor);
  }

  /** The example at {@code position} of the pass of {@code epoch}, augmented (what {@link Dataset#augment} gives). */
  public Example apply(Example example, int epoch, long position) {
    Example.Values image = example.input();
    long[] shape = image.shape();
    if (image.dtype() != HostArray.DType.FLOAT32 || (shape.length != 3 && shape.length != 2)) {
      throw new IllegalArgumentException("augmentation needs float images of shape [height, width, channels] or "
          + "[height, width] as the first input, got " + image.typeName() + " (example " + position + ")");
    }
    int h = (int) shape[0];
    int w = (int) shape[1];
    int c = shape.length == 3 ? (int) shape[2] : 1;
    float[] px = image.floats();
    // One stream per example: (seed, epoch) mixed, then the position, so threads and skipped examples
    // elsewhere do not move anyone's draws.
    SplittableRandom random = new SplittableRandom(Seeds.mix(seed, "augment " + epoch) + position * 0x9E3779B97F4A7C15L);
    boolean flipX = horizontal && random.nextBoolean();
    boolean flipY = vertical && random.nextBoolean();
    int maxDy = (int) Math.round(translateHeight * h);
    int maxDx = (int) Math.round(translateWidth * w);
    int dy = maxDy == 0 ? 0 : random.nextInt(-maxDy, maxDy + 1);
    int dx = maxDx == 0 ? 0 : random.nextInt(-maxDx, maxDx + 1);
    if (flipX || flipY || dy != 0 || dx != 0) {
      float[] moved = new float[px.length];
      for (int y = 0; y < h; y++) {
        int sy = reflect(y - dy, h);
        if (flipY) {
          sy = h - 1 - sy;
        }
        for (int x = 0; x < w; x++) {
          int sx = reflect(x - dx, w);
          if (flipX) {
            sx = w - 1 - sx;
          }
          System.arraycopy(px, (sy * w + sx) * c, moved, (y * w + x) * c, c);
        }
      }
      px = moved;
    }
    if (brightness > 0) {
      float delta = (float) (random.nextDouble() * 2 - 1) * brightness;
      for (int i = 0; i < px.length; i++) {
        px[i] += delta;
      }
    }
    if (contrast > 0) {
      float factor = (float) (1 - contrast + random.nextDouble() * 2 * contrast);
      double[] mean = new double[c];
      for (int i = 0; i < px.length; i++) {
        mean[i % c] += px[i];
      }
      for (int k = 0; k < c; k++) {
        mean[k] /= (double) h * w;
      }
      for (int i = 0; i < px.length; i++) {
        float m = (float) mean[i % c];
        px[i] = (px[i] - m) * factor + m;
      }
    }
    List<Example.Values> inputs = new ArrayList<>(example.inputs());
    inputs.set(0, Example.Values.of(px, shape));
    return example.withInputs(inputs);
  }

  /** Keras' "reflect" fill: d c b a | a b c d | d c b a. */
  private static int reflect(int i, int n) {
    int period = 2 * n;
    int m = Math.floorMod(i, period);
    return m < n ? m : period - 1 - m;
  }

  @Override
  public String toString() {
    List<String> steps = new ArrayList<>();
    if (horizontal) {
      steps.add("flip horizontal");
    }
    if (vertical) {
      steps.add("flip vertical");
    }
    if (translateHeight > 0 || translateWidth > 0) {
      steps.add("translate " + translateHeight + ", " + translateWidth);
    }
    if (brightness > 0) {
      steps.add("brightness " + brightness);
    }
    if (contrast > 0) {
      steps.add("contrast " + contrast);
    }
    return "ImageAugmentation(seed " + seed + ", " + String.join(", ", steps) + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ImageAugmentation a && a.seed == seed && a.horizontal == horizontal && a.vertical == vertical
        && a.translateHeight == translateHeight && a.translateWidth == translateWidth && a.brightness == brightness
        && a.contrast == contrast;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(new Object[] {seed, horizontal, vertical, translateHeight, translateWidth, brightness, contrast});
  }
}
