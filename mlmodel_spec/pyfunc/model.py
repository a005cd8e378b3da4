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

    def _get_type_hints(self) -> TypeHints:
        """What MLflow 2.x (before 2.20) asks of a model at predict: the same hints."""
        return self.predict_type_hints


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
        from mlmodel_spec.types.type_hints import check_input, input_hint

        hint = input_hint(self.python_model.predict)
        if hint is not None:  # MLflow 3.x checks type-hinted input before calling predict
            model_input = check_input(model_input, hint)
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


def _check_unsupported(
    infer_code_paths: bool,
    uv: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    if infer_code_paths:
        raise MlmodelSpecError(
            "infer_code_paths=True is not supported (it traces imports while MLflow loads the "
            "model): list the files in code_paths"
        )
    if any(x is not None for x in uv):
        raise MlmodelSpecError("uv project export is not supported: pass pip_requirements")
    deprecated = {"code_path", "example_no_conversion"}  # MLflow 2.x, ignored there too
    if unknown := sorted(set(kwargs) - deprecated):
        raise MlmodelSpecError(f"save_model() got unexpected keyword arguments {unknown}")
    if kwargs.get("code_path") is not None:
        raise MlmodelSpecError("code_path was removed in MLflow 2.x: use code_paths")


def _resolve_python_model(python_model: Any, code_paths: Any) -> tuple[Any, Path | None]:
    """(model object, script path) for a PythonModel, a callable or a models-from-code path."""
    if isinstance(python_model, (str, Path)):
        from mlmodel_spec.models.from_code import load_model_from_code

        script = Path(python_model)
        if script.suffix != ".py" or not script.is_file():
            raise MlmodelSpecError(
                f"python_model given as a path must name an existing .py script, got {script}"
            )
        with _code_on_path(code_paths):
            model = load_model_from_code(script)
        return (model if isinstance(model, PythonModel) else FunctionPythonModel(model)), script
    if python_model is not None and not isinstance(python_model, PythonModel):
        if not callable(python_model):
            raise MlmodelSpecError(
                "python_model must be a PythonModel instance, a callable or the path of a "
                "models-from-code script"
            )
        python_model = FunctionPythonModel(python_model)
    return python_model, None


class _code_on_path:
    """Make ``code_paths`` importable while a models-from-code script runs at save time."""

    def __init__(self, code_paths: Any) -> None:
        import sys

        self._sys = sys
        paths = [code_paths] if isinstance(code_paths, (str, Path)) else list(code_paths or [])
        self._dirs = [str(Path(p).absolute().parent) for p in paths]

    def __enter__(self) -> None:
        self._sys.path[:0] = self._dirs

    def __exit__(self, *exc: object) -> None:
        for d in self._dirs:
            if d in self._sys.path:
                self._sys.path.remove(d)


def _model_config_dict(model_config: Any) -> dict[str, Any] | None:
    if model_config is None or isinstance(model_config, dict):
        return model_config
    if isinstance(model_config, (str, Path)):
        import yaml

        try:
            loaded = yaml.safe_load(Path(model_config).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise MlmodelSpecError(f"Cannot read model_config {model_config}: {exc}") from None
        if not isinstance(loaded, dict):
            raise MlmodelSpecError(f"model_config {model_config} must hold a YAML mapping")
        return loaded
    raise MlmodelSpecError("model_config must be a dict or the path of a YAML file")


def save_model(  # noqa: PLR0917 - positional order mirrors MLflow 3.x's
    path: str | Path,
    loader_module: str | None = None,
    data_path: str | Path | None = None,
    code_paths: list[str | Path] | None = None,
    infer_code_paths: bool = False,
    conda_env: Any = None,
    mlflow_model: Model | None = None,
    python_model: Any = None,
    artifacts: dict[str, Any] | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    model_config: dict[str, Any] | str | Path | None = None,
    streamable: bool | None = None,
    resources: dict[str, Any] | None = None,
    auth_policy: dict[str, Any] | None = None,
    uv_project_path: str | Path | None = None,
    uv_groups: list[str] | None = None,
    uv_extras: list[str] | None = None,
    **kwargs: Any,
) -> None:
    """Save a custom model: a :class:`PythonModel` (or callable) pickled with cloudpickle, a
    models-from-code script (``python_model="model.py"``, the script calls
    :func:`mlmodel_spec.models.set_model`), or a ``loader_module`` with its ``data_path``.

    Without ``signature``, a PythonModel whose ``predict`` has type hints gets the signature
    they declare; otherwise it is inferred from ``input_example``. Atomic; an existing
    non-empty ``path`` is refused.
    """
    _check_unsupported(infer_code_paths, (uv_project_path, uv_groups, uv_extras), kwargs)
    if (python_model is None) == (loader_module is None):
        raise MlmodelSpecError("Specify exactly one of python_model or loader_module")
    python_model, script = _resolve_python_model(python_model, code_paths)
    config = _model_config_dict(model_config)
    if signature is None and isinstance(python_model, PythonModel):
        from mlmodel_spec.types.type_hints import signature_from_predict

        if not isinstance(python_model, FunctionPythonModel):
            signature = signature_from_predict(python_model.predict)
    model = mlflow_model if mlflow_model is not None else Model()
    model.resources = resources if resources is not None else model.resources
    model.auth_policy = auth_policy if auth_policy is not None else model.auth_policy

    recorded: dict[str, dict[str, str]] = {}

    def prepare(staging: Path) -> Any:
        if python_model is None:
            return None
        recorded.update(_copy_artifacts(artifacts or {}, staging))
        context = PythonModelContext(
            {n: str(staging / r["path"]) for n, r in recorded.items()}, config
        )
        python_model.load_context(context)  # as MLflow 3.x does before inferring a signature
        return PythonModelWrapper(python_model, context)

    def write(staging: Path, model: Model, code: str | None) -> list[str]:
        extra: dict[str, Any] = {"config": config} if config else {}
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
            block.update(code=code, streamable=bool(streamable), **extra)
            model.add_flavor("python_function", **block)
            return environment.pinned_requirements((), ("numpy", "pandas"))
        import cloudpickle

        payload: dict[str, Any]
        if script is not None:
            shutil.copy2(script, staging / script.name)
            payload = {"model_code_path": str(script.absolute())}
        else:
            with (staging / PYTHON_MODEL_FILE).open("wb") as out:
                cloudpickle.dump(python_model, out)
            payload = {"python_model": PYTHON_MODEL_FILE}
        block = pyfunc_block(
            MLFLOW_LOADER,  # loads models from code in MLflow 2.x and 3.x alike
            None,
            **payload,
            cloudpickle_version=cloudpickle.__version__,
            streamable=_overrides_predict_stream(python_model)
            if streamable is None
            else streamable,
            **({"artifacts": dict(recorded)} if recorded else {}),
            **extra,
        )
        block["code"] = code  # custom models write an explicit `code: null`, as MLflow does
        model.add_flavor("python_function", **block)
        return environment.pinned_requirements(("cloudpickle", "mlmodel-spec"), ("numpy", "pandas"))

    request = SaveRequest(
        path,
        model,
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
    meta, conf = flavor_conf(directory, "python_function")
    if "model_code_path" in conf:
        return _load_from_code(directory, conf, meta, model_config)
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


def _load_from_code(
    directory: Path, conf: dict[str, Any], meta: Model, model_config: dict[str, Any] | None
) -> PythonModelWrapper:
    """Load a models-from-code model: run its script (copied beside the MLmodel file)."""
    from mlmodel_spec.models.from_code import load_model_from_code

    script = directory / Path(str(conf["model_code_path"])).name
    config = model_config if model_config is not None else conf.get("config")
    model = load_model_from_code(script, config)
    if not isinstance(model, PythonModel) and callable(model):
        model = FunctionPythonModel(model, meta.signature)
    context = PythonModelContext({}, config)
    if hasattr(model, "load_context"):
        model.load_context(context=context)
    return PythonModelWrapper(model, context)
