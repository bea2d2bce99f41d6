package dev.topiary.dsl;

/** Training stopped because the loss stopped being a finite number. */
public class TrainingDivergedException extends IllegalStateException {
  public TrainingDivergedException(String message) {
    super(message);
  }
}
