/** One model definition in eager and graph execution. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.bridge;

import org.jspecify.annotations.NullMarked;
