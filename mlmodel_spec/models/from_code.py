"""Models from code: a script that builds the model and calls :func:`set_model`, and
:class:`ModelConfig`, the configuration such a script reads.

``mlmodel_spec.pyfunc.save_model(path, python_model="model.py")`` copies the script into the
model directory and records it as ``model_code_path``, as MLflow does; loading runs the script
again (**it executes code**: trusted models only). When MLflow is imported in the same process,
:func:`set_model` also sets MLflow's slot, so MLflow can load such a model too.
"""

from __future__ import annotations

import importlib.util
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from mlmodel_spec.types.errors import MlmodelSpecError, ModelFormatError

SET_MODEL_ERROR = (
    "Model should either be an instance of PyFuncModel, Langchain type, or LlamaIndex index."
)
_state: dict[str, Any] = {"model": None, "config": None}


def set_model(model: Any) -> None:
    """Declare the model a models-from-code script builds: a PythonModel or a callable."""
    from mlmodel_spec.pyfunc.model import PythonModel

    if isinstance(model, str) or not (isinstance(model, PythonModel) or callable(model)):
        raise MlmodelSpecError(
            f"{SET_MODEL_ERROR} (here: a PythonModel instance or a callable; got "
            f"{type(model).__name__})"
        )
    _state["model"] = model
    _set_mlflow_slot(model)  # a script run by MLflow's loader


@contextmanager
def _config(model_config: Any) -> Iterator[None]:
    previous = _state["config"]
    _state["config"] = model_config
    try:
        yield
    finally:
        _state["config"] = previous


def load_model_from_code(code_path: str | Path, model_config: Any = None) -> Any:
    """Run a models-from-code script and return what it passed to :func:`set_model`."""
    path = Path(code_path)
    if not path.is_file():
        raise ModelFormatError(f"The model code file {path} does not exist")
    name = f"code_model_{uuid.uuid4().hex}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ModelFormatError(f"Cannot import the model code file {path}")
    module = importlib.util.module_from_spec(spec)
    _state["model"] = None
    _set_mlflow_slot(None)
    with _config(model_config):
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's script may raise anything: report it as ours
            raise ModelFormatError(f"Failed to run the model code {path}: {exc!r}") from exc
        finally:
            sys.modules.pop(name, None)
    model, _state["model"] = _state["model"], None
    if model is None:  # a script written for MLflow calls mlflow.models.set_model
        model = _set_mlflow_slot(None)
    if model is None:
        raise ModelFormatError(
            f"The model code {path} did not call mlmodel_spec.models.set_model(model) "
            "(or mlflow.models.set_model)"
        )
    return model


def _set_mlflow_slot(value: Any) -> Any:
    """Set the slot ``mlflow.models.set_model`` fills, where MLflow is imported; return what
    it held."""
    mlflow_model_module = sys.modules.get("mlflow.models.model")
    if mlflow_model_module is None:
        return None
    previous = getattr(mlflow_model_module, "__mlflow_model__", None)
    mlflow_model_module.__mlflow_model__ = value  # type: ignore[attr-defined]
    return previous


class ModelConfig:
    """The configuration of a models-from-code model: the ``model_config`` given when saving
    (a dict or a YAML file path), else ``development_config``."""

    def __init__(self, *, development_config: str | Path | dict[str, Any] | None = None) -> None:
        config = _state["config"]
        self.config: Any = config if config is not None else development_config
        if not self.config:
            raise FileNotFoundError(
                "Config file is not provided which is needed to load the model. "
                "Please provide a valid path."
            )
        if not isinstance(self.config, dict) and not Path(self.config).is_file():
            raise FileNotFoundError(f"Config file '{self.config}' not found.")

    def _read(self) -> Any:
        if isinstance(self.config, dict):
            return self.config
        try:
            return yaml.safe_load(Path(self.config).read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise MlmodelSpecError(f"Error parsing YAML file {self.config}: {exc}") from None

    def to_dict(self) -> Any:
        """The configuration as a dict."""
        return self._read()

    def get(self, key: str) -> Any:
        """A top-level value of the configuration (KeyError if absent)."""
        data = self._read()
        if data and key in data:
            return data[key]
        raise KeyError(f"Key '{key}' not found in configuration: {data}.")
