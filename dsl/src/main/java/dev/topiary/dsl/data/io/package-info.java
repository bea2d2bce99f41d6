/**
 * Datasets from files: IDX (MNIST), CSV with a header, and TFRecord files of {@code tf.train.Example}
 * (with a writer). Types are non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.dsl.data.io;

import org.jspecify.annotations.NullMarked;
