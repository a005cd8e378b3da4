"""Model directories, both directions: ours load in MLflow; MLflow's load in ours without MLflow."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlmodel_spec.lightgbm
import mlmodel_spec.pyfunc
import mlmodel_spec.sklearn
from mlmodel_spec.demo import seed_classifier
from mlmodel_spec.models import infer_signature

mlflow = pytest.importorskip("mlflow")  # conftest imported mlflow.pyfunc/.sklearn/.lightgbm


# Prepended to scripts run "without MLflow": any import of mlflow fails.
BLOCK_MLFLOW = """
import sys
class _NoMlflow:
    def find_spec(self, name, path=None, target=None):
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError("mlflow is blocked in this process")
        return None
sys.meta_path.insert(0, _NoMlflow())
"""


@contextmanager
def quiet() -> Iterator[None]:
    """MLflow warns freely (integer columns, pickle safety); pytest turns warnings into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def mlflow_version() -> tuple[int, int]:
    major, minor = mlflow.__version__.split(".")[:2]
    return int(major), int(minor)


def run_without_mlflow(script: str, *args: str) -> Any:
    """Run ``script`` in a fresh interpreter where mlflow cannot be imported; it must print
    one JSON document on its last stdout line."""
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", BLOCK_MLFLOW + script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


X, Y = load_iris(return_X_y=True, as_frame=True)
HAS_SKOPS = mlflow_version() >= (3, 9)  # MLflow < 3.9 cannot read or write skops payloads
DEFAULT_FORMAT = "skops" if HAS_SKOPS else "cloudpickle"


class AddConstant(mlmodel_spec.pyfunc.PythonModel):
    def load_context(self, context: Any) -> None:
        self.k = float(Path(context.artifacts["k"]).read_text())

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> Any:
        return model_input.sum(axis=1) + self.k


def _sk_model() -> Any:
    return LogisticRegression(max_iter=300).fit(X, Y)


def _lgbm() -> Any:
    return seed_classifier().fit(X, Y)


def _booster() -> Any:
    params = {"objective": "multiclass", "num_class": 3, "verbose": -1}
    return lgb.train(params, lgb.Dataset(X, Y), 5)


def _save_ours(kind: str, path: Path) -> tuple[Any, Any]:
    """Save one kind of model with our API; return (input data, expected predictions)."""
    if kind.startswith("sklearn-"):
        model = _sk_model()
        mlmodel_spec.sklearn.save_model(
            model, path, serialization_format=kind[8:], input_example=X[:5]
        )
        return X, model.predict(X)
    if kind == "pipeline-numpy":
        data = X.to_numpy()
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(data, Y)
        fmt = DEFAULT_FORMAT
        mlmodel_spec.sklearn.save_model(
            model,
            path,
            serialization_format=fmt,
            signature=infer_signature(data, model.predict(data)),
        )
        return data, model.predict(data)
    if kind == "lgbm-classifier":
        model = _lgbm()
        sig = infer_signature(X, model.predict(X))
        mlmodel_spec.lightgbm.save_model(
            model, path, signature=sig, input_example=X[:5], serialization_format=DEFAULT_FORMAT
        )
        return X, model.predict(X)
    if kind == "booster":
        model = _booster()
        mlmodel_spec.lightgbm.save_model(model, path, input_example=X[:5])
        return X, model.predict(X)
    assert kind == "custom"
    (path.parent / "k.txt").write_text("2.5")
    mlmodel_spec.pyfunc.save_model(
        path,
        python_model=AddConstant(),
        artifacts={"k": str(path.parent / "k.txt")},
        input_example=X[:5],
    )
    return X, X.sum(axis=1) + 2.5


OUR_KINDS = [
    "sklearn-skops",
    "sklearn-cloudpickle",
    "sklearn-pickle",
    "pipeline-numpy",
    "lgbm-classifier",
    "booster",
    "custom",
]


@pytest.mark.parametrize("kind", OUR_KINDS)
def test_our_directory_loads_in_mlflow(tmp_path: Path, kind: str) -> None:
    if kind == "sklearn-skops" and not HAS_SKOPS:
        pytest.skip(f"MLflow {mlflow.__version__} cannot read skops payloads (needs >= 3.9)")
    path = tmp_path / "model"
    data, expected = _save_ours(kind, path)
    with quiet():
        loaded = mlflow.pyfunc.load_model(str(path))
        predicted = loaded.predict(data)
    assert np.allclose(np.asarray(predicted), np.asarray(expected))
    # the signature we wrote is the one MLflow infers for the same data
    doc = yaml.safe_load((path / "MLmodel").read_text())
    with quiet():
        example_in = data[:5] if kind != "pipeline-numpy" else data
        mlflow_sig = mlflow.models.infer_signature(example_in, loaded.predict(example_in))
    assert doc["signature"]["inputs"] == mlflow_sig.to_dict()["inputs"]
    assert loaded.metadata.get_input_schema().to_json() == doc["signature"]["inputs"]
    _assert_validator_passes(path)


def _assert_validator_passes(path: Path) -> None:
    try:
        from mlmodel_spec.conformance.validate import validate_paths
    except ImportError as exc:  # the validator is developed in parallel
        pytest.skip(f"validator not importable: {exc}")
    report = validate_paths([path])
    errors = [
        f
        for target in report.targets
        for f in target.findings
        if str(getattr(f, "severity", "")).lower().endswith("error")
    ]
    assert errors == [], errors


def _mlflow_saves(kind: str, path: Path) -> tuple[Any, Any]:
    if kind.startswith("sklearn-"):
        model = _sk_model()
        with quiet():
            mlflow.sklearn.save_model(
                model, str(path), serialization_format=kind[8:], input_example=X[:5]
            )
        return X, model.predict(X)
    if kind == "lgbm-classifier":
        model = _lgbm()
        with quiet():
            mlflow.lightgbm.save_model(model, str(path), input_example=X[:5])
        return X, model.predict(X)
    if kind == "booster":
        model = _booster()
        with quiet():
            mlflow.lightgbm.save_model(model, str(path), input_example=X[:5])
        return X, model.predict(X)
    assert kind == "custom"

    with quiet():  # MLflow warns about (missing) type hints when the class is created

        class MlflowAdd(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined]  # by value
            # no type hints: MLflow 3 would try to derive a signature from them
            def load_context(self, context):  # type: ignore[no-untyped-def]
                self.k = float(Path(context.artifacts["k"]).read_text())

            def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
                return model_input.sum(axis=1) + self.k

    (path.parent / "k.txt").write_text("2.5")
    with quiet():
        mlflow.pyfunc.save_model(
            str(path),
            python_model=MlflowAdd(),
            artifacts={"k": str(path.parent / "k.txt")},
            input_example=X[:5],
        )
    return X, X.sum(axis=1) + 2.5


_LOAD_WITHOUT_MLFLOW = """
import json, sys
import pandas as pd
import mlmodel_spec.pyfunc
data = pd.read_json(sys.argv[2], orient="split")
model = mlmodel_spec.pyfunc.load_model(sys.argv[1], suppress_warnings=True)
prediction = model.predict(data)
print(json.dumps({"prediction": pd.DataFrame(prediction).to_numpy().tolist(),
                  "mlflow_imported": "mlflow" in sys.modules}))
"""

MLFLOW_KINDS = [
    "sklearn-skops",
    "sklearn-cloudpickle",
    "sklearn-pickle",
    "lgbm-classifier",
    "booster",
    "custom",
]


@pytest.mark.parametrize("kind", MLFLOW_KINDS)
def test_mlflow_directory_loads_without_mlflow(tmp_path: Path, kind: str) -> None:
    if kind == "sklearn-skops" and not HAS_SKOPS:
        pytest.skip(f"MLflow {mlflow.__version__} cannot write skops payloads")
    path = tmp_path / "model"
    data, expected = _mlflow_saves(kind, path)
    with quiet():
        mlflow_prediction = mlflow.pyfunc.load_model(str(path)).predict(data)
    assert np.allclose(np.asarray(mlflow_prediction), np.asarray(expected))
    frame = tmp_path / "data.json"
    frame.write_text(data.to_json(orient="split"))
    result = run_without_mlflow(_LOAD_WITHOUT_MLFLOW, str(path), str(frame))
    assert result["mlflow_imported"] is False
    ours = np.asarray(result["prediction"]).reshape(np.asarray(mlflow_prediction).shape)
    assert np.allclose(ours, np.asarray(mlflow_prediction))


def test_log_model_to_a_run(tracking_uri: str) -> None:
    model = _sk_model()
    with quiet(), mlflow.start_run():
        info = mlmodel_spec.sklearn.log_model(
            model, name="model", serialization_format=DEFAULT_FORMAT
        )
    with quiet():
        loaded = mlflow.pyfunc.load_model(info.model_uri)
        predicted = loaded.predict(X)
    assert np.array_equal(predicted, model.predict(X))
    assert loaded.metadata.run_id == info.run_id


def test_a_type_hinted_mlflow_model_loads_without_mlflow(tmp_path: Path) -> None:
    """MLflow (2.20+) wraps a type-hinted predict in a closure of its own module; the pickle
    names MLflow functions that mlmodel_spec.pyfunc.mlflow_compat stands in for."""
    with quiet():

        class Upper(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined]  # by value
            def predict(self, model_input: list[str], params: Any = None) -> list[str]:
                return [text.upper() for text in model_input]

        path = tmp_path / "model"
        mlflow.pyfunc.save_model(str(path), python_model=Upper(), input_example=["a", "b"])
    data = pd.DataFrame({"text": ["a", "b"]})
    with quiet():
        mlflow_prediction = mlflow.pyfunc.load_model(str(path)).predict(data)
    assert list(mlflow_prediction) == ["A", "B"]
    frame = tmp_path / "data.json"
    frame.write_text(data.to_json(orient="split"))
    result = run_without_mlflow(_LOAD_WITHOUT_MLFLOW, str(path), str(frame))
    assert result == {"prediction": [["A"], ["B"]], "mlflow_imported": False}
