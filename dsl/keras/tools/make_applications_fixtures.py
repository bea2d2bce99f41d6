#!/usr/bin/env python3
"""Makes one narrow copy of every Keras Applications family, saved by Keras itself, as committed fixtures.

The full-size families are hundreds of MB (check_applications.py writes those to a scratch directory for
the full-size check). A test per family in `mvn test` needs the same graphs small: this script builds each
family as Keras does (weights=None, include_top with 10 classes and no final softmax, the smallest input
side the family accepts), then divides every width in its config by the family's factor K (convolution
filters, Dense units, Reshape's channels, LayerScale's projection_dim; never the 10 classes) and rebuilds
the model from that config with Keras. Every layer, its order, names, options (strides, padding, use_bias,
center/scale, activations, keepdims ...) and every connection stay exactly as in the family; only the
channel counts shrink, so a test of the narrow copy exercises everything the family's graph needs.

NASNetMobile's cells split widths in halves and quarters that do not divide evenly, so it is built with
Keras' own NASNet builder at a smaller penultimate width (its other arguments as NASNetMobile's) instead.

For each family NAME this writes NAME.keras.gz, NAME.h5.gz (the .keras and legacy .h5 files Keras saved,
gzipped: their configs and HDF5 headers are most of their bytes) and NAME.json (2 random images in
[0, 255] and Keras' own outputs for them, the factor and parameter count), plus apps-index.json. Weights are
Keras' initialisers with BatchNormalization statistics, gammas, betas and biases made non-trivial, all
rounded to bfloat16 values (still float32 in the files).

Usage: python dsl/keras/tools/make_applications_fixtures.py OUT_DIR [FAMILY ...]
(the committed copies live in tests/src/test/resources/applications; with FAMILY names only those are
rewritten and the index keeps the others)
"""
import gzip
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_applications import FAMILIES, randomize, vit  # noqa: E402
from make_keras_layer_fixtures import write_index  # noqa: E402

CLASSES = 10
# family -> K, the width divisor: each narrow copy has roughly 5,000-60,000 parameters.
NARROW = {
    "MobileNet": 16, "MobileNetV2": 16, "MobileNetV3Small": 16, "MobileNetV3Large": 16,
    "InceptionV3": 32, "InceptionResNetV2": 32, "ResNet50": 32, "ResNet101": 64, "ResNet50V2": 32,
    "EfficientNetB0": 16, "EfficientNetB1": 32, "EfficientNetV2B0": 32, "DenseNet121": 32,
    "Xception": 32, "NASNetMobile": None, "ConvNeXtTiny": 32,
}


def narrow_config(config, k, nested=False):
    """The functional config with every width divided by k (rounded, at least 1), classes kept."""
    def s(v):
        return v if v == CLASSES else max(1, int(round(v / k)))

    for layer in config["layers"]:
        # Keras records each layer's input shape at build time; the narrow copy must build from its own.
        layer.pop("build_config", None)
        c = layer["config"]
        cls = layer["class_name"]
        if "filters" in c:
            if c.get("groups", 1) == c["filters"]:  # ConvNeXt's depthwise Conv2D: one channel per group
                c["groups"] = s(c["groups"])
            c["filters"] = s(c["filters"])
        if cls == "Dense":
            c["units"] = s(c["units"])
        if cls == "Reshape":
            c["target_shape"] = list(c["target_shape"][:-1]) + [s(c["target_shape"][-1])]
        if "projection_dim" in c:  # ConvNeXt's LayerScale
            c["projection_dim"] = s(c["projection_dim"])
        if cls == "InputLayer" and nested and c["batch_shape"][-1] != 3:  # images stay RGB (ConvNeXt's stem)
            c["batch_shape"] = list(c["batch_shape"][:-1]) + [s(c["batch_shape"][-1])]
        if "layers" in c:  # a nested model (ConvNeXt's stem and downsampling are Sequentials)
            narrow_config(c, k, nested=True)
    return config


def images(shape, centred):
    """The test images, computed rather than stored (the JSON would be ~0.5 MB a family): value i (flat,
    row-major) is ((1103515245 i + 12345) mod 2^31) >> 23, an integer pixel in [0, 255] as the families with
    built-in preprocessing (Rescaling, Normalization) expect; the ViT encoder gets it as v / 64 - 2.
    FamilyFixturesTest computes the same values."""
    i = np.arange(int(np.prod(shape)), dtype=np.int64)
    v = (((1103515245 * i + 12345) % (1 << 31)) >> 23).astype(np.float32)
    return (v / 64 - 2 if centred else v).reshape(shape)


def build(family):
    if family == "ViT":
        return vit("vit"), 32, 1
    make, side = FAMILIES[family]
    k = NARROW[family]
    if k is None:
        from keras.src.applications.nasnet import NASNet
        # NASNetMobile is NASNet(penultimate_filters=1056, num_blocks=4, stem_block_filters=32,
        # skip_reduction=False); 96 = 1056 / 11 keeps every cell's halves and quarters whole.
        model = NASNet(input_shape=(side, side, 3), penultimate_filters=96, num_blocks=4, stem_block_filters=4,
                       skip_reduction=False, filter_multiplier=2, weights=None, classes=CLASSES,
                       default_size=224, classifier_activation=None, name="NASNetMobile_narrow")
        return model, side, 11
    full = make(weights=None, input_shape=(side, side, 3), include_top=True, classes=CLASSES,
                classifier_activation=None)
    return keras.Model.from_config(narrow_config(full.get_config(), k)), side, k


def bfloat16(model):
    """Every weight rounded toward zero to bfloat16 (the low 16 bits of its float32 cleared): the values
    are as arbitrary as before for the test, but the gzipped files shrink by half."""
    for w in model.weights:
        if w.dtype != "float32":
            continue  # Normalization's count
        a = np.ascontiguousarray(np.asarray(w.numpy(), dtype=np.float32))
        w.assign((a.view(np.uint32) & np.uint32(0xFFFF0000)).view(np.float32))


def gzip_file(path):
    # mtime 0 and no name in the header: the same model gives the same bytes on every run.
    with open(path, "rb") as src, open(path + ".gz", "wb") as raw, \
            gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw, mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    os.remove(path)


def main(out, only):
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(2026)
    names = [f for f in list(FAMILIES) + ["ViT"] if not only or f in only]
    for family in names:
        model, side, k = build(family)
        randomize(model, rng)
        bfloat16(model)
        shape = (2, side, side, 3)
        x = images(shape, family == "ViT")
        y = np.asarray(model.predict(x, verbose=0))
        for ext in (".keras", ".h5"):
            model.save(os.path.join(out, family + ext))
            gzip_file(os.path.join(out, family + ext))
        with open(os.path.join(out, family + ".json"), "w") as f:
            json.dump({"name": family, "width_divisor": k, "params": int(model.count_params()),
                       "layers": len(model.layers), "input_shape": list(shape), "vit_scale": family == "ViT",
                       "outputs": [y.tolist()]}, f)
        print(f"{family:20} /{k:<3} {side:>3}px {model.count_params():>8,} params {len(model.layers):>4} layers", flush=True)
    write_index(os.path.join(out, "apps-index.json"), names, only)


if __name__ == "__main__":
    main(sys.argv[1], set(sys.argv[2:]))
