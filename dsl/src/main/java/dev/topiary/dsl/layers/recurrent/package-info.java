/** Recurrent layers (SimpleRNN, LSTM, GRU) and the wrappers Bidirectional and TimeDistributed. Types are non-null unless marked {@code @Nullable}. */
@NullMarked
package dev.topiary.dsl.layers.recurrent;

import org.jspecify.annotations.NullMarked;
