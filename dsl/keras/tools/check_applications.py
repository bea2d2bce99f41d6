#!/usr/bin/env python3
"""Writes every Keras Applications family (random weights) as .keras and .h5 for the full-size load check.

For each family and variant (with the classifier top, without it, and without it with average or max
pooling) this builds the Keras 3 model with weights=None at a small input size the family allows, gives
BatchNormalization non-trivial statistics, and writes NAME.keras, NAME.h5 and NAME.json (2 random inputs
and Keras' own outputs) under OUT_DIR, plus OUT_DIR/index.json. The files are large (up to ~200 MB each),
so OUT_DIR is a scratch directory, never the repository. The Java side then loads each file with
KerasModels and compares its predictions with Keras' (tolerance 1e-4), writing the table of
docs/results/interop.md ("Keras Applications"):

  .venv/bin/python dsl/keras/tools/check_applications.py /tmp/topiary-apps [FAMILY ...]
  mvn -B -o -pl dsl/keras -am test -Papplications -Dtest=KerasApplicationsCheck \
      -Dsurefire.failIfNoSpecifiedTests=false -Dtopiary.applications.dir=/tmp/topiary-apps

With FAMILY names (e.g. MobileNetV3Small ConvNeXtTiny) only those families are written (and the index
lists only them). The committed, small fixtures of the constructs these models need are made by
make_keras_layer_fixtures.py; this script is the full-size check and is not run by CI.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402
from keras import layers as L  # noqa: E402

A = keras.applications

# family -> (constructor, input side): the smallest side each family accepts with weights=None (InceptionV3,
# InceptionResNetV2: 75; Xception: 71), else 64 (96 for NASNetMobile, whose reductions need it).
FAMILIES = {
    "MobileNet": (A.MobileNet, 64),
    "MobileNetV2": (A.MobileNetV2, 64),
    "MobileNetV3Small": (A.MobileNetV3Small, 64),
    "MobileNetV3Large": (A.MobileNetV3Large, 64),
    "InceptionV3": (A.InceptionV3, 75),
    "InceptionResNetV2": (A.InceptionResNetV2, 75),
    "ResNet50": (A.ResNet50, 64),
    "ResNet101": (A.ResNet101, 64),
    "ResNet50V2": (A.ResNet50V2, 64),
    "EfficientNetB0": (A.EfficientNetB0, 64),
    "EfficientNetB1": (A.EfficientNetB1, 64),
    "EfficientNetV2B0": (A.EfficientNetV2B0, 64),
    "DenseNet121": (A.DenseNet121, 64),
    "Xception": (A.Xception, 71),
    "NASNetMobile": (A.NASNetMobile, 96),
    "ConvNeXtTiny": (A.ConvNeXtTiny, 64),
}
# (suffix, keyword arguments): the classifier top with 10 classes, the bare feature extractor, and both poolings.
VARIANTS = [
    ("top", dict(include_top=True, classes=10)),
    ("notop", dict(include_top=False)),
    ("avg", dict(include_top=False, pooling="avg")),
    ("max", dict(include_top=False, pooling="max")),
]


def vit(name, side=32, patch=8, dim=32, heads=4, depth=2):
    """A ViT-like encoder from Keras layers only: patch convolution, pre-norm blocks of MultiHeadAttention
    and a GELU MLP (Dense on rank 3), residual Adds, then LayerNormalization, pooling and a classifier."""
    inp = keras.Input((side, side, 3), name="image")
    x = L.Conv2D(dim, patch, strides=patch, name="patches")(inp)
    x = L.Reshape(((side // patch) ** 2, dim))(x)
    for i in range(depth):
        h = L.LayerNormalization(epsilon=1e-6)(x)
        h = L.MultiHeadAttention(heads, dim // heads)(h, h)
        x = L.Add()([x, h])
        h = L.LayerNormalization(epsilon=1e-6)(x)
        h = L.Dense(2 * dim, activation="gelu")(h)
        h = L.Dense(dim)(h)
        x = L.Add()([x, h])
    x = L.LayerNormalization(epsilon=1e-6)(x)
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(inp, L.Dense(10, activation="softmax")(x), name=name)


def models(only):
    for family, (make, side) in FAMILIES.items():
        if only and family not in only:
            continue
        for suffix, kwargs in VARIANTS:
            yield family, suffix, lambda m=make, s=side, k=kwargs: m(weights=None, input_shape=(s, s, 3), **k)
    if not only or "ViT" in only:
        yield "ViT", "top", lambda: vit("vit")


def randomize(model, rng):
    """Non-trivial BatchNormalization statistics and biases (Keras initialises them to 0/1, hiding mistakes)."""
    for w in model.weights:
        if "moving_variance" in w.path:
            w.assign(rng.uniform(0.5, 2.0, w.shape))
        elif "moving_mean" in w.path or "gamma" in w.path or "beta" in w.path:
            w.assign(rng.normal(0, 0.2, w.shape) + (1.0 if "gamma" in w.path else 0.0))
        elif w.path.endswith("bias"):
            w.assign(rng.normal(0, 0.05, w.shape))


def main(out, only):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(26)
    rows = []
    for family, variant, make in models(only):
        name = f"{family}_{variant}"
        model = make()
        randomize(model, rng)
        shape = (2,) + tuple(model.inputs[0].shape[1:])
        # Images in [0, 255]: what the families with built-in preprocessing (Rescaling, Normalization) expect.
        x = rng.uniform(0, 255, shape).astype(np.float32) if family != "ViT" else rng.normal(0, 1, shape).astype(np.float32)
        y = np.asarray(model.predict(x, verbose=0))
        model.save(os.path.join(out, name + ".keras"))
        model.save(os.path.join(out, name + ".h5"))
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump({"name": name, "family": family, "variant": variant, "inputs": [x.tolist()],
                       "outputs": [y.tolist()], "params": int(model.count_params()),
                       "layers": len(model.layers)}, f)
        rows.append(name)
        print(f"{name:28} {shape[1]:>3}px {model.count_params():>11,} params {len(model.layers):>4} layers", flush=True)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"models": rows, "keras_version": keras.__version__}, f, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2:]))
