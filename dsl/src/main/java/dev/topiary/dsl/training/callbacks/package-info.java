/**
 * Keras' training callbacks: {@link dev.topiary.dsl.training.callbacks.EarlyStopping},
 * {@link dev.topiary.dsl.training.callbacks.ModelCheckpoint},
 * {@link dev.topiary.dsl.training.callbacks.CSVLogger} and
 * {@link dev.topiary.dsl.training.callbacks.ReduceLROnPlateau}; pass them to {@code Fit.callbacks(...)}.
 *
 * <p><b>A monitored metric missing from an epoch's logs is an error</b>, where Keras only warns: the
 * callback throws an {@link java.lang.IllegalStateException} naming the metric and the available ones
 * (usually {@code val_*} without validation data), and {@code fit} ends with it. In {@code AUTO} mode
 * the direction comes from the metric's name (loss, error, crossentropy: lower is better; accuracy,
 * auc, precision, recall: higher is better); for any other name the constructor asks for
 * {@link dev.topiary.dsl.training.callbacks.Mode#MIN} or {@link dev.topiary.dsl.training.callbacks.Mode#MAX}.
 * Each callback resets its state when training begins, so one instance can serve several fits.
 */
@NullMarked
package dev.topiary.dsl.training.callbacks;

import org.jspecify.annotations.NullMarked;
