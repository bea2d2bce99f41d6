"""Keras Applications models for Topiary's training-step benchmarks (not run by CI).

`write`: saves full-size Keras Applications models (weights=None, 224x224x3 unless the family's
default differs, 1000 classes, softmax classifier) as `.keras` files, the files
`ApplicationsTrainingStep` reads (not committed: up to 226 MB each):

    python tests/benchmarks/tools/keras_applications_step.py write --out /tmp/apps [--only mobilenetv2_0.35 resnet50]

`step`: the Keras side of the training-step table. Loads one of those files, compiles it as Topiary's
side does (Adam at Keras' default 0.001, sparse categorical cross-entropy on the softmax output, no
metric) and trains `--warmup` + `--steps` batches of random data in one `fit` epoch; prints one JSON
line with the median of the timed steps (the time between consecutive batch ends) and this
process's CPU time per timed step:

    python tests/benchmarks/tools/keras_applications_step.py step --model /tmp/apps/resnet50.keras --batch 32 \
        --warmup 2 --steps 5 [--jit false]
"""
import argparse
import json
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402

A = keras.applications
FAMILIES = {
    "mobilenet": lambda: A.MobileNet(weights=None),
    "mobilenetv2_0.35": lambda: A.MobileNetV2(alpha=0.35, weights=None),
    "mobilenetv2_1.0": lambda: A.MobileNetV2(alpha=1.0, weights=None),
    "mobilenetv3small": lambda: A.MobileNetV3Small(input_shape=(224, 224, 3), weights=None),
    "mobilenetv3large": lambda: A.MobileNetV3Large(input_shape=(224, 224, 3), weights=None),
    "inceptionv3": lambda: A.InceptionV3(weights=None),
    "inceptionresnetv2": lambda: A.InceptionResNetV2(weights=None),
    "resnet50": lambda: A.ResNet50(weights=None),
    # ResNet50 at 224x224 and batch 32 takes ~30 s a training step on 2 shared cores: the speed table's size.
    "resnet50_128": lambda: A.ResNet50(input_shape=(128, 128, 3), weights=None),
    "resnet101": lambda: A.ResNet101(weights=None),
    "resnet50v2": lambda: A.ResNet50V2(weights=None),
    "efficientnetb0": lambda: A.EfficientNetB0(weights=None),
    "efficientnetb1": lambda: A.EfficientNetB1(weights=None),
    "efficientnetv2b0": lambda: A.EfficientNetV2B0(weights=None),
    "densenet121": lambda: A.DenseNet121(weights=None),
    "xception": lambda: A.Xception(weights=None),
    "nasnetmobile": lambda: A.NASNetMobile(weights=None),
    "convnexttiny": lambda: A.ConvNeXtTiny(weights=None),
}


def write(a):
    os.makedirs(a.out, exist_ok=True)
    for name in a.only or FAMILIES:
        keras.utils.set_random_seed(1)
        t = time.perf_counter()
        m = FAMILIES[name]()
        path = os.path.join(a.out, name + ".keras")
        m.save(path)
        print(json.dumps({"model": name, "file": path, "input": list(m.input_shape[1:]),
                          "params": int(m.count_params()), "write_s": round(time.perf_counter() - t, 2)}), flush=True)
        keras.backend.clear_session()


class StepTimer(keras.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.ends = [time.perf_counter()]
        self.cpu = [time.process_time()]

    def on_train_batch_end(self, batch, logs=None):
        self.ends.append(time.perf_counter())
        self.cpu.append(time.process_time())


def step(a):
    t = time.perf_counter()
    m = keras.saving.load_model(a.model, compile=False)
    jit = {"auto": "auto", "false": False, "true": True}[a.jit]
    m.compile(optimizer=keras.optimizers.Adam(), loss=keras.losses.SparseCategoricalCrossentropy(), jit_compile=jit)
    build = time.perf_counter() - t
    n = a.batch * (a.warmup + a.steps)
    r = np.random.default_rng(n)
    x = r.random((n,) + tuple(m.input_shape[1:]), dtype=np.float32)
    y = r.integers(0, m.output_shape[-1], n).astype(np.int32)
    timer = StepTimer()
    m.fit(x, y, batch_size=a.batch, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
    steps = [b - e for e, b in zip(timer.ends, timer.ends[1:])]
    cpu = [b - e for e, b in zip(timer.cpu, timer.cpu[1:])]
    timed = steps[a.warmup:]
    print(json.dumps({"framework": "keras", "jit": a.jit, "model": os.path.basename(a.model), "batch": a.batch,
                      "build_s": round(build, 3), "first_step_s": round(steps[0], 3),
                      "step_ms": round(statistics.median(timed) * 1000, 1),
                      "steps_ms": [round(s * 1000, 1) for s in timed],
                      "cpu_ms": round(sum(cpu[a.warmup:]) * 1000 / len(timed), 1),
                      "load": round(os.getloadavg()[0], 2),
                      "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "TF's default")}), flush=True)


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write")
    w.add_argument("--out", required=True)
    w.add_argument("--only", nargs="*", choices=sorted(FAMILIES))
    s = sub.add_parser("step")
    s.add_argument("--model", required=True)
    s.add_argument("--batch", type=int, default=32)
    s.add_argument("--warmup", type=int, default=2)
    s.add_argument("--steps", type=int, default=5)
    s.add_argument("--jit", default="auto", choices=["auto", "false", "true"])
    a = p.parse_args()
    write(a) if a.command == "write" else step(a)


if __name__ == "__main__":
    main()
