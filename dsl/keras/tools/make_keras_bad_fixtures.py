#!/usr/bin/env python3
"""Makes the forged Keras file of the bad-input tests (the Java tests make the others themselves).

forged_huge.h5: a legacy Keras .h5 whose model is Input(100000) -> Dense(100000) and whose kernel
dataset claims 100000 x 100000 float32 (40 GB) in chunks that were never written, so the file is a
few kB. A reader must refuse it from the declared size, before allocating.

Usage: python dsl/keras/tools/make_keras_bad_fixtures.py OUT_DIR
"""
import json
import os
import sys

import h5py
import numpy as np


def main(out):
    os.makedirs(out, exist_ok=True)
    n = 100_000
    config = {"class_name": "Sequential", "config": {"name": "huge", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, n], "dtype": "float32", "name": "x"}},
        {"class_name": "Dense", "config": {"name": "dense", "units": n, "activation": "linear", "use_bias": True}}]}}
    with h5py.File(os.path.join(out, "forged_huge.h5"), "w") as f:
        f.attrs["keras_version"] = "3.15.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["layer_names"] = np.array([b"dense"])
        d = g.create_group("dense")
        d.attrs["weight_names"] = np.array([b"dense/kernel", b"dense/bias"])
        d.create_dataset("dense/kernel", shape=(n, n), dtype="float32", chunks=(1000, 1000))
        d.create_dataset("dense/bias", shape=(n,), dtype="float32", chunks=(1000,))


if __name__ == "__main__":
    main(sys.argv[1])
