package dev.topiary.dsl.training.callbacks;

import dev.topiary.dsl.Model;
import dev.topiary.dsl.training.Callback;
import java.util.Map;

/**
 * Keras' {@code ReduceLROnPlateau}: multiplies the learning rate by {@code factor} when the monitored
 * metric has not improved (by more than {@code minDelta}) for {@code patience} epochs, never below
 * {@code minLr}; after a reduction it waits {@code cooldown} epochs before counting again.
 *
 * <p>It reads and sets the rate with {@link Model#learningRate()} and {@link Model#setLearningRate};
 * a model whose optimizer follows a learning-rate schedule has no rate to change, and fails there.
 * A metric missing from the logs is an error (see the package description).
 */
public final class ReduceLROnPlateau implements Callback {
  private final Monitor monitor;
  private final double factor;
  private final int patience;
  private final double minDelta;
  private final int cooldown;
  private final double minLr;

  private double best;
  private int wait;
  private int cooldownCounter;
  private int reductions;

  /**
   * @param monitor the metric to watch
   * @param factor the rate's multiplier at a reduction, in (0, 1)
   * @param patience epochs without improvement before a reduction (>= 0)
   * @param mode whether the metric should go down or up
   * @param minDelta the smallest change that counts as an improvement (>= 0)
   * @param cooldown epochs after a reduction during which the wait does not grow (>= 0)
   * @param minLr the lowest rate a reduction gives (>= 0)
   */
  public ReduceLROnPlateau(String monitor, double factor, int patience, Mode mode, double minDelta, int cooldown,
      double minLr) {
    this.monitor = new Monitor("ReduceLROnPlateau", monitor, mode);
    if (!(factor > 0 && factor < 1)) {
      throw new IllegalArgumentException("ReduceLROnPlateau does not support a factor >= 1 (or <= 0), got " + factor);
    }
    if (patience < 0 || cooldown < 0) {
      throw new IllegalArgumentException("ReduceLROnPlateau patience and cooldown must be >= 0, got " + patience
          + " and " + cooldown);
    }
    if (!(minDelta >= 0) || Double.isInfinite(minDelta) || !(minLr >= 0) || Double.isInfinite(minLr)) {
      throw new IllegalArgumentException("ReduceLROnPlateau min delta and min learning rate must be finite and >= 0,"
          + " got " + minDelta + " and " + minLr);
    }
    this.factor = factor;
    this.patience = patience;
    this.minDelta = minDelta;
    this.cooldown = cooldown;
    this.minLr = minLr;
    this.best = this.monitor.worst();
  }

  /** Keras' defaults: monitor {@code val_loss}, factor 0.1, patience 10, auto mode, min delta 1e-4, no cooldown, min rate 0. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void onTrainBegin(TrainingContext context) {
    best = monitor.worst();
    wait = 0;
    cooldownCounter = 0;
    reductions = 0;
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, TrainingContext context) {
    double current = monitor.value(logs);
    if (cooldownCounter > 0) {
      cooldownCounter--;
      wait = 0;
    }
    if (monitor.improves(current, best, minDelta)) {
      best = current;
      wait = 0;
    } else if (cooldownCounter == 0) {
      wait++;
      if (wait >= patience) {
        Model model = context.model();
        double old = model.learningRate();
        if (old > (float) minLr) {
          model.setLearningRate(Math.max(old * factor, minLr));
          reductions++;
          cooldownCounter = cooldown;
          wait = 0;
        }
      }
    }
  }

  /** How many times the last fit reduced the rate. */
  public int reductions() {
    return reductions;
  }

  @Override
  public String toString() {
    return "ReduceLROnPlateau[monitor=" + monitor.name() + ", factor=" + factor + ", patience=" + patience
        + ", minDelta=" + minDelta + ", cooldown=" + cooldown + ", minLr=" + minLr + "]";
  }

  /** Settings at Keras' defaults. */
  public static final class Builder {
    private String monitor = "val_loss";
    private double factor = 0.1;
    private int patience = 10;
    private Mode mode = Mode.AUTO;
    private double minDelta = 1e-4;
    private int cooldown;
    private double minLr;

    private Builder() {}

    public Builder monitor(String monitor) {
      this.monitor = monitor;
      return this;
    }

    public Builder factor(double factor) {
      this.factor = factor;
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

    public Builder minDelta(double minDelta) {
      this.minDelta = minDelta;
      return this;
    }

    public Builder cooldown(int cooldown) {
      this.cooldown = cooldown;
      return this;
    }

    public Builder minLr(double minLr) {
      this.minLr = minLr;
      return this;
    }

    public ReduceLROnPlateau build() {
      return new ReduceLROnPlateau(monitor, factor, patience, mode, minDelta, cooldown, minLr);
    }
  }
}
