#!/usr/bin/env python3
"""Commits TensorFlow Lite's own outputs for the .tflite files Topiary writes, as test fixtures.

`mvn test` cannot run TFLite's interpreter, so the files Topiary writes for its layer fixtures
(TfliteLayerFixturesTest, one small model per family of supported layers in every flavour: float32,
int8, sparse, sparse_int8) are run here once, in the real interpreter, and the files with the
interpreter's outputs are committed. TfliteInterpreterFixturesTest then checks in every `mvn test`
that Java still writes these files byte for byte, and that Java's model holding the weights read back
from each file predicts what the interpreter computed from it.

The interpreter runs with its reference kernels (BUILTIN_WITHOUT_DEFAULT_DELEGATES: no XNNPACK), so the
committed outputs do not depend on the CPU's vector width.

Usage:
  mvn -pl dsl/tflite -am test -Dtest=TfliteLayerFixturesTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dtopiary.tflite.dir=/tmp/tflite-fixtures
  python dsl/tflite/tools/make_tflite_fixtures.py /tmp/tflite-fixtures

The Keras Applications families (ApplicationsFamiliesTest, tests module) the same way, into
tests/src/test/resources/applications:
  mvn -pl tests -am test -Dtest=ApplicationsFamiliesTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Dtopiary.apps.tflite.dir=/tmp/apps-tflite
  python dsl/tflite/tools/make_tflite_fixtures.py --family-fixtures /tmp/apps-tflite
"""
import argparse
import glob
import hashlib
import json
import os
import shutil

import numpy as np
import tensorflow as tf

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "tflite-interpreter")
FAMILY_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "tests", "src", "test",
                          "resources", "applications")
RESOLVER = tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES


def inputs_of(json_path):
    with open(json_path) as f:
        data = json.load(f)
    return {name: np.asarray(v["values"], dtype=np.float32).reshape(v["shape"]) for name, v in data["inputs"].items()}


def digest(inputs):
    """SHA-256 over the inputs in name order, each as little-endian float32: the test recomputes it."""
    h = hashlib.sha256()
    for name in sorted(inputs):
        h.update(inputs[name].astype("<f4").tobytes())
    return h.hexdigest()


def run(path, inputs):
    interpreter = tf.lite.Interpreter(model_path=path, experimental_op_resolver_type=RESOLVER)
    signature = interpreter._get_full_signature_list()["serving_default"]
    details = {d["index"]: d for d in interpreter.get_input_details()}
    for name, index in signature["inputs"].items():
        interpreter.resize_tensor_input(index, inputs[name].shape)
    interpreter.allocate_tensors()
    for name, index in signature["inputs"].items():
        interpreter.set_tensor(index, inputs[name].astype(details[index]["dtype"]))
    interpreter.invoke()
    return {name: interpreter.get_tensor(index) for name, index in signature["outputs"].items()}


def families(directory):
    """The Applications families' files (ApplicationsFamiliesTest with -Dtopiary.apps.tflite.dir): only the
    interpreter's outputs and the SHA-256 of the file they came from are committed, not the .tflite files
    (Java rewrites them byte for byte in every run; the test checks the digest)."""
    for path in sorted(glob.glob(os.path.join(directory, "*.tflite"))):
        name = os.path.basename(path)
        inputs = inputs_of(path + ".json")
        outputs = run(path, inputs)
        with open(path, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        expected = {
            "file": name,
            "tensorflow": tf.__version__,
            "resolver": "BUILTIN_WITHOUT_DEFAULT_DELEGATES",
            "tflite_sha256": sha,
            "outputs": {k: {"shape": list(v.shape), "values": [float(x) for x in v.astype(np.float32).ravel()]}
                        for k, v in sorted(outputs.items())},
        }
        with open(os.path.join(FAMILY_OUT, name + ".expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        line = f"{name}: {os.path.getsize(path)} bytes, outputs {[list(v.shape) for v in outputs.values()]}"
        with open(path + ".json") as f:
            java = json.load(f).get("java_outputs")
        if java is not None and len(outputs) == 1:  # TF Java's outputs (float weights), as the test compares
            out = next(iter(outputs.values())).astype(np.float32).ravel()
            java = np.asarray(java, dtype=np.float32)
            diff = float(np.abs(out - java).max())
            line += f", max |interpreter - TF Java| {diff:.3g} ({diff / max(1.0, float(np.abs(java).max())):.3g} of max(1, |TF|))"
        print(line)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dir", help="where -Dtopiary.tflite.dir put the layer fixtures")
    parser.add_argument("--family-fixtures", action="store_true",
                        help="DIR holds ApplicationsFamiliesTest's files (-Dtopiary.apps.tflite.dir)")
    args = parser.parse_args()
    if args.family_fixtures:
        families(args.dir)
        return
    os.makedirs(OUT, exist_ok=True)
    written = 0
    for path in sorted(glob.glob(os.path.join(args.dir, "layers_*.tflite"))):
        name = os.path.basename(path)
        inputs = inputs_of(path + ".json")
        outputs = run(path, inputs)
        shutil.copyfile(path, os.path.join(OUT, name))
        expected = {
            "file": name,
            "tensorflow": tf.__version__,
            "resolver": "BUILTIN_WITHOUT_DEFAULT_DELEGATES",
            "inputs_sha256": digest(inputs),
            # repr of each float32 as a Python float: the shortest text that reads back to the same float32
            "outputs": {k: {"shape": list(v.shape), "values": [float(x) for x in v.astype(np.float32).ravel()]}
                        for k, v in sorted(outputs.items())},
        }
        with open(os.path.join(OUT, name + ".expected.json"), "w") as f:
            json.dump(expected, f, indent=1)
            f.write("\n")
        written += 1
        print(f"{name}: {os.path.getsize(path)} bytes, outputs {[list(v.shape) for v in outputs.values()]}")
    print(f"{written} fixtures in {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
