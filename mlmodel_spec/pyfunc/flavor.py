"""The ``python_function`` flavor block and environment helpers of ``mlflow.pyfunc``:
key names, :func:`add_to_model`, default requirements and :func:`get_model_dependencies`."""

from __future__ import annotations

import copy
import tempfile
import warnings
from pathlib import Path
from typing import Any

import yaml

from mlmodel_spec import environment
from mlmodel_spec.models.model import MODEL_CODE_PATH, MODEL_CONFIG, Model
from mlmodel_spec.types.errors import RESOURCE_DOES_NOT_EXIST, MlmodelSpecError, MlmodelSpecWarning

FLAVOR_NAME = "python_function"
MAIN = "loader_module"
CODE = "code"
DATA = "data"
ENV = "env"
TASK = "task"
PY_VERSION = "python_version"


class EnvType:
    """Keys of the flavor's ``env`` block."""

    CONDA = "conda"
    VIRTUALENV = "virtualenv"

    def __init__(self) -> None:
        raise NotImplementedError("EnvType only holds constants; it is not instantiated")


def add_to_model(  # noqa: PLR0917 - mirrors mlflow.pyfunc.add_to_model
    model: Model,
    loader_module: str,
    data: str | None = None,
    code: str | None = None,
    conda_env: str | None = None,
    python_env: str | None = None,
    model_config: dict[str, Any] | None = None,
    model_code_path: str | None = None,
    **kwargs: Any,
) -> Model:
    """Add a ``python_function`` block to ``model`` (paths relative to the model directory)."""
    if not isinstance(model, Model):
        raise MlmodelSpecError(f"model must be a Model, got {type(model).__name__}")
    params = copy.deepcopy(kwargs)
    params[MAIN] = loader_module
    params[PY_VERSION] = environment.python_version()
    if code:
        params[CODE] = code
    if data:
        params[DATA] = data
    if conda_env or python_env:
        params[ENV] = {}
        if conda_env:
            params[ENV][EnvType.CONDA] = conda_env
        if python_env:
            params[ENV][EnvType.VIRTUALENV] = python_env
    if model_config:
        params[MODEL_CONFIG] = model_config
    if model_code_path:
        params[MODEL_CODE_PATH] = model_code_path
    return model.add_flavor(FLAVOR_NAME, **params)


def get_default_pip_requirements() -> list[str]:
    """The requirements of a custom (PythonModel) model, pinned to the installed versions.

    MLflow lists ``cloudpickle``; the pickled class derives from ours, so loading it also
    needs ``mlmodel-spec``."""
    return environment.pinned_requirements(("cloudpickle", "mlmodel-spec"))


def get_default_conda_env() -> dict[str, Any]:
    """The conda environment written for a custom model with the default requirements."""
    return environment.conda_env_for(get_default_pip_requirements())


def get_model_dependencies(model_uri: str | Path, format: str = "pip") -> str:
    """The path of the model's ``requirements.txt`` (``format="pip"``), or of its
    ``conda.yaml`` (``format="conda"``). Without a requirements.txt, the pip section of
    conda.yaml is written to a temporary requirements file, as MLflow does."""
    from mlmodel_spec._flavor import model_directory

    if format not in ("pip", "conda"):
        raise MlmodelSpecError(f'format must be "pip" or "conda", got {format!r}')
    directory = model_directory(model_uri)
    conf = Model.load(directory).get_flavor(FLAVOR_NAME)
    env = conf.get(ENV)
    conda_name = env if isinstance(env, str) else (env or {}).get(EnvType.CONDA)
    conda_path = directory / str(conda_name or environment.CONDA_ENV_FILE_NAME)
    if format == "conda":
        return str(conda_path)
    requirements = directory / environment.REQUIREMENTS_FILE_NAME
    if requirements.is_file():
        return str(requirements)
    try:
        deps = (yaml.safe_load(conda_path.read_text(encoding="utf-8")) or {}).get("dependencies")
    except (OSError, yaml.YAMLError) as exc:
        raise MlmodelSpecError(
            f"Cannot read {conda_path}: {exc}", RESOURCE_DOES_NOT_EXIST
        ) from None
    pip = [d["pip"] for d in deps or [] if isinstance(d, dict) and isinstance(d.get("pip"), list)]
    if not pip:
        raise MlmodelSpecError(
            "No pip section found in conda.yaml file in the model directory.",
            RESOURCE_DOES_NOT_EXIST,
        )
    others = [str(d) for d in deps or [] if not isinstance(d, dict)]
    if others:
        warnings.warn(
            f"Conda dependencies excluded from the pip requirements: {', '.join(others)}",
            MlmodelSpecWarning,
            stacklevel=2,
        )
    out = Path(tempfile.mkdtemp()) / environment.REQUIREMENTS_FILE_NAME
    out.write_text("\n".join(str(x) for x in pip[0]) + "\n", encoding="utf-8")
    return str(out)
