#!/usr/bin/env python3
"""Opens every Keras file Topiary wrote in Keras 3 and compares its predictions with Java's.

For every NAME.json under ROOT (written by the Java tests with -Dtopiary.keras.dir=ROOT, see
docs/results/interop.md, "Keras") it loads each file listed in NAME.json ("files": NAME.keras and
NAME.h5) with keras.saving.load_model (compile=False), predicts the inputs in NAME.json and reports
the max abs difference to the outputs Java predicted (must be <= 1e-5). It also reports the
fraction of exact zeros in the loaded weights, so that pruned models show their zeros survived.

Usage: python dsl/keras/tools/check_keras.py ROOT
Exit status 1 if a file does not load or a difference exceeds the tolerance.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import numpy as np  # noqa: E402
import keras  # noqa: E402

TOLERANCE = 1e-5


def arrays(section):
    return [np.asarray(a["values"], dtype=np.float32).reshape(a["shape"]) for a in section]


def check(root, name):
    with open(os.path.join(root, name)) as f:
        data = json.load(f)
    inputs, outputs = arrays(data["inputs"]), arrays(data["outputs"])
    rows = []
    for file in data["files"]:
        path = os.path.join(root, file)
        try:
            model = keras.saving.load_model(path, compile=False)
            got = model.predict(inputs if len(inputs) > 1 else inputs[0], verbose=0)
            got = got if isinstance(got, (list, tuple)) else [got]
            diff = max(float(np.max(np.abs(np.asarray(g) - e))) for g, e in zip(got, outputs))
            weights = [w for w in model.get_weights() if w.size > 1]
            zeros = sum(int(np.sum(w == 0)) for w in weights) / max(1, sum(w.size for w in weights))
            rows.append((file, "ok" if diff <= TOLERANCE else "DIFF", diff, zeros))
        except Exception as e:  # noqa: BLE001 - every failure is reported with its file
            rows.append((file, "FAIL " + type(e).__name__ + ": " + str(e).splitlines()[0][:160], None, None))
    return rows


def main(root):
    names = sorted(n for n in os.listdir(root) if n.endswith(".json"))
    failed = 0
    worst = 0.0
    print(f"Keras {keras.__version__}, backend {keras.backend.backend()}")
    print(f"{'file':48} {'status':6} {'max abs diff':>12} {'zeros':>7}")
    for name in names:
        for file, status, diff, zeros in check(root, name):
            if diff is not None:
                worst = max(worst, diff)
                print(f"{file:48} {status:6} {diff:12.3g} {zeros:7.3f}")
            else:
                print(f"{file:48} {status}")
            failed += status != "ok"
    total = sum(len(json.load(open(os.path.join(root, n)))["files"]) for n in names)
    print(f"{total - failed} of {total} files load in Keras and match Java within {TOLERANCE}; worst {worst:.3g}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
