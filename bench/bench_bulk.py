"""``mlmodel-spec validate`` over a tree of many model directories against a bare floor.

    python bench/bench_bulk.py [--dirs 10000] [--repeat 3] [CASE ...]

The tree (built in a temp dir) holds ``--dirs`` model directories laid out like an
``mlruns/`` store (``exp*/run*/artifacts/model``), copied round-robin from real-looking
models in ``tests/cases/valid`` (MLflow 1.30 to 3.17 writers, sklearn/xgboost/pyfunc,
env files, signatures, input examples), each MLmodel with its own ``model_uuid`` and
``run_id``. The floor is the least any static validator must
do, in one process: list the tree, stat every file of each model directory, parse each
YAML file with libyaml (``yaml.CSafeLoader``), decode each JSON file and each signature
string. Side by side in one run (each command a cold process, bytecode caching on, one
warm-up), best of ``--repeat``:

* ``floor`` (the script below, ``--floor``);
* ``mlmodel-spec validate TREE`` and ``... --jobs 2`` (report written to /dev/null).

Speed is reported as floor time / our time: 1.0 is "as fast as the floor".
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "cases" / "valid"
DEFAULT_CASES = (
    "core-minimal-pyfunc",
    "files-sklearn-complete",
    "legacy-mlflow130-sklearn-cloudpickle",
    "real-mlflow317-xgboost-sklearn",
    "sig-pyfunc-dict-params-3-17",
    "env-lightgbm-booster-consistent",
)
_YAML = (".yaml", ".yml")


def floor(tree: str) -> int:
    """List, stat, C-parse YAML, decode JSON: returns the number of models seen."""
    import yaml

    loader = yaml.CSafeLoader
    models = 0
    stack = [tree]
    while stack:
        current = stack.pop()
        with os.scandir(current) as listing:
            entries = list(listing)
        names = {entry.name for entry in entries}
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if "MLmodel" not in names or entry.name != "metadata":
                    stack.append(entry.path)
                continue
            entry.stat()
            if "MLmodel" not in names:
                continue
            name = entry.name
            if name == "case.yaml":
                continue  # the test-case description: no validator reads it
            if name == "MLmodel" or name.endswith(_YAML):
                with open(entry.path, "rb") as handle:
                    data = yaml.load(handle, Loader=loader)
                if name == "MLmodel":
                    models += 1
                    signature = data.get("signature") if isinstance(data, dict) else None
                    for field in (signature or {}).values():
                        if isinstance(field, str):
                            json.loads(field)
            elif name.endswith(".json"):
                with open(entry.path, "rb") as handle:
                    json.loads(handle.read())
            elif name.endswith(".txt"):
                with open(entry.path, encoding="utf-8") as handle:
                    handle.read().splitlines()
    return models


def make_tree(root: Path, cases: list[str], count: int) -> None:
    templates = []
    for case in cases:
        source = CASES / case
        files = {
            p.relative_to(source): p.read_bytes()
            for p in source.rglob("*")
            if p.is_file()  # case.yaml too: the case's model_size_bytes counts it
        }
        templates.append(files)
    for index in range(count):
        model = root / f"exp{index // 1000}" / f"run{index:05d}" / "artifacts" / "model"
        for rel, data in templates[index % len(templates)].items():
            dest = model / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(_unique(data, index) if rel.name == "MLmodel" else data)


_UUID = re.compile(rb"^model_uuid: [0-9a-f]{32}$", re.MULTILINE)


def _unique(mlmodel: bytes, index: int) -> bytes:
    """Each copy its own ``model_uuid`` and ``run_id``, as in a real store (so no cache
    keyed on the MLmodel text can pretend that 10,000 models are six)."""
    uuid = f"b{index:031x}".encode()  # a letter first: YAML reads all digits as a number
    return _UUID.sub(b"model_uuid: " + uuid + b"\nrun_id: " + uuid[::-1], mlmodel, count=1)


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, check=False, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} exited {proc.returncode}: {proc.stderr[-800:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", default=list(DEFAULT_CASES))
    parser.add_argument("--dirs", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--floor", metavar="TREE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        print(floor(args.floor))
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    script = shutil.which("mlmodel-spec", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("mlmodel-spec is not installed next to this interpreter")
    with tempfile.TemporaryDirectory(prefix="mlmodel-spec-bulk-") as tmp:
        tree = Path(tmp) / "mlruns"
        make_tree(tree, args.cases, args.dirs)
        seen = subprocess.run(
            [sys.executable, __file__, "--floor", str(tree)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        print(f"{seen} model directories from {len(args.cases)} cases in {tree}")
        validate = [script, "validate", str(tree), "-o", os.devnull]
        commands = {
            "floor (list, stat, CSafeLoader, json)": [
                sys.executable,
                __file__,
                "--floor",
                str(tree),
            ],
            "mlmodel-spec validate --jobs 1": validate,
            "mlmodel-spec validate --jobs 2": [*validate, "--jobs", "2"],
        }
        for argv in commands.values():
            timed(argv, env)  # warm-up: bytecode cache, page cache
        best = {
            name: min(timed(argv, env) for _ in range(args.repeat))
            for name, argv in commands.items()
        }
    base = best["floor (list, stat, CSafeLoader, json)"]
    print(f"{'command':<42} {'best s':>8} {'dirs/s':>9} {'speed vs floor':>15}")
    for name, seconds in best.items():
        print(f"{name:<42} {seconds:8.2f} {int(seen) / seconds:9.0f} {base / seconds:14.2f}x")


if __name__ == "__main__":
    main()
