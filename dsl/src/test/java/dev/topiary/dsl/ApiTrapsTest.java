package dev.topiary.dsl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.topiary.dsl.data.Dataset;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.layers.Activation;
import dev.topiary.dsl.layers.BaseLayer;
import dev.topiary.dsl.layers.Initializer;
import dev.topiary.dsl.layers.WeightSpec;
import dev.topiary.dsl.layers.convolution.Conv2D;
import dev.topiary.dsl.layers.core.Dense;
import dev.topiary.dsl.layers.reshaping.Flatten;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.schedule.ConstantSparsity;
import dev.topiary.ops.schedule.PolynomialDecay;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.tensorflow.ndarray.Shape;

/** Issue 28, item 7: statics callable through instances, layers' toString, null arguments. */
class ApiTrapsTest {

  // ---- static factories named like instance methods --------------------------------------------

  @Test
  void fitEpochsOnAnInstanceKeepsTheOtherSettings() {
    // With the old static Fit.epochs(int), this compiled and returned a default Fit (batch 32).
    Fit fit = Fit.ofEpochs(3).batchSize(64).validationSplit(0.25).epochs(1);
    assertThat(fit.epochs()).isEqualTo(1);
    assertThat(fit.batchSize()).isEqualTo(64);
    assertThat(fit.validationSplit()).isEqualTo(0.25);
    assertThat(Fit.ofEpochs(3).epochs()).isEqualTo(3);
    assertThatThrownBy(() -> Fit.ofEpochs(2).epochs(0)).hasMessageContaining("epochs must be >= 1, got 0");
  }

  @Test
  void weightSpecFactoriesAreNamedApartFromTheAccessor() {
    WeightSpec trained = WeightSpec.ofTrainable("kernel", Shape.of(2, 3), Initializer.ZEROS);
    WeightSpec frozen = WeightSpec.frozen("moving_mean", Shape.of(3), Initializer.ZEROS);
    assertThat(trained.trainable()).isTrue();
    assertThat(frozen.trainable()).isFalse();
    assertThat(trained.shape()).isEqualTo(Shape.of(2, 3));
  }

  /**
   * The trap in general: a public static method named like a public instance method of the same
   * class (Fit.epochs, WeightSpec.trainable, PrunedWeight.masked were). Scans the compiled classes
   * of dsl and ops, so a new one fails here.
   */
  @Test
  void noPublicStaticIsNamedLikeAnInstanceMethodOfItsClass() throws Exception {
    List<String> found = new ArrayList<>();
    int scanned = 0;
    for (Class<?> anchor : List.of(Fit.class, PruningSpec.class)) {
      for (String name : classNames(anchor)) {
        Class<?> c = Class.forName(name, false, getClass().getClassLoader());
        if (!Modifier.isPublic(c.getModifiers()) || c.isInterface()) {
          continue; // an interface's statics cannot be called through an instance
        }
        scanned++;
        Set<String> statics = new TreeSet<>();
        Set<String> instance = new TreeSet<>();
        for (Method m : c.getMethods()) {
          if (!Modifier.isStatic(m.getModifiers())) {
            instance.add(m.getName());
          } else if (m.getDeclaringClass() == c && !m.isSynthetic()) {
            statics.add(m.getName());
          }
        }
        statics.removeAll(Set.of("valueOf", "values")); // enums' own
        statics.retainAll(instance);
        statics.forEach(s -> found.add(c.getName() + "." + s));
      }
    }
    assertThat(scanned).as("public classes scanned").isGreaterThan(100);
    assertThat(found).isEmpty();
  }

  /** Binary names of the classes next to {@code anchor} (its directory tree or jar). */
  private static List<String> classNames(Class<?> anchor) throws IOException, URISyntaxException {
    Path root = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    List<String> names = new ArrayList<>();
    if (Files.isDirectory(root)) {
      collect(root, names);
    } else {
      try (FileSystem jar = FileSystems.newFileSystem(root)) {
        collect(jar.getPath("/"), names);
      }
    }
    return names;
  }

  private static void collect(Path root, List<String> names) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      files.map(p -> root.relativize(p).toString().replace('\\', '/'))
          .filter(p -> p.endsWith(".class") && !p.endsWith("module-info.class") && !p.endsWith("package-info.class")
              && p.startsWith("dev/topiary/"))
          .forEach(p -> names.add(p.substring(0, p.length() - ".class".length()).replace('/', '.')));
    }
  }

  // ---- layers' toString ------------------------------------------------------------------------

  @Test
  void aLayerShowsItsSettingsNameAndPruning() {
    Dense dense = Dense.of(10, Activation.RELU).named("logits").prunable(PolynomialDecay.of(0.2, 0.8, 0, 1000));
    assertThat(dense.toString()).isEqualTo("Dense(units=10, activation=relu, use_bias=true, name=logits,"
        + " pruning=PruningSpec(PolynomialDecay(initial=0.2, final=0.8, begin=0, end=1000, power=3.0,"
        + " frequency=100), magnitude))");
    assertThat(Dense.of(4).toString()).isEqualTo("Dense(units=4, activation=linear, use_bias=true)");
    assertThat(Conv2D.of(8, 3).prunable(PruningSpec.of(ConstantSparsity.of(0.5, 0)).withBlock(4, 1, BlockPooling.AVG)).toString())
        .startsWith("Conv2D(filters=8, kernel_size=[3, 3], strides=[1, 1], ")
        .endsWith(", pruning=PruningSpec(ConstantSparsity(target=0.5, begin=0, end=-1, frequency=100),"
            + " block(4x1, AVG)))");
    assertThat(Flatten.of().named("flat").toString()).startsWith("Flatten(").endsWith("name=flat)");
  }

  /** A custom layer that does not implement config(): toString still names it, and never throws. */
  private static final class NoConfig extends BaseLayer<NoConfig> {
    NoConfig(@Nullable String name) {
      super(name, null);
    }

    @Override
    protected NoConfig copy(@Nullable String name, @Nullable PruningSpec pruning) {
      return new NoConfig(name);
    }

    @Override
    public String typeName() {
      return "NoConfig";
    }

    @Override
    public Shape outputShape(List<Shape> inputShapes) {
      return inputShapes.get(0);
    }

    @Override
    public org.tensorflow.Operand<org.tensorflow.types.TFloat32> call(dev.topiary.dsl.layers.LayerContext context,
        List<org.tensorflow.Operand<org.tensorflow.types.TFloat32>> inputs) {
      return inputs.get(0);
    }
  }

  @Test
  void aCustomLayerWithoutConfigShowsItsTypeAndName() {
    assertThat(new NoConfig(null).toString()).isEqualTo("NoConfig()");
    assertThat(new NoConfig(null).named("mine").toString()).isEqualTo("NoConfig(name=mine)");
  }

  // ---- null arguments --------------------------------------------------------------------------

  private static final Compile COMPILE = Compile.of(Optimizer.sgd(0.1f), Loss.sparseCategoricalCrossentropy(true));

  @Test
  void nullArgumentsOfModelCallsAreNamed() {
    HostArray[] data = TinyProblem.data(8);
    HostArray x = data[0];
    HostArray y = data[1];
    try (Model model = Sequential.of(Input.of(6), Dense.of(3)).compile(COMPILE)) {
      Dataset ds = Dataset.of(x, y);
      assertThatThrownBy(() -> model.fit(ds, null)).isInstanceOf(NullPointerException.class)
          .hasMessage("fit: fit settings must not be null");
      assertThatThrownBy(() -> model.fit(x, y, null)).isInstanceOf(NullPointerException.class)
          .hasMessage("fit: fit settings must not be null");
      assertThatThrownBy(() -> model.fit((Dataset) null, Fit.ofEpochs(1))).isInstanceOf(NullPointerException.class)
          .hasMessage("fit: data must not be null");
      assertThatThrownBy(() -> model.fit((HostArray) null, y, Fit.ofEpochs(1)))
          .isInstanceOf(NullPointerException.class).hasMessage("fit: inputs must not be null");
      assertThatThrownBy(() -> model.fit(List.of(x), Arrays.asList((HostArray) null), Fit.ofEpochs(1)))
          .isInstanceOf(NullPointerException.class).hasMessage("fit: labels[0] must not be null");
      assertThatThrownBy(() -> model.evaluate(x, null)).isInstanceOf(NullPointerException.class)
          .hasMessage("evaluate: labels must not be null");
      assertThatThrownBy(() -> model.evaluate((Dataset) null)).isInstanceOf(NullPointerException.class)
          .hasMessage("evaluate: data must not be null");
      assertThatThrownBy(() -> model.predict((HostArray) null)).isInstanceOf(NullPointerException.class)
          .hasMessage("predict: inputs must not be null");
      assertThatThrownBy(() -> model.predict((List<HostArray>) null, 8)).isInstanceOf(NullPointerException.class)
          .hasMessage("predict: inputs must not be null");
      assertThatThrownBy(() -> model.predictOne(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("predictOne: example must not be null");
      assertThatThrownBy(() -> model.restore(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("restore: snapshot must not be null");
      assertThatThrownBy(() -> model.setWeights(null)).isInstanceOf(NullPointerException.class)
          .hasMessage("setWeights: weights must not be null");
      // None of these ran a step: the model is as built.
      assertThat(model.step()).isZero();
    }
  }

  @Test
  void nullArgumentsOfSettingsAndCompileAreNamed() {
    ModelSpec spec = Sequential.of(Input.of(6), Dense.of(3));
    assertThatThrownBy(() -> spec.compile(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("compile: compile settings must not be null");
    assertThatThrownBy(() -> spec.prunedWith(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("prunedWith: pruning spec must not be null");
    assertThatThrownBy(() -> Compile.of(null, Loss.meanSquaredError())).isInstanceOf(NullPointerException.class)
        .hasMessage("Compile: optimizer must not be null");
    assertThatThrownBy(() -> COMPILE.metrics((dev.topiary.dsl.training.Metric) null))
        .isInstanceOf(NullPointerException.class).hasMessage("Compile: metrics[0] must not be null");
    Callback ok = new Callback() {};
    assertThatThrownBy(() -> Fit.ofEpochs(1).callbacks(ok, null)).isInstanceOf(NullPointerException.class)
        .hasMessage("Fit.callbacks: callbacks[1] must not be null");
    assertThatThrownBy(() -> Fit.ofEpochs(1).validationData((Dataset) null)).isInstanceOf(NullPointerException.class)
        .hasMessage("Fit.validationData: validation dataset must not be null");
    assertThatThrownBy(() -> Fit.ofEpochs(1).validationData(TinyProblem.data(2)[0], null))
        .isInstanceOf(NullPointerException.class).hasMessage("Fit.validationData: validation labels[0] must not be null");
    assertThatThrownBy(() -> Fit.ofEpochs(1).classWeights(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("Fit.classWeights: weights must not be null");
    assertThatThrownBy(() -> Fit.builder().tensorBoard(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("Fit.tensorBoard: directory must not be null");
    // The two documented defaults stay: null progress is the console, null distribution local.
    assertThat(Fit.ofEpochs(1).progress(null).progress()).isNotNull();
    assertThat(Fit.ofEpochs(1).distribution(null).toString()).isEqualTo("Fit(epochs 1, batch 32)");
    assertThat(Fit.ofEpochs(1).classWeights(Map.of(0, 2.0)).classWeights()).containsEntry(0, 2.0);
  }
}
