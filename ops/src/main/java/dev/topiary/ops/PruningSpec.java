package dev.topiary.ops;

import dev.topiary.ops.mask.BlockPooling;
import dev.topiary.ops.mask.MaskStrategy;
import dev.topiary.ops.schedule.PruningSchedule;
import java.util.Objects;

/**
 * How one weight is pruned: when and how much (the {@link PruningSchedule}) and which shape of mask
 * (the {@link MaskStrategy}). An immutable value, reusable across weights and models.
 *
 * <pre>{@code
 * PruningSpec.of(PolynomialDecay.of(0.5, 0.8, 0, 1000))            // unstructured
 * PruningSpec.of(ConstantSparsity.of(0.5, 0)).withBlock(1, 4, BlockPooling.AVG)
 * PruningSpec.mByN(2, 4, ConstantSparsity.of(0.5, 0))                // 2:4, mask fixed at `begin`
 * }</pre>
 */
public record PruningSpec(PruningSchedule schedule, MaskStrategy strategy) {

  public PruningSpec {
    Objects.requireNonNull(schedule, "schedule");
    Objects.requireNonNull(strategy, "strategy");
    if (schedule instanceof dev.topiary.ops.schedule.GatedSchedule gated) {
      gated.warnOnce();
    } else {
      schedule.review().ifPresent(m -> System.getLogger("dev.topiary").log(System.Logger.Level.WARNING, m));
    }
  }

  /** Unstructured magnitude pruning along {@code schedule}. */
  public static PruningSpec of(PruningSchedule schedule) {
    return new PruningSpec(schedule, MaskStrategy.magnitude());
  }

  /**
   * m-by-n structured sparsity; {@code schedule} only says when the (fixed) mask is computed, its
   * sparsity is not used.
   */
  public static PruningSpec mByN(int m, int n, PruningSchedule schedule) {
    return new PruningSpec(schedule, MaskStrategy.mByN(m, n));
  }

  /** The same schedule with block sparsity (rank-2 weights only). */
  public PruningSpec withBlock(int rows, int cols, BlockPooling pooling) {
    return new PruningSpec(schedule, MaskStrategy.block(rows, cols, pooling));
  }

  /** The same schedule with another mask strategy. */
  public PruningSpec withStrategy(MaskStrategy strategy) {
    return new PruningSpec(schedule, strategy);
  }

  /** {@code PruningSpec(PolynomialDecay(initial=0.5, ...), magnitude)}. */
  @Override
  public String toString() {
    return "PruningSpec(" + schedule + ", " + strategy + ")";
  }
}
