#!/usr/bin/env python3
"""The TFLite interpreter column of the sparse-inference benchmark (SparseBenchmark's models table).

SparseBenchmark run with -Dsparse.bench.tfliteDir=DIR writes, for every model, sparsity and zero pattern
(random or 1x4 blocks) it times, the same stripped TF model as DIR/<slug>_<sparsity>_<zeros>.tflite
(TfliteExport, float32) and DIR/models.json: the input each file wants and the Java side's median times
per batch (TF Java and SparseModel, in us). This script runs each file in tf.lite.Interpreter with the
default op resolver (TFLite's builtin kernels with the default XNNPACK delegate) and num_threads=1, at
each batch of the JSON (the input resized: the files' batch is dynamic), on random inputs (token ids in
[0, vocabulary) for the IMDB model, in the dtype its input tensor has), and prints one markdown table:

    model | zeros | sparsity | batch | TF Java us | SparseModel us | TFLite (XNNPACK, 1 thread) us | SparseModel / TFLite

Timing as SparseBenchmark's: a warm-up of at least 0.4 s (and 3 runs), then 7 rounds of the best of 3
invoke() calls, the median over rounds. The Java times come from another process and another moment,
so the last column is indicative: compare it on a quiet machine, or with the same load on both runs.
The float32 files are dense, so TFLite does the same work for both zero patterns.

Usage (after the benchmark, see docs/results/sparse-inference.md):
    taskset -c 1 mvn -B -o -q -Pbench -pl tests test -Dtest=SparseBenchmark -Dsurefire.failIfNoSpecifiedTests=false \\
        -Dbench.jvm="-Dsparse.bench.tfThreads=1 -Dsparse.bench.only=models -Dsparse.bench.tfliteDir=/tmp/tflite-bench"
    taskset -c 1 python dsl/tflite/tools/tflite_column.py /tmp/tflite-bench

Exits with status 1 and a message if TensorFlow cannot be imported, DIR has no models.json or a file
it lists is missing or does not load.
"""
import argparse
import json
import os
import statistics
import sys
import time

WARMUP_SECONDS = 0.4
ROUNDS = 7
BEST_OF = 3


def interpreter(tf, path, batch, shape):
    # A fresh interpreter per batch: each batch is timed on a model prepared for that size alone.
    interp = tf.lite.Interpreter(model_path=path, num_threads=1)
    index = interp.get_input_details()[0]["index"]
    interp.resize_tensor_input(index, [batch] + list(shape))
    interp.allocate_tensors()
    return interp, interp.get_input_details()[0]


def random_input(np, detail, row, batch, seed):
    rng = np.random.default_rng(seed)
    shape = [batch] + list(row["inputShape"])
    dtype = detail["dtype"]
    if row["integerIds"]:
        # Topiary's Embedding input is float ids cast inside the file; as integer values in any dtype.
        return rng.integers(0, row["vocabulary"], size=shape).astype(dtype)
    return rng.random(size=shape).astype(dtype)


def time_invoke(interp, rounds_count=ROUNDS, warmup_seconds=WARMUP_SECONDS):
    """Median over rounds_count of the best of BEST_OF invoke() calls, in us, after warmup_seconds of calls
    (at least 3). tests/benchmarks/tools/tflite_applications_latency.py times whole networks with it too."""
    end = time.perf_counter() + warmup_seconds
    runs = 0
    while runs < 3 or time.perf_counter() < end:
        interp.invoke()
        runs += 1
    rounds = []
    for _ in range(rounds_count):
        best = float("inf")
        for _ in range(BEST_OF):
            t0 = time.perf_counter_ns()
            interp.invoke()
            best = min(best, time.perf_counter_ns() - t0)
        rounds.append(best / 1e3)
    return statistics.median(rounds)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dir", help="the directory SparseBenchmark wrote with -Dsparse.bench.tfliteDir")
    args = parser.parse_args()

    index_path = os.path.join(args.dir, "models.json")
    if not os.path.isfile(index_path):
        sys.exit(f"tflite_column.py: no models.json in {args.dir}: run SparseBenchmark with "
                 f"-Dsparse.bench.tfliteDir={args.dir} first (see this script's docstring)")
    try:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import numpy as np
        import tensorflow as tf
    except ImportError as e:
        sys.exit(f"tflite_column.py: TensorFlow is not importable ({e}); the TFLite column needs it, e.g. "
                 "python3 -m venv /work/venv && /work/venv/bin/pip install tensorflow-cpu==2.21.0")
    with open(index_path) as f:
        index = json.load(f)
    rows = index.get("rows", [])
    if not rows:
        sys.exit(f"tflite_column.py: {index_path} lists no models")

    print(f"\n## TFLite interpreter on the same models (TF {tf.__version__}, default op resolver = XNNPACK, "
          f"1 thread; Java side: {index.get('tf')}, SparseModel {index.get('sparseThreads')} thread(s), "
          f"{index.get('rounds')} rounds; TFLite: {ROUNDS} rounds of best of {BEST_OF})\n")
    print("| model | zeros | sparsity | batch | TF Java us | SparseModel us | TFLite (XNNPACK, 1 thread) us "
          "| SparseModel / TFLite |")
    print("|---|---|---|---|---|---|---|---|")
    for row in rows:
        path = os.path.join(args.dir, row["file"])
        if not os.path.isfile(path):
            sys.exit(f"tflite_column.py: {index_path} lists {row['file']}, which is not in {args.dir}")
        for times in row["batches"]:
            batch = times["batch"]
            try:
                interp, detail = interpreter(tf, path, batch, row["inputShape"])
            except (RuntimeError, ValueError) as e:
                sys.exit(f"tflite_column.py: TFLite cannot load {path} at batch {batch}: {e}")
            interp.set_tensor(detail["index"], random_input(np, detail, row, batch, batch))
            micros = time_invoke(interp)
            print(f"| {row['model']} | {row['zeros']} | {row['sparsity'] * 100:.0f} % | {batch} "
                  f"| {times['tfJavaMicros']:.0f} | {times['sparseModelMicros']:.0f} | {micros:.0f} "
                  f"| {times['sparseModelMicros'] / micros:.2f} |", flush=True)


if __name__ == "__main__":
    main()
