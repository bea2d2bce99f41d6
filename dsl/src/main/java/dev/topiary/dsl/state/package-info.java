/** Model state (every variable) held in Java memory. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.state;

import org.jspecify.annotations.NullMarked;
