"""Benchmark `mlmodel-spec validate` against real MLflow reading the same model, in one run.

Run it where both are installed (``tox -e bench``, see BENCHMARKS.md)::

    python bench/bench_validate.py [--dirs 10000] [--repeat 7]

1. cold start: ``mlmodel-spec validate DIR`` vs ``python -c "import mlflow;
   mlflow.models.Model.load(DIR)"`` on a model MLflow itself saved (median wall time and
   peak RSS of each child; bytecode caching on, one warm-up run each);
2. throughput: a tree of N model directories, ``--jobs 1`` and ``--jobs 2``;
3. memory: peak RSS of validating a model that sits beside a 2 GB (sparse) file.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_child(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit code of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.stderr is not None:
        proc.stderr.close()
    return wall, usage.ru_maxrss / 1024, proc.returncode


def measure(argv: list[str], env: dict[str, str], repeat: int) -> dict[str, float]:
    run_child(argv, env)  # warm-up: fills the bytecode cache and the page cache
    walls, rss = [], []
    for _ in range(repeat):
        wall, peak, code = run_child(argv, env)
        if code not in (0, 1):
            raise SystemExit(f"{argv} exited {code}")
        walls.append(wall)
        rss.append(peak)
    return {"median_s": statistics.median(walls), "min_s": min(walls), "peak_rss_mib": max(rss)}


def save_mlflow_model(target: Path, python: str, env: dict[str, str]) -> None:
    script = f"""
import mlflow.sklearn, numpy as np, pandas as pd
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
X, y = load_iris(return_X_y=True, as_frame=True)
clf = LogisticRegression(max_iter=300).fit(X, y)
mlflow.sklearn.save_model(clf, {str(target)!r}, input_example=X.head(3))
"""
    subprocess.run([python, "-c", script], env=env, check=True, capture_output=True)


def make_tree(template: Path, root: Path, count: int) -> None:
    files = {p.relative_to(template): p.read_bytes() for p in template.rglob("*") if p.is_file()}
    for index in range(count):
        model = root / f"exp{index // 1000}" / f"run{index:05d}" / "artifacts" / "model"
        for rel, data in files.items():
            dest = model / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dirs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", help="also write results as JSON to this file")
    args = parser.parse_args()

    python = sys.executable
    cli = [python, "-m", "mlmodel_spec"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    results: dict[str, object] = {"python": python, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="mlmodel-spec-bench-") as tmp:
        work = Path(tmp)
        model = work / "model"
        save_mlflow_model(model, python, env)

        ours = measure([*cli, "validate", str(model)], env, args.repeat)
        anchor = measure(
            [python, "-c", f"import mlflow; mlflow.models.Model.load({str(model)!r})"],
            env,
            args.repeat,
        )
        floor = measure([python, "-c", "import yaml, jsonschema"], env, args.repeat)
        results["cold"] = {
            "mlmodel_spec_validate": ours,
            "mlflow_model_load": anchor,
            "import_yaml_jsonschema": floor,
            "ratio": ours["median_s"] / anchor["median_s"],
        }

        tree = work / "tree"
        make_tree(model, tree, args.dirs)
        throughput = {}
        for jobs in (1, 2):
            out = work / f"report-{jobs}.json"
            argv = [
                *cli,
                "validate",
                str(tree),
                "--jobs",
                str(jobs),
                "--format",
                "json",
                "-o",
                str(out),
            ]
            wall, peak, code = run_child(argv, env)
            if code not in (0, 1):
                raise SystemExit(f"validate of the tree exited {code}")
            targets = len(json.loads(out.read_text())["targets"])
            throughput[f"jobs{jobs}"] = {
                "dirs": targets,
                "seconds": wall,
                "dirs_per_s": targets / wall,
                "peak_rss_mib": peak,
            }
        results["throughput"] = throughput
        shutil.rmtree(tree)

        with (model / "big.bin").open("wb") as handle:
            handle.truncate(2 * 1024**3)  # sparse 2 GB file beside the model
        wall, peak, _ = run_child([*cli, "validate", str(model)], env)
        results["beside_2gb_file"] = {"seconds": wall, "peak_rss_mib": peak}

    print(json.dumps(results, indent=2))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
