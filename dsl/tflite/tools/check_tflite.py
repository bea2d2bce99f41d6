#!/usr/bin/env python3
"""Runs the .tflite files Topiary wrote from Java in TensorFlow Lite's interpreter.

For every FILE.tflite under the given directories that has a FILE.tflite.json next to it (written
by the Java fixtures and the main job, see docs/results/interop.md, "TFLite"):
  1. tf.lite.Interpreter loads it twice, with the default op resolver (default delegates, XNNPACK)
     and with experimental_op_resolver_type=BUILTIN_WITHOUT_DEFAULT_DELEGATES (the reference kernels);
  2. runs the inputs in the JSON (the batch dimension resized) and compares with Topiary's outputs
     (computed in Java with the weights read back from the file): within 1e-5 (relative to the largest
     |output| when that is above 1) where every op computes in float; ops with int8 weights run
     TFLite's hybrid kernels, which also quantise the activations on the fly, so their difference is
     checked against that quantisation error (INT8_TOLERANCE of the largest |output|) and reported;
  3. if the JSON holds "mnist_test_accuracy", runs the embedded MNIST test split
     (samples/src/main/resources/.../mnist/t10k-*) and checks the accuracy within 0.005 of Topiary's.

  4. every SavedModel directory NAME_savedmodel found there (the main job writes one per model) is
     converted by tf.lite.TFLiteConverter plain, with Optimize.DEFAULT, EXPERIMENTAL_SPARSITY and both,
     and the converter's raw and gzip sizes and interpreter accuracy on the embedded MNIST are printed
     beside Topiary's files of the same model (default delegates; the converter's sparse+int8 file
     is also run without them, since XNNPACK refuses it), and whether the converter's int8 weights and
     per-channel scales equal ours value for value, and its sparse tensors (traversal order, dimension
     metadata with index vector types, stored values) ours byte for byte.

Usage: python dsl/tflite/tools/check_tflite.py DIR [DIR ...]
Exit status 1 if any check fails.
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import tensorflow as tf

FLOAT_TOLERANCE = 1e-5
INT8_TOLERANCE = 0.02  # of the largest |output|: dynamic-range kernels quantise inputs to int8 too
ACCURACY_TOLERANCE = 0.005
MNIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "samples", "src", "main", "resources",
                     "dev", "topiary", "samples", "data", "mnist")
RESOLVERS = {
    "default": tf.lite.experimental.OpResolverType.AUTO,
    "builtin_without_default_delegates": tf.lite.experimental.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
}


def load_json(path):
    with open(path) as f:
        data = json.load(f)

    def arrays(section):
        return {name: np.asarray(v["values"], dtype=np.float32).reshape(v["shape"]) for name, v in section.items()}

    return arrays(data["inputs"]), arrays(data["outputs"]), data.get("mnist_test_accuracy")


def mnist_test():
    with gzip.open(os.path.join(MNIST, "t10k-images-idx3-ubyte.gz")) as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i:i + 4], "big") for i in (4, 8, 12))
    images = np.frombuffer(raw, np.uint8, offset=16).reshape(n, rows, cols).astype(np.float32) / 255.0
    with gzip.open(os.path.join(MNIST, "t10k-labels-idx1-ubyte.gz")) as f:
        labels = np.frombuffer(f.read(), np.uint8, offset=8).astype(np.int64)
    return images, labels


def run(path, resolver, inputs):
    """Runs the serving_default signature's inputs (by name) and returns its outputs by name."""
    interpreter = tf.lite.Interpreter(model_path=path, experimental_op_resolver_type=resolver)
    signature = interpreter.get_signature_list()["serving_default"]
    details = {d["index"]: d for d in interpreter.get_input_details()}
    runner_inputs = interpreter._get_full_signature_list()["serving_default"]["inputs"]
    for name, index in runner_inputs.items():
        interpreter.resize_tensor_input(index, inputs[name].shape)
    interpreter.allocate_tensors()
    for name, index in runner_inputs.items():
        interpreter.set_tensor(index, inputs[name].astype(details[index]["dtype"]))
    interpreter.invoke()
    outputs = interpreter._get_full_signature_list()["serving_default"]["outputs"]
    assert sorted(outputs) == sorted(signature["outputs"])
    return {name: interpreter.get_tensor(index) for name, index in outputs.items()}


def runs_hybrid(path):
    """True if an op computes with int8 weights (the weights of a file that dequantises them are exact)."""
    interpreter = tf.lite.Interpreter(model_path=path)
    int8 = {t["index"] for t in interpreter.get_tensor_details() if t["dtype"] == np.int8}
    return any(op["op_name"] in ("FULLY_CONNECTED", "CONV_2D", "DEPTHWISE_CONV_2D") and set(op["inputs"]) & int8
               for op in interpreter._get_ops_details())


def check(path, mnist):
    inputs, expected, accuracy = load_json(path + ".json")
    hybrid = runs_hybrid(path)
    failures = []
    report = {"file": os.path.basename(path), "bytes": os.path.getsize(path), "hybrid_int8_ops": hybrid}
    for label, resolver in RESOLVERS.items():
        try:
            actual = run(path, resolver, inputs)
        except Exception as e:  # a file the interpreter refuses is a failure, with its message
            failures.append(f"{label}: {type(e).__name__}: {e}")
            continue
        diff = max(float(np.max(np.abs(actual[k] - v))) for k, v in expected.items())
        scale = max(float(np.max(np.abs(v))) for v in expected.values())
        limit = INT8_TOLERANCE * scale if hybrid else FLOAT_TOLERANCE * max(1.0, scale)
        report[label + "_max_abs_diff"] = diff
        if diff > limit:
            failures.append(f"{label}: outputs differ by {diff:.3g} (limit {limit:.3g})")
        if accuracy is not None:
            images, labels = mnist
            out = run(path, resolver, {next(iter(inputs)): images})
            got = float(np.mean(np.argmax(next(iter(out.values())), axis=-1) == labels))
            report[label + "_accuracy"] = got
            report["topiary_accuracy"] = accuracy
            if abs(got - accuracy) > ACCURACY_TOLERANCE:
                failures.append(f"{label}: accuracy {got:.4f}, Topiary {accuracy:.4f}")
    return report, failures


CONVERTER_FLAVOURS = {
    "float32": [],
    "int8": [tf.lite.Optimize.DEFAULT],
    "sparse": [tf.lite.Optimize.EXPERIMENTAL_SPARSITY],
    "sparse_int8": [tf.lite.Optimize.EXPERIMENTAL_SPARSITY, tf.lite.Optimize.DEFAULT],
}


def mnist_accuracy(content, mnist, resolver):
    images, labels = mnist
    interpreter = tf.lite.Interpreter(model_content=content, experimental_op_resolver_type=resolver)
    index = interpreter.get_input_details()[0]["index"]
    interpreter.resize_tensor_input(index, images.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(index, images)
    interpreter.invoke()
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    return float(np.mean(np.argmax(out, axis=-1) == labels))


def int8_weights(content):
    """The constant int8 tensors of a file with their scales, by shape."""
    interpreter = tf.lite.Interpreter(model_content=content)
    out = {}
    for t in interpreter.get_tensor_details():
        if t["dtype"] == np.int8 and len(t["shape"]) >= 2:
            try:
                out[tuple(t["shape"])] = (interpreter.get_tensor(t["index"]), t["quantization_parameters"]["scales"])
            except ValueError:
                pass  # an activation: no data before a run
    return out


def same_int8_weights(converter_content, topiary_content):
    """True if every int8 weight of the converter's file has a twin in ours: equal values and scales."""
    ours = int8_weights(topiary_content)
    theirs = int8_weights(converter_content)
    return bool(theirs) and all(k in ours and np.array_equal(v[0], ours[k][0]) and np.array_equal(v[1], ours[k][1])
                                for k, v in theirs.items())


def sparse_tensors(content):
    """Each sparse constant's sparsity parameters and stored bytes, by shape (the converter's own schema reader)."""
    from tensorflow.lite.python import schema_py_generated as schema

    model = schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(content, 0))
    out = {}
    for t in model.subgraphs[0].tensors:
        if t.sparsity is not None:
            dims = [(d.format, d.denseSize, d.arraySegmentsType,
                     None if d.arraySegments is None else list(d.arraySegments.values), d.arrayIndicesType,
                     None if d.arrayIndices is None else list(d.arrayIndices.values)) for d in t.sparsity.dimMetadata]
            out[tuple(t.shape)] = (list(t.sparsity.traversalOrder), dims, bytes(model.buffers[t.buffer].data))
    return out


def compare_with_converter(saved_model, mnist):
    """Rows (flavour, converter raw, gzip, accuracy, Topiary raw, gzip) for one SavedModel of the main job."""
    base = saved_model[: -len("_savedmodel")]
    rows = []
    for flavour, optimizations in CONVERTER_FLAVOURS.items():
        converter = tf.lite.TFLiteConverter.from_saved_model(saved_model)
        converter.optimizations = optimizations
        content = converter.convert()
        try:
            accuracy = mnist_accuracy(content, mnist, RESOLVERS["default"])
            note = ""
        except RuntimeError:
            accuracy = mnist_accuracy(content, mnist, RESOLVERS["builtin_without_default_delegates"])
            note = " (fails with default delegates; accuracy without them)"
        ours = base + "_" + flavour + ".tflite"
        with open(ours, "rb") as f:
            topiary = f.read()
        if flavour == "sparse":
            theirs, ours_sparse = sparse_tensors(content), sparse_tensors(topiary)
            if theirs:
                note += ", sparse tensors equal to ours" if all(ours_sparse.get(k) == v for k, v in theirs.items()) \
                    else ", sparse tensors differ from ours"
        if flavour == "int8":
            note += ", int8 weights and scales equal to ours" if same_int8_weights(content, topiary) \
                else ", int8 weights differ from ours"
        rows.append((os.path.basename(base), flavour, len(content), len(gzip.compress(content, 9)), accuracy,
                     len(topiary), len(gzip.compress(topiary, 9)), note))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+")
    args = parser.parse_args()
    files = sorted(os.path.join(root, f) for d in args.dirs for root, _, names in os.walk(d) for f in names
                   if f.endswith(".tflite") and os.path.exists(os.path.join(root, f + ".json")))
    if not files:
        print("no .tflite files with a .json next to them under", args.dirs)
        return 1
    mnist = mnist_test()
    failed = 0
    for path in files:
        report, failures = check(path, mnist)
        print(json.dumps(report))
        for f in failures:
            print("  FAIL", f)
        failed += bool(failures)
    saved_models = sorted(os.path.join(root, n) for d in args.dirs for root, dirs, _ in os.walk(d) for n in dirs
                          if n.endswith("_savedmodel"))
    if saved_models:
        print("| model | flavour | converter raw | converter gzip | converter accuracy | Topiary raw | Topiary gzip |")
        print("|---|---|---|---|---|---|---|")
        for saved_model in saved_models:
            for model, flavour, raw, gz, acc, t_raw, t_gz, note in compare_with_converter(saved_model, mnist):
                print(f"| {model} | {flavour} | {raw:,} | {gz:,} | {acc:.4f}{note} | {t_raw:,} | {t_gz:,} |")
    print(f"{len(files) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
