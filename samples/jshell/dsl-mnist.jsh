// Topiary from JShell: define the MNIST CNN, prune it for a few hundred steps, print summary and sparsity.
// Run from the repository root (see README): jshell --class-path "$(cat samples/target/jshell.classpath):samples/target/classes" samples/jshell/dsl-mnist.jsh
import dev.topiary.dsl.*;
import dev.topiary.dsl.layers.*;
import dev.topiary.dsl.layers.attention.*;
import dev.topiary.dsl.layers.convolution.*;
import dev.topiary.dsl.layers.core.*;
import dev.topiary.dsl.layers.merging.*;
import dev.topiary.dsl.layers.normalization.*;
import dev.topiary.dsl.layers.pooling.*;
import dev.topiary.dsl.layers.recurrent.*;
import dev.topiary.dsl.layers.reshaping.*;

import dev.topiary.dsl.training.*;
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.PolynomialDecay;
import dev.topiary.samples.data.Idx;

var train = Idx.embedded("train");
var test = Idx.embedded("t10k");
var spec = Sequential.of(Input.of(28, 28),
    Reshape.of(28, 28, 1),
    Conv2D.of(12, 3).activation(Activation.RELU),
    MaxPooling2D.of(2),
    Flatten.of(),
    Dense.of(10));
var pruned = spec.prunedWith(PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 300, 3, 10)));
var model = pruned.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)).metrics(Metric.ACCURACY).seed(1));
var seen = new ArrayList<String>();
Callback record = new Callback() {
  public void onEpochEnd(int epoch, Map<String, Double> logs, Callback.TrainingContext context) {
    seen.add(String.format("%d: loss %.3f", epoch + 1, logs.get("loss")));
  }
};
model.fit(train.images(), train.labels(),
    Fit.builder().epochs(6).batchSize(128).progress(ProgressSink.silent()).callback(record).build());
System.out.println("epochs seen by the callback: " + seen.size());
System.out.println(model.summary());
System.out.println("steps: " + model.step());
System.out.println("sparsity: " + model.sparsity());
System.out.printf("test accuracy: %.4f%n", model.evaluate(test.images(), test.labels()).get("accuracy"));
model.close();
/exit
