#!/usr/bin/env python3
"""Checks Topiary's SavedModel exports with Python TensorFlow and its TFLite converter.

For every SavedModel directory DIR under the given root that has a DIR.json next to it (written
by the Java export fixtures, see docs/results/interop.md, "SavedModel export"):
  1. tf.saved_model.load(DIR): the serving_default signature reproduces the outputs in DIR.json
     within 1e-5, and the loaded object lists its variables (must be non-empty); Keras 3's
     keras.layers.TFSMLayer(DIR, call_endpoint="serving_default") reproduces them too, and
     `saved_model_cli run` on the serving_default signature succeeds;
  2. tf.lite.TFLiteConverter.from_saved_model(DIR).convert() plain, with
     optimizations=[tf.lite.Optimize.DEFAULT] and with [tf.lite.Optimize.EXPERIMENTAL_SPARSITY];
     A model that does not convert with TFLite builtins is tried once more with SELECT_TF_OPS (flex);
     the ops that are not builtins are named;
  3. runs each .tflite in tf.lite.Interpreter on the same inputs and reports the max abs difference
     (plain and sparsity: within 1e-5; DEFAULT quantises weights to int8, so only reported).

Usage: python dsl/tflite/tools/check_export.py ROOT [--keep-tflite]
Exit status 1 if any check fails.
"""
import argparse
import json
import os
import re
import sys

import numpy as np
import tensorflow as tf

FLOAT_TOLERANCE = 1e-5


def load_expected(path):
    with open(path) as f:
        data = json.load(f)

    def arrays(section):
        return {name: np.asarray(v["values"], dtype=np.float32).reshape(v["shape"]) for name, v in section.items()}

    return arrays(data["inputs"]), arrays(data["outputs"])


def check_load(model_dir, inputs, outputs):
    loaded = tf.saved_model.load(model_dir)
    fn = loaded.signatures["serving_default"]
    result = fn(**{k: tf.constant(v) for k, v in inputs.items()})
    diff = max(float(np.max(np.abs(result[k].numpy() - v))) for k, v in outputs.items())
    return len(loaded.variables), diff


def check_keras(model_dir, inputs, outputs):
    import keras

    layer = keras.layers.TFSMLayer(model_dir, call_endpoint="serving_default")
    # TFSMLayer.call(inputs, **kwargs) hands both to the signature function: with several inputs the
    # first (in the signature's argument order) goes positionally, the others by name.
    order = list(getattr(layer.call_endpoint_fn, "_arg_keywords", None) or sorted(inputs))
    result = layer(inputs[order[0]], **{k: inputs[k] for k in order[1:]})
    if not isinstance(result, dict):
        result = {next(iter(outputs)): result}
    return max(float(np.max(np.abs(np.asarray(result[k]) - v))) for k, v in outputs.items())


def check_cli(model_dir, inputs, outputs):
    import subprocess
    import tempfile

    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for k, v in inputs.items():
            path = os.path.join(tmp, k + ".npy")
            np.save(path, v)
            files.append("%s=%s" % (k, path))
        run = subprocess.run([cli, "run", "--dir", model_dir, "--tag_set", "serve", "--signature_def",
                              "serving_default", "--inputs", ";".join(files), "--outdir", tmp],
                             capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError((run.stderr.strip().splitlines() or ["exit %d" % run.returncode])[-1])
        return max(float(np.max(np.abs(np.load(os.path.join(tmp, k + ".npy")) - v))) for k, v in outputs.items())


def run_tflite(content, inputs, outputs):
    interpreter = tf.lite.Interpreter(model_content=content)
    runner = interpreter.get_signature_runner("serving_default")
    result = runner(**inputs)
    return max(float(np.max(np.abs(result[k] - v))) for k, v in outputs.items())


def convert(model_dir, optimization, flex=False):
    converter = tf.lite.TFLiteConverter.from_saved_model(model_dir)
    if optimization is not None:
        converter.optimizations = [optimization]
    if flex:
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS, tf.lite.OpsSet.SELECT_TF_OPS]
    return converter.convert()


def conversion_error(e):
    """The ops the converter could not lower to TFLite builtins, else the error's last meaningful line."""
    text = str(e)
    ops = sorted(set(re.findall(r"'tf\.(\w+)' op is neither a custom op nor a flex op", text)))
    if ops:
        return "not TFLite builtins: " + ", ".join(ops)
    lines = [l.strip() for l in text.splitlines() if "error" in l.lower()] or text.strip().splitlines() or [repr(e)]
    return lines[0][:300]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", help="directory holding the exported SavedModels and their .json files")
    parser.add_argument("--keep-tflite", action="store_true", help="write NAME.<flavour>.tflite next to each model")
    parser.add_argument("--skip-cli", action="store_true", help="do not run saved_model_cli (slow: a process per model)")
    args = parser.parse_args()

    flavours = [("plain", None), ("DEFAULT", tf.lite.Optimize.DEFAULT),
                ("SPARSITY", tf.lite.Optimize.EXPERIMENTAL_SPARSITY)]
    failed = False
    rows = []
    for name in sorted(os.listdir(args.root)):
        model_dir = os.path.join(args.root, name)
        expected = model_dir + ".json"
        if not (os.path.isdir(model_dir) and os.path.exists(expected)):
            continue
        inputs, outputs = load_expected(expected)
        row = {"model": name}
        try:
            variables, diff = check_load(model_dir, inputs, outputs)
            row["load"] = "OK" if diff <= FLOAT_TOLERANCE and variables > 0 else "FAIL"
            row["variables"] = variables
            row["load diff"] = diff
            failed |= row["load"] != "OK"
        except Exception as e:  # noqa: BLE001 - report and go on with the next model
            row["load"] = "ERROR: %s" % str(e).splitlines()[0][:200]
            failed = True
        try:
            diff = check_keras(model_dir, inputs, outputs)
            row["keras"] = "%s (max abs diff %.2e)" % ("OK" if diff <= FLOAT_TOLERANCE else "DIFF", diff)
            failed |= diff > FLOAT_TOLERANCE
        except Exception as e:  # noqa: BLE001
            row["keras"] = "ERROR: %s" % str(e).strip().splitlines()[0][:200]
            failed = True
        if not args.skip_cli:
            try:
                diff = check_cli(model_dir, inputs, outputs)
                row["saved_model_cli"] = "%s (max abs diff %.2e)" % ("OK" if diff <= FLOAT_TOLERANCE else "DIFF", diff)
                failed |= diff > FLOAT_TOLERANCE
            except Exception as e:  # noqa: BLE001
                row["saved_model_cli"] = "ERROR: %s" % str(e)[:200]
                failed = True
        for flavour, optimization in flavours:
            try:
                content = convert(model_dir, optimization)
                if args.keep_tflite:
                    with open(os.path.join(args.root, "%s.%s.tflite" % (name, flavour)), "wb") as f:
                        f.write(content)
                diff = run_tflite(content, inputs, outputs)
                ok = flavour == "DEFAULT" or diff <= FLOAT_TOLERANCE
                row[flavour] = "%s (%d B, max abs diff %.2e)" % ("OK" if ok else "DIFF", len(content), diff)
                failed |= not ok
            except Exception as e:  # noqa: BLE001
                row[flavour] = "ERROR: %s" % conversion_error(e)
                failed = True
                if flavour == "plain":
                    # Would it convert with TensorFlow ops kept as flex ops (needs the Flex delegate)?
                    try:
                        convert(model_dir, None, flex=True)
                        row[flavour] += "; converts with SELECT_TF_OPS (flex)"
                    except Exception as e2:  # noqa: BLE001
                        row[flavour] += "; not with SELECT_TF_OPS either: " + conversion_error(e2)
        rows.append(row)
        print(json.dumps(row), flush=True)

    if not rows:
        print("no SavedModel with a .json next to it under " + args.root, file=sys.stderr)
        return 1
    print()
    print("| model | tf.saved_model.load | variables | Keras TFSMLayer | saved_model_cli run | converter plain"
          " | converter DEFAULT | converter SPARSITY |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        load = r["load"] if "load diff" not in r else "%s (max abs diff %.2e)" % (r["load"], r["load diff"])
        print("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["model"], load, r.get("variables", "-"), r["keras"], r.get("saved_model_cli", "skipped"), r["plain"],
            r["DEFAULT"], r["SPARSITY"]))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
