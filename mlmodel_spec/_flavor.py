"""The generic machinery behind every flavor module: save pipeline, pyfunc block, code paths,
loader helpers and ``log_model``.

A flavor module (generated from its spec, see ``_flavor_compiled.py``) supplies a payload
writer; this module does the rest in the order MLflow 3.x does: input example -> signature
(inferred from the example when not given) -> metadata -> payload -> flavor blocks ->
``model_size_bytes`` -> ``MLmodel`` -> environment files. The whole directory is staged and
renamed atomically.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlmodel_spec import environment
from mlmodel_spec._flavor_atomic import atomic_directory
from mlmodel_spec.models.model import MLMODEL_FILE_NAME, Model
from mlmodel_spec.models.signature import ModelSignature
from mlmodel_spec.types.errors import MissingDependencyError, MlmodelSpecError, ModelFormatError

PYFUNC_FLAVOR = "python_function"
CODE_DIR = "code"


@dataclass
class SaveRequest:
    """What every ``save_model`` accepts besides the model object itself."""

    path: Any
    mlflow_model: Model | None = None
    signature: ModelSignature | bool | None = None
    input_example: Any = None
    metadata: dict[str, Any] | None = None
    code_paths: Iterable[str | Path] | None = None
    conda_env: Any = None
    pip_requirements: Any = None
    extra_pip_requirements: Any = None
    adapt_signature: Callable[[Any], Any] | None = None
    """Turns a given or inferred signature into what ``mlflow_model`` stores (an MLflow
    ``ModelSignature`` when the model is MLflow's own ``Model``); ``None``: ours only."""


PayloadWriter = Callable[[Path, Model, str | None], list[str]]
"""Writes the payload into the staging dir, adds the flavor blocks to the Model, and returns
the default pip requirements."""


def copy_code_paths(code_paths: Iterable[str | Path] | None, directory: Path) -> str | None:
    """Copy user code into ``<dir>/code`` (files and directories by basename)."""
    if code_paths is None:
        return None
    paths = [Path(p) for p in ([code_paths] if isinstance(code_paths, (str, Path)) else code_paths)]
    if not paths:
        return None
    code_dir = directory / CODE_DIR
    code_dir.mkdir()
    for src in paths:
        if src.is_dir():
            shutil.copytree(src, code_dir / src.name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.is_file():
            shutil.copy2(src, code_dir / src.name)
        else:
            raise MlmodelSpecError(f"Code path {src} does not exist")
    return CODE_DIR


def pyfunc_block(loader_module: str, code: str | None, **extra: Any) -> dict[str, Any]:
    """A ``python_function`` block as ``mlflow.pyfunc.add_to_model`` writes it."""
    block: dict[str, Any] = {
        "loader_module": loader_module,
        "python_version": environment.python_version(),
    }
    if code:
        block["code"] = code
    block["env"] = {
        "conda": environment.CONDA_ENV_FILE_NAME,
        "virtualenv": environment.PYTHON_ENV_FILE_NAME,
    }
    block.update(extra)
    return block


def _directory_size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def save_model_directory(
    request: SaveRequest,
    write_payload: PayloadWriter,
    predictor: Any = None,
    prepare: Callable[[Path], Any] | None = None,
) -> Model:
    """Run the save pipeline; ``predictor`` (an object with ``predict(data, params=None)``)
    is used to infer the output schema from the input example when no signature is given.
    ``prepare(staging_dir)``, if given, runs first (e.g. to copy artifacts) and returns the
    predictor."""
    from mlmodel_spec.models.signature import infer_signature_from_example

    requirements_args = (
        request.conda_env,
        request.pip_requirements,
        request.extra_pip_requirements,
    )
    if sum(x is not None for x in requirements_args) > 1:
        raise MlmodelSpecError(
            "Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` "
            "can be specified"
        )
    if request.metadata is not None and not isinstance(request.metadata, dict):
        raise MlmodelSpecError("metadata must be a dict")
    model = request.mlflow_model if request.mlflow_model is not None else Model()
    with atomic_directory(request.path) as staging:
        code = copy_code_paths(request.code_paths, staging)
        if prepare is not None:
            predictor = prepare(staging)
        example = None
        if request.input_example is not None:
            from mlmodel_spec.models.input_example import Example

            example = Example(request.input_example)
            example.save(staging)
            model.saved_input_example_info = example.info
        signature = request.signature
        if signature is None and example is not None and predictor is not None:
            signature = infer_signature_from_example(example, predictor)
        if request.adapt_signature is not None and signature not in (None, False):
            model.signature = request.adapt_signature(signature)
        elif isinstance(signature, ModelSignature):
            model.signature = signature
        elif signature not in (None, False):
            raise MlmodelSpecError(
                f"signature must be a ModelSignature, None or False, got {type(signature).__name__}"
            )
        if request.metadata is not None:
            model.metadata = request.metadata
        defaults = write_payload(staging, model, code)
        if size := _directory_size(staging):
            model.model_size_bytes = size
        model.save(staging / MLMODEL_FILE_NAME)
        reqs, cons, conda = environment.resolve_requirements(defaults, *_env_args(request))
        environment.write_env_files(staging, reqs, cons, conda)
    return model


def _env_args(request: SaveRequest) -> tuple[Any, Any, Any]:
    return request.pip_requirements, request.extra_pip_requirements, request.conda_env


# -- loading -------------------------------------------------------------------------------
def model_directory(path: str | Path) -> Path:
    """Resolve a model directory (a ``file://`` URI or a local path)."""
    text = str(path)
    if text.startswith("file://"):
        text = text[len("file://") :]
    elif "://" in text or text.startswith(("runs:/", "models:/")):
        raise ModelFormatError(
            f"Only local model directories are supported without MLflow, got {text!r}"
        )
    directory = Path(text)
    if directory.name == MLMODEL_FILE_NAME and directory.is_file():
        directory = directory.parent
    return directory


def flavor_conf(directory: Path, flavor: str) -> tuple[Model, dict[str, Any]]:
    model = Model.load(directory)
    return model, model.get_flavor(flavor)


def add_code_to_path(directory: Path, code: object) -> None:
    """Prepend ``<dir>/<code>`` to sys.path (MLflow does the same; the code runs at import)."""
    if code:
        code_dir = str(directory / str(code))
        if code_dir not in sys.path:
            sys.path.insert(0, code_dir)


def relative_file(directory: Path, value: object, key: str) -> Path:
    if not isinstance(value, str) or not value:
        raise ModelFormatError(f"The flavor key {key!r} must name a file, got {value!r}")
    return directory / value


# -- logging to an MLflow run -----------------------------------------------------------------
def require_mlflow(what: str) -> Any:
    try:
        import mlflow
    except ImportError:
        raise MissingDependencyError(
            f"{what} logs to an MLflow tracking server and needs mlflow installed "
            "(pip install mlflow). To write a model directory without MLflow, use save_model()."
        ) from None
    return mlflow


@dataclass(frozen=True)
class LoggedModel:
    """What ``log_model`` returns: where the model went."""

    run_id: str
    artifact_path: str
    model_uri: str
    model: Model


def log_model_to_run(
    name: str | None, artifact_path: str | None, save: Callable[[Path, Model], None]
) -> LoggedModel:
    """Save with ``save(path, mlflow_model)`` and upload to the active MLflow run (one is
    started if none is active). The model is logged as run artifacts under ``name``; load it
    with ``runs:/<run_id>/<name>`` in MLflow 2.x and 3.x."""
    import tempfile

    mlflow = require_mlflow("log_model")
    sub = name or artifact_path or "model"
    run = mlflow.active_run() or mlflow.start_run()
    run_id = run.info.run_id
    model = Model(artifact_path=sub, run_id=run_id)
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "model"
        save(local, model)
        mlflow.log_artifacts(str(local), artifact_path=sub)
    return LoggedModel(run_id, sub, f"runs:/{run_id}/{sub}", model)
