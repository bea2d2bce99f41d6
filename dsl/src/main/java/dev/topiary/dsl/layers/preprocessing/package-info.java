/**
 * Keras' preprocessing layers that are plain math of an inference model ({@code Rescaling},
 * {@code Normalization}), as Keras Applications put them at the start of MobileNetV3, EfficientNet
 * and ConvNeXt. Each describes its math once in {@link dev.topiary.dsl.layers.Primitives}.
 */
@org.jspecify.annotations.NullMarked
package dev.topiary.dsl.layers.preprocessing;
