/**
 * Learning-rate schedules (Keras' {@code keras.optimizers.schedules}), evaluated inside the training
 * step: pass one to an optimizer where it takes a learning rate, e.g. {@code Optimizer.adam(schedule)}.
 */
@NullMarked
package dev.topiary.dsl.training.schedules;

import org.jspecify.annotations.NullMarked;
