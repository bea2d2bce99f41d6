/** Mask strategies (magnitude, block, m-by-n), as ops and in plain Java. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.ops.mask;

import org.jspecify.annotations.NullMarked;
