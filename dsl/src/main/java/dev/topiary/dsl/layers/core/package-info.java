/** Core layers: Dense, Embedding, the Activation layer (ActivationLayer) and Dropout. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.core;

import org.jspecify.annotations.NullMarked;
