/**
 * Datasets from files: IDX (MNIST), CSV with a header, TFRecord files of {@code tf.train.Example}
 * (with a writer; encoded images through {@link dev.topiary.dsl.data.io.ImageDecoding}), and image
 * folders with one subfolder per class ({@link dev.topiary.dsl.data.io.ImageFolderDataset}). Types are
 * non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.dsl.data.io;

import org.jspecify.annotations.NullMarked;
