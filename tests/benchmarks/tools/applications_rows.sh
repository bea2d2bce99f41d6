#!/usr/bin/env bash
# Training step of Keras Applications models in Topiary (dense, pruned) and in Keras 3 (jit_compile "auto" and
# False), interleaved per model and round; one JSON line per run on stdout (not run by CI). Needs the models
# written first (keras_applications_step.py write --out "$APPS") and the module compiled:
#   mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests dependency:build-classpath \
#       -Dmdep.outputFile=target/apps.classpath -Dmdep.includeScope=runtime
#   APPS=/tmp/apps MODELS="mobilenetv2_0.35 mobilenetv2_1.0 resnet50" ROUNDS=2 BATCH=32 \
#       PYTHON=.venv/bin/python tests/benchmarks/tools/applications_rows.sh > rows.jsonl
# Each run is its own process (build, warm-up, timed steps); WARMUP/STEPS set the batches; KERAS_JIT the Keras
# settings ("auto false"); SIDES the runs per model and round, in order: topiary:dense|pruned, keras:auto|false
# (TF's default oneDNN setting on this CPU), keras-onednn:auto|false (TF_ENABLE_ONEDNN_OPTS=1, as Topiary sets it).
set -euo pipefail
cd "$(dirname "$0")/../../.."
APPS=${APPS:?set APPS to the folder keras_applications_step.py wrote}
MODELS=${MODELS:-"mobilenetv2_0.35 mobilenetv2_1.0 resnet50"}
ROUNDS=${ROUNDS:-2}
BATCH=${BATCH:-32}
WARMUP=${WARMUP:-2}
STEPS=${STEPS:-5}
SIDES=${SIDES:-"topiary:dense keras:auto topiary:pruned keras-onednn:auto"}
PYTHON=${PYTHON:-python3}
export TF_CPP_MIN_LOG_LEVEL=2
CP="$(cat tests/benchmarks/target/apps.classpath):tests/benchmarks/target/classes"
err=$(mktemp)
trap 'rm -f "$err"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  for model in $MODELS; do
    for side in $SIDES; do
      what=${side#*:}
      if [[ $side == topiary:* ]]; then
        java -Xmx12g ${JAVA_OPTS:-} -cp "$CP" dev.topiary.benchmarks.ApplicationsTrainingStep --model "$APPS/$model.keras" \
          --batch "$BATCH" --warmup "$WARMUP" --steps "$STEPS" --variant "$what" 2>"$err" | grep '^{' \
          | sed "s/^{/{\"round\": $round, /" || echo "{\"round\": $round, \"framework\": \"topiary\", \"variant\": \"$what\", \"model\": \"$model.keras\", \"failed\": \"$(grep -m1 -E 'Exception|Error' "$err" | tr -d '"\\' | cut -c1-300)\"}"
      else
        onednn=$([[ $side == keras-onednn:* ]] && echo TF_ENABLE_ONEDNN_OPTS=1 || echo TF_CPP_MIN_LOG_LEVEL=2)
        env "$onednn" "$PYTHON" tests/benchmarks/tools/keras_applications_step.py step --model "$APPS/$model.keras" --batch "$BATCH" \
          --warmup "$WARMUP" --steps "$STEPS" --jit "$what" 2>/dev/null | grep '^{' \
          | sed "s/^{/{\"round\": $round, \"side\": \"$side\", /" || echo "{\"round\": $round, \"side\": \"$side\", \"framework\": \"keras\", \"jit\": \"$what\", \"model\": \"$model.keras\", \"failed\": true}"
      fi
    done
  done
done
