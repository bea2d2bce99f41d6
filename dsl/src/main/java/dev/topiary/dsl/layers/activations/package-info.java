/**
 * Activation layers (Keras' {@code keras.layers} activations: {@code ReLU}, ...). Each describes its
 * math once in {@link dev.topiary.dsl.layers.Primitives}, so graph, eager, TFLite and the sparse runtime
 * all run it.
 */
@org.jspecify.annotations.NullMarked
package dev.topiary.dsl.layers.activations;
