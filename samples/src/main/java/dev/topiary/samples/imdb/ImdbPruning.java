package dev.topiary.samples.imdb;

import dev.topiary.dsl.Input;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Embedding;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Metric;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.samples.data.Idx;
import dev.topiary.samples.data.TextData;
import dev.topiary.samples.mnist.MnistPruning;
import dev.topiary.samples.mnist.ResultsTable;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * TF Model Optimization's IMDB LSTM example in Topiary: reviews tokenized with a vocabulary of the
 * most frequent training words, padded to a fixed length, Embedding -> LSTM -> Dense(sigmoid); trained
 * dense, then fine-tuned with PolynomialDecay 0.5 -> 0.8 over every prunable weight (embeddings, LSTM
 * kernel and recurrent kernel, Dense kernel). Options: {@code --data DIR} (full train.tsv.gz /
 * test.tsv.gz), {@code --targets}, {@code --frequency}, {@code --epochs DENSE,FINE_TUNE}, {@code --global} (global
 * pruning rows at the same totals), {@code --json FILE}, {@code --quiet}.
 */
public final class ImdbPruning {
  /** Vocabulary size (words), sequence length and LSTM width. */
  public record Shape(int vocabulary, int length, int embedding, int units) {
    public static Shape defaults() {
      return new Shape(10_000, 200, 32, 32);
    }
  }

  private ImdbPruning() {}

  public static ModelSpec model(Shape shape) {
    return Sequential.of(Input.of(shape.length()),
        Embedding.of(shape.vocabulary() + 2, shape.embedding()),
        LSTM.of(shape.units()),
        Dense.of(1, Activation.SIGMOID));
  }

  /** Token ids and labels for a training and a test split. */
  public static Idx.Split[] prepare(TextData.Texts train, TextData.Texts test, Shape shape) {
    Map<String, Integer> vocabulary = TextData.vocabulary(train.texts(), shape.vocabulary());
    return new Idx.Split[] {
      new Idx.Split(TextData.encode(train.texts(), vocabulary, shape.length()), TextData.labels(train.labels())),
      new Idx.Split(TextData.encode(test.texts(), vocabulary, shape.length()), TextData.labels(test.labels()))
    };
  }

  public static List<MnistPruning.Row> run(Idx.Split train, Idx.Split test, Shape shape, MnistPruning.Settings s) {
    return run(train, test, shape, s, MnistPruning.polynomialVariants(s));
  }

  /** As {@link #run(Idx.Split, Idx.Split, Shape, MnistPruning.Settings)} with other variants. */
  public static List<MnistPruning.Row> run(Idx.Split train, Idx.Split test, Shape shape, MnistPruning.Settings s,
      List<MnistPruning.Variant> variants) {
    Compile compile = Compile.of(Optimizer.adam(), Loss.binaryCrossentropy(false)).metrics(Metric.ACCURACY)
        .seed(s.seed());
    return MnistPruning.run(model(shape), train, test, s, variants, compile);
  }

  public static void main(String[] args) throws Exception {
    List<String> a = Arrays.asList(args);
    Path data = a.contains("--data") ? Path.of(a.get(a.indexOf("--data") + 1)) : null;
    TextData.Texts train = data == null ? TextData.embedded("train") : TextData.read(data.resolve("train.tsv.gz"));
    TextData.Texts test = data == null ? TextData.embedded("test") : TextData.read(data.resolve("test.tsv.gz"));
    Shape shape = Shape.defaults();
    List<Double> targets = a.contains("--targets")
        ? Arrays.stream(a.get(a.indexOf("--targets") + 1).split(",")).map(Double::parseDouble).toList()
        : List.of(0.8);
    int frequency = a.contains("--frequency") ? Integer.parseInt(a.get(a.indexOf("--frequency") + 1)) : 10;
    MnistPruning.Settings s = new MnistPruning.Settings(3, 2, 64, 0.1, 0.5, targets, frequency, 42,
        a.contains("--quiet") ? ProgressSink.silent() : ProgressSink.console());
    System.out.printf("IMDB LSTM: %d training / %d test reviews%s, vocabulary %d, length %d%n", train.texts().size(),
        test.texts().size(), data == null ? " (embedded subset)" : " from " + data, shape.vocabulary(), shape.length());
    if (a.contains("--epochs")) {
      String[] e = a.get(a.indexOf("--epochs") + 1).split(",");
      s = s.epochs(Integer.parseInt(e[0].trim()), Integer.parseInt(e[1].trim()));
    }
    // --global adds global pruning of all prunable weights at the same totals (after the per-layer rows).
    List<MnistPruning.Variant> variants = new java.util.ArrayList<>(MnistPruning.polynomialVariants(s));
    if (a.contains("--global")) {
      variants.addAll(MnistPruning.globalVariants(s));
    }
    Idx.Split[] splits = prepare(train, test, shape);
    List<MnistPruning.Row> rows = run(splits[0], splits[1], shape, s, variants);
    System.out.println();
    System.out.print(ResultsTable.format(rows));
    if (a.contains("--json")) {
      Path file = Path.of(a.get(a.indexOf("--json") + 1));
      java.nio.file.Files.writeString(file, ResultsTable.json(List.of(rows), s.seed()));
      System.out.println("wrote " + file);
    }
  }
}
