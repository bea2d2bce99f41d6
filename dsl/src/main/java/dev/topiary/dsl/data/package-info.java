/** Examples held in Java memory. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.data;

import org.jspecify.annotations.NullMarked;
