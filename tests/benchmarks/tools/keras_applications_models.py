#!/usr/bin/env python3
"""Writes the Keras Applications networks ApplicationsInference times, with random weights (weights=None).

    python tests/benchmarks/tools/keras_applications_models.py [DIR]

writes DIR/mobilenetv2_100.keras (MobileNetV2, alpha 1.0), DIR/mobilenetv2_035.keras (alpha 0.35) and
DIR/resnet50.keras, all 224x224x3 with 1000 classes (DIR defaults to /tmp; 15, 7 and 103 MB: not for git).
"""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
    try:
        import keras
    except ImportError as e:
        sys.exit(f"Keras 3 is needed to write the models: {e}")
    apps = keras.applications
    models = {
        "mobilenetv2_100": lambda: apps.MobileNetV2(alpha=1.0, input_shape=(224, 224, 3), weights=None, classes=1000),
        "mobilenetv2_035": lambda: apps.MobileNetV2(alpha=0.35, input_shape=(224, 224, 3), weights=None, classes=1000),
        "resnet50": lambda: apps.ResNet50(input_shape=(224, 224, 3), weights=None, classes=1000),
    }
    for name, build in models.items():
        path = os.path.join(out, name + ".keras")
        build().save(path)
        print(path)


if __name__ == "__main__":
    main()
