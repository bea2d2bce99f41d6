package dev.topiary.ops;

import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.PruningSchedule;
import java.util.Objects;

/**
 * Global magnitude pruning of a group of weights: one schedule, one ranking of all the group's
 * magnitudes, so that each weight ends at its own sparsity while the group as a whole keeps exactly
 * {@code k = max(round_half_even(float32(N) * (1 - float32(s))), 1)} of its {@code N} weights (the
 * per-tensor rule of {@link MaskStrategy#keepCount}, over the group's total).
 *
 * <ul>
 *   <li><b>Scores.</b> Weights are ranked by {@code |w|}, or with {@link Normalization#MAX_ABS} by
 *       {@code |w| / max|w|} of their own tensor, or with {@link Normalization#RMS} by {@code |w| / rms(w)}
 *       (so that a layer of small weights is not pruned away only because its scale is small).
 *   <li><b>Ties</b> are broken by position: among equal scores the weight that comes first in the
 *       group (weights in the order given, each row-major) is kept. The group therefore keeps exactly
 *       {@code k}, never more (unlike the per-tensor rule, which keeps every tie).
 *   <li><b>Floors.</b> {@link #keepAtLeast(long)} (at least n weights of each tensor, or all of a
 *       smaller one) and {@link #atMostSparsity(double)} (each tensor keeps at least
 *       {@code keepCount(n_j, s_max)} of its {@code n_j} weights). Each tensor's floor is the larger of
 *       the two; its floor-many largest scores are kept first, then the rest of {@code k} goes to the
 *       largest remaining scores of the whole group. The group still keeps exactly {@code k}: a group
 *       whose floors exceed {@code k} at the schedule's highest sparsity is rejected when it is defined.
 * </ul>
 *
 * @param name the group's name (a model's layers refer to their group by it in saved configs)
 * @param schedule when masks are recomputed and the group's target sparsity
 * @param normalization how each tensor's magnitudes are scaled before the group ranks them
 * @param minKept each tensor keeps at least this many weights (all of a smaller tensor); 0 for none
 * @param maxSparsity each tensor's sparsity stays at or below this; 1 for no limit
 */
public record GlobalPruningSpec(String name, PruningSchedule schedule, Normalization normalization, long minKept,
    float maxSparsity) {

  /** The default group name. */
  public static final String DEFAULT_NAME = "global";

  /** How each weight tensor's magnitudes are scaled before the group ranks them. */
  public enum Normalization {
    /** Raw magnitudes {@code |w|}: torch's {@code global_unstructured}, SparseML's global GMP. */
    NONE,
    /**
     * {@code |w| / max|w|} of the tensor (1 for an all-zero tensor). The maximum, unlike an RMS or a
     * mean, does not depend on summation order, so Java and TensorFlow rank bit for bit alike.
     */
    MAX_ABS,
    /**
     * {@code |w| / rms(w)} of the tensor, {@code rms = sqrt(float32(sum(w^2) / n))} with the sum in
     * float64 (1 for an all-zero tensor): the tensor's typical scale rather than its extreme. Java and
     * TensorFlow add in different orders; in float64 the sums differ far below float32 precision, so
     * both round to the same float32 (tests compare them bit for bit).
     */
    RMS
  }

  public GlobalPruningSpec {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(normalization, "normalization");
    if (!name.matches("[A-Za-z0-9_.-]+")) {
      throw new IllegalArgumentException("a global pruning group's name must be letters, digits, '_', '.' or '-', got '"
          + name + "'");
    }
    if (minKept < 0) {
      throw new IllegalArgumentException("keepAtLeast must be >= 0, got " + minKept);
    }
    if (!(maxSparsity >= 0f && maxSparsity <= 1f)) {
      throw new IllegalArgumentException("atMostSparsity must be in [0, 1], got " + maxSparsity);
    }
  }

  /** A group named {@value #DEFAULT_NAME} along {@code schedule}: raw magnitudes, no floors. */
  public static GlobalPruningSpec of(PruningSchedule schedule) {
    return new GlobalPruningSpec(DEFAULT_NAME, schedule, Normalization.NONE, 0, 1f);
  }

  public GlobalPruningSpec named(String name) {
    return new GlobalPruningSpec(name, schedule, normalization, minKept, maxSparsity);
  }

  public GlobalPruningSpec normalizedBy(Normalization normalization) {
    return new GlobalPruningSpec(name, schedule, normalization, minKept, maxSparsity);
  }

  /** Each tensor keeps at least {@code n} weights (all of a tensor with fewer). */
  public GlobalPruningSpec keepAtLeast(long n) {
    return new GlobalPruningSpec(name, schedule, normalization, n, maxSparsity);
  }

  /** Each tensor keeps at least {@code keepCount(n_j, sparsity)} of its {@code n_j} weights. */
  public GlobalPruningSpec atMostSparsity(double sparsity) {
    return new GlobalPruningSpec(name, schedule, normalization, minKept, (float) sparsity);
  }

  /**
   * How many weights a tensor of {@code size} keeps at least: the larger of {@link #minKept()} (at
   * most {@code size}) and, with a {@link #maxSparsity()} below 1, {@code keepCount(size, maxSparsity)}.
   */
  public long floor(long size) {
    long floor = Math.min(minKept, size);
    if (maxSparsity < 1f && size > 0) {
      floor = Math.max(floor, MaskStrategy.keepCount(size, maxSparsity));
    }
    return floor;
  }

  /** How many of the group's weights (tensors of {@code sizes}) are kept at {@code sparsity}. */
  public static long groupKeepCount(long[] sizes, float sparsity) {
    long total = 0;
    for (long s : sizes) {
      total += s;
    }
    return MaskStrategy.keepCount(total, sparsity);
  }

  /** The highest sparsity the schedule asks for (at its begin or end step; the built-ins are monotonic). */
  public float highestSparsity() {
    float s = schedule.at(schedule.beginStep()).sparsity();
    if (schedule.endStep() >= 0) {
      s = Math.max(s, schedule.at(schedule.endStep()).sparsity());
    }
    return s;
  }

  /**
   * Checks that tensors of {@code sizes} can form this group: the floors fit in what the group keeps
   * at the schedule's highest sparsity.
   *
   * @throws IllegalArgumentException naming the floors and the group total otherwise
   */
  public void validate(long[] sizes) {
    if (sizes.length == 0) {
      throw new IllegalArgumentException("global pruning group '" + name + "' has no weights");
    }
    long floors = 0;
    long total = 0;
    for (long s : sizes) {
      floors += floor(s);
      total += s;
    }
    float highest = highestSparsity();
    long k = MaskStrategy.keepCount(total, highest);
    if (floors > k) {
      throw new IllegalArgumentException("global pruning group '" + name + "': the per-weight floors keep " + floors
          + " weights but the group keeps only " + k + " of " + total + " at sparsity " + highest
          + "; lower keepAtLeast/raise atMostSparsity or lower the target");
    }
  }

  /**
   * The per-weight spec a member of this group carries (this schedule, a {@link GlobalGroupMember}
   * strategy): what a model's layer holds, and what {@link PrunedWeight#spec()} returns for a member.
   */
  public PruningSpec memberSpec() {
    return new PruningSpec(schedule, new GlobalGroupMember(this));
  }

  @Override
  public String toString() {
    return "GlobalPruningSpec(" + name + ", " + schedule + (normalization == Normalization.NONE ? "" : ", " + normalization)
        + (minKept > 0 ? ", keepAtLeast=" + minKept : "") + (maxSparsity < 1f ? ", atMostSparsity=" + maxSparsity : "")
        + ")";
  }
}
