"""``mlmodel-spec check`` benchmark: 200 model directories, and one model cold.

1. ``mlmodel-spec check --jobs 2 DIR`` on 200 small model directories (half sklearn skops
   LogisticRegression, half LightGBM Booster), isolation on (every model in a child forked
   from the warm fork server), against the floor: a bare script that, in one warm process,
   loads and predicts the same models with the libraries directly (``skops.io.load``,
   ``lightgbm.Booster``) on their ``input_example.json``. Goal: at most 1.5 x the floor.
2. Cold single-model ``mlmodel-spec check DIR`` against cold
   ``mlflow.pyfunc.load_model(DIR).predict(example)`` run by ``--mlflow-python`` (an
   interpreter with MLflow, e.g. an interop tox env's; without it the anchor is not
   measured and the output says so), on the same directory in the same run.

Every measurement is a fresh interpreter process timed end to end (imports count), medians
of ``--repeat`` rounds after one warm-up round, the commands interleaved round by round,
PYTHONDONTWRITEBYTECODE unset. The load averages
before and after are printed: the machine is shared, and a busy one slows both sides.

    python bench/bench_check.py [--models 200] [--repeat 3] [--mlflow-python PYTHON]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = """
import os, sys
import lightgbm as lgb, pandas as pd, skops.io
root = sys.argv[1]
for name in sorted(os.listdir(root)):
    d = os.path.join(root, name)
    data = pd.read_json(os.path.join(d, "input_example.json"), orient="split")
    if os.path.exists(os.path.join(d, "model.lgb")):
        model = lgb.Booster(model_file=os.path.join(d, "model.lgb"))
    else:
        model = skops.io.load(os.path.join(d, "model.skops"), trusted=skops.io.get_untrusted_types(
            file=os.path.join(d, "model.skops")))
    model.predict(data)
"""
MLFLOW = """
import sys, pandas as pd, mlflow.pyfunc
data = pd.read_json(sys.argv[1] + "/input_example.json", orient="split")
mlflow.pyfunc.load_model(sys.argv[1]).predict(data)
"""


def build_models(root: Path, count: int) -> None:
    import lightgbm as lgb
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import mlmodel_spec.lightgbm
    import mlmodel_spec.sklearn
    from mlmodel_spec.models import infer_signature

    x, y = load_iris(return_X_y=True, as_frame=True)
    x.columns = [c.replace(" (cm)", "").replace(" ", "_") for c in x.columns]
    sk = LogisticRegression(max_iter=300).fit(x, y)
    booster = lgb.train(
        {"objective": "regression", "verbose": -1, "num_threads": 1},
        lgb.Dataset(x, label=y.astype(float)),
        num_boost_round=10,
    )
    first = {"sk": root / "template-sk", "lgb": root / "template-lgb"}
    mlmodel_spec.sklearn.save_model(
        sk, first["sk"], signature=infer_signature(x, sk.predict(x)), input_example=x[:5]
    )
    mlmodel_spec.lightgbm.save_model(
        booster, first["lgb"], signature=infer_signature(x, booster.predict(x)), input_example=x[:5]
    )
    models = root / "models"
    models.mkdir()
    for index in range(count):
        kind = "sk" if index % 2 == 0 else "lgb"
        shutil.copytree(first[kind], models / f"{kind}-{index:04d}")


def _run(argv: list[str]) -> float:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    started = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv[:4])}... failed ({done.returncode}):\n"
            + done.stdout[-2000:]
            + done.stderr[-2000:]
        )
    return elapsed


def timed(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Median seconds of each command, run round by round (the commands interleaved, so a
    change in machine load hits them alike); the first round warms the caches, untimed."""
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for attempt in range(repeat + 1):
        for name, argv in commands.items():
            elapsed = _run(argv)
            if attempt:
                runs[name].append(elapsed)
    return {name: statistics.median(values) for name, values in runs.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument(
        "--mlflow-python", help="a Python with MLflow installed, for the cold MLflow anchor"
    )
    args = parser.parse_args()
    cli = shutil.which("mlmodel-spec") or "mlmodel-spec"
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-check-") as tmp:
        root = Path(tmp)
        build_models(root, args.models)
        models = str(root / "models")
        one = str(root / "template-sk")
        commands = {
            "floor": [sys.executable, "-c", FLOOR, models],
            "ours": [cli, "check", "--jobs", str(args.jobs), models],
            "static": [cli, "check", "--static-only", "--jobs", str(args.jobs), models],
            "cold": [cli, "check", one],
        }
        if args.mlflow_python is not None:
            commands["mlflow"] = [args.mlflow_python, "-c", MLFLOW, one]
        median = timed(commands, args.repeat)
        floor, ours = median["floor"], median["ours"]
        print(f"{args.models} models, floor (one warm process, libraries directly): {floor:.2f} s")
        print(
            f"  mlmodel-spec check --jobs {args.jobs}: {ours:.2f} s = {ours / floor:.2f} x floor"
            f" (goal <= 1.5)"
        )
        print(f"  mlmodel-spec check --static-only --jobs {args.jobs}: {median['static']:.2f} s")
        cold = median["cold"]
        print(f"1 model cold: mlmodel-spec check {cold:.2f} s", end="")
        if args.mlflow_python is None:
            print("; MLflow not measured (give --mlflow-python)")
        else:
            mlflow = median["mlflow"]
            print(
                f"; mlflow.pyfunc.load_model + predict {mlflow:.2f} s ({cold / mlflow:.2f} x)"
                f" [{_mlflow_version(args.mlflow_python)}]"
            )
    print(f"load average after: {_load()}")
    return 0


def _load() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def _mlflow_version(python: str) -> str:
    done = subprocess.run(
        [python, "-c", "import mlflow; print(mlflow.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    return f"MLflow {done.stdout.strip()}"


if __name__ == "__main__":
    sys.exit(main())
