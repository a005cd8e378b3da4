"""Cold start of ``mlmodel-spec validate DIR`` against the bare interpreter, in one run.

    python bench/bench_startup.py [--repeat 15] [--mlflow-python PATH] [DIR ...]

Side by side, interleaved round by round (so machine load hits every command alike):

1. ``python -c pass`` — the floor: the same interpreter, its ``site`` and this venv's
   ``.pth`` files, nothing of ours;
2. ``mlmodel-spec validate DIR`` (the console script users run in pre-commit) per DIR;
3. the anchor, when an interpreter with MLflow is given (``--mlflow-python``, e.g. the
   ``mlflow3`` tox env's): ``from mlflow.models import Model; Model.load(DIR)``, which
   reads the same MLmodel and validates nothing.

Bytecode caching is on (``PYTHONDONTWRITEBYTECODE`` is removed from the children's
environment) and every command runs once before timing. Then ``python -X importtime``
shows where the import time of ``validate`` goes (top modules by cumulative time).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIRS = (
    "tests/cases/valid/core-minimal-pyfunc",
    "tests/cases/valid/files-sklearn-complete",
)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    return env


def wall(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(
        argv, check=False, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv} exited {proc.returncode}: {proc.stderr.decode()[-500:]}")
    return elapsed


def measure(commands: dict[str, list[str]], repeat: int) -> dict[str, list[float]]:
    env = child_env()
    for argv in commands.values():  # warm-up: bytecode cache and page cache
        wall(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            times[name].append(wall(argv, env))
    return times


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_profile(directory: str, top: int) -> list[tuple[str, int, int]]:
    """``(module, self us, cumulative us)`` of the slowest imports of one validate run
    (the median run of five, by total)."""
    env = child_env()
    argv = [sys.executable, "-X", "importtime", "-m", "mlmodel_spec", "validate", directory]
    runs = []
    for _ in range(5):
        proc = subprocess.run(argv, check=False, env=env, capture_output=True, text=True)
        rows = [
            (m.group(4), int(m.group(1)), int(m.group(2)))
            for m in map(_LINE.match, proc.stderr.splitlines())
            if m
        ]
        runs.append(rows)
    runs.sort(key=lambda rows: sum(row[1] for row in rows))
    rows = runs[len(runs) // 2]
    print(f"\nimport time of validate, total self {sum(r[1] for r in rows) / 1000:.1f} ms")
    return sorted(rows, key=lambda row: -row[2])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", default=list(DEFAULT_DIRS))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--mlflow-python", help="an interpreter with mlflow installed")
    parser.add_argument("--top", type=int, default=25, help="modules to show from importtime")
    args = parser.parse_args()
    script = shutil.which("mlmodel-spec", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("mlmodel-spec is not installed next to this interpreter")
    commands = {"python -c pass": [sys.executable, "-c", "pass"]}
    for directory in args.dirs:
        commands[f"mlmodel-spec validate {directory}"] = [script, "validate", directory]
        if args.mlflow_python:
            code = f"from mlflow.models import Model; Model.load({str(Path(directory))!r})"
            commands[f"MLflow Model.load {directory}"] = [args.mlflow_python, "-c", code]
    if args.mlflow_python:
        commands["MLflow python -c pass"] = [args.mlflow_python, "-c", "pass"]
    times = measure(commands, args.repeat)
    floor = statistics.median(times["python -c pass"])
    print(f"{'command':<72} {'median':>9} {'min':>9} {'x bare':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<72} {median * 1000:7.1f}ms {min(values) * 1000:7.1f}ms {median / floor:6.2f}x"
        )
    for module, own, cumulative in import_profile(args.dirs[0], args.top):
        print(f"  {module:<60} self {own / 1000:6.1f} ms  cumulative {cumulative / 1000:6.1f} ms")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
