/**
 * Data for training and inference: {@link dev.topiary.dsl.data.HostArray} (values in Java memory),
 * {@link dev.topiary.dsl.data.Dataset} (batches streamed from arrays, generators or files, with
 * shuffle, map, batch and prefetch), {@link dev.topiary.dsl.data.Example} and
 * {@link dev.topiary.dsl.data.Batch}. File formats are in {@code dev.topiary.dsl.data.io}. Types are
 * non-null unless marked {@code @Nullable}.
 */
@NullMarked
package dev.topiary.dsl.data;

import org.jspecify.annotations.NullMarked;
