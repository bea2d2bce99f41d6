/** Keras-like model definitions (Sequential, Functional) and built models. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl;

import org.jspecify.annotations.NullMarked;
