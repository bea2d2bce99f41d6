#!/bin/bash
# The recurrent rows of docs/results/speed.md, interleaved: per round, cell and length, Topiary's JMH
# RecurrentBenchmark, then the same model in Keras (tests/benchmarks/tools/keras_speed.py). Prints the raw lines (JMH
# scores and Keras' JSON per epoch) with the load average before each configuration.
# Needs: mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests; PYTHON with tensorflow-cpu 2.21 + keras 3.15.
set -e
BENCH="$(cd "$(dirname "$0")/.." && pwd)"   # tests/benchmarks
PYTHON="${PYTHON:-python3}"
ROUNDS="${ROUNDS:-2}"
CP="$(cat "$BENCH/target/benchmarks.classpath"):$BENCH/target/classes"
for round in $(seq 1 "$ROUNDS"); do
  for cell in gru lstm; do
    for s in 50 200 500; do
      echo "round $round $cell $s load $(cut -d' ' -f1 /proc/loadavg)"
      java -cp "$CP" org.openjdk.jmh.Main RecurrentBenchmark -p cell=$cell -p steps=$s -i 1 -wi 1 2>&1 | grep -E '^Recurrent'
      TF_CPP_MIN_LOG_LEVEL=2 "$PYTHON" "$BENCH/tools/keras_speed.py" --model $cell --batch 64 --batches 20 --rounds 3 \
        --steps $s 2>/dev/null | grep '^{'
    done
  done
done
