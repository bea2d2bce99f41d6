package dev.topiary.ops;

import java.util.List;

/**
 * The state contract of pruning: the name, type and start value of every persistent variable that
 * pruning adds to a model, defined once. Graph models create these variables ({@link PrunedWeight},
 * {@link PruningStep}); eager models, checkpoints and model files hold the same names and values in
 * Java memory. Anything that creates, restores or saves pruning state goes through here, so a graph
 * snapshot restores into an eager model and back bit for bit.
 */
public final class PruningState {
  /** The int64 scalar training-step variable a model's schedules read (0 before the first step). */
  public static final String STEP = "global_step";

  /** A persistent variable: name, element type, shape and the value every element starts with. */
  public record Variable(String name, DType dtype, long[] shape, double start) {
    public Variable {
      shape = shape.clone();
    }

    @Override
    public long[] shape() {
      return shape.clone();
    }
  }

  /** The two element types pruning state uses. */
  public enum DType { FLOAT32, INT64 }

  private PruningState() {}

  /** Name of the mask variable of weight {@code weightName} (ones at first). */
  public static String maskName(String weightName) {
    return Graphs.flatName(weightName) + "_prune_mask";
  }

  /** Name of the float32 scalar threshold variable of weight {@code weightName} (0 at first). */
  public static String thresholdName(String weightName) {
    return Graphs.flatName(weightName) + "_prune_threshold";
  }

  /** Name of the int64 scalar mask-update counter of weight {@code weightName} (0 at first). */
  public static String updatesName(String weightName) {
    return Graphs.flatName(weightName) + "_prune_updates";
  }

  /**
   * Name under which a sparse checkpoint keeps the pruned positions' values of {@code weightName}
   * (the last optimizer step's regrowth), when {@link #keepsRegrowth} says the next step needs them.
   */
  public static String regrowthName(String weightName) {
    return Graphs.flatName(weightName) + "_prune_regrowth";
  }

  /** The pruning variables of one pruned weight of {@code shape}, with their start values. */
  public static List<Variable> of(String weightName, long[] shape) {
    return List.of(
        new Variable(maskName(weightName), DType.FLOAT32, shape, 1.0),
        new Variable(thresholdName(weightName), DType.FLOAT32, new long[0], 0.0),
        new Variable(updatesName(weightName), DType.INT64, new long[0], 0.0));
  }

  /** The step variable, starting at 0. */
  public static Variable step() {
    return new Variable(STEP, DType.INT64, new long[0], 0.0);
  }

  /**
   * Whether a checkpoint taken after {@code step} completed steps must keep the pruned positions'
   * values of a weight pruned with {@code spec}. The stored weight is sparse except for one optimizer
   * step of regrowth on pruned positions ({@link PrunedWeight#update()}); that regrowth only matters
   * when the next step recomputes the mask from the stored magnitudes, as the reference would. Any
   * other time the weight is saved masked, which is what the next step would read anyway.
   */
  public static boolean keepsRegrowth(PruningSpec spec, long step) {
    return !spec.strategy().fixedAfterFirstUpdate() && spec.schedule().at(step).shouldPrune();
  }
}
