package dev.topiary.ops.schedule;

import org.tensorflow.Operand;
import org.tensorflow.types.TBool;
import org.tensorflow.types.TFloat32;

/** A schedule's decision as TensorFlow operands: a bool scalar and a float32 scalar. */
public record ScheduleOps(Operand<TBool> shouldPrune, Operand<TFloat32> sparsity) {}
