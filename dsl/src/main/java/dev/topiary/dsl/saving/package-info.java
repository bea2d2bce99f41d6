/**
 * One way in and out for model files: {@link dev.topiary.dsl.saving.Saving#save} and
 * {@link dev.topiary.dsl.saving.Saving#load} pick the format by the file's name or content, from the formats
 * on the class path ({@link dev.topiary.dsl.saving.ModelFormat}), as Keras' {@code saving} module does.
 */
@NullMarked
package dev.topiary.dsl.saving;

import org.jspecify.annotations.NullMarked;
