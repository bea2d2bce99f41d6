package dev.topiary.dsl.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.Functional;
import dev.topiary.dsl.Input;
import dev.topiary.dsl.LayerExamples;
import dev.topiary.dsl.Model;
import dev.topiary.dsl.ModelFiles;
import dev.topiary.dsl.ModelSpec;
import dev.topiary.dsl.Node;
import dev.topiary.dsl.PruningPolicy;
import dev.topiary.dsl.Sequential;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.export.CorruptFileException;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BuiltInLayers;
import dev.topiary.dsl.layers.Layer;
import dev.topiary.dsl.layers.LayerType;
import dev.topiary.dsl.layers.Padding;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.convolution.Conv3D;
import dev.topiary.dsl.layers.convolution.Conv3DTranspose;
import dev.topiary.dsl.layers.convolution.DepthwiseConv2D;
import dev.topiary.dsl.layers.convolution.SeparableConv2D;
import dev.topiary.dsl.layers.core.ActivationLayer;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.core.Dropout;
import dev.topiary.dsl.layers.merging.Add;
import dev.topiary.dsl.layers.merging.Average;
import dev.topiary.dsl.layers.merging.Concatenate;
import dev.topiary.dsl.layers.merging.Maximum;
import dev.topiary.dsl.layers.merging.Minimum;
import dev.topiary.dsl.layers.merging.Multiply;
import dev.topiary.dsl.layers.merging.Subtract;
import dev.topiary.dsl.layers.normalization.BatchNormalization;
import dev.topiary.dsl.layers.pooling.AveragePooling1D;
import dev.topiary.dsl.layers.pooling.AveragePooling2D;
import dev.topiary.dsl.layers.pooling.AveragePooling3D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling1D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling2D;
import dev.topiary.dsl.layers.pooling.GlobalAveragePooling3D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling1D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling2D;
import dev.topiary.dsl.layers.pooling.GlobalMaxPooling3D;
import dev.topiary.dsl.layers.pooling.MaxPooling1D;
import dev.topiary.dsl.layers.pooling.MaxPooling2D;
import dev.topiary.dsl.layers.pooling.MaxPooling3D;
import dev.topiary.dsl.layers.recurrent.Bidirectional;
import dev.topiary.dsl.layers.recurrent.GRU;
import dev.topiary.dsl.layers.recurrent.LSTM;
import dev.topiary.dsl.layers.recurrent.SimpleRNN;
import dev.topiary.dsl.layers.reshaping.Cropping1D;
import dev.topiary.dsl.layers.reshaping.Cropping2D;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.layers.reshaping.Permute;
import dev.topiary.dsl.layers.reshaping.RepeatVector;
import dev.topiary.dsl.layers.reshaping.Reshape;
import dev.topiary.dsl.layers.reshaping.UpSampling1D;
import dev.topiary.dsl.layers.reshaping.UpSampling2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding1D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding2D;
import dev.topiary.dsl.layers.reshaping.ZeroPadding3D;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.ProgressSink;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.GatedSchedule;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

class ModelConfigTest {
  private static final Compile COMPILE = Compile.of(Optimizer.adam(0.01f), Loss.sparseCategoricalCrossentropy(true)).seed(3);

  /** A user's schedule: a fixed sparsity that steps up once. */
  static final class StepUp extends GatedSchedule {
    final double low;
    final double high;
    final long at;

    StepUp(double low, double high, long at, long frequency) {
      super(0, -1, frequency);
      this.low = low;
      this.high = high;
      this.at = at;
    }

    @Override
    protected float sparsityAt(long step) {
      return (float) (step < at ? low : high);
    }

    @Override
    protected Operand<TFloat32> sparsityAt(Ops tf, Operand<TInt64> step) {
      return tf.select(tf.math.less(step, tf.constant(at)), tf.constant((float) low), tf.constant((float) high));
    }
  }

  static {
    ConfigRegistry.registerSchedule("StepUp", StepUp.class,
        s -> Settings.of("StepUp").put("low", s.low).put("high", s.high).put("at", s.at).put("frequency", s.frequency()),
        c -> new StepUp(c.getDouble("low"), c.getDouble("high"), c.getLong("at"), c.getLong("frequency")));
  }

  /** Every layer, every schedule and mask strategy, a shared layer and both merge layers. */
  static ModelSpec everything() {
    Node in = Input.named("image", 8, 8, 2);
    Node x = ZeroPadding2D.of(1, 0, 2, 1).apply(in);
    x = Conv2D.of(6, 3, 2).strides(1, 1).padding(Padding.SAME).activation(Activation.ELU)
        .prunable(PolynomialDecay.of(0.2, 0.6, 0, 8, 2.5, 2)).apply(x);
    x = BatchNormalization.of().momentum(0.9f).epsilon(1e-2f).apply(x);
    x = ActivationLayer.of(Activation.SWISH).apply(x);
    Node a = MaxPooling2D.of(2).apply(x);
    Node b = AveragePooling2D.of(2).strides(2, 2).apply(x);
    Node merged = Add.of().apply(a, b);
    Node pooled = GlobalAveragePooling2D.of().apply(merged);
    Node flat = Flatten.of().apply(Reshape.of(-1, 6).apply(merged));
    Node joined = Concatenate.alongAxis(-1).apply(pooled, Dropout.of(0.25).apply(flat));
    Dense shared = Dense.of(16, Activation.TANH)
        .prunable(PruningSpec.of(ConstantSparsity.of(0.5, 1, 50, 3)).withBlock(1, 4, BlockPooling.MAX));
    Node h = shared.apply(Dense.of(16).useBias(false).prunable(new StepUp(0.3, 0.6, 4, 2)).apply(joined));
    Node out = Dense.of(3).named("logits").prunable(PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0))).apply(h);
    return Functional.of(in, out);
  }

  static HostArray images(int n) {
    Random r = new Random(n);
    float[] v = new float[n * 8 * 8 * 2];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return HostArray.of(v, n, 8, 8, 2);
  }

  @Test
  void everyLayerScheduleAndStrategyRoundTrips() {
    ModelSpec spec = everything();
    String json = ModelConfig.toJson(spec);
    assertThat(json).contains("\"type\": \"PolynomialDecay\"", "\"type\": \"StepUp\"", "\"type\": \"m_by_n\"",
        "\"pooling\": \"MAX\"", "\"type\": \"Conv2D\"", "\"padding\": \"same\"", "\"version\": 1");
    ModelSpec back = ModelConfig.fromJson(json, "model.json");
    assertThat(ModelConfig.toJson(back)).isEqualTo(json);
    assertThat(back.summary().toString()).isEqualTo(spec.summary().toString());
    assertThat(back.prunedLayers()).hasSameSizeAs(spec.prunedLayers());
    HostArray x = images(16);
    try (Model original = spec.compile(COMPILE); Model reloaded = back.compile(COMPILE)) {
      reloaded.setWeights(original.weights());
      assertThat(reloaded.predict(x).floats()).containsExactly(original.predict(x).floats());
    }
    ModelSpec sequential = Sequential.of(Input.of(4), Dense.of(3, Activation.RELU), Dense.of(2));
    ModelSpec seqBack = ModelConfig.fromJson(ModelConfig.toJson(sequential), "s.json");
    assertThat(seqBack.kind()).isEqualTo("Sequential");
    assertThat(seqBack.layerNames()).containsExactly("dense", "dense_1");
  }

  @Test
  void savedModelsContinueTrainingExactly(@TempDir Path dir) throws Exception {
    HostArray x = images(32);
    Random r = new Random(1);
    int[] y = new int[32];
    for (int i = 0; i < y.length; i++) {
      y[i] = r.nextInt(3);
    }
    HostArray labels = HostArray.ofLabels(y);
    Fit fit = Fit.ofEpochs(2).batchSize(8).progress(ProgressSink.silent());
    try (Model model = everything().compile(COMPILE)) {
      model.fit(x, labels, fit);
      ModelFiles.save(model, dir.resolve("saved"));
      try (Model loaded = ModelFiles.load(dir.resolve("saved"), COMPILE)) {
        assertThat(loaded.predict(x).floats()).containsExactly(model.predict(x).floats());
        model.fit(x, labels, fit);
        loaded.fit(x, labels, fit);
        // Everything observable is identical: the weights the model uses (masked), masks, thresholds,
        // step, optimizer slots. (Stored values at pruned positions are not saved: they never reach
        // the model's outputs, and a mask update only sees the last step's regrowth, which is kept.)
        var pruned = model.spec().prunedWeights().keySet();
        assertThat(loaded.snapshot().filter(n -> !pruned.contains(n))).isEqualTo(model.snapshot().filter(n -> !pruned.contains(n)));
        model.weights().forEach((k, v) -> assertThat(loaded.weights().get(k).floats()).as(k)
            .containsExactly(v.floats(), org.assertj.core.data.Offset.offset(0f))); // 0.0 and -0.0 alike
      }
    }
    assertThat(Files.readString(dir.resolve("saved").resolve(ModelFiles.CONFIG))).contains("\"name\": \"logits\"");
  }

  @Test
  void badConfigsNameTheFileAndTheProblem(@TempDir Path dir) throws Exception {
    String json = ModelConfig.toJson(everything());
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"version\": 1", "\"version\": 7"), "m.json"))
        .isInstanceOf(CorruptFileException.class)
        .hasMessage("m.json: written by a newer config version 7; this Topiary reads version 1");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.substring(0, json.length() / 2), "m.json"))
        .hasMessageStartingWith("m.json: invalid JSON at line ");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"Conv2D\"", "\"Conv9D\""), "m.json"))
        .hasMessageStartingWith("m.json: unknown layer type 'Conv9D'")
        .hasMessageContaining("known: ").hasMessageContaining("Conv2D, Conv2DTranspose, Conv3D").hasMessageContaining("LSTM");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"units\": 16,", ""), "m.json"))
        .hasMessage("m.json: layer 'dense': setting 'units' is missing");
    assertThatThrownBy(() -> ModelConfig.fromJson("{\"format\": \"something-else\"}", "m.json"))
        .hasMessage("m.json: not a Topiary model config (format 'something-else')");
    Path file = dir.resolve("empty.json");
    Files.writeString(file, "");
    assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith(file + ": invalid JSON");

    GatedSchedule unregistered = new GatedSchedule(0, -1, 1) {
      @Override
      protected float sparsityAt(long step) {
        return 0.5f;
      }

      @Override
      protected Operand<TFloat32> sparsityAt(Ops tf, Operand<TInt64> step) {
        return tf.constant(0.5f);
      }
    };
    assertThatThrownBy(() -> ModelConfig.toJson(Sequential.of(Input.of(4), Dense.of(2).prunable(unregistered))))
        .isInstanceOf(UnsupportedOperationException.class)
        .hasMessageContaining("is not registered: call ConfigRegistry.registerSchedule");
  }

  /** 1e308 is a whole number in JSON but no long: it must not become Long.MAX_VALUE (issue 29). */
  @Test
  void wholeNumbersBeyondTheRangeOfLongFailNamingTheFileAndTheKey() {
    String json = ModelConfig.toJson(everything());
    assertThat(json).contains("\"end\": 50,");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"end\": 50,", "\"end\": 1e308,"), "m.json"))
        .isInstanceOf(CorruptFileException.class).hasMessageStartingWith("m.json: ")
        .hasMessageContaining("setting 'end' is out of the range of a 64-bit integer: 1.0E308");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"units\": 16,", "\"units\": -1e19,"), "m.json"))
        .isInstanceOf(CorruptFileException.class)
        .hasMessage("m.json: layer 'dense': setting 'units' is out of the range of a 64-bit integer: -1.0E19");
    // Whole doubles within range are still read as the whole number they are.
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(json.replace("\"end\": 50,", "\"end\": 5e1,"), "m.json")))
        .isEqualTo(json);
  }

  @Test
  void versionsOtherThanTheSupportedOneFailNamingThem() {
    String json = ModelConfig.toJson(everything());
    for (String v : new String[] {"-1", "0", "2"}) {
      assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"version\": 1", "\"version\": " + v), "m.json"))
          .isInstanceOf(CorruptFileException.class).hasMessageStartingWith("m.json: ")
          .hasMessageContaining("version " + v + "; this Topiary reads version 1");
    }
  }

  @Test
  void unknownKindFailsNamingIt() {
    String json = ModelConfig.toJson(everything());
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"kind\": \"Functional\"", "\"kind\": \"Graph\""), "m.json"))
        .isInstanceOf(CorruptFileException.class)
        .hasMessage("m.json: unknown model kind 'Graph', expected one of Sequential, Functional");
  }

  /** A corrupted key must not silently drop what it held (here the pruning of 'logits'). */
  @Test
  void unknownKeysFailNamingTheKeyAndTheLayer() {
    String json = ModelConfig.toJson(everything());
    int logits = json.indexOf("\"name\": \"logits\"");
    int pruning = json.indexOf("\"pruning\"", logits);
    String corrupted = json.substring(0, pruning) + "\"pEuning\"" + json.substring(pruning + "\"pruning\"".length());
    assertThatThrownBy(() -> ModelConfig.fromJson(corrupted, "m.json")).isInstanceOf(CorruptFileException.class)
        .hasMessage("m.json: layer 'logits': unknown key 'pEuning' (expected name, type, settings, pruning)");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"outputs\"", "\"outputz\""), "m.json"))
        .hasMessageStartingWith("m.json: unknown key 'outputz'");
    assertThatThrownBy(() -> ModelConfig.fromJson(json.replace("\"inputs\": [0]", "\"inputs\": [0], \"extra\": 1"), "m.json"))
        .hasMessageContaining("unknown key 'extra'");
  }

  @Test
  void hostileDocumentsFailWithAMessageNamingTheFile(@TempDir Path dir) throws Exception {
    String deep = "[".repeat(100_000);
    assertThatThrownBy(() -> ModelConfig.fromJson(deep, "deep.json")).isInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith("deep.json: invalid JSON").hasMessageContaining("nesting depth");
    Path file = dir.resolve("deep.json");
    Files.writeString(file, "{\"format\": " + "{\"a\": ".repeat(100_000));
    assertThatThrownBy(() -> ModelConfig.read(file)).isInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith(file + ": invalid JSON").hasMessageContaining("nesting depth");
    Path latin1 = dir.resolve("latin1.json");
    byte[] bytes = "{\"format\": \"caf?\", \"version\": 1}".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    bytes[14] = (byte) 0xE9; // Latin-1 é: not UTF-8
    Files.write(latin1, bytes);
    assertThatThrownBy(() -> ModelConfig.read(latin1)).isInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith(latin1 + ": invalid JSON").hasMessageContaining("UTF-8");
    assertThatThrownBy(() -> ModelConfig.fromJson("{\"format\": \"" + "x".repeat(2_000_000) + "\"}", "long.json"))
        .isInstanceOf(CorruptFileException.class).hasMessageStartingWith("long.json: invalid JSON")
        .hasMessageContaining("String value length");
    assertThatThrownBy(() -> ModelConfig.fromJson("{\"format\": 1, \"format\": 2}", "dup.json"))
        .hasMessageStartingWith("dup.json: invalid JSON").hasMessageContaining("Duplicate field 'format'");
    assertThatThrownBy(() -> ModelConfig.fromJson("{} {}", "two.json")).hasMessageStartingWith("two.json: invalid JSON");
  }

  /** The file stays readable: pretty-printed, one key per line, {@code "key": value}. */
  @Test
  void writtenConfigIsPrettyAndOldFilesLoad() {
    String json = ModelConfig.toJson(Sequential.of(Input.of(4), Dense.of(2)));
    assertThat(json).startsWith("{\n  \"format\": \"topiary-model\",\n  \"version\": 1,\n").endsWith("}\n")
        .contains("\"units\": 2,");
    // As the hand-written printer wrote it (flat arrays inline, no space before the colon).
    String old = """
        {
          "format": "topiary-model",
          "version": 1,
          "kind": "Sequential",
          "layers": [
            {
              "name": "dense",
              "type": "Dense",
              "settings": {
                "units": 2,
                "activation": "linear",
                "use_bias": true
              },
              "pruning": null
            }
          ],
          "nodes": [
            {
              "input": "input",
              "shape": [4]
            },
            {
              "layer": "dense",
              "inputs": [0]
            }
          ],
          "inputs": [0],
          "outputs": [1]
        }
        """;
    assertThat(ModelConfig.toJson(ModelConfig.fromJson(old, "old.json"))).isEqualTo(json);
  }

  static List<LayerExamples.Example> layerExamples() {
    return LayerExamples.all();
  }

  @Test
  void everyBuiltInLayerTypeIsRegisteredAndHasAnExample() {
    List<String> builtIn = BuiltInLayers.codecs().stream().map(LayerType::typeName).toList();
    assertThat(builtIn).doesNotHaveDuplicates();
    assertThat(ConfigRegistry.layerTypes()).containsAll(builtIn);
    assertThat(LayerExamples.missing()).as("built-in layer types without an example in LayerExamples").isEmpty();
    assertThat(LayerExamples.unknown()).as("examples of types that are not built in").isEmpty();
  }

  /** Every built-in layer, pruned where it can be: same JSON, same layer class, same weights. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("layerExamples")
  void everyBuiltInLayerRoundTrips(LayerExamples.Example example) {
    ModelSpec spec = example.spec();
    Layer layer = example.layer();
    if (!layer.prunableWeights().isEmpty()) {
      spec = spec.prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0)), PruningPolicy.only(layer.getClass()));
    }
    String json = ModelConfig.toJson(spec);
    ModelSpec back = ModelConfig.fromJson(json, example.type() + ".json");
    assertThat(ModelConfig.toJson(back)).isEqualTo(json);
    String name = example.spec().layerName(layer);
    assertThat(back.layer(name)).isExactlyInstanceOf(layer.getClass());
    assertThat(back.layer(name).typeName()).isEqualTo(example.type());
    assertThat(back.initialWeights(1).keySet()).isEqualTo(spec.initialWeights(1).keySet());
    assertThat(back.prunedWeights()).hasToString(spec.prunedWeights().toString()); // schedules have no equals
  }

  /**
   * The layers that were split into classes (Volumetric, Reshaping, Pooling2D, GlobalPooling1D,
   * Recurrent, Merge, DepthwiseConv2D.separable), as the pre-split code built them: the file it wrote
   * loads, and says exactly what the new classes write.
   */
  @Test
  void configsWrittenBeforeTheLayerSplitLoadUnchanged() throws Exception {
    String old;
    try (var in = ModelConfigTest.class.getResourceAsStream("model-before-layer-split.json")) {
      old = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    PruningSpec half = PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 2));
    Node vol = Input.named("volume", 6, 6, 6, 2);
    Node v = ZeroPadding3D.of(1).apply(vol);
    v = Conv3D.of(2, 3).strides(2).padding(Padding.SAME).activation(Activation.RELU).prunable(half).apply(v);
    v = Conv3DTranspose.of(2, 2).strides(2).apply(v);
    Node mp = MaxPooling3D.of(2).apply(v);
    Node ap = AveragePooling3D.of(2).padding(Padding.SAME).apply(v);
    Node g1 = GlobalAveragePooling3D.of().apply(Maximum.of().apply(mp, ap));
    Node g2 = GlobalMaxPooling3D.of().apply(v);
    Node img = Input.named("image", 6, 6, 3);
    Node i = Cropping2D.of(1, 0, 0, 0).apply(img);
    i = UpSampling2D.of(2, 1).apply(i);
    i = SeparableConv2D.of(4, 3).depthMultiplier(2).prunable(half).apply(i);
    i = DepthwiseConv2D.of(3).padding(Padding.SAME).pruneDepthwiseKernel().prunable(half).apply(i);
    i = MaxPooling2D.of(2).apply(i);
    Node g3 = GlobalMaxPooling2D.of().apply(i);
    Node g4 = GlobalAveragePooling2D.of().apply(AveragePooling2D.of(2).strides(1, 1).apply(i));
    Node seq = Input.named("sequence", 8, 3);
    Node s = ZeroPadding1D.of(1, 1).apply(seq);
    s = Cropping1D.of(0, 2).apply(s);
    s = UpSampling1D.of(2).apply(s);
    s = MaxPooling1D.of(2).apply(s);
    s = AveragePooling1D.of(2).apply(s);
    s = Permute.of(2, 1).apply(s);
    s = Permute.of(2, 1).apply(s);
    s = SimpleRNN.of(3).returnSequences(true).goBackwards(true).apply(s);
    s = Bidirectional.of(GRU.of(3).returnSequences(true)).apply(s);
    s = LSTM.of(4).returnSequences(true).prunable(half).apply(s);
    Node g5 = GlobalMaxPooling1D.of().apply(s);
    Node g6 = GlobalAveragePooling1D.of().apply(s);
    Node g7 = Flatten.of().apply(RepeatVector.of(2).apply(g6));
    Node m1 = Multiply.of().apply(g5, Subtract.of().apply(g5, Minimum.of().apply(g5, Average.of().apply(g5, g6))));
    Node joined = Concatenate.of().apply(g1, g2, g3, g4, m1, g7);
    ModelSpec now = Functional.of(List.of(vol, img, seq), List.of(Dense.of(2).apply(joined)));

    assertThat(Json.parse(ModelConfig.toJson(now))).isEqualTo(Json.parse(old));
    ModelSpec loaded = ModelConfig.fromJson(old, "model-before-layer-split.json");
    assertThat(ModelConfig.toJson(loaded)).isEqualTo(ModelConfig.toJson(now));
    assertThat(loaded.layer("conv3d")).isInstanceOf(Conv3D.class);
    assertThat(loaded.layer("separable_conv2d")).isInstanceOf(SeparableConv2D.class);
    assertThat(loaded.prunedLayers()).containsOnlyKeys("conv3d", "separable_conv2d", "depthwise_conv2d", "lstm");
  }

  /** A user's layer: multiplies by a fixed factor. */
  static final class Scale extends dev.topiary.dsl.layers.BaseLayer<Scale> {
    static final LayerType<Scale> TYPE = LayerType.of("TestScale", Scale.class, s -> new Scale(null, s.getDouble("factor")));
    final double factor;

    Scale(@org.jspecify.annotations.Nullable String name, double factor) {
      super(name, null);
      this.factor = factor;
    }

    @Override
    protected Scale copy(@org.jspecify.annotations.Nullable String name, @org.jspecify.annotations.Nullable PruningSpec p) {
      return new Scale(name, factor);
    }

    @Override
    public String typeName() {
      return "TestScale";
    }

    @Override
    public org.tensorflow.ndarray.Shape outputShape(List<org.tensorflow.ndarray.Shape> inputShapes) {
      return sameShape(inputShapes);
    }

    @Override
    public Operand<TFloat32> call(dev.topiary.dsl.layers.LayerContext context, List<Operand<TFloat32>> inputs) {
      return context.tf().math.mul(inputs.get(0), context.tf().constant((float) factor));
    }

    @Override
    public Settings config() {
      return Settings.of(typeName()).put("factor", factor);
    }
  }

  @Test
  void customLayersRegisterTheirCodecLikeBuiltInOnes() {
    String json = ModelConfig.toJson(Sequential.of(Input.of(3), new Scale(null, 2.5), Dense.of(2)));
    assertThatThrownBy(() -> ModelConfig.fromJson(json, "custom.json")).isInstanceOf(CorruptFileException.class)
        .hasMessageStartingWith("custom.json: unknown layer type 'TestScale'; register custom layers with"
            + " ConfigRegistry.registerLayer before loading (known: Activation, Add, AdditiveAttention, Attention, Average");
    ConfigRegistry.registerLayer(Scale.TYPE);
    ModelSpec back = ModelConfig.fromJson(json, "custom.json");
    assertThat(back.layer("test_scale")).isInstanceOfSatisfying(Scale.class, l -> assertThat(l.factor).isEqualTo(2.5));
    assertThat(ModelConfig.toJson(back)).isEqualTo(json);
    assertThat(ConfigRegistry.layerTypes()).contains("TestScale");
  }
}
