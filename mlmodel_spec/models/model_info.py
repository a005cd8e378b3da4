""":class:`ModelInfo` (what MLflow's ``log_model`` and ``get_model_info`` return) and
``get_model_info`` for a local model directory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlmodel_spec.models.model import Model
    from mlmodel_spec.models.signature import ModelSignature


def model_uri_of(model: Model) -> str:
    """The URI MLflow would give the model: ``models:/<id>`` (3.x) or ``runs:/<run>/<path>``."""
    if model.model_id:
        return f"models:/{model.model_id}"
    return f"runs:/{model.run_id}/{model.artifact_path}"


class ModelInfo:
    """Metadata of a model (MLflow ``ModelInfo``). Tracking fields (``metrics``, ``params``,
    ``tags``, ``name``, ``creation_timestamp``) come from MLflow's ``logged_model`` entity
    and are None without one."""

    def __init__(  # noqa: PLR0917 - mirrors mlflow.models.model.ModelInfo
        self,
        artifact_path: str | None,
        flavors: dict[str, Any],
        model_uri: str,
        model_uuid: str | None,
        run_id: str | None,
        saved_input_example_info: dict[str, Any] | None,
        signature: ModelSignature | None,
        utc_time_created: str | None,
        mlflow_version: str | None,
        metadata: dict[str, Any] | None = None,
        registered_model_version: int | None = None,
        env_vars: list[str] | None = None,
        prompts: list[str] | None = None,
        logged_model: Any = None,
        *,
        signature_dict: dict[str, Any] | None = None,
    ) -> None:
        self._artifact_path = artifact_path
        self._flavors = flavors
        self._model_uri = model_uri
        self._model_uuid = model_uuid
        self._run_id = run_id
        self._saved_input_example_info = saved_input_example_info
        if signature is None and signature_dict:  # MLflow 2.x passed the MLmodel block
            from mlmodel_spec.models.signature import ModelSignature

            signature = ModelSignature.from_dict(signature_dict)
        self._signature = signature
        self._utc_time_created = utc_time_created
        self._mlflow_version = mlflow_version
        self._metadata = metadata
        self.registered_model_version = registered_model_version
        self.env_vars = env_vars
        self._prompts = prompts
        self._logged_model = logged_model

    def __repr__(self) -> str:
        return f"ModelInfo(model_uri={self._model_uri!r}, flavors={sorted(self._flavors)})"

    @property
    def artifact_path(self) -> str | None:
        return self._artifact_path

    @property
    def flavors(self) -> dict[str, Any]:
        return self._flavors

    @property
    def model_uri(self) -> str:
        return self._model_uri

    @property
    def model_uuid(self) -> str | None:
        return self._model_uuid

    @property
    def run_id(self) -> str | None:
        return self._run_id

    @property
    def saved_input_example_info(self) -> dict[str, Any] | None:
        return self._saved_input_example_info

    @property
    def signature(self) -> ModelSignature | None:
        return self._signature

    @property
    def signature_dict(self) -> dict[str, Any] | None:
        """The signature as the MLmodel ``signature`` block (MLflow 2.x)."""
        return self._signature.to_dict() if self._signature is not None else None

    @property
    def utc_time_created(self) -> str | None:
        return self._utc_time_created

    @property
    def mlflow_version(self) -> str | None:
        return self._mlflow_version

    @property
    def metadata(self) -> dict[str, Any] | None:
        return self._metadata

    @property
    def prompts(self) -> list[str] | None:
        return self._prompts

    def _tracked(self, name: str) -> Any:
        return getattr(self._logged_model, name, None) if self._logged_model else None

    @property
    def model_id(self) -> Any:
        return self._tracked("model_id")

    @property
    def metrics(self) -> Any:
        return self._tracked("metrics")

    @property
    def params(self) -> Any:
        return self._tracked("params")

    @property
    def tags(self) -> Any:
        return self._tracked("tags")

    @property
    def creation_timestamp(self) -> Any:
        return self._tracked("creation_timestamp")

    @property
    def name(self) -> Any:
        return self._tracked("name")


def get_model_info(model_uri: str | Path) -> ModelInfo:
    """The :class:`ModelInfo` of a local model directory (or its ``MLmodel`` file).

    MLflow also resolves ``runs:/`` and ``models:/`` URIs through a tracking server; here
    the model must be on disk.
    """
    from mlmodel_spec._flavor import model_directory
    from mlmodel_spec.models.model import Model

    return Model.load(model_directory(model_uri)).get_model_info()
