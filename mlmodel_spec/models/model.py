"""The ``MLmodel`` document: :class:`Model` reads, edits and writes it as MLflow 3.x does.

Writing: YAML block style with sorted keys (``yaml.safe_dump``), ``utc_time_created`` as
``str()`` of a naive UTC datetime, a fresh ``model_uuid`` (32 hex), explicit ``null`` for
``model_uuid``, ``model_id`` and ``prompts`` when unset, and a signature with its two sibling
booleans. Provenance is honest: we never write ``mlflow_version`` ourselves (one read from a
file is kept); our writer is recorded as ``mlmodel_spec_version``, a top-level key MLflow
>= 1.7 keeps. Unknown top-level keys survive a load/save round trip unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, overload

import yaml

from mlmodel_spec import __version__
from mlmodel_spec.models.from_code import SET_MODEL_ERROR as SET_MODEL_ERROR  # noqa: PLC0414 -- re-export: MLflow defines it in mlflow.models.model
from mlmodel_spec.models.signature import ModelSignature
from mlmodel_spec.types.errors import ModelFormatError, SchemaError
from mlmodel_spec.types.params import ParamSchema
from mlmodel_spec.types.schema import Schema

if TYPE_CHECKING:
    from mlmodel_spec.models.model_info import ModelInfo

MLMODEL_FILE_NAME = "MLmodel"
WRITER_VERSION_KEY = "mlmodel_spec_version"
MODEL_CONFIG = "config"
MODEL_CODE_PATH = "model_code_path"
ENV_VAR_FILE_NAME = "environment_variables.txt"
ENV_VAR_FILE_HEADER = (
    "# This file records environment variable names that are used during model inference.\n"
    "# They might need to be set when creating a serving endpoint from this model.\n"
    "# Note: it is not guaranteed that all environment variables listed here are required\n"
)
METADATA_FILES = [
    MLMODEL_FILE_NAME,
    "conda.yaml",
    "python_env.yaml",
    "requirements.txt",
]
_KNOWN_KEYS = (
    "artifact_path",
    "run_id",
    "utc_time_created",
    "flavors",
    "signature",
    "saved_input_example_info",
    "model_uuid",
    "mlflow_version",
    WRITER_VERSION_KEY,
    "metadata",
    "model_size_bytes",
    "model_id",
    "prompts",
    "resources",
    "env_vars",
    "auth_policy",
)
_SIGNATURE_FLAGS = ("is_signature_from_type_hint", "type_hint_from_example")


def utc_now_string() -> str:
    """The current time in MLflow's ``utc_time_created`` format."""
    return str(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None))


class Model:
    """An MLflow Model: its flavors and the metadata of its ``MLmodel`` file."""

    def __init__(  # noqa: PLR0917 - positional order mirrors mlflow.models.Model
        self,
        artifact_path: str | None = None,
        run_id: str | None = None,
        utc_time_created: str | dt.datetime | None = None,
        flavors: dict[str, dict[str, Any]] | None = None,
        signature: ModelSignature | None = None,
        saved_input_example_info: dict[str, Any] | None = None,
        model_uuid: str | Callable[[], str] | None = lambda: uuid.uuid4().hex,
        mlflow_version: str | None = None,
        metadata: dict[str, Any] | None = None,
        model_size_bytes: int | None = None,
        resources: dict[str, Any] | None = None,
        env_vars: list[str] | None = None,
        auth_policy: dict[str, Any] | None = None,
        model_id: str | None = None,
        prompts: list[str] | None = None,
        mlmodel_spec_version: str | None = __version__,
        **extra: Any,
    ) -> None:
        if flavors is not None and not isinstance(flavors, dict):
            raise ModelFormatError(f"flavors must be a mapping, got {type(flavors).__name__}")
        if signature is not None and not isinstance(signature, ModelSignature):
            raise ModelFormatError(
                f"signature must be a ModelSignature, got {type(signature).__name__}"
            )
        for label, value in (("resources", resources), ("auth_policy", auth_policy)):
            if value is not None and not isinstance(value, dict):
                raise ModelFormatError(
                    f"{label} must be a mapping (its serialized form), got {type(value).__name__}"
                )
        self.artifact_path = artifact_path
        self.run_id = run_id
        self.utc_time_created: str | None = (
            utc_now_string() if utc_time_created is None else str(utc_time_created)
        )
        self.flavors: dict[str, dict[str, Any]] = {} if flavors is None else flavors
        self.signature = signature
        self.saved_input_example_info = saved_input_example_info
        self.model_uuid: str | None = model_uuid() if callable(model_uuid) else model_uuid
        self.metadata = metadata
        self.model_size_bytes = model_size_bytes
        self.resources = resources
        self.env_vars = env_vars
        self.auth_policy = auth_policy
        self.model_id = model_id
        self.prompts = prompts
        self.mlflow_version = mlflow_version
        self.mlmodel_spec_version = mlmodel_spec_version
        self.extra: dict[str, Any] = dict(extra)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Model) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(self.to_yaml())

    def __repr__(self) -> str:
        return f"Model(flavors={sorted(self.flavors)}, model_uuid={self.model_uuid!r})"

    # -- flavors ---------------------------------------------------------------------------
    def add_flavor(self, name: str, **params: Any) -> Model:
        """Set (replace) the configuration block of flavor ``name``; returns self."""
        if not isinstance(name, str) or not name:
            raise ModelFormatError(f"A flavor name must be a non-empty string, got {name!r}")
        self.flavors[name] = params
        return self

    def get_flavor(self, name: str) -> dict[str, Any]:
        """The configuration block of flavor ``name`` (error if the model lacks it)."""
        conf = self.flavors.get(name)
        if not isinstance(conf, dict):
            raise ModelFormatError(f'Model does not have the "{name}" flavor')
        return conf

    # -- schemas ---------------------------------------------------------------------------
    def get_input_schema(self) -> Schema | None:
        return self.signature.inputs if self.signature is not None else None

    def get_output_schema(self) -> Schema | None:
        return self.signature.outputs if self.signature is not None else None

    def get_params_schema(self) -> ParamSchema | None:
        return self.signature.params if self.signature is not None else None

    def load_input_example(self, path: str | Path | None = None) -> Any:
        """The saved input example of the model directory ``path``, or None.

        MLflow can omit ``path`` for a logged model (it downloads from the run); without a
        tracking server the model directory must be given.
        """
        from mlmodel_spec.models.input_example import read_example

        if self.saved_input_example_info is None:
            return None
        if path is None:
            raise ModelFormatError(
                "load_input_example() needs the local model directory (path=...); "
                "downloading from a run needs MLflow"
            )
        return read_example(self.saved_input_example_info, Path(path), self.get_input_schema())

    def load_input_example_params(self, path: str | Path) -> dict[str, Any] | None:
        from mlmodel_spec.models.input_example import read_example_params

        if self.saved_input_example_info is None:
            return None
        return read_example_params(self.saved_input_example_info, Path(path))

    def get_serving_input(self, path: str | Path) -> str | None:
        """The text of ``serving_input_example.json``, or None."""
        info = self.saved_input_example_info or {}
        name = info.get("serving_input_path")
        if not name:
            return None
        return (Path(path) / str(name)).read_text(encoding="utf-8")

    # -- serialization ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """The MLmodel mapping, with MLflow 3.x's rules for omitted and explicit-null keys."""
        res: dict[str, Any] = dict(self.extra)
        res["flavors"] = self.flavors
        if self.utc_time_created is not None:
            res["utc_time_created"] = self.utc_time_created
        res["model_uuid"] = self.model_uuid
        res["model_id"] = self.model_id
        res["prompts"] = self.prompts
        optional = {
            "artifact_path": self.artifact_path,
            "run_id": self.run_id,
            "saved_input_example_info": self.saved_input_example_info,
            "metadata": self.metadata,
            "model_size_bytes": self.model_size_bytes,
            "resources": self.resources,
            "env_vars": self.env_vars,
            "auth_policy": self.auth_policy,
            "mlflow_version": self.mlflow_version,
            WRITER_VERSION_KEY: self.mlmodel_spec_version,
        }
        res.update({k: v for k, v in optional.items() if v is not None})
        if self.signature is not None:
            res["signature"] = self.signature.to_dict()
            res["is_signature_from_type_hint"] = self.signature.is_signature_from_type_hint
            res["type_hint_from_example"] = self.signature.type_hint_from_example
        return res

    @overload
    def to_yaml(self, stream: None = None) -> str: ...

    @overload
    def to_yaml(self, stream: IO[str]) -> None: ...

    def to_yaml(self, stream: IO[str] | None = None) -> str | None:
        """The MLmodel YAML text, or None after writing it to ``stream`` (as MLflow)."""
        text = yaml.safe_dump(self.to_dict(), default_flow_style=False)
        if stream is None:
            return text
        stream.write(text)
        return None

    def to_json(self) -> str:
        """The MLmodel mapping as JSON."""
        return json.dumps(self.to_dict())

    def __str__(self) -> str:
        return self.to_yaml()

    def get_tags_dict(self) -> dict[str, Any]:
        """What MLflow records in a run's ``mlflow.log-model.history`` tag: ids, time and
        flavors without their ``config``."""
        res = self.to_dict()
        tags = {
            k: v
            for k, v in res.items()
            if k in ("run_id", "utc_time_created", "artifact_path", "model_uuid")
        }
        tags["flavors"] = {
            name: {k: v for k, v in conf.items() if k != MODEL_CONFIG}
            if isinstance(conf, dict)
            else conf
            for name, conf in res.get("flavors", {}).items()
        }
        return tags

    def get_model_info(self, logged_model: Any = None) -> ModelInfo:
        """A :class:`ModelInfo` of this model (``logged_model`` is MLflow 3's tracking entity;
        accepted and kept, never fetched)."""
        from mlmodel_spec.models.model_info import ModelInfo, model_uri_of

        return ModelInfo(
            artifact_path=self.artifact_path,
            flavors=self.flavors,
            model_uri=model_uri_of(self),
            model_uuid=self.model_uuid,
            run_id=self.run_id,
            saved_input_example_info=self.saved_input_example_info,
            signature=self.signature,
            utc_time_created=self.utc_time_created,
            mlflow_version=self.mlflow_version,
            metadata=self.metadata,
            env_vars=self.env_vars,
            prompts=self.prompts,
            logged_model=logged_model,
        )

    def save(self, path: str | Path) -> None:
        """Write the MLmodel file at ``path`` (a file path, usually ``<dir>/MLmodel``)."""
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_dict(cls, model_dict: dict[str, Any]) -> Model:
        """Build a Model from a parsed MLmodel mapping; unknown keys are kept in ``extra``."""
        if not isinstance(model_dict, dict):
            raise ModelFormatError(
                f"An MLmodel document must be a mapping, got {type(model_dict).__name__}"
            )
        data = dict(model_dict)
        signature = data.get("signature")
        if isinstance(signature, dict):
            try:
                parsed = ModelSignature.from_dict(signature)
            except SchemaError as exc:
                raise ModelFormatError(f"Invalid signature: {exc}") from None
            for flag in _SIGNATURE_FLAGS:
                if flag in data:
                    setattr(parsed, flag, bool(data.pop(flag)))
            data["signature"] = parsed
        elif signature is not None:
            raise ModelFormatError(f"signature must be a mapping, got {type(signature).__name__}")
        known = {k: data.pop(k) for k in _KNOWN_KEYS if k in data}
        created = known.pop("utc_time_created", None)
        flavors = known.get("flavors")
        if flavors is not None and not (
            isinstance(flavors, dict) and all(isinstance(v, dict) for v in flavors.values())
        ):
            raise ModelFormatError("flavors must be a mapping of flavor name to a mapping")
        model = cls(
            model_uuid=known.pop("model_uuid", None),
            mlmodel_spec_version=known.pop(WRITER_VERSION_KEY, None),
            **known,
        )
        model.utc_time_created = None if created is None else str(created)
        model.extra = data
        return model

    @classmethod
    def load(cls, path: str | Path) -> Model:
        """Read ``<path>/MLmodel``, or ``path`` itself when it is a file."""
        target = Path(path)
        mlmodel = target if target.is_file() else target / MLMODEL_FILE_NAME
        if not mlmodel.is_file():
            raise ModelFormatError(
                f'Could not find an "{MLMODEL_FILE_NAME}" configuration file at "{target}"'
            )
        try:
            parsed = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise ModelFormatError(f"Cannot parse {mlmodel}: {exc}") from None
        if parsed is None:
            raise ModelFormatError(f"{mlmodel} is empty")
        return cls.from_dict(parsed)


def __getattr__(name: str) -> Any:
    """MLflow's ``mlflow.models.model`` also holds these; import them lazily (no cycles)."""
    lazy = {
        "ModelInfo": "mlmodel_spec.models.model_info",
        "get_model_info": "mlmodel_spec.models.model_info",
        "Files": "mlmodel_spec.models.requirements",
        "get_model_requirements_files": "mlmodel_spec.models.requirements",
        "update_model_requirements": "mlmodel_spec.models.requirements",
        "set_model": "mlmodel_spec.models.from_code",
    }
    if name in lazy:
        import importlib

        return getattr(importlib.import_module(lazy[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
