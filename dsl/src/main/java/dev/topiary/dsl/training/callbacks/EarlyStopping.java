package dev.topiary.dsl.training.callbacks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.state.Snapshot;
import dev.topiary.dsl.state.StateContract;
import dev.topiary.dsl.training.Callback;
import dev.topiary.ops.PruningState;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Keras' {@code EarlyStopping}: stops training when the monitored metric has stopped improving.
 *
 * <p>At each epoch end from {@code startFromEpoch} on, the epoch counts as an improvement if the
 * metric beats the best so far by more than {@code minDelta}; then the best is updated and, if it
 * also beats {@code baseline} (when given), the wait restarts. Otherwise the wait grows; when it
 * reaches {@code patience} (and this is not the first epoch), training stops after this epoch.
 *
 * <p>With {@code restoreBestWeights}, the model's state at the end of the best epoch (weights,
 * normalization statistics and pruning state, as {@link Model#snapshot()} has them) is put back when
 * training ends, whether it stopped early or not; the optimizer's state and the step counter
 * continue (as Keras' {@code set_weights} leaves the optimizer alone). A metric missing from the logs
 * is an error naming it (see the package description).
 *
 * <pre>{@code Fit.ofEpochs(100).validationSplit(0.2).callbacks(
 *     EarlyStopping.builder().monitor("val_loss").patience(3).restoreBestWeights(true).build())}</pre>
 */
public final class EarlyStopping implements Callback {
  private final Monitor monitor;
  private final double minDelta;
  private final int patience;
  private final @Nullable Double baseline;
  private final boolean restoreBestWeights;
  private final int startFromEpoch;

  private int wait;
  private int stoppedEpoch = -1;
  private int bestEpoch = -1;
  private double best;
  private @Nullable Snapshot bestState;

  /**
   * @param monitor the metric to watch, e.g. {@code val_loss}
   * @param minDelta the smallest change that counts as an improvement (its sign is ignored)
   * @param patience epochs without improvement after which training stops (>= 0)
   * @param mode whether the metric should go down or up
   * @param baseline a value the metric must beat for the wait to restart, or null
   * @param restoreBestWeights put back the best epoch's state when training ends
   * @param startFromEpoch epochs to wait before monitoring at all (a warm-up, >= 0)
   */
  public EarlyStopping(String monitor, double minDelta, int patience, Mode mode, @Nullable Double baseline,
      boolean restoreBestWeights, int startFromEpoch) {
    this.monitor = new Monitor("EarlyStopping", monitor, mode);
    if (Double.isNaN(minDelta) || Double.isInfinite(minDelta)) {
      throw new IllegalArgumentException("EarlyStopping min delta must be a finite number, got " + minDelta);
    }
    if (patience < 0) {
      throw new IllegalArgumentException("EarlyStopping patience must be >= 0, got " + patience);
    }
    if (startFromEpoch < 0) {
      throw new IllegalArgumentException("EarlyStopping start-from epoch must be >= 0, got " + startFromEpoch);
    }
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
    this.startFromEpoch = startFromEpoch;
    this.best = this.monitor.worst();
  }

  /** Keras' defaults: monitor {@code val_loss}, min delta 0, patience 0, auto mode, no baseline, no restore. */
  public static Builder builder() {
    return new Builder();
  }

  /** Stops after {@code patience} epochs without improvement of {@code monitor}; other settings at Keras' defaults. */
  public static EarlyStopping of(String monitor, int patience) {
    return builder().monitor(monitor).patience(patience).build();
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    wait = 0;
    stoppedEpoch = -1;
    bestEpoch = -1;
    best = monitor.worst();
    bestState = null;
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
    if (epoch < startFromEpoch) {
      return;
    }
    double current = monitor.value(logs);
    if (restoreBestWeights && bestState == null) {
      // Until something improves, the first monitored epoch is the best one.
      bestState = modelState(context.model());
      bestEpoch = epoch;
    }
    wait++;
    if (monitor.improves(current, best, minDelta)) {
      best = current;
      bestEpoch = epoch;
      if (restoreBestWeights) {
        bestState = modelState(context.model());
      }
      if (baseline == null || monitor.improves(current, baseline, minDelta)) {
        wait = 0;
      }
      return;
    }
    if (wait >= patience && epoch > 0) {
      stoppedEpoch = epoch;
      context.stopTraining();
    }
  }

  @Override
  public void onTrainEnd(Map<String, Double> logs, TrainingContext context) {
    if (restoreBestWeights && bestState != null) {
      Model model = context.model();
      Snapshot now = model.snapshot();
      model.restore(now.with(bestState));
    }
  }

  /** What is restored: everything but the optimizer's state and the step. */
  private static Snapshot modelState(Model model) {
    String step = PruningState.step().name();
    return model.snapshot().filter(n -> !StateContract.isOptimizerState(n) && !n.equals(step));
  }

  /** The epoch (0-based) after which this callback stopped the last fit, or -1 if it did not. */
  public int stoppedEpoch() {
    return stoppedEpoch;
  }

  /** The best monitored epoch (0-based) of the last fit, or -1 before any. */
  public int bestEpoch() {
    return bestEpoch;
  }

  /** The best monitored value of the last fit (infinite before any). */
  public double best() {
    return best;
  }

  public String monitor() {
    return monitor.name();
  }

  public int patience() {
    return patience;
  }

  @Override
  public String toString() {
    return "EarlyStopping[monitor=" + monitor.name() + ", minDelta=" + minDelta + ", patience=" + patience
        + ", mode=" + (monitor.higherIsBetter() ? "max" : "min") + ", baseline=" + baseline + ", restoreBestWeights="
        + restoreBestWeights + ", startFromEpoch=" + startFromEpoch + "]";
  }

  /** Settings at Keras' defaults; {@link #build()} checks them. */
  public static final class Builder {
    private String monitor = "val_loss";
    private double minDelta;
    private int patience;
    private Mode mode = Mode.AUTO;
    private @Nullable Double baseline;
    private boolean restoreBestWeights;
    private int startFromEpoch;

    private Builder() {}

    public Builder monitor(String monitor) {
      this.monitor = monitor;
      return this;
    }

    public Builder minDelta(double minDelta) {
      this.minDelta = minDelta;
      return this;
    }

    public Builder patience(int patience) {
      this.patience = patience;
      return this;
    }

    public Builder mode(Mode mode) {
      this.mode = mode;
      return this;
    }

    public Builder baseline(@Nullable Double baseline) {
      this.baseline = baseline;
      return this;
    }

    public Builder restoreBestWeights(boolean restore) {
      this.restoreBestWeights = restore;
      return this;
    }

    public Builder startFromEpoch(int epoch) {
      this.startFromEpoch = epoch;
      return this;
    }

    public EarlyStopping build() {
      return new EarlyStopping(monitor, minDelta, patience, mode, baseline, restoreBestWeights, startFromEpoch);
    }
  }
}
