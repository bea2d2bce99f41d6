/**
 * The layer contract ({@link dev.topiary.dsl.layers.Layer}, {@link dev.topiary.dsl.layers.BaseLayer},
 * {@link dev.topiary.dsl.layers.LayerContext}, {@link dev.topiary.dsl.layers.WeightSpec}, ...), the
 * activation functions and the list of built-in layers with their config codecs. The layers
 * themselves, one class per Keras layer, are in the subpackages by family: {@code core},
 * {@code convolution}, {@code pooling}, {@code recurrent}, {@code attention}, {@code normalization},
 * {@code reshaping}, {@code merging}. Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.dsl.layers;

import org.jspecify.annotations.NullMarked;
