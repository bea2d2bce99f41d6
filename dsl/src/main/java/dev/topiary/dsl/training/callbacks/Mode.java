package dev.topiary.dsl.training.callbacks;

/** Whether a monitored metric improves when it goes down ({@link #MIN}) or up ({@link #MAX}), or from its name. */
public enum Mode {
  /** From the metric's name: loss, error and crossentropy go down; accuracy, auc, precision and recall go up. */
  AUTO,
  MIN,
  MAX
}
