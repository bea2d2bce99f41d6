// Topiary's JShell startup: every import a session needs, so that models can be defined, pruned and
// trained straight away. (Every public class of the user-facing packages is imported; a test,
// JShellStartupImportsTest, fails when a new one is not.) From the repository root (see README):
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
import dev.topiary.dsl.layers.activations.*;
import dev.topiary.dsl.layers.attention.*;
import dev.topiary.dsl.layers.convolution.*;
import dev.topiary.dsl.layers.core.*;
import dev.topiary.dsl.layers.merging.*;
import dev.topiary.dsl.layers.normalization.*;
import dev.topiary.dsl.layers.pooling.*;
import dev.topiary.dsl.layers.preprocessing.*;
import dev.topiary.dsl.layers.recurrent.*;
import dev.topiary.dsl.layers.reshaping.*;
// Training settings, losses, metrics, optimizers; Keras' callbacks; learning-rate schedules
import dev.topiary.dsl.training.*;
import dev.topiary.dsl.training.callbacks.*;         // EarlyStopping, ModelCheckpoint, CSVLogger, ReduceLROnPlateau
import dev.topiary.dsl.training.schedules.*;         // ExponentialDecay, CosineDecay, PiecewiseConstant
// Data (arrays, datasets; CSV, TFRecord and IDX files), state, exported weights, saved configs
import dev.topiary.dsl.data.*;
import dev.topiary.dsl.data.io.*;
import dev.topiary.dsl.state.*;
import dev.topiary.dsl.export.*;                     // SparseWeights, SavedModels, CorruptFileException
import dev.topiary.dsl.config.*;                     // ConfigRegistry (custom layers in saved models), Settings
import dev.topiary.dsl.distributed.*;                 // Worker, Cluster, WorkerFailedException (multi-worker fit)
// Pruning: specs, the training-step hook for your own loop, measurements; schedules, mask strategies
import dev.topiary.ops.*;
import dev.topiary.ops.schedule.*;
import dev.topiary.ops.mask.*;
// Eager execution (masks and outputs as host arrays)
import dev.topiary.bridge.*;
// Sensitivity analysis and targets (global pruning groups: GlobalPruningSpec, above), visual reports
import dev.topiary.dsl.pruning.*;
import dev.topiary.dsl.saving.*;
import dev.topiary.report.*;
// .tflite files written from Java (TfliteExport.write(model, path, TfliteFlavour.SPARSE_INT8)) and read back
import dev.topiary.tflite.*;
// Keras models in and out: KerasModels.read(path) / .load(path, compile) / .save(model, path)
import dev.topiary.keras.*;
// Sparse inference of stripped models (add -R--add-modules=jdk.incubator.vector to jshell for the Vector API kernels)
import dev.topiary.sparse.*;
