package dev.topiary.dsl.training.schedules;

/** Argument checks shared by the built-in schedules. */
final class Checks {
  private Checks() {}

  /** @throws IllegalArgumentException unless {@code value} is finite and > 0, naming {@code what} */
  static void requirePositive(String what, double value) {
    if (!(value > 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(what + " must be a positive number, got " + value);
    }
  }

  /** @throws IllegalArgumentException unless {@code value} is finite and >= 0, naming {@code what} */
  static void requireNonNegative(String what, double value) {
    if (!(value >= 0) || Double.isInfinite(value)) {
      throw new IllegalArgumentException(what + " must be a finite number >= 0, got " + value);
    }
  }
}
