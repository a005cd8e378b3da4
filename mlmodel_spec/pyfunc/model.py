"""Custom Python models: :class:`PythonModel`, its context, saving with cloudpickle, and the
pyfunc loader for ``loader_module: mlflow.pyfunc.model``.

Directories written here load in MLflow (``mlflow.pyfunc.load_model``) when mlmodel-spec is
installed there (the pickled class derives from our :class:`PythonModel`). Files MLflow wrote
load here without MLflow: see :mod:`mlmodel_spec.pyfunc.unpickle`. Loading unpickles the model,
which executes code from the file: load only models you trust.
"""

from __future__ import annotations

import inspect
import shutil
import warnings
from pathlib import Path
from typing import Any

from mlmodel_spec import environment
from mlmodel_spec._flavor import (
    SaveRequest,
    flavor_conf,
    pyfunc_block,
    save_model_directory,
)
from mlmodel_spec.models.model import Model
from mlmodel_spec.types.errors import MlmodelSpecError, MlmodelSpecWarning, ModelFormatError

MLFLOW_LOADER = "mlflow.pyfunc.model"
PYTHON_MODEL_FILE = "python_model.pkl"
ARTIFACTS_DIR = "artifacts"
DATA_DIR = "data"


class TypeHints:
    """Stand-in for MLflow's ``_TypeHints`` (MLflow reads ``predict_type_hints`` at predict).
    Class-level defaults keep unpickled instances usable whatever state they carry."""

    input: Any = None
    output: Any = None

    def __init__(self, input_: Any = None, output: Any = None) -> None:
        self.input = input_
        self.output = output

    def __repr__(self) -> str:
        return f"<input: {self.input}, output: {self.output}>"


class PythonModelContext:
    """Artifacts (name -> absolute path) and model config handed to a :class:`PythonModel`."""

    def __init__(self, artifacts: dict[str, str], model_config: dict[str, Any] | None) -> None:
        self._artifacts = artifacts
        self._model_config = model_config

    @property
    def artifacts(self) -> dict[str, str]:
        return self._artifacts

    @property
    def model_config(self) -> dict[str, Any] | None:
        return self._model_config


class PythonModel:
    """Base class of custom models (mirrors ``mlflow.pyfunc.PythonModel``).

    Override ``predict(self, context, model_input, params=None)`` (``context`` may be omitted)
    and optionally ``load_context(self, context)``, called once at load time.
    """

    def load_context(self, context: PythonModelContext) -> None:
        """Load artifacts from ``context``; called when the model is loaded."""

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement predict()")

    def predict_stream(
        self, context: Any, model_input: Any, params: dict[str, Any] | None = None
    ) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement predict_stream()")

    @property
    def predict_type_hints(self) -> TypeHints:
        """No type-hint signature; present so MLflow's wrapper can load our models."""
        hints = self.__dict__.get("_predict_type_hints")
        return hints if isinstance(hints, TypeHints) else TypeHints()


class FunctionPythonModel(PythonModel):
    """Wraps a plain function ``f(model_input)`` as a PythonModel."""

    def __init__(self, func: Any, signature: Any = None) -> None:
        self.func = func
        self.signature = signature

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:  # type: ignore[override]
        return self.func(model_input)


def _takes_context(parameters: Any) -> bool:
    names = [p for p in parameters if p not in ("self", "params")]
    return "context" in parameters or len(names) == 2


class PythonModelWrapper:
    """The pyfunc implementation for custom models."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context

    def _call(self, method: Any, model_input: Any, params: dict[str, Any] | None) -> Any:
        parameters = inspect.signature(method).parameters
        kwargs = {"params": params} if "params" in parameters else {}
        if _takes_context(parameters):
            return method(self.context, model_input, **kwargs)
        return method(model_input, **kwargs)

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return self._call(self.python_model.predict, model_input, params)

    def predict_stream(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return self._call(self.python_model.predict_stream, model_input, params)


def _copy_artifacts(artifacts: dict[str, Any], staging: Path) -> dict[str, dict[str, str]]:
    if not isinstance(artifacts, dict) or not all(isinstance(k, str) for k in artifacts):
        raise MlmodelSpecError("artifacts must be a dict of name -> local path")
    recorded: dict[str, dict[str, str]] = {}
    for name, uri in artifacts.items():
        src = Path(str(uri)[len("file://") :] if str(uri).startswith("file://") else str(uri))
        if not src.exists():
            raise MlmodelSpecError(f"Artifact {name!r}: {uri} does not exist (local paths only)")
        rel = f"{ARTIFACTS_DIR}/{src.name}"
        dst = staging / rel
        if dst.exists():
            raise MlmodelSpecError(f"Artifacts {name!r} and another both map to {rel}")
        dst.parent.mkdir(exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
        recorded[name] = {"path": rel, "uri": str(uri)}
    return recorded


def _overrides_predict_stream(python_model: Any) -> bool:
    method = getattr(type(python_model), "predict_stream", None)
    return method is not None and method is not PythonModel.predict_stream


def save_model(  # noqa: PLR0917 - positional order mirrors MLflow's
    path: str | Path,
    python_model: Any = None,
    artifacts: dict[str, Any] | None = None,
    code_paths: list[str | Path] | None = None,
    conda_env: Any = None,
    mlflow_model: Model | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    model_config: dict[str, Any] | None = None,
    loader_module: str | None = None,
    data_path: str | Path | None = None,
) -> None:
    """Save a custom model: a :class:`PythonModel` (or callable) pickled with cloudpickle,
    or a ``loader_module`` with its ``data_path``. Atomic; refuses to overwrite ``path``."""
    if (python_model is None) == (loader_module is None):
        raise MlmodelSpecError("Specify exactly one of python_model or loader_module")
    if python_model is not None and not isinstance(python_model, PythonModel):
        if not callable(python_model):
            raise MlmodelSpecError("python_model must be a PythonModel instance or a callable")
        python_model = FunctionPythonModel(python_model)
    if model_config is not None and not isinstance(model_config, dict):
        raise MlmodelSpecError("model_config must be a dict")

    recorded: dict[str, dict[str, str]] = {}

    def prepare(staging: Path) -> Any:
        if python_model is None:
            return None
        recorded.update(_copy_artifacts(artifacts or {}, staging))
        context = PythonModelContext(
            {n: str(staging / r["path"]) for n, r in recorded.items()}, model_config
        )
        python_model.load_context(context)  # as MLflow 3.x does before inferring a signature
        return PythonModelWrapper(python_model, context)

    def write(staging: Path, model: Model, code: str | None) -> list[str]:
        extra: dict[str, Any] = {"config": model_config} if model_config else {}
        if python_model is None:
            data = None
            if data_path is not None:
                src = Path(data_path)
                (staging / DATA_DIR).mkdir()
                (shutil.copytree if src.is_dir() else shutil.copy2)(
                    src, staging / DATA_DIR / src.name
                )
                data = f"{DATA_DIR}/{src.name}"
            block = pyfunc_block(str(loader_module), None, **({"data": data} if data else {}))
            block.update(code=code, streamable=False, **extra)
            model.add_flavor("python_function", **block)
            return environment.pinned_requirements((), ("numpy", "pandas"))
        import cloudpickle

        with (staging / PYTHON_MODEL_FILE).open("wb") as out:
            cloudpickle.dump(python_model, out)
        block = pyfunc_block(
            MLFLOW_LOADER,
            None,
            python_model=PYTHON_MODEL_FILE,
            cloudpickle_version=cloudpickle.__version__,
            streamable=_overrides_predict_stream(python_model),
            **({"artifacts": dict(recorded)} if recorded else {}),
            **extra,
        )
        block["code"] = code  # custom models write an explicit `code: null`, as MLflow does
        model.add_flavor("python_function", **block)
        return environment.pinned_requirements(("cloudpickle", "mlmodel-spec"), ("numpy", "pandas"))

    request = SaveRequest(
        path,
        mlflow_model,
        signature,
        input_example,
        metadata,
        code_paths,
        conda_env,
        pip_requirements,
        extra_pip_requirements,
    )
    save_model_directory(request, write, prepare=prepare)


def _explain_python_mismatch(rel: str, written_by: object, exc: Exception) -> Exception:
    """Cloudpickled code only loads in the Python minor version that wrote it: say so."""
    import platform

    running = platform.python_version()
    if not isinstance(written_by, str) or written_by.split(".")[:2] == running.split(".")[:2]:
        return exc
    minor = ".".join(written_by.split(".")[:2])
    return ModelFormatError(
        f"{rel} was cloudpickled by Python {written_by} and cannot be loaded by Python "
        f"{running} ({type(exc).__name__}: {exc}); pickled code only loads in the Python minor "
        f"version that wrote it: load it with Python {minor} (see python_env.yaml), or re-save "
        "the model from this Python"
    )


def _load_pyfunc(model_path: str, model_config: dict[str, Any] | None = None) -> PythonModelWrapper:
    """Loader for ``loader_module: mlflow.pyfunc.model``. **Executes code** (unpickling)."""
    from mlmodel_spec.pyfunc.unpickle import load_python_model

    directory = Path(model_path)
    _, conf = flavor_conf(directory, "python_function")
    if "model_code_path" in conf:
        raise ModelFormatError(
            "This is a models-from-code model (model_code_path): its script calls MLflow's "
            "set_model() and needs MLflow to load"
        )
    saved = conf.get("cloudpickle_version")
    import cloudpickle

    if saved is None or saved != cloudpickle.__version__:
        warnings.warn(
            f"The model was pickled with cloudpickle {saved or '(unknown)'}; the installed "
            f"version is {cloudpickle.__version__}, which may be incompatible",
            MlmodelSpecWarning,
            stacklevel=2,
        )
    rel = conf.get("python_model")
    if not isinstance(rel, str):
        raise ModelFormatError("Python model path was not specified in the model configuration")
    try:
        python_model = load_python_model(directory / rel, conf.get("python_model_compression"))
    except (TypeError, ValueError, AttributeError) as exc:
        raise _explain_python_mismatch(rel, conf.get("python_version"), exc) from exc
    artifacts = {
        name: str(directory / info["path"])
        for name, info in (conf.get("artifacts") or {}).items()
        if isinstance(info, dict) and isinstance(info.get("path"), str)
    }
    context = PythonModelContext(artifacts, model_config)
    if hasattr(python_model, "load_context"):
        python_model.load_context(context=context)
    return PythonModelWrapper(python_model, context)
