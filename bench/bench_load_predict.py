"""Cold ``load_model + predict`` benchmark: mlmodel-spec vs MLflow vs the floor.

The floor is a bare script that loads the same payload with the library directly
(``skops.io.load``) and predicts. Every measurement is a fresh interpreter process (so imports
count), timed end to end, with bytecode caching enabled as users have it
(``PYTHONDONTWRITEBYTECODE`` is removed) and one warm-up run first.

    python bench/bench_load_predict.py [--repeat 7] [--mlflow-python /path/to/python]

MLflow's timing needs an interpreter with mlflow installed (default: this one; `tox -e bench`
runs both benchmarks in one environment that has mlflow, scikit-learn, lightgbm and skops).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = """
import sys, pandas as pd, skops.io
data = pd.read_json(sys.argv[1] + "/input_example.json", orient="split")
model = skops.io.load(sys.argv[1] + "/" + sys.argv[2], trusted={trusted})
model.predict(data)
"""
OURS = """
import sys, pandas as pd, mlmodel_spec.pyfunc
data = pd.read_json(sys.argv[1] + "/input_example.json", orient="split")
mlmodel_spec.pyfunc.load_model(sys.argv[1]).predict(data)
"""
MLFLOW = """
import sys, pandas as pd, mlflow.pyfunc
data = pd.read_json(sys.argv[1] + "/input_example.json", orient="split")
mlflow.pyfunc.load_model(sys.argv[1]).predict(data)
"""


def build_models(root: Path) -> dict[str, tuple[Path, str, list[str] | None]]:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    import mlmodel_spec.lightgbm
    import mlmodel_spec.sklearn
    from mlmodel_spec.demo import seed_classifier
    from mlmodel_spec.lightgbm import SKOPS_TRUSTED_TYPES

    x, y = load_iris(return_X_y=True, as_frame=True)
    sk = LogisticRegression(max_iter=300).fit(x, y)
    mlmodel_spec.sklearn.save_model(sk, root / "sklearn", input_example=x[:5])
    clf = seed_classifier().fit(x, y)
    mlmodel_spec.lightgbm.save_model(clf, root / "lightgbm", input_example=x[:5])
    return {
        "sklearn (skops LogisticRegression)": (root / "sklearn", "model.skops", None),
        "lightgbm (skops LGBMClassifier)": (
            root / "lightgbm",
            "model.skops",
            sorted(SKOPS_TRUSTED_TYPES),
        ),
    }


def time_scripts(runs: dict[str, tuple[str, str, list[str]]], repeat: int) -> dict[str, float]:
    """Median wall time per run; runs are interleaved round-robin so load drifts hit all."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONWARNINGS"] = "ignore"
    commands = {
        name: [python, "-c", script, *args] for name, (python, script, args) in runs.items()
    }
    for command in commands.values():  # warm-up: writes bytecode caches
        subprocess.run(command, env=env, check=True, capture_output=True)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--python", default=sys.executable, help="interpreter for ours and floor")
    parser.add_argument(
        "--mlflow-python",
        default=sys.executable,
        help="interpreter with mlflow installed (default: this one, as in `tox -e bench`)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        models = build_models(Path(tmp))
        print(f"cold load_model + predict, median of {args.repeat} fresh processes (seconds)")
        print(f"{'model':38} {'floor':>7} {'ours':>7} {'mlflow':>7} {'ours/floor':>10}")
        for name, (path, payload, trusted) in models.items():
            runs = {
                "floor": (args.python, FLOOR.format(trusted=trusted), [str(path), payload]),
                "ours": (args.python, OURS, [str(path)]),
            }
            if Path(args.mlflow_python).exists():
                runs["mlflow"] = (args.mlflow_python, MLFLOW, [str(path)])
            medians = time_scripts(runs, args.repeat)
            mlflow = f"{medians['mlflow']:7.2f}" if "mlflow" in medians else "    n/a"
            print(
                f"{name:38} {medians['floor']:7.2f} {medians['ours']:7.2f} {mlflow} "
                f"{medians['ours'] / medians['floor']:10.2f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
