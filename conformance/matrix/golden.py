"""The golden cases: what every matrix environment writes, and its manifest.

``write_golden(matrix_dir, env_name)`` saves each case with mlmodel-spec's runtime into
``<matrix dir>/golden/<env>/<case>/`` (and, where MLflow is installed, MLflow's own model of
the same case as ``mlflow-<case>``), predicts on the fixed inputs of :mod:`.data`, and
writes ``manifest.json``: the environment (Python, every library version), and for each
case its files' sha256 and the predictions. The directory appears atomically (built beside
it, then renamed); an existing one is kept unless ``force``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from . import data

MANIFEST = "manifest.json"
MLFLOW_PREFIX = "mlflow-"
TRACKED_DISTRIBUTIONS = (
    "cloudpickle",
    "joblib",
    "lightgbm",
    "mlflow",
    "mlflow-skinny",
    "mlmodel-spec",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "skops",
)


class CaseUnsupported(Exception):
    """This writer cannot write this case (e.g. skops before MLflow 3.9)."""


@dataclass(frozen=True)
class Case:
    name: str
    description: str
    input_kind: str  # "frame" (pandas, named columns) or "array" (numpy)
    with_params: bool = False


CASES = (
    Case("sk-pickle", "LogisticRegression, pickle, pyfunc predict_proba", "frame"),
    Case("sk-cloudpickle", "LogisticRegression, cloudpickle, pyfunc predict_proba", "frame"),
    Case("sk-skops", "LogisticRegression, skops, pyfunc predict_proba", "frame"),
    Case("sk-pipeline", "StandardScaler + LogisticRegression pipeline on numpy", "array"),
    Case("lgb-classifier", "LGBMClassifier (scikit-learn API)", "frame"),
    Case("lgb-booster", "LightGBM Booster, regression", "frame"),
    Case("pyfunc-artifact", "custom PythonModel reading a JSON artifact", "frame"),
    Case(
        "signature-example-params",
        "custom PythonModel with signature, input example and a params schema",
        "frame",
        with_params=True,
    ),
)
CASES_BY_NAME = {case.name: case for case in CASES}


def case_input(case: Case) -> Any:
    x = data.predict_array()
    return x if case.input_kind == "array" else data.frame(x)


def case_params(case: Case) -> dict[str, Any] | None:
    return dict(data.PARAMS) if case.with_params else None


# ------------------------------------------------------------------------- the fitted models


def logistic_regression() -> Any:
    from sklearn.linear_model import LogisticRegression

    x, y = data.train_array()
    return LogisticRegression(max_iter=500).fit(data.frame(x), y)


def pipeline() -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = data.train_array()
    steps = [("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=500))]
    return Pipeline(steps).fit(x, y)


def lgb_classifier() -> Any:
    import lightgbm as lgb

    x, y = data.train_array()
    model = lgb.LGBMClassifier(n_estimators=15, num_leaves=4, min_child_samples=3, verbose=-1)
    return model.fit(data.frame(x), y)


def lgb_booster() -> Any:
    import lightgbm as lgb

    x, _ = data.train_array()
    target = x[:, 0] * 2.0 - x[:, 3]
    params = {"objective": "regression", "num_leaves": 4, "min_data_in_leaf": 3, "verbose": -1}
    return lgb.train(params, lgb.Dataset(data.frame(x), label=target), num_boost_round=15)


def weights_file(directory: Path) -> str:
    path = directory / "weights.json"
    path.write_text(json.dumps(data.WEIGHTS, sort_keys=True), encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------------- our writer


def save_ours(case: Case, path: Path, scratch: Path) -> None:
    import mlmodel_spec.lightgbm
    import mlmodel_spec.pyfunc
    import mlmodel_spec.sklearn
    from mlmodel_spec.models import infer_signature

    from .models import ArtifactLinearModel

    if case.name.startswith("sk-") and case.name != "sk-pipeline":
        fmt = case.name.removeprefix("sk-")
        mlmodel_spec.sklearn.save_model(
            logistic_regression(), path, serialization_format=fmt, pyfunc_predict_fn="predict_proba"
        )
    elif case.name == "sk-pipeline":
        mlmodel_spec.sklearn.save_model(
            pipeline(), path, serialization_format="cloudpickle", pyfunc_predict_fn="predict_proba"
        )
    elif case.name == "lgb-classifier":
        mlmodel_spec.lightgbm.save_model(lgb_classifier(), path)
    elif case.name == "lgb-booster":
        mlmodel_spec.lightgbm.save_model(lgb_booster(), path)
    else:
        model = ArtifactLinearModel()
        artifacts = {"weights": weights_file(scratch)}
        if not case.with_params:
            mlmodel_spec.pyfunc.save_model(path, python_model=model, artifacts=artifacts)
            return
        example = case_input(case).head(3)
        model.weights = data.WEIGHTS
        signature = infer_signature(example, model.predict(None, example), params={"scale": 1.0})
        mlmodel_spec.pyfunc.save_model(
            path,
            python_model=model,
            artifacts=artifacts,
            signature=signature,
            input_example=example,
        )


def predict_ours(case: Case, path: Path) -> Any:
    import mlmodel_spec.pyfunc

    model = mlmodel_spec.pyfunc.load_model(path, suppress_warnings=True)
    params = case_params(case)
    return (
        model.predict(case_input(case), params=params)
        if params
        else model.predict(case_input(case))
    )


# ------------------------------------------------------------------------- the manifest


def installed_versions() -> dict[str, str]:
    found = {}
    for name in TRACKED_DISTRIBUTIONS:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


def environment_record(env_name: str) -> dict[str, Any]:
    return {"name": env_name, "python": platform.python_version(), "packages": installed_versions()}


def file_hashes(directory: Path) -> dict[str, str]:
    hashes = {}
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for name in sorted(files):
            path = Path(root) / name
            hashes[path.relative_to(directory).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return hashes


def as_floats(prediction: Any) -> list[float]:
    """A prediction (array, Series, DataFrame, list) flattened to floats."""
    import numpy as np

    values = getattr(prediction, "to_numpy", None)
    array = np.asarray(values() if callable(values) else prediction, dtype="float64")
    return [float(v) for v in array.ravel()]


Saver = Callable[[Case, Path, Path], None]
Predictor = Callable[[Case, Path], Any]


def _record(case: Case, writer: str, directory: Path, save: Saver, predict: Predictor) -> Any:
    entry: dict[str, Any] = {"case": case.name, "writer": writer, "description": case.description}
    with tempfile.TemporaryDirectory(prefix="golden-scratch-") as scratch:
        try:
            save(case, directory, Path(scratch))
        except CaseUnsupported as why:
            entry["unsupported"] = str(why)
            return entry
        except Exception as exc:  # the writer's own failure is a finding of the matrix
            entry["write_error"] = f"{type(exc).__name__}: {first_line(_no_paths(exc, directory))}"
            return entry
    entry["files"] = file_hashes(directory)
    try:
        entry["predictions"] = as_floats(predict(case, directory))
    except Exception as exc:  # written but not loadable where it was written
        entry["write_error"] = f"predict: {type(exc).__name__}: {first_line(str(exc))}"
    return entry


def _no_paths(exc: Exception, directory: Path) -> str:
    """The message with the model's (or its temporary sibling's) path as ``<model dir>``,
    so the same failure reads the same in every environment."""
    pattern = re.escape(str(directory.parent)) + r"/[^/\s]+"
    return re.sub(pattern, "<model dir>", str(exc))


def first_line(text: str, limit: int = 300) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line[:limit]


def write_golden(matrix_dir: Path, env_name: str, *, force: bool = False) -> Path | None:
    """Write every case into ``<matrix dir>/golden/<env>/``; ``None`` if it exists already."""
    target = matrix_dir / "golden" / env_name
    if (target / MANIFEST).is_file() and not force:
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{env_name}.", dir=target.parent))
    try:
        cases: dict[str, Any] = {}
        writers: list[tuple[str, str, Saver, Predictor]] = [
            ("", "mlmodel-spec", save_ours, predict_ours)
        ]
        if mlflow_installed():
            from . import golden_mlflow

            writers.append((MLFLOW_PREFIX, "mlflow", golden_mlflow.save, golden_mlflow.predict))
        for prefix, writer, save, predict in writers:
            for case in CASES:
                key = prefix + case.name
                cases[key] = _record(case, writer, staging / key, save, predict)
        manifest = {"version": 1, "environment": environment_record(env_name), "cases": cases}
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target


def mlflow_installed() -> bool:
    import importlib.util

    return importlib.util.find_spec("mlflow") is not None
