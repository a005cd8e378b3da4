"""``load_model`` for the ``python_function`` flavor and the :class:`PyFuncModel` it returns.

Loading a model **executes code**: its loader module, any ``code`` directory (prepended to
``sys.path``), and pickle/cloudpickle payloads. Load only models you trust.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from pathlib import Path
from typing import Any

from mlmodel_spec import environment
from mlmodel_spec._flavor import add_code_to_path, model_directory
from mlmodel_spec.conformance import _generated_flavors
from mlmodel_spec.models.model import Model
from mlmodel_spec.types.errors import (
    INVALID_PARAMETER_VALUE,
    MlmodelSpecError,
    MlmodelSpecWarning,
    ModelFormatError,
    SchemaEnforcementError,
)

FLAVOR_NAME = "python_function"
# MLflow loader modules and the mlmodel-spec modules that load the same directories
# (`loader_module` -> `runtime_module` of spec/flavors/*.yaml)
LOADER_MODULES = _generated_flavors.LOADER_MODULES


def resolve_loader_module(name: object) -> str:
    """Map an MLflow loader module to ours; other modules are used as written."""
    if not isinstance(name, str) or not name:
        raise ModelFormatError(f"python_function.loader_module must be a module name, got {name!r}")
    if name in LOADER_MODULES:
        return LOADER_MODULES[name]
    if name == "mlflow" or name.startswith("mlflow."):
        raise ModelFormatError(
            f"Loader module {name!r} has no mlmodel-spec equivalent (supported: "
            f"{sorted(LOADER_MODULES)}); load this model with MLflow"
        )
    return name


class PyFuncModel:
    """A loaded model with a uniform ``predict(data, params=None)`` that enforces the signature."""

    def __init__(
        self,
        model_meta: Model,
        model_impl: Any,
        predict_fn: str = "predict",
        predict_stream_fn: str | None = None,
        model_id: str | None = None,
    ) -> None:
        if not hasattr(model_impl, predict_fn):
            raise ModelFormatError(f"Model implementation is missing required {predict_fn} method.")
        self._model_meta = model_meta
        self._model_impl = model_impl
        self._predict_fn = getattr(model_impl, predict_fn)
        self._predict_stream_fn = (
            getattr(model_impl, predict_stream_fn, None) if predict_stream_fn else None
        )
        self._model_id = model_id
        self._input_example: Any = None
        #: the directory whose saved example ``input_example`` reads on first use
        self._example_directory: str | Path | None = None

    @property
    def model_id(self) -> str | None:
        return self._model_id

    @property
    def input_example(self) -> Any:
        """The saved input example (``None`` without one). Read on first use, not at load:
        MLflow reads it at load only to have it at hand (and only logs a failure), and a
        predict uses it only for models whose type hints came from the example."""
        directory = self._example_directory
        if directory is not None:
            self._example_directory = None
            try:
                self._input_example = self._model_meta.load_input_example(directory)
            except (MlmodelSpecError, ImportError) as exc:  # MLflow only logs it
                warnings.warn(
                    f"Could not load the saved input example: {exc}",
                    MlmodelSpecWarning,
                    stacklevel=2,
                )
        return self._input_example

    @input_example.setter
    def input_example(self, value: Any) -> None:
        self._example_directory = None
        self._input_example = value

    def predict_stream(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Stream predictions of a streamable model (one input; chunks as the model yields)."""
        from mlmodel_spec.types.enforce import enforce_params

        if self._predict_stream_fn is None:
            raise MlmodelSpecError("This model does not support predict_stream method.")
        params = enforce_params(params, self._model_meta.get_params_schema())
        if "params" in inspect.signature(self._predict_stream_fn).parameters:
            return self._predict_stream_fn(data, params=params)
        return self._predict_stream_fn(data)

    @property
    def metadata(self) -> Model:
        """The model's :class:`~mlmodel_spec.models.Model` (its MLmodel file)."""
        return self._model_meta

    @property
    def loader_module(self) -> str | None:
        conf = self._model_meta.flavors.get(FLAVOR_NAME) or {}
        return conf.get("loader_module")

    @property
    def model_config(self) -> dict[str, Any]:
        conf = self._model_meta.flavors.get(FLAVOR_NAME) or {}
        return dict(conf.get("config") or {})

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Check ``data`` and ``params`` against the signature, then call the model.

        Raises :class:`SchemaEnforcementError` when the input does not fit the signature.
        """
        from mlmodel_spec.types.enforce import enforce_params, enforce_schema

        meta = self._model_meta
        schema = meta.get_input_schema()
        from_hints = meta.signature is not None and meta.signature.is_signature_from_type_hint
        if schema is not None and not from_hints:
            try:
                data = enforce_schema(data, schema)
            except SchemaEnforcementError as exc:
                raise SchemaEnforcementError(
                    f"Failed to enforce schema of data with schema '{schema}'. Error: {exc}",
                    INVALID_PARAMETER_VALUE,  # as MLflow's PyFuncModel.predict re-raises it
                ) from None
        params = enforce_params(params, meta.get_params_schema())
        parameter = inspect.signature(self._predict_fn).parameters.get("params")
        if parameter is not None and parameter.kind != inspect.Parameter.VAR_KEYWORD:
            return self._predict_fn(data, params=params)
        if params:
            warnings.warn(
                "The model's predict function does not accept `params`; ignoring them.",
                MlmodelSpecWarning,
                stacklevel=2,
            )
        return self._predict_fn(data)

    def unwrap_python_model(self) -> Any:
        """The user's :class:`PythonModel` behind a custom model."""
        python_model = getattr(self._model_impl, "python_model", None)
        if python_model is None:
            raise MlmodelSpecError("Unable to retrieve base model object from pyfunc.")
        return python_model

    def get_raw_model(self) -> Any:
        """The underlying library model (estimator, Booster), when the flavor exposes it."""
        if hasattr(self._model_impl, "get_raw_model"):
            return self._model_impl.get_raw_model()
        raise MlmodelSpecError("This model's implementation does not expose a raw model")

    def __repr__(self) -> str:
        return f"PyFuncModel(loader_module={self.loader_module!r})"


def load_model(
    model_uri: str | Path,
    suppress_warnings: bool = False,
    dst_path: str | None = None,
    model_config: dict[str, Any] | None = None,
) -> PyFuncModel:
    """Load a model directory through its ``python_function`` flavor, without MLflow.

    **Executes code** from the model (loader, ``code`` dir, pickles): trusted models only.
    Warns, as MLflow does, when the Python major.minor or installed libraries differ from
    the model's (unless ``suppress_warnings``).
    """
    directory = model_directory(model_uri)
    meta = Model.load(directory)
    if (meta.metadata or {}).get("mlflow.model.isExternal") is True:
        raise ModelFormatError("This model is marked external (metadata mlflow.model.isExternal)")
    conf = meta.get_flavor(FLAVOR_NAME)
    if not suppress_warnings:
        environment.warn_on_environment_mismatch(directory, conf.get("python_version"))
    add_code_to_path(directory, conf.get("code"))
    data_path = directory / str(conf["data"]) if conf.get("data") else directory
    config = {**(conf.get("config") or {}), **(model_config or {})}
    try:
        loader = importlib.import_module(resolve_loader_module(conf.get("loader_module")))
    except ImportError as exc:
        raise ModelFormatError(
            f"Cannot import the loader module {conf.get('loader_module')!r}: {exc}"
        ) from None
    if not hasattr(loader, "_load_pyfunc"):
        raise ModelFormatError(f"Loader module {loader.__name__} has no _load_pyfunc()")
    impl = (
        loader._load_pyfunc(str(data_path), config)
        if config
        else loader._load_pyfunc(str(data_path))
    )
    stream_fn = (
        str(conf.get("predict_stream_fn") or "predict_stream") if conf.get("streamable") else None
    )
    model = PyFuncModel(
        meta, impl, str(conf.get("predict_fn") or "predict"), stream_fn, meta.model_id
    )
    if meta.saved_input_example_info is not None:
        model._example_directory = directory  # read on first use of model.input_example
    return model
