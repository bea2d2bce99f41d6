"""The Keras 3 side of Topiary's speed table (not run by CI).

Steady training-step time of the tutorial CNN and a 784-512-512-10 MLP (Adam, sparse categorical
cross-entropy from logits, accuracy), and of LSTM/GRU over 50/200/500 steps, with Keras 3 on the
TensorFlow backend. The same data shape and step counting as Topiary's JMH benchmarks
(`benchmarks` module): random data of the model's input shape, one epoch per `fit` call; the step
time runs from the end of batch 10 to the end of the last batch, divided by the batches in between;
round 0's `fit_s` is the whole first `fit` (tracing included) and `first_step_s` its time to the end
of batch 0; `build_s` is model construction and compile. Prints one JSON object per round, so
`tests/benchmarks/tools/speed_table.py` can interleave it with the Java runs:

    python tests/benchmarks/tools/keras_speed.py --model mlp --batch 128 --rounds 3
"""
import argparse
import json
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402


def model_of(name, steps):
    if name == "cnn":
        layers = [keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)),
                  keras.layers.Conv2D(12, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                  keras.layers.Flatten(), keras.layers.Dense(10)]
    elif name == "mlp":
        layers = [keras.Input((28, 28)), keras.layers.Flatten(), keras.layers.Dense(512, activation="relu"),
                  keras.layers.Dense(512, activation="relu"), keras.layers.Dense(10)]
    elif name in ("lstm", "gru"):
        cell = keras.layers.LSTM if name == "lstm" else keras.layers.GRU
        layers = [keras.Input((steps, 16)), cell(32), keras.layers.Dense(10)]
    else:
        raise SystemExit("unknown model " + name)
    m = keras.Sequential(layers)
    m.compile(optimizer=keras.optimizers.Adam(),
              loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return m


def data(name, n, steps):
    r = np.random.default_rng(n)
    shape = (n, steps, 16) if name in ("lstm", "gru") else (n, 28, 28)
    return r.random(shape, dtype=np.float32), r.integers(0, 10, n).astype(np.int32)


class StepTimer(keras.callbacks.Callback):
    """Wall and CPU time at the end of batch 0, of batch 10 and of the last batch."""

    def on_train_begin(self, logs=None):
        self.begin = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        now, cpu = time.perf_counter(), time.process_time()
        if batch == 0:
            self.first_step = now - self.begin
        if batch == 9:
            self.t0, self.c0, self.first = now, cpu, batch
        self.t1, self.c1, self.last = now, cpu, batch


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="mlp", choices=["cnn", "mlp", "lstm", "gru"])
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--steps", type=int, default=50, help="time steps of the recurrent models")
    p.add_argument("--batches", type=int, default=200, help="batches per epoch")
    p.add_argument("--rounds", type=int, default=3, help="epochs, each one fit call")
    a = p.parse_args()
    x, y = data(a.model, a.batch * a.batches, a.steps)
    keras.utils.set_random_seed(1)
    t = time.perf_counter()
    m = model_of(a.model, a.steps)
    built = time.perf_counter() - t
    for r in range(a.rounds):
        timer = StepTimer()
        t = time.perf_counter()
        m.fit(x, y, batch_size=a.batch, epochs=1, shuffle=False, verbose=0, callbacks=[timer])
        fit = time.perf_counter() - t
        n = timer.last - timer.first
        print(json.dumps({"framework": "keras", "model": a.model, "batch": a.batch, "steps": a.steps,
                          "round": r, "step_ms": round((timer.t1 - timer.t0) * 1000 / n, 3),
                          "cpu_ms": round((timer.c1 - timer.c0) * 1000 / n, 3), "fit_s": round(fit, 3),
                          "build_s": round(built, 3), "first_step_s": round(timer.first_step, 3)}), flush=True)


if __name__ == "__main__":
    main()
