package dev.topiary.samples.reference;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.attention.Attention;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The reference's translation row at toy scale: a GNMT-style encoder-decoder. The source tokens are
 * embedded and read by an LSTM encoder (all its outputs kept); the decoder LSTM reads the target
 * shifted right (teacher forcing: a start token, then the reference translation's previous tokens) and
 * its outputs attend over the encoder's through a projected query (Luong's "general" score: Dense, then
 * {@link Attention}); decoder output and context are concatenated, mixed by a tanh Dense (Luong's
 * attentional vector) and projected to the vocabulary. The decoder starts from zeros, not from the
 * encoder's final state, as some GNMT simplifications do (GNMT itself feeds the encoder to the decoder
 * through attention only): every source token reaches the decoder through attention, so the model
 * translates only if attention learns the alignment. Pruned to 80 % and 90 % (PolynomialDecay from 0.3),
 * as the reference prunes GNMT, over every prunable weight (embeddings, LSTM kernels and recurrent
 * kernels, Dense kernels).
 *
 * <p>The task is synthetic: sentences of 8 random words from a vocabulary of 16 (two ids reserved:
 * padding and start), "translated" word by word through a fixed random dictionary. Options:
 * {@code --units 64}, {@code --train N}, {@code --epochs DENSE}, {@code --fine-tune EPOCHS}.
 */
public final class Translation {
  public static final int VOCABULARY = 16;
  public static final int LENGTH = 8;
  /** The start token the decoder's input begins with (0 is padding, unused here). */
  public static final int START = 1;

  private Translation() {}

  public static ModelSpec model(int units) {
    Node source = Input.named("source", LENGTH);
    Node target = Input.named("target_in", LENGTH);
    Node encoded = LSTM.of(units).returnSequences(true).apply(Embedding.of(VOCABULARY, 32).apply(source));
    Node decoded = LSTM.of(units).returnSequences(true).apply(Embedding.of(VOCABULARY, 32).apply(target));
    Node context = Attention.of().apply(Dense.of(units).useBias(false).apply(decoded), encoded);
    Node attentional = Dense.of(units, Activation.TANH).apply(Concatenate.of().apply(decoded, context));
    return Functional.of(List.of(source, target), List.of(Dense.of(VOCABULARY).apply(attentional)));
  }

  /**
   * {@code n} sentence pairs: inputs (source, target shifted right after the start token), one-hot
   * labels {@code (n, LENGTH, VOCABULARY)} for the loss, and the target ids per token.
   */
  public static ReferenceTable.Data data(int n, long dictionarySeed, long sampleSeed) {
    int[] dictionary = new int[VOCABULARY];
    List<Integer> words = new java.util.ArrayList<>();
    for (int w = 2; w < VOCABULARY; w++) {
      words.add(w);
    }
    java.util.Collections.shuffle(words, new Random(dictionarySeed));
    for (int w = 2; w < VOCABULARY; w++) {
      dictionary[w] = words.get(w - 2);
    }
    Random r = new Random(sampleSeed);
    float[] source = new float[n * LENGTH];
    float[] targetIn = new float[n * LENGTH];
    float[] oneHot = new float[n * LENGTH * VOCABULARY];
    int[] ids = new int[n * LENGTH];
    for (int i = 0; i < n; i++) {
      for (int t = 0; t < LENGTH; t++) {
        int word = 2 + r.nextInt(VOCABULARY - 2);
        int k = i * LENGTH + t;
        source[k] = word;
        ids[k] = dictionary[word];
        oneHot[k * VOCABULARY + ids[k]] = 1;
        targetIn[k] = t == 0 ? START : ids[k - 1];
      }
    }
    return new ReferenceTable.Data(List.of(HostArray.of(source, n, LENGTH), HostArray.of(targetIn, n, LENGTH)),
        HostArray.of(oneHot, n, LENGTH, VOCABULARY), ids);
  }

  /** 80 % and 90 % (PolynomialDecay from 0.3, reached at three quarters of the fine-tuning). */
  public static List<ReferenceTable.Variant> variants() {
    return List.of(variant(0.8), variant(0.9));
  }

  private static ReferenceTable.Variant variant(double target) {
    return new ReferenceTable.Variant(Math.round(target * 100) + " %", target, (spec, steps) ->
        spec.prunedWith(PruningSpec.of(PolynomialDecay.of(0.3, target, 0, KeywordSpotting.endStep(steps), 3, 10))));
  }

  public static List<ReferenceTable.Row> run(int units, int trainSize, ReferenceTable.Budget budget, boolean latency) {
    ReferenceTable.Data train = data(trainSize, 5, 6);
    ReferenceTable.Data test = data(500, 5, 7);
    Compile compile = Compile.of(Optimizer.adam(0.005f), Loss.categoricalCrossentropy(true)).seed(42);
    return ReferenceTable.run(model(units), compile, train, test, budget, variants(), latency);
  }

  public static void main(String[] args) {
    List<String> a = Arrays.asList(args);
    int units = ReferenceTable.intOption(a, "--units", 64);
    int trainSize = ReferenceTable.intOption(a, "--train", 3000);
    ReferenceTable.Budget budget = new ReferenceTable.Budget(ReferenceTable.intOption(a, "--epochs", 5),
        ReferenceTable.intOption(a, "--fine-tune", 4), 64);
    System.out.printf("GNMT-style encoder-decoder (LSTM %d, Luong attention) on %d synthetic sentence pairs,"
        + " vocabulary %d, length %d%n", units, trainSize, VOCABULARY, LENGTH);
    long t0 = System.nanoTime();
    List<ReferenceTable.Row> rows = run(units, trainSize, budget, true);
    System.out.println();
    System.out.print(ReferenceTable.format("GNMT-style translation (token accuracy, 500 test pairs)", rows));
    System.out.printf("%ntotal %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }
}
