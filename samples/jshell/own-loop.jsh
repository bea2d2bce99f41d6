// Pruning a hand-written TF Java loop from JShell, with the ops module only.
// Run from the repository root (see README): jshell --class-path "$(cat samples/target/jshell.classpath):samples/target/classes" samples/jshell/own-loop.jsh
import org.tensorflow.*;
import org.tensorflow.op.*;
import org.tensorflow.op.core.*;
import org.tensorflow.types.*;
import org.tensorflow.ndarray.Shape;
import dev.topiary.ops.*;
import dev.topiary.ops.schedule.*;
import dev.topiary.samples.data.Idx;
import dev.topiary.dsl.data.HostArray;

var train = Idx.embedded("train");
var images = HostArray.of(train.images().floats(), train.size(), 784);
// TF is touched here before any Topiary call: let Topiary load it, so its oneDNN default applies.
TensorFlowRuntime.requireSupported();
var graph = new Graph();
var tf = Ops.create(graph);
var x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 784)));
var y = tf.placeholder(TInt32.class, Placeholder.shape(Shape.of(-1)));
var w = tf.withName("w").variable(tf.zeros(tf.constant(new long[] {784, 10}), TFloat32.class));

// Attach pruning to the kernel; read it through the hook in the forward pass.
var pruning = PruningHook.builder(tf).prune(w, PruningSpec.of(PolynomialDecay.of(0.0, 0.8, 0, 200, 3, 10))).build();
var k = pruning.read(w);

var logits = tf.linalg.matMul(x, k);
var loss = tf.math.mean(tf.nn.softmaxCrossEntropyWithLogits(logits, tf.oneHot(y, tf.constant(10), tf.constant(1f), tf.constant(0f))).loss(), tf.constant(0));
var grad = graph.addGradients(loss.asOutput(), new Output<?>[] {k.asOutput()})[0];
var step = tf.train.applyGradientDescent(w, tf.constant(0.5f), grad.expect(TFloat32.class));
var session = new Session(graph);

for (int s = 0; s < 250; s++) {
  int from = (s * 32) % (train.size() - 32);
  try (var xb = images.slice(from, from + 32).toTensor(); var yb = train.labels().slice(from, from + 32).toTensor()) {
    session.runner().feed(x, xb).feed(y, yb).addTarget(step).run();
  }
}
session.run(pruning.strip());
try (var r = session.runner().fetch(Measurements.sparsity(tf, tf.identity(w))).fetch(pruning.step().read(tf)).run()) {
  System.out.printf("steps: %d, kernel sparsity: %.4f%n", ((TInt64) r.get(1)).getLong(), ((TFloat32) r.get(0)).getFloat());
}
session.close();
graph.close();
/exit
