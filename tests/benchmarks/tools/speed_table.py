"""Topiary's speed table against Keras 3, runs interleaved (not run by CI).

Alternates, per configuration and round, Topiary's JMH benchmarks (module `benchmarks`) with the
same model in Keras 3 (`tests/benchmarks/tools/keras_speed.py`), so both see the same machine load, and prints the
docs/results/speed.md's tables (medians over rounds). Build the benchmarks first:

    mvn -B -ntp -q -pl tests/benchmarks -am package -DskipTests
    python tests/benchmarks/tools/speed_table.py --rounds 3 [--recurrent-rounds 1] [--raw results.jsonl] [--skip-recurrent]

Needs a Python with TensorFlow and Keras 3 (a venv with tensorflow-cpu 2.21 and keras 3.15, see docs/results/speed.md).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/benchmarks
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")


def jmh(pattern, params, extra=()):
    """Runs JMH on `pattern` with `params`; returns {(benchmark, params...): score ms}."""
    with open(os.path.join(BENCH, "target", "benchmarks.classpath")) as f:
        cp = f.read().strip() + ":" + os.path.join(BENCH, "target", "classes")
    out = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    cmd = ["java", "-cp", cp, "org.openjdk.jmh.Main", pattern, "-rf", "json", "-rff", out, *extra]
    for k, v in params.items():
        cmd += ["-p", f"{k}={v}"]
    subprocess.run(cmd, cwd=BENCH, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        results = json.load(f)
    os.unlink(out)
    return {(r["benchmark"].rsplit(".", 1)[1], tuple(sorted(r.get("params", {}).items()))): r["primaryMetric"]["score"]
            for r in results}


def keras(model, batch, batches, rounds, steps=50):
    cmd = [sys.executable, os.path.join(BENCH, "tools", "keras_speed.py"), "--model", model, "--batch", str(batch),
           "--batches", str(batches), "--rounds", str(rounds), "--steps", str(steps)]
    lines = subprocess.run(cmd, env=ENV, check=True, capture_output=True, text=True).stdout.splitlines()
    return [json.loads(line) for line in lines if line.startswith("{")]


def med(values):
    return statistics.median(values) if values else float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--raw", help="also append every measurement to this JSON-lines file")
    p.add_argument("--skip-recurrent", action="store_true")
    p.add_argument("--recurrent-rounds", type=int, default=1, help="rounds that include the recurrent layers")
    p.add_argument("--cells", default="lstm,gru")
    p.add_argument("--lengths", default="50,200,500")
    a = p.parse_args()
    raw = open(a.raw, "a") if a.raw else None
    step = {}  # (model, batch, who) -> [ms]
    first = {}
    rec = {}
    for r in range(a.rounds):
        for model in ("cnn", "mlp"):
            for batch in (32, 128):
                t = jmh("TrainingStepBenchmark", {"model": model, "batch": batch}, ["-wi", "1", "-i", "3"])
                for variant in ("dense", "pruned"):
                    key = ("trainingStep", tuple(sorted({"model": model, "batch": str(batch), "variant": variant}.items())))
                    step.setdefault((model, batch, "topiary " + variant), []).append(t[key])
                f = jmh("FirstFitBenchmark", {"model": model, "batch": batch}, ["-i", "1"])
                first.setdefault((model, batch, "topiary"), []).append(list(f.values())[0] / 1000)
                k = keras(model, batch, 200, 2)
                step.setdefault((model, batch, "keras"), []).extend(x["step_ms"] for x in k)
                first.setdefault((model, batch, "keras"), []).append(k[0]["fit_s"] + k[0]["build_s"])
                if raw:
                    raw.write(json.dumps({"round": r, "model": model, "batch": batch, "topiary": {str(k2): v for k2, v in t.items()},
                                          "topiary_first_fit_ms": list(f.values())[0], "keras": k}) + "\n")
                    raw.flush()
        if a.skip_recurrent or r >= a.recurrent_rounds:
            continue
        for cell in a.cells.split(","):
            for steps in map(int, a.lengths.split(",")):
                t = jmh("RecurrentBenchmark", {"cell": cell, "steps": steps}, ["-i", "1", "-wi", "1"])
                vals = {k2[0]: v for k2, v in t.items()}
                rec.setdefault((cell, steps, "topiary"), []).append(
                    (vals["build"] / 1000, (vals["buildAndFirstStep"] - vals["build"]) / 1000, vals["steadyStep"]))
                k = keras(cell, 64, 20, 3, steps)
                rec.setdefault((cell, steps, "keras"), []).append(
                    (k[0]["build_s"], k[0]["first_step_s"], med([x["step_ms"] for x in k[1:]])))
                if raw:
                    raw.write(json.dumps({"round": r, "cell": cell, "steps": steps, "topiary": vals, "keras": k}) + "\n")
                    raw.flush()

    print("| model | batch | Topiary dense ms/step | Keras ms/step | Topiary / Keras | Topiary pruned ms/step | pruned / dense | first fit Topiary s | first fit Keras s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for model in ("cnn", "mlp"):
        for batch in (32, 128):
            d = med(step[(model, batch, "topiary dense")])
            pr = med(step[(model, batch, "topiary pruned")])
            ke = med(step[(model, batch, "keras")])
            print(f"| {model} | {batch} | {d:.2f} | {ke:.2f} | {d / ke:.2f} | {pr:.2f} | {pr / d:.2f} | "
                  f"{med(first[(model, batch, 'topiary')]):.2f} | {med(first[(model, batch, 'keras')]):.2f} |")
    if rec:
        print()
        print("| layer | steps | build s (Topiary / Keras) | first step s (Topiary / Keras) | steady ms (Topiary / Keras) |")
        print("|---|---|---|---|---|")
        for cell in a.cells.split(","):
            for steps in map(int, a.lengths.split(",")):
                t = rec[(cell, steps, "topiary")]
                k = rec[(cell, steps, "keras")]
                cols = [f"{med([x[i] for x in t]):.2f} / {med([x[i] for x in k]):.2f}" for i in range(3)]
                print(f"| {cell} | {steps} | " + " | ".join(cols) + " |")
    print(f"\n(medians of {a.rounds} interleaved rounds, recurrent {min(a.rounds, a.recurrent_rounds)}; Topiary pruned: 80 %, mask update every 100 steps; "
          "recurrent: batch 64, Topiary's kernels pruned)")


if __name__ == "__main__":
    main()
