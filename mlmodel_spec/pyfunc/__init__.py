"""The ``python_function`` flavor without MLflow: load any model directory and predict, and
save custom Python models. Mirrors ``mlflow.pyfunc``.

Loading a model executes code from it (loader modules, code directories, pickles): load only
models you trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlmodel_spec._flavor import LoggedModel, log_model_to_run
from mlmodel_spec.pyfunc.loaded_model import FLAVOR_NAME, PyFuncModel, load_model
from mlmodel_spec.pyfunc.model import PythonModel, PythonModelContext, save_model


def log_model(
    name: str | None = None,
    python_model: Any = None,
    artifact_path: str | None = None,
    **kwargs: Any,
) -> LoggedModel:
    """Save a custom model and log it to the active MLflow run (needs mlflow installed)."""

    def save(path: Path, model: Any) -> None:
        save_model(path, python_model=python_model, mlflow_model=model, **kwargs)

    return log_model_to_run(name, artifact_path, save)


__all__ = [
    "FLAVOR_NAME",
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "load_model",
    "log_model",
    "save_model",
]
