package dev.topiary.docs;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.data.HostArray;
import dev.topiary.dsl.training.Callback;
import dev.topiary.dsl.training.Compile;
import dev.topiary.dsl.training.Fit;
import dev.topiary.dsl.training.Loss;
import dev.topiary.dsl.training.Optimizer;
import dev.topiary.dsl.training.callbacks.CSVLogger;
import dev.topiary.dsl.training.callbacks.EarlyStopping;
import dev.topiary.dsl.training.callbacks.ModelCheckpoint;
import dev.topiary.dsl.training.callbacks.ReduceLROnPlateau;
import dev.topiary.dsl.training.schedules.CosineDecay;
import java.nio.file.Path;
import java.util.Map;

/** Snippets of docs/guides/callbacks.md. */
final class CallbackSnippets {
  private CallbackSnippets() {}

  static Compile callbacks(Model model, HostArray x, HostArray y, Loss loss) {
    // [snippet:KerasCallbacks]
    Compile compile = Compile.of(Optimizer.adam(CosineDecay.withWarmup(0.0, 10_000, 0.0, 1e-3, 500)), loss);
    model.fit(x, y, Fit.ofEpochs(100).validationSplit(0.1).callbacks(            // dev.topiary.dsl.training.callbacks
        EarlyStopping.builder().monitor("val_loss").patience(5).restoreBestWeights(true).build(),
        ModelCheckpoint.bestOnly(Path.of("best"), "val_accuracy"),             // or "ckpt/{epoch:02d}-{val_loss:.3f}"
        new CSVLogger(Path.of("training.csv")),
        ReduceLROnPlateau.builder().factor(0.5).patience(2).minLr(1e-5).build()));
    // [end:KerasCallbacks]
    return compile;
  }

  // [snippet:OwnCallback]
  /** Stops training once the validation loss is below a bound; every event of Callback is optional. */
  static final class StopBelow implements Callback {
    private final double bound;

    StopBelow(double bound) {
      this.bound = bound;
    }

    @Override
    public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
      if (logs.getOrDefault("val_loss", Double.MAX_VALUE) < bound) {
        context.stopTraining();
      }
    }
  }
  // [end:OwnCallback]

  static void ownCallback(Model model, HostArray x, HostArray y) {
    // [snippet:UseOwnCallback]
    model.fit(x, y, Fit.ofEpochs(50).validationSplit(0.1).callbacks(new StopBelow(0.3)));
    Fit same = Fit.builder().epochs(50).validationSplit(0.1).callback(new StopBelow(0.3)).build();
    // [end:UseOwnCallback]
  }
}
