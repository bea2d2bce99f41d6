/** Pruning as TensorFlow Java graph ops: the per-step update hook, strip, measurements. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.ops;

import org.jspecify.annotations.NullMarked;
