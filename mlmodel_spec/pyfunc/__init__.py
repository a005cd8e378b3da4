"""The ``python_function`` flavor without MLflow: load any model directory and predict, and
save custom Python models. Mirrors ``mlflow.pyfunc``.

Loading a model executes code from it (loader modules, code directories, pickles, scripts of
models from code): load only models you trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlmodel_spec._flavor import LoggedModel, log_model_to_run
from mlmodel_spec.environment import python_version
from mlmodel_spec.pyfunc.flavor import (
    CODE,
    DATA,
    ENV,
    FLAVOR_NAME,
    MAIN,
    PY_VERSION,
    TASK,
    EnvType,
    add_to_model,
    get_default_conda_env,
    get_default_pip_requirements,
    get_model_dependencies,
)
from mlmodel_spec.pyfunc.loaded_model import PyFuncModel, load_model
from mlmodel_spec.pyfunc.model import PythonModel, PythonModelContext, save_model

PYTHON_VERSION = python_version()


def load_pyfunc(model_uri: str | Path, suppress_warnings: bool = False) -> PyFuncModel:
    """Deprecated alias of :func:`load_model` (as in MLflow)."""
    return load_model(model_uri, suppress_warnings)


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
    "CODE",
    "DATA",
    "ENV",
    "FLAVOR_NAME",
    "MAIN",
    "PYTHON_VERSION",
    "PY_VERSION",
    "TASK",
    "EnvType",
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "add_to_model",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "get_model_dependencies",
    "load_model",
    "load_pyfunc",
    "log_model",
    "save_model",
]
