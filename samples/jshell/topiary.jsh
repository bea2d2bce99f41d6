// Topiary's JShell startup: every import a session needs, so that models can be defined, pruned and
// trained straight away. From the repository root (see README):
//   mvn -B -ntp -q -pl samples -am package -DskipTests
//   TF_CPP_MIN_LOG_LEVEL=2 jshell --class-path "$(cat samples/target/jshell.classpath):samples/target/classes" \
//       --startup DEFAULT --startup samples/jshell/topiary.jsh
// Then, e.g.:
//   var spec = Sequential.of(Input.of(4), Dense.of(8, Activation.RELU), Dense.of(2)).prunedWith(PruningSpec.of(ConstantSparsity.of(0.5, 0, -1, 1)));
//   var model = spec.compile(Compile.of(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(true)));

// The DSL: models, nodes, policies, checkpoints, files
import dev.topiary.dsl.*;
// Layers, by Keras family
import dev.topiary.dsl.layers.*;
import dev.topiary.dsl.layers.attention.*;
import dev.topiary.dsl.layers.convolution.*;
import dev.topiary.dsl.layers.core.*;
import dev.topiary.dsl.layers.merging.*;
import dev.topiary.dsl.layers.normalization.*;
import dev.topiary.dsl.layers.pooling.*;
import dev.topiary.dsl.layers.recurrent.*;
import dev.topiary.dsl.layers.reshaping.*;
// Training settings, losses, metrics, optimizers, callbacks; data; state
import dev.topiary.dsl.training.*;
import dev.topiary.dsl.data.*;
import dev.topiary.dsl.state.*;
import dev.topiary.dsl.distributed.*;                 // Worker, Cluster, WorkerFailedException (multi-worker fit)
// Pruning: specs, schedules, mask strategies
import dev.topiary.ops.PruningSpec;
import dev.topiary.ops.schedule.*;
import dev.topiary.ops.mask.*;
// Eager execution (masks and outputs as host arrays)
import dev.topiary.bridge.*;
// Global pruning groups, sensitivity analysis and targets, visual reports
import dev.topiary.ops.GlobalPruningSpec;
import dev.topiary.dsl.pruning.*;
import dev.topiary.report.*;
// .tflite files written from Java (TfliteExport.write(model, path, TfliteFlavour.SPARSE_INT8)) and read back
import dev.topiary.tflite.*;
// Keras models in and out: KerasModels.read(path) / .load(path, compile) / .save(model, path)
import dev.topiary.keras.*;
// Sparse inference of stripped models (add -R--add-modules=jdk.incubator.vector to jshell for the Vector API kernels)
import dev.topiary.sparse.*;
