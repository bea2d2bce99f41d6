/** Convolutions: 1-D, 2-D, 3-D, transposed, depthwise and separable. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.convolution;

import org.jspecify.annotations.NullMarked;
