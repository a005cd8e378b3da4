"""Flavor compiler benchmark: the example flavors against hand-written flavor modules.

For each example of ``examples/flavors/`` (both generated targets) and each anchor — the
public hand-written community module of the same library (``mlflavors.pyod`` 0.1.0, read
from its wheel, never vendored) and MLflow's own module (``mlflow.statsmodels``, read from the
installed MLflow) — it reports:

* spec lines (all, and without blank and comment lines) and module lines (the same two counts);
* private MLflow imports, counted with ``ast``: ``import mlflow.x._y`` and
  ``from mlflow... import _name`` (any ``_``-prefixed component); goal 0;
* whether the module works with the MLflow installed here: in a fresh interpreter, import it,
  ``save_model`` a small fitted model (``flavor_examples.factories``), then
  ``mlflow.pyfunc.load_model(path).predict(example)``.

Run it in the examples tox envs (MLflow 2.22 and 3.17, the example libraries installed)::

    tox run --workdir /tmp/tox-E -e examples-mlflow2 --notest
    PYTHONPATH=examples/flavors /tmp/tox-E/examples-mlflow2/bin/python bench/bench_flavors.py
    (the same with examples-mlflow3)

``--mlflavors-wheel`` names a downloaded ``mlflavors`` wheel; without it the wheel is fetched
with ``pip download --no-deps mlflavors==0.1.0`` into a temporary directory.
"""

from __future__ import annotations

import argparse
import ast
import importlib.util
import json
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "flavors"
GENERATED = EXAMPLES / "flavor_examples"
MLFLAVORS = "mlflavors==0.1.0"
#: the runtime machinery the generated modules call (shared by every compiled flavor)
SHARED_RUNTIME = ("_flavor.py", "_flavor_compiled.py", "_flavor_mlflow.py", "_flavor_atomic.py")


@dataclass(frozen=True)
class Subject:
    label: str
    library: str  # the example the subject is measured beside
    module: str  # import name
    source: Path | None  # file measured (None: the module's own file once found)
    factory: str  # flavor_examples.factories function
    model_argument: str
    spec: Path | None = None
    predict_input: str = "example"  # or "config-frame" (mlflavors' pyfunc input form)


PROBE = """
import json, sys, tempfile, time, importlib, warnings
warnings.simplefilter("ignore")
start = time.perf_counter()
result = {"step": "import"}
try:
    module = importlib.import_module(sys.argv[1])
    from flavor_examples import factories
    import mlflow, mlflow.pyfunc
    import pandas as pd
    model, sample, signature = getattr(factories, sys.argv[2])()
    path = tempfile.mkdtemp() + "/model"
    result["step"] = "save"
    module.save_model(**{sys.argv[3]: model, "path": path})
    result["step"] = "load"
    loaded = mlflow.pyfunc.load_model(path)
    result["step"] = "predict"
    if sys.argv[4] == "config-frame":  # mlflavors' pyfunc input: one row naming X and the method
        sample = pd.DataFrame([{"X": sample.to_numpy().tolist(), "predict_method": "predict"}])
    loaded.predict(sample)
    result["step"] = "done"
except Exception as exc:  # the probe reports any failure as the measured outcome
    message = str(exc).splitlines()[0][:160] if str(exc) else ""
    result["error"] = f"{type(exc).__name__}: {message}"
result["seconds"] = round(time.perf_counter() - start, 2)
print(json.dumps(result))
"""


def subjects(mlflavors_dir: Path | None) -> list[Subject]:
    found: list[Subject] = []
    for name, library, factory, argument in (
        ("pyod", "pyod", "pyod_detector", "pyod_model"),
        ("statsmodels_native", "statsmodels", "statsmodels_ols", "statsmodels_model"),
    ):
        for target, package in (("mlflow", "mlflow_target"), ("standalone", "standalone")):
            found.append(
                Subject(
                    f"generated `{name}` ({target} target)",
                    library,
                    f"flavor_examples.{package}.{name}",
                    GENERATED / package / f"{name}.py",
                    factory,
                    argument,
                    EXAMPLES / f"{name}.yaml",
                )
            )
    if mlflavors_dir is not None:
        found.append(
            Subject(
                "`mlflavors.pyod` 0.1.0 (community, hand-written)",
                "pyod",
                "mlflavors.pyod",
                mlflavors_dir / "mlflavors" / "pyod.py",
                "pyod_detector",
                "pyod_model",
                predict_input="config-frame",
            )
        )
    found.append(
        Subject(
            "`mlflow.statsmodels` (MLflow's own)",
            "statsmodels",
            "mlflow.statsmodels",
            None,
            "statsmodels_ols",
            "statsmodels_model",
        )
    )
    return found


def line_counts(path: Path, comment: str) -> tuple[int, int]:
    """(all lines, lines that are neither blank nor a comment)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return len(lines), sum(1 for s in lines if s.strip() and not s.strip().startswith(comment))


def private_mlflow_imports(source: str) -> list[str]:
    """``mlflow`` imports with a ``_``-prefixed module component or imported name."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "mlflow" and any(p.startswith("_") for p in parts[1:]):
                found.append(name)
    return found


def fetch_mlflavors(directory: Path) -> Path | None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", MLFLAVORS, "-d", directory],
        capture_output=True,
        text=True,
        check=False,
    )
    wheels = sorted(directory.glob("mlflavors-*.whl"))
    if done.returncode != 0 or not wheels:
        sys.stderr.write(f"mlflavors not measured: {done.stderr.strip()[-200:]}\n")
        return None
    return wheels[0]


def probe(subject: Subject, python_path: list[Path]) -> dict[str, object]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([*map(str, python_path), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PROBE,
            subject.module,
            subject.factory,
            subject.model_argument,
            subject.predict_input,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"step": "start", "error": " ".join(done.stderr.strip().splitlines()[-1:])}
    result: dict[str, object] = json.loads(lines[-1])
    return result


def measure(mlflavors_wheel: Path | None) -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as temporary:
        unpacked: Path | None = None
        wheel = mlflavors_wheel or fetch_mlflavors(Path(temporary))
        if wheel is not None:
            unpacked = Path(temporary) / "mlflavors"
            with zipfile.ZipFile(wheel) as archive:
                archive.extractall(unpacked)
        rows = []
        for subject in subjects(unpacked):
            source = subject.source
            if source is None:
                spec = importlib.util.find_spec(subject.module)
                source = Path(spec.origin) if spec and spec.origin else None
            if source is None:
                continue
            row: dict[str, object] = {"subject": subject.label, "library": subject.library}
            if subject.spec is not None:
                row["spec_lines"] = line_counts(subject.spec, "#")
            row["module_lines"] = line_counts(source, "#")
            row["private_mlflow_imports"] = private_mlflow_imports(source.read_text("utf-8"))
            path = [EXAMPLES] + ([unpacked] if unpacked is not None else [])
            row["probe"] = probe(subject, path)
            rows.append(row)
    return rows


def markdown(rows: list[dict[str, object]], mlflow_version: str) -> str:
    out = [
        f"MLflow {mlflow_version}",
        "",
        "| module | spec lines (all / code) | module lines (all / code) "
        "| private MLflow imports | import, save, `mlflow.pyfunc.load_model`, predict |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        spec = row.get("spec_lines")
        spec_text = f"{spec[0]} / {spec[1]}" if isinstance(spec, tuple | list) else "—"
        lines = row["module_lines"]
        assert isinstance(lines, tuple | list)
        private = row["private_mlflow_imports"]
        assert isinstance(private, list)
        outcome = row["probe"]
        assert isinstance(outcome, dict)
        works = (
            "yes"
            if outcome.get("step") == "done"
            else f"**no**, fails at {outcome.get('step')}: {outcome.get('error')}"
        )
        out.append(
            f"| {row['subject']} | {spec_text} | {lines[0]} / {lines[1]} | {len(private)} "
            f"| {works} |"
        )
    shared = sum(
        line_counts(ROOT / "mlmodel_spec" / name, "#")[0]
        for name in SHARED_RUNTIME
        if (ROOT / "mlmodel_spec" / name).is_file()
    )
    out += [
        "",
        f"shared runtime the generated modules call ({', '.join(SHARED_RUNTIME)}): "
        f"{shared} lines, written once for every compiled flavor",
    ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mlflavors-wheel", type=Path, default=None)
    parser.add_argument("--json", type=Path, default=None, help="also write the rows here")
    args = parser.parse_args(argv)
    import mlflow  # the env must have MLflow: its version labels the results

    rows = measure(args.mlflavors_wheel)
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    print(markdown(rows, mlflow.__version__))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
