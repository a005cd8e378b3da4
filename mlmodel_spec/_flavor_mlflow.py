"""What a generated ``--target mlflow`` flavor module needs beyond MLflow's public API.

Such a module is a real MLflow custom flavor: it writes MLflow's own ``Model`` (so
``mlflow_version``, ``utc_time_created``, ``model_uuid``, ``run_id`` and ``model_id`` are
MLflow's), logs through ``mlflow.models.Model.log`` and reads ``runs:/``/``models:/`` URIs
through ``mlflow.artifacts.download_artifacts``. Everything MLflow keeps private (environment
files, the payload strategies, the atomic directory) comes from mlmodel_spec's runtime, so
the module imports no ``mlflow.utils`` helper that moves between releases.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from types import ModuleType
from typing import Any

from mlmodel_spec._flavor import SaveRequest, model_directory
from mlmodel_spec._flavor_compiled import (
    FlavorDefinition,
    FlavorModelWrapper,
    SaveOptions,
    save,
)
from mlmodel_spec.types.errors import MlmodelSpecError


def _mlflow_signature(signature: Any) -> Any:
    from mlflow.models import ModelSignature

    if isinstance(signature, ModelSignature):
        return signature
    if hasattr(signature, "to_dict") and hasattr(signature, "inputs"):
        return ModelSignature.from_dict(signature.to_dict())
    raise MlmodelSpecError(
        f"signature must be a ModelSignature, None or False, got {type(signature).__name__}"
    )


def save_with_mlflow(
    definition: FlavorDefinition,
    model: Any,
    request: SaveRequest,
    options: SaveOptions,
    wrapper: type[FlavorModelWrapper],
) -> None:
    """Save through the shared pipeline into MLflow's own ``Model`` object."""
    from mlflow.models import Model

    if request.mlflow_model is None:
        request.mlflow_model = Model()
    request.adapt_signature = _mlflow_signature
    extra = ("mlflow",)  # pinned to the installed version, as MLflow pins itself
    with_mlflow = FlavorDefinition(
        **{
            **definition.__dict__,
            "optional_requirements": (*definition.optional_requirements, *extra),
        }
    )
    save(with_mlflow, model, request, options, wrapper)


def log_with_mlflow(
    module: ModuleType, model: Any, name: str | None, artifact_path: str | None, **kwargs: Any
) -> Any:
    """``mlflow.models.Model.log`` with this module as the flavor (MLflow 2.x: ``artifact_path``,
    3.x: ``name``); returns MLflow's ``ModelInfo``."""
    from mlflow.models import Model

    where = name or artifact_path or "model"
    if "name" in inspect.signature(Model.log).parameters:
        return Model.log(
            artifact_path=None, name=where, flavor=module, **{_model_kwarg(module): model}, **kwargs
        )
    return Model.log(artifact_path=where, flavor=module, **{_model_kwarg(module): model}, **kwargs)


def _model_kwarg(module: ModuleType) -> str:
    return next(iter(inspect.signature(module.save_model).parameters))


def local_model_path(model_uri: str | Path, dst_path: str | None = None) -> Path:
    """A local directory for any URI MLflow understands (``runs:/``, ``models:/``, ...)."""
    text = str(model_uri)
    if "://" not in text and not text.startswith(("runs:/", "models:/")):
        return model_directory(text)
    from mlflow.artifacts import download_artifacts

    return Path(download_artifacts(artifact_uri=text, dst_path=dst_path))
