#!/usr/bin/env python3
"""Trains the TF Model Optimization tutorial's MNIST CNN with Keras 3 on the MNIST subset embedded
in the samples and saves it as a .keras file (the "pretrained model from a data scientist" that the
KerasPruning sample loads, prunes and hands back).

Architecture and training as the tutorial: Input(28, 28) -> Reshape(28, 28, 1) -> Conv2D(12, 3, relu)
-> MaxPooling2D(2) -> Flatten -> Dense(10) logits; Adam, sparse categorical cross-entropy from logits,
4 epochs, batch 128, 10 % validation; pixels scaled to [0, 1] as Topiary's IdxFiles reads them.
Saved without the optimizer (an uncompiled copy), so the file holds the architecture and weights only.

Usage: python samples/tools/make_pretrained_cnn.py OUT.keras
"""
import gzip
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402

DATA = os.path.join(os.path.dirname(__file__), "..", "src", "main", "resources", "dev", "topiary",
                    "samples", "data", "mnist")


def idx(name, offset):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        return np.frombuffer(f.read(), dtype=np.uint8, offset=offset)


def split(prefix):
    x = idx(prefix + "-images-idx3-ubyte.gz", 16).reshape(-1, 28, 28).astype(np.float32) / 255.0
    y = idx(prefix + "-labels-idx1-ubyte.gz", 8).astype(np.int32)
    return x, y


def model():
    return keras.Sequential([keras.Input((28, 28)), keras.layers.Reshape((28, 28, 1)),
                             keras.layers.Conv2D(12, 3, activation="relu"), keras.layers.MaxPooling2D(2),
                             keras.layers.Flatten(), keras.layers.Dense(10)], name="mnist_cnn")


def main(out):
    keras.utils.set_random_seed(42)
    (x, y), (xt, yt) = split("train"), split("t10k")
    m = model()
    m.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    m.fit(x, y, epochs=4, batch_size=128, validation_split=0.1, verbose=2)
    print("Keras test accuracy: %.4f" % m.evaluate(xt, yt, verbose=0)[1])
    plain = model()
    plain.set_weights(m.get_weights())
    plain.save(out)
    print("wrote", out, os.path.getsize(out), "bytes")


if __name__ == "__main__":
    main(sys.argv[1])
