#!/bin/bash
# TF's oneDNN kernels off and on (TF_ENABLE_ONEDNN_OPTS=0 / 1), interleaved per configuration and round,
# the order swapped every round: wall and CPU time per training step of the tutorial CNN, one small model
# per layer type and LSTM/GRU (StepCpuTiming); the same under JMH (TrainingStepBenchmark, LayerStepBenchmark,
# RecurrentBenchmark's steady step at 50 steps); the sparse module's TF_DENSE MatMul (TfDenseTiming); and
# Keras 3 on the CNN with the same variable. Prints raw lines with the load average before each.
# docs/results/speed.md, "TensorFlow's oneDNN kernels". Outputs of the two settings: LayerStepBenchmark's main.
# Needs: mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests; PYTHON with tensorflow-cpu 2.21 + keras 3.15.
set -e
BENCH="$(cd "$(dirname "$0")/.." && pwd)"   # tests/benchmarks
PYTHON="${PYTHON:-python3}"
ROUNDS="${ROUNDS:-2}"
CP="$(cat "$BENCH/target/benchmarks.classpath"):$BENCH/target/classes"
export TF_CPP_MIN_LOG_LEVEL=2
jmh() { java -cp "$CP" org.openjdk.jmh.Main "$@" -wi 1 -i 3 2>&1 | grep -E '^(Training|Layer|Recurrent)'; }
for round in $(seq 1 "$ROUNDS"); do
  order="0 1"; [ $((round % 2)) -eq 0 ] && order="1 0"
  for config in cpu cnn layers recurrent tfdense keras; do
    for v in $order; do
      echo "round $round $config TF_ENABLE_ONEDNN_OPTS=$v load $(cut -d' ' -f1 /proc/loadavg)"
      export TF_ENABLE_ONEDNN_OPTS=$v
      case $config in
        cpu) java -cp "$CP" dev.topiary.benchmarks.StepCpuTiming cnn dense conv2d depthwise batchnorm lstm gru 2>&1 | grep '^step' ;;
        cnn) jmh TrainingStepBenchmark -p model=cnn -p batch=128 -p variant=dense ;;
        layers) jmh LayerStepBenchmark ;;
        recurrent) jmh 'RecurrentBenchmark.steadyStep' -p steps=50 ;;
        tfdense) java -cp "$CP" dev.topiary.benchmarks.TfDenseTiming 2>&1 | grep '^tf_dense' ;;
        keras) "$PYTHON" "$BENCH/tools/keras_speed.py" --model cnn --batch 128 --rounds 3 2>/dev/null | grep '^{' ;;
      esac
    done
  done
done
