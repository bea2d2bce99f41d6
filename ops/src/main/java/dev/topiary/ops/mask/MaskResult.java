package dev.topiary.ops.mask;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * A mask (1 keeps a weight, 0 prunes it; same shape as the weights) and the magnitude threshold it
 * was cut at, as TensorFlow operands.
 */
public record MaskResult(Operand<TFloat32> mask, Operand<TFloat32> threshold) {}
