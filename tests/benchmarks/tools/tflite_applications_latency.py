#!/usr/bin/env python3
"""The TFLite interpreter's latency on the pruned networks ApplicationsInference wrote (its --tflite DIR).

ApplicationsInference writes, for every model and pruning it times, DIR/<slug>_float32.tflite and
DIR/<slug>_sparse.tflite (TfliteExport's float32 and sparse flavours) and DIR/models.json (per model,
pruning and batch: the input shape and the Java side's medians in ms, TF Java and SparseModel). This
script runs each file in tf.lite.Interpreter as a user would: the default op resolver, i.e. TFLite's
builtin kernels with the default XNNPACK delegate, num_threads=--threads (1 by default, as SparseModel's
default), the input resized to each batch, random inputs in [-1, 1). Timing as ApplicationsInference's: a
warm-up of at least 1 s (and 3 calls), then --rounds rounds of the best of 3 invoke() calls, the median.
Prints one markdown table:

    model | pruned | batch | TF Java ms | SparseModel ms | TFLite float32 ms | TFLite sparse ms | SparseModel / TFLite float32

The Java times come from the other process, measured just before: compare on the same load.

Usage:
    /path/to/venv/bin/python tests/benchmarks/tools/tflite_applications_latency.py DIR [--threads 1] [--rounds 7]

Exits with status 1 and a message if TensorFlow cannot be imported, DIR has no models.json or a file
does not load.
"""
import argparse
import json
import os
import sys

# The timing loop is the sparse benchmark's TFLite column's (dsl/tflite/tools/tflite_column.py); whole
# networks get a longer warm-up.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "dsl", "tflite", "tools"))
import tflite_column  # noqa: E402

WARMUP_SECONDS = 1.0


def time_ms(tf, np, path, batch, shape, threads, rounds):
    interp = tf.lite.Interpreter(model_path=path, num_threads=threads)
    index = interp.get_input_details()[0]["index"]
    interp.resize_tensor_input(index, [batch] + list(shape))
    interp.allocate_tensors()
    x = np.random.default_rng(7).uniform(-1, 1, size=[batch] + list(shape)).astype(np.float32)
    interp.set_tensor(index, x)
    return tflite_column.time_invoke(interp, rounds, WARMUP_SECONDS) / 1e3


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="the directory ApplicationsInference wrote with --tflite")
    parser.add_argument("--threads", type=int, default=1, help="the interpreter's num_threads (default 1)")
    parser.add_argument("--rounds", type=int, default=7, help="timed rounds (default 7)")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import numpy as np
        import tensorflow as tf
    except ImportError as e:
        sys.exit(f"TensorFlow is needed to run the TFLite interpreter: {e}")
    listing = os.path.join(args.dir, "models.json")
    if not os.path.exists(listing):
        sys.exit(f"{listing} does not exist: run ApplicationsInference with --tflite {args.dir} first")
    with open(listing) as f:
        rows = json.load(f)
    print(f"TFLite {tf.__version__}, default XNNPACK delegate, num_threads={args.threads}, {args.rounds} rounds")
    print("| model | pruned | batch | TF Java ms | SparseModel ms | TFLite float32 ms | TFLite sparse ms |"
          " SparseModel / TFLite float32 |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        times = []
        for flavour in ("float32", "sparse"):
            path = os.path.join(args.dir, f"{row['slug']}_{flavour}.tflite")
            try:
                times.append(time_ms(tf, np, path, row["batch"], row["inputShape"], args.threads, args.rounds))
            except Exception as e:  # the interpreter's own errors name the op; say which file
                sys.exit(f"{path}: {e}")
        print(f"| {row['model']} | {row['pruned']} | {row['batch']} | {row['tfJavaMs']:.2f} | {row['sparseMs']:.2f} |"
              f" {times[0]:.2f} | {times[1]:.2f} | {row['sparseMs'] / times[0]:.2f} |", flush=True)


if __name__ == "__main__":
    main()
