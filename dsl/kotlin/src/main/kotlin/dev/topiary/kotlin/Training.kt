package dev.topiary.kotlin

import dev.topiary.dsl.data.HostArray
import dev.topiary.dsl.training.Adam
import dev.topiary.dsl.training.Distillation
import dev.topiary.dsl.training.Optimizer
import dev.topiary.dsl.training.RmsProp
import dev.topiary.dsl.training.Sgd
import dev.topiary.dsl.training.callbacks.CSVLogger
import dev.topiary.dsl.training.callbacks.EarlyStopping
import dev.topiary.dsl.training.callbacks.Mode
import dev.topiary.dsl.training.callbacks.ModelCheckpoint
import dev.topiary.dsl.training.callbacks.ReduceLROnPlateau
import dev.topiary.dsl.training.schedules.CosineDecay
import dev.topiary.dsl.training.schedules.ExponentialDecay
import dev.topiary.dsl.training.schedules.LearningRateSchedule
import dev.topiary.dsl.training.schedules.PiecewiseConstant
import java.nio.file.Path

// ---- learning-rate schedules, by their Keras names ---------------------------------------------

/** Keras' `ExponentialDecay`: `initialLearningRate * decayRate ^ (step / decaySteps)`. */
fun exponentialDecay(
  initialLearningRate: Double,
  decaySteps: Long,
  decayRate: Double,
  staircase: Boolean = false,
): ExponentialDecay = ExponentialDecay(initialLearningRate, decaySteps, decayRate, staircase)

/** Keras 3's `CosineDecay`, with a linear warmup to [warmupTarget] over [warmupSteps] when the target is given. */
fun cosineDecay(
  initialLearningRate: Double,
  decaySteps: Long,
  alpha: Double = 0.0,
  warmupTarget: Double? = null,
  warmupSteps: Long = 0,
): CosineDecay = CosineDecay(initialLearningRate, decaySteps, alpha, warmupTarget, warmupSteps)

/** Keras' `PiecewiseConstantDecay`: `values[i]` up to and including `boundaries[i]`, the last value after. */
fun piecewiseConstant(boundaries: List<Long>, values: List<Double>): PiecewiseConstant =
  PiecewiseConstant(boundaries.toLongArray(), values.toDoubleArray())

/** The same, from (last step, value) pairs and the value after them: `piecewiseConstant(1000L to 0.1, 2000L to 0.01, after = 0.001)`. */
fun piecewiseConstant(vararg until: Pair<Long, Double>, after: Double): PiecewiseConstant =
  piecewiseConstant(until.map { it.first }, until.map { it.second } + after)

// ---- optimizers with Keras' defaults, a constant rate or a schedule -----------------------------

fun adam(learningRate: Float = 0.001f, beta1: Float = 0.9f, beta2: Float = 0.999f, epsilon: Float = 1e-7f): Adam =
  Adam(learningRate, beta1, beta2, epsilon)

fun adam(learningRate: LearningRateSchedule, beta1: Float = 0.9f, beta2: Float = 0.999f, epsilon: Float = 1e-7f): Adam =
  Adam(learningRate, beta1, beta2, epsilon)

fun sgd(learningRate: Float = 0.01f, momentum: Float = 0f, nesterov: Boolean = false): Sgd =
  Optimizer.sgd(learningRate, momentum, nesterov)

fun sgd(learningRate: LearningRateSchedule, momentum: Float = 0f, nesterov: Boolean = false): Sgd =
  Optimizer.sgd(learningRate, momentum, nesterov)

fun rmsProp(learningRate: Float = 0.001f, rho: Float = 0.9f, momentum: Float = 0f, epsilon: Float = 1e-7f): RmsProp =
  RmsProp(learningRate, rho, momentum, epsilon)

fun rmsProp(learningRate: LearningRateSchedule, rho: Float = 0.9f, momentum: Float = 0f, epsilon: Float = 1e-7f): RmsProp =
  RmsProp(learningRate, rho, momentum, epsilon)

// ---- callbacks, with Keras' parameters and defaults ---------------------------------------------

/** Keras' `EarlyStopping`: `earlyStopping(monitor = "val_loss", patience = 3, restoreBestWeights = true)`. */
fun earlyStopping(
  monitor: String = "val_loss",
  minDelta: Double = 0.0,
  patience: Int = 0,
  mode: Mode = Mode.AUTO,
  baseline: Double? = null,
  restoreBestWeights: Boolean = false,
  startFromEpoch: Int = 0,
): EarlyStopping = EarlyStopping(monitor, minDelta, patience, mode, baseline, restoreBestWeights, startFromEpoch)

/** Keras' `ModelCheckpoint`; [path] may hold `{epoch}` and log placeholders such as `{val_loss:.4f}`. */
fun modelCheckpoint(
  path: Path,
  monitor: String = "val_loss",
  saveBestOnly: Boolean = false,
  saveWeightsOnly: Boolean = false,
  mode: Mode = Mode.AUTO,
  initialValueThreshold: Double? = null,
): ModelCheckpoint =
  ModelCheckpoint(path.toString(), monitor, saveBestOnly, saveWeightsOnly, mode, initialValueThreshold)

/** Keras' `CSVLogger`. */
fun csvLogger(file: Path, separator: String = ",", append: Boolean = false): CSVLogger =
  CSVLogger(file, separator, append)

/** Keras' `ReduceLROnPlateau`. */
fun reduceLrOnPlateau(
  monitor: String = "val_loss",
  factor: Double = 0.1,
  patience: Int = 10,
  mode: Mode = Mode.AUTO,
  minDelta: Double = 1e-4,
  cooldown: Int = 0,
  minLr: Double = 0.0,
): ReduceLROnPlateau = ReduceLROnPlateau(monitor, factor, patience, mode, minDelta, cooldown, minLr)

// ---- knowledge distillation ---------------------------------------------------------------------

/**
 * Hinton's distillation loss: `(1 - alpha) * CE(hard) + alpha * T^2 * KL(teacher_T || student_T)`;
 * labels from [distillationLabels].
 */
fun distillation(temperature: Double = 4.0, alpha: Double = 0.9): Distillation = Distillation(temperature.toFloat(), alpha.toFloat())

/** The labels [distillation] takes: the one-hot class ids followed by the teacher's logits. */
fun distillationLabels(classIds: HostArray, teacherLogits: HostArray): HostArray = Distillation.labels(classIds, teacherLogits)
