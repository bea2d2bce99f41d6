package dev.topiary.ops.mask;

import java.util.Arrays;
import java.util.Locale;

/** How block sparsity summarizes the magnitudes of one block. */
public enum BlockPooling {
  /** Mean magnitude over the block's real elements. */
  AVG,
  /** Largest magnitude in the block. */
  MAX;

  /**
   * Parses "AVG" / "MAX" (any case), as the reference's {@code block_pooling_type}.
   *
   * @throws IllegalArgumentException for any other name, listing the valid ones
   */
  public static BlockPooling parse(String name) {
    for (BlockPooling p : values()) {
      if (p.name().equalsIgnoreCase(name.trim())) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown block pooling type '" + name + "', expected one of "
            + Arrays.toString(values()).toLowerCase(Locale.ROOT));
  }
}
