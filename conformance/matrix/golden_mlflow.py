"""MLflow's own models of the golden cases (imported only where MLflow is installed)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.lightgbm
import mlflow.pyfunc
import mlflow.sklearn
from mlflow.models import infer_signature

from . import data
from .golden import (
    Case,
    CaseUnsupported,
    case_input,
    case_params,
    lgb_booster,
    lgb_classifier,
    logistic_regression,
    pipeline,
    weights_file,
)
from .models import linear_score, read_weights


class MlflowArtifactLinearModel(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
    """The same model as :class:`.models.ArtifactLinearModel`, on MLflow's base class."""

    weights: dict[str, float]

    def load_context(self, context: Any) -> None:
        self.weights = read_weights(context.artifacts["weights"])

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        scale = float((params or {}).get("scale", 1.0))
        return linear_score(model_input, self.weights, scale)


def _formats() -> set[str]:
    return set(
        getattr(mlflow.sklearn, "SUPPORTED_SERIALIZATION_FORMATS", ("pickle", "cloudpickle"))
    )


def save(case: Case, path: Path, scratch: Path) -> None:
    if case.name.startswith("sk-") and case.name != "sk-pipeline":
        fmt = case.name.removeprefix("sk-")
        if fmt not in _formats():
            raise CaseUnsupported(f"mlflow {mlflow.__version__} cannot write {fmt}")
        mlflow.sklearn.save_model(
            logistic_regression(),
            str(path),
            serialization_format=fmt,
            pyfunc_predict_fn="predict_proba",
        )
    elif case.name == "sk-pipeline":
        mlflow.sklearn.save_model(
            pipeline(),
            str(path),
            serialization_format="cloudpickle",
            pyfunc_predict_fn="predict_proba",
        )
    elif case.name == "lgb-classifier":
        mlflow.lightgbm.save_model(lgb_classifier(), str(path))
    elif case.name == "lgb-booster":
        mlflow.lightgbm.save_model(lgb_booster(), str(path))
    else:
        model = MlflowArtifactLinearModel()
        artifacts = {"weights": weights_file(scratch)}
        if not case.with_params:
            mlflow.pyfunc.save_model(str(path), python_model=model, artifacts=artifacts)
            return
        example = case_input(case).head(3)
        signature = infer_signature(
            example, linear_score(example, data.WEIGHTS), params={"scale": 1.0}
        )
        mlflow.pyfunc.save_model(
            str(path),
            python_model=model,
            artifacts=artifacts,
            signature=signature,
            input_example=example,
        )


def predict(case: Case, path: Path) -> Any:
    model = mlflow.pyfunc.load_model(str(path))
    params = case_params(case)
    return (
        model.predict(case_input(case), params=params)
        if params
        else model.predict(case_input(case))
    )
