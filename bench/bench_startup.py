"""Cold start of ``mlmodel-spec validate DIR`` against the bare interpreter, in one run.

    python bench/bench_startup.py [--repeat 15] [--mlflow-python PATH] [DIR ...]

Side by side, interleaved round by round (so machine load hits every command alike):

1. ``python -c pass`` — the floor: the same interpreter, its ``site`` and this venv's
   ``.pth`` files, nothing of ours; beside it ``python -c "import re"``, what the console
   script pip writes imports before our first line (``import re, json``: and the JSON an
   MLflow signature is written in), and ``... import argparse, json, yaml``, the start of
   any validator with an argparse command line that reads YAML with PyYAML (a cold
   ``validate`` needs neither: ``mlmodel_spec/cli_options.py``, ``conformance/yaml_block.py``);
2. ``mlmodel-spec validate DIR`` (the console script users run in pre-commit) per DIR;
3. the anchor, when an interpreter with MLflow is given (``--mlflow-python``, e.g. the
   ``mlflow3`` tox env's): ``from mlflow.models import Model; Model.load(DIR)``, which
   reads the same MLmodel and validates nothing.

Bytecode caching is on (``PYTHONDONTWRITEBYTECODE`` is removed from the children's
environment) and every command runs once before timing. Then the time of a cold
``validate`` split into steps (the stdlib and PyYAML imports it needs, our modules, the work)
and ``python -X importtime`` (top modules by cumulative time) show where it goes.
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
    "tests/cases/valid/legacy-mlflow292-sklearn-ndarray",  # a pickle: the safety scan runs
)
#: what a validator written in Python pays before its own first line: ``re`` (pip's console
#: script imports it), the JSON of MLflow's signatures; and what the usual way of writing
#: one adds: argparse for the command line, PyYAML for the YAML
IMPORT_FLOORS = ("import re", "import re, json", "import argparse, json, yaml")


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


Command = tuple[list[str], dict[str, str]]


def measure(commands: dict[str, Command], repeat: int) -> dict[str, list[float]]:
    for argv, env in commands.values():  # warm-up: bytecode cache and page cache
        wall(argv, env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, (argv, env) in commands.items():
            times[name].append(wall(argv, env))
    return times


_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def import_profile(script: str, directory: str, top: int) -> list[tuple[str, int, int]]:
    """``(module, self us, cumulative us)`` of the slowest imports of one validate run
    through the console script (the median run of five, by total)."""
    env = child_env()
    argv = [sys.executable, "-X", "importtime", script, "validate", directory]
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


STEPS = (
    ("re, json", "import re, json"),
    ("mlmodel_spec.cli (and cli_options)", "import mlmodel_spec.cli"),
    ("context (findings, yaml_source, model_files)", "import mlmodel_spec.conformance.context"),
    ("validate (registry, discover, rules.document)", "import mlmodel_spec.conformance.validate"),
    ("reporters (the package; one format on use)", "import mlmodel_spec.reporters"),
    ("the rule modules this model needs", "gates(directory)"),
    (
        "_generated_schemas (the core; a flavor's part on first use)",
        "import mlmodel_spec.conformance._generated_schemas",
    ),
    ("the work: discover, read, check, report", "run(directory)"),
)


def steps(directory: str) -> None:
    """Child mode: ms spent in each step of a cold ``validate`` (imports in the order the
    command needs them, then the run itself), one line per step."""
    import contextlib
    import io

    def gates(directory: str) -> None:
        from mlmodel_spec.conformance import registry
        from mlmodel_spec.conformance.yaml_source import load_yaml

        data = load_yaml(Path(directory, "MLmodel").read_text()).data
        registry.checks_for(registry.CHECKS, data, metadata_only=False, phase="model")

    def run(directory: str) -> None:
        from mlmodel_spec.cli import main

        with contextlib.redirect_stdout(io.StringIO()):
            main(["validate", directory])

    names = {"gates": gates, "run": run, "directory": directory}
    for label, code in STEPS:
        start = time.perf_counter()
        exec(code, names)  # our own fixed statements (STEPS)
        print(f"{(time.perf_counter() - start) * 1000:.2f}\t{label}")


def step_profile(directory: str) -> None:
    env = child_env()
    argv = [sys.executable, __file__, "--steps-of", directory]
    runs = []
    for _ in range(7):
        out = subprocess.run(argv, check=True, env=env, capture_output=True, text=True).stdout
        runs.append(
            [(float(ms), label) for ms, label in (row.split("\t") for row in out.splitlines())]
        )
    runs.sort(key=lambda rows: sum(ms for ms, _ in rows))
    rows = runs[len(runs) // 2]
    print(f"\nin-process steps of validate {directory} (median run of 7)")
    for ms, label in rows:
        print(f"  {ms:6.1f} ms  {label}")
    print(f"  {sum(ms for ms, _ in rows):6.1f} ms  total after the interpreter started")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", default=list(DEFAULT_DIRS))
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--mlflow-python", help="an interpreter with mlflow installed")
    parser.add_argument("--top", type=int, default=25, help="modules to show from importtime")
    parser.add_argument(
        "--before",
        metavar="CHECKOUT",
        help="also run `python -m mlmodel_spec validate` from this source tree (e.g. a "
        "`git archive` of an older commit), beside this one's, for a before/after",
    )
    parser.add_argument("--steps-of", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps_of:
        steps(args.steps_of)
        return
    script = shutil.which("mlmodel-spec", path=str(Path(sys.executable).parent))
    if script is None:
        raise SystemExit("mlmodel-spec is not installed next to this interpreter")
    env = child_env()
    commands: dict[str, Command] = {
        "python -c pass": ([sys.executable, "-c", "pass"], env),
    }
    for code in IMPORT_FLOORS:
        commands[f"python -c {code!r}"] = ([sys.executable, "-c", code], env)
    for directory in args.dirs:
        commands[f"mlmodel-spec validate {directory}"] = ([script, "validate", directory], env)
        if args.before and directory == args.dirs[0]:
            # -P: no working directory (this checkout) ahead of PYTHONPATH (Python >= 3.11)
            module = [sys.executable, "-P", "-m", "mlmodel_spec", "validate", directory]
            commands["  same, as python -P -m mlmodel_spec (this install)"] = (module, env)
            before = {**env, "PYTHONPATH": str(Path(args.before).resolve())}
            commands[f"  same, as python -P -m mlmodel_spec ({args.before})"] = (module, before)
        if args.mlflow_python:
            code = f"from mlflow.models import Model; Model.load({str(Path(directory))!r})"
            commands[f"MLflow Model.load {directory}"] = ([args.mlflow_python, "-c", code], env)
    if args.mlflow_python:
        commands["MLflow python -c pass"] = ([args.mlflow_python, "-c", "pass"], env)
    times = measure(commands, args.repeat)
    floor = statistics.median(times["python -c pass"])
    print(f"{'command':<72} {'median':>9} {'min':>9} {'x bare':>7}")
    for name, values in times.items():
        median = statistics.median(values)
        print(
            f"{name:<72} {median * 1000:7.1f}ms {min(values) * 1000:7.1f}ms {median / floor:6.2f}x"
        )
    step_profile(args.dirs[-1])
    for imported, own, cumulative in import_profile(script, args.dirs[0], args.top):
        print(f"  {imported:<60} self {own / 1000:6.1f} ms  cumulative {cumulative / 1000:6.1f} ms")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
