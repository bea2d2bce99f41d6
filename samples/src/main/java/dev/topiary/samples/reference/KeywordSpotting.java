package dev.topiary.samples.reference;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The reference's keyword-spotting row: ARM's DS-CNN (Hello Edge) on MFCC-shaped input (49 frames of
 * 10 coefficients), a strided 10x4 convolution, then depthwise-separable blocks (3x3 depthwise and 1x1
 * pointwise convolutions, each followed by batch normalization and ReLU), average pooling and a
 * classifier over 12 keywords; trained dense, pruned to 50 % and to 2:4 during a short fine-tuning,
 * stripped, written as {@code .tflite} in every flavour and run by {@code SparseModel}. The data are
 * synthetic (no speech corpus ships with Topiary): each keyword is a fixed pattern of bumps in time and
 * frequency, shifted in time and buried in noise per utterance. Options: {@code --filters 64} (DS-CNN-S;
 * DS-CNN-L is 276 with 5 blocks: {@code --filters 276 --blocks 5}), {@code --blocks 4}, {@code --train N},
 * {@code --epochs DENSE}, {@code --fine-tune EPOCHS}.
 */
public final class KeywordSpotting {
  /** Keywords ("yes", "no", ... in Speech Commands: 10 words, silence and unknown). */
  public static final int CLASSES = 12;
  public static final int FRAMES = 49;
  public static final int COEFFICIENTS = 10;

  private KeywordSpotting() {}

  /** DS-CNN with {@code filters} channels and {@code blocks} depthwise-separable blocks. */
  public static ModelSpec model(int filters, int blocks) {
    List<dev.topiary.dsl.layers.Layer> layers = new ArrayList<>(List.of(
        Conv2D.of(filters, 10, 4).strides(2, 2).padding(Padding.SAME).useBias(false), // 25x5xF
        BatchNormalization.of().momentum(0.9f), ActivationLayer.of(Activation.RELU)));
    for (int b = 0; b < blocks; b++) {
      layers.addAll(List.of(
          DepthwiseConv2D.of(3).padding(Padding.SAME).useBias(false),
          BatchNormalization.of().momentum(0.9f), ActivationLayer.of(Activation.RELU),
          Conv2D.of(filters, 1).useBias(false),
          BatchNormalization.of().momentum(0.9f), ActivationLayer.of(Activation.RELU)));
    }
    layers.add(GlobalAveragePooling2D.of());
    layers.add(Dense.of(CLASSES));
    return Sequential.of(Input.of(FRAMES, COEFFICIENTS, 1), layers.toArray(dev.topiary.dsl.layers.Layer[]::new));
  }

  /**
   * {@code n} utterances: class {@code c}'s pattern (4 bumps at fixed frames and coefficients, drawn once
   * from {@code seed}), shifted by up to 4 frames either way, plus Gaussian noise of deviation 1.5.
   */
  public static ReferenceTable.Data data(int n, long seed, long sampleSeed) {
    Random patterns = new Random(seed);
    float[][] templates = new float[CLASSES][FRAMES * COEFFICIENTS];
    for (int c = 0; c < CLASSES; c++) {
      for (int bump = 0; bump < 4; bump++) {
        double t0 = 8 + patterns.nextInt(FRAMES - 16);
        double f0 = patterns.nextInt(COEFFICIENTS);
        double sign = patterns.nextBoolean() ? 1 : -1;
        for (int t = 0; t < FRAMES; t++) {
          for (int f = 0; f < COEFFICIENTS; f++) {
            double d = (t - t0) * (t - t0) / 18.0 + (f - f0) * (f - f0) / 2.0;
            templates[c][t * COEFFICIENTS + f] += (float) (sign * 1.5 * Math.exp(-d));
          }
        }
      }
    }
    Random r = new Random(sampleSeed);
    float[] x = new float[n * FRAMES * COEFFICIENTS];
    int[] y = new int[n];
    for (int i = 0; i < n; i++) {
      int c = r.nextInt(CLASSES);
      int shift = r.nextInt(9) - 4;
      y[i] = c;
      for (int t = 0; t < FRAMES; t++) {
        int src = Math.floorMod(t - shift, FRAMES);
        for (int f = 0; f < COEFFICIENTS; f++) {
          x[(i * FRAMES + t) * COEFFICIENTS + f] = templates[c][src * COEFFICIENTS + f] + (float) (1.5 * r.nextGaussian());
        }
      }
    }
    return new ReferenceTable.Data(List.of(HostArray.of(x, n, FRAMES, COEFFICIENTS, 1)), HostArray.ofLabels(y), y);
  }

  /** 50 % (PolynomialDecay from 0.2, reached at three quarters of the fine-tuning) and 2:4. */
  public static List<ReferenceTable.Variant> variants() {
    return List.of(
        new ReferenceTable.Variant("50 %", 0.5, (spec, steps) ->
            spec.prunedWith(PruningSpec.of(PolynomialDecay.of(0.2, 0.5, 0, endStep(steps), 3, 10)))),
        new ReferenceTable.Variant("2:4", 0.5, (spec, steps) ->
            spec.prunedWith(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0, -1, 10)))));
  }

  /** Three quarters of the fine-tuning, on a mask update (every 10 steps), so the target is reached exactly. */
  static long endStep(long steps) {
    return Math.max(10, steps * 3 / 4 / 10 * 10);
  }

  public static List<ReferenceTable.Row> run(int filters, int blocks, int trainSize, ReferenceTable.Budget budget,
      boolean latency) {
    ReferenceTable.Data train = data(trainSize, 1, 2);
    ReferenceTable.Data test = data(600, 1, 3);
    Compile compile = Compile.of(Optimizer.adam(0.003f), Loss.sparseCategoricalCrossentropy(true)).seed(42);
    return ReferenceTable.run(model(filters, blocks), compile, train, test, budget, variants(), latency);
  }

  public static void main(String[] args) {
    List<String> a = Arrays.asList(args);
    int filters = ReferenceTable.intOption(a, "--filters", 64);
    int blocks = ReferenceTable.intOption(a, "--blocks", 4);
    int trainSize = ReferenceTable.intOption(a, "--train", 1600);
    ReferenceTable.Budget budget = new ReferenceTable.Budget(ReferenceTable.intOption(a, "--epochs", 4),
        ReferenceTable.intOption(a, "--fine-tune", 2), 64);
    System.out.printf("DS-CNN (%d filters, %d blocks) on %d synthetic 49x10 MFCC-like utterances, %d keywords%n",
        filters, blocks, trainSize, CLASSES);
    long t0 = System.nanoTime();
    List<ReferenceTable.Row> rows = run(filters, blocks, trainSize, budget, true);
    System.out.println();
    System.out.print(ReferenceTable.format("DS-CNN keyword spotting (600 test utterances)", rows));
    System.out.printf("%ntotal %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }
}
