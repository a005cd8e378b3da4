"""The machinery behind generated flavor modules (``mlmodel-spec codegen``).

A generated module holds a :class:`FlavorDefinition` — the facts of its spec — and thin
functions with MLflow's signatures that call :func:`save`, :func:`load` and
:func:`load_pyfunc_model` here. Everything a flavor does that is not a fact of its spec
lives in this module, ``_flavor.py`` (the save pipeline) and ``_flavor_serialization.py``
(the strategies).
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlmodel_spec import _flavor_serialization as ser
from mlmodel_spec import environment
from mlmodel_spec._flavor import (
    PYFUNC_FLAVOR,
    SaveRequest,
    add_code_to_path,
    flavor_conf,
    pyfunc_block,
    relative_file,
    save_model_directory,
)
from mlmodel_spec.models.model import Model
from mlmodel_spec.types.errors import MlmodelSpecError, ModelFormatError


def import_object(dotted: str) -> Any:
    """``package.module.Name`` -> the object (the longest importable module prefix)."""
    module_name, _, attribute = dotted.rpartition(".")
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


def class_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__name__}"


@dataclass(frozen=True)
class NativeFormat:
    """A class the library saves itself: ``model.<save_method>(path)`` and
    ``<load_function>([<load_argument>=]path)``."""

    class_path: str
    recorded_class: str
    file: str
    save_method: str
    load_function: str
    load_argument: str | None = None

    def matches(self, model: Any) -> bool:
        return isinstance(model, import_object(self.class_path))

    def save(self, model: Any, path: Path, **kwargs: Any) -> None:
        getattr(model, self.save_method)(str(path), **kwargs)

    def load(self, path: Path) -> Any:
        if not path.is_file():
            raise ModelFormatError(f"Model file {path} does not exist")
        function = import_object(self.load_function)
        if self.load_argument:
            return function(**{self.load_argument: str(path)})
        return function(str(path))


@dataclass(frozen=True)
class FlavorDefinition:
    """The facts of one flavor spec that saving and loading need."""

    name: str
    loader_module: str
    library_import: str
    library: str
    """pip distribution of the library (``scikit-learn``)."""
    file_key: str
    formats: Mapping[str, str]
    default_format: str
    written_keys: tuple[str, ...]
    """Keys of the flavor block ``save_model`` writes, in the spec's order."""
    version_key: str | None = None
    version_attribute: str = "__version__"
    format_key: str | None = None
    format_when_absent: str = ser.PICKLE
    trusted_types_key: str | None = None
    always_trusted: tuple[str, ...] = ()
    class_key: str | None = None
    class_when_absent: str | None = None
    native: tuple[NativeFormat, ...] = ()
    pyfunc_data_key: str = "data"
    predict_fn_parameter: str | None = None
    predict_fns: tuple[str, ...] = ("predict",)
    pyfunc_only_if_model_has_predict_fn: bool = False
    pyfunc_file_argument: str = "directory"
    requirements: tuple[str, ...] = ()
    optional_requirements: tuple[str, ...] = ()
    extras: Mapping[str, str] = field(default_factory=dict)

    def check_format(self, serialization_format: object) -> str:
        if serialization_format not in self.formats:
            raise ModelFormatError(
                f"Unrecognized serialization format: {serialization_format!r}. "
                "Please specify one of the following supported formats: "
                f"{list(self.formats)}."
            )
        return str(serialization_format)

    def native_for(self, model: Any) -> NativeFormat | None:
        return next((n for n in self.native if n.matches(model)), None)

    def native_recorded(self, recorded: object) -> NativeFormat | None:
        return next((n for n in self.native if n.recorded_class == recorded), None)

    def trusted_types(self, fmt: str, given: list[str] | None) -> list[str] | None:
        if fmt == ser.SKOPS and self.always_trusted:
            return sorted(set(self.always_trusted) | set(given or ()))
        return given


def default_pip_requirements(definition: FlavorDefinition, **include: bool) -> list[str]:
    """The flavor's minimal requirements, pinned to the installed versions; ``include_<x>``
    flags add the extras of the spec."""
    reqs = [environment.pinned_requirement(d) for d in definition.requirements]
    for extra, distribution in definition.extras.items():
        if include.get(f"include_{extra}"):
            reqs.append(environment.pinned_requirement(distribution))
    return reqs


def default_conda_env(definition: FlavorDefinition, **include: bool) -> dict[str, Any]:
    return environment.conda_env_for(default_pip_requirements(definition, **include))


class FlavorModelWrapper:
    """The pyfunc implementation of a generated flavor: ``predict`` and the other methods
    of ``predict_fns`` the model has, each taking ``(data, params=None)``."""

    predict_fns: tuple[str, ...] = ("predict",)
    pass_params = False
    output = "as-is"

    def __init__(self, model: Any) -> None:
        self._model = model
        for name in self.predict_fns[1:]:
            if hasattr(model, name):
                setattr(self, name, self._method(name))

    def _method(self, name: str) -> Any:
        def call(data: Any, params: dict[str, Any] | None = None) -> Any:
            return self._call(name, data, params)

        return call

    def _call(self, name: str, data: Any, params: dict[str, Any] | None) -> Any:
        method = getattr(self._model, name)
        result = method(data, **params) if self.pass_params and params else method(data)
        return convert_output(result, self.output)

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self._call("predict", data, params)

    def get_raw_model(self) -> Any:
        return self._model


def convert_output(result: Any, output: str) -> Any:
    if output == "numpy":
        import numpy as np

        return np.asarray(result)
    if output == "pandas":
        import pandas as pd

        return result if isinstance(result, (pd.DataFrame, pd.Series)) else pd.DataFrame(result)
    return result


@dataclass
class SaveOptions:
    """The flavor-specific ``save_model`` arguments."""

    serialization_format: str | None = None
    skops_trusted_types: list[str] | None = None
    predict_fn: str = "predict"
    extra_files: list[str] | None = None
    native_kwargs: dict[str, Any] = field(default_factory=dict)


EXTRA_FILES_DIR = "extra_files"


def copy_extra_files(extra_files: object, directory: Path) -> list[dict[str, str]] | None:
    """Copy local ``extra_files`` into ``<dir>/extra_files`` as MLflow does; the flavor block
    lists them (``None``: none given). Remote URIs need MLflow: save with the mlflow target."""
    if not extra_files:
        return None
    if not isinstance(extra_files, list):
        raise TypeError("Extra files argument should be a list")
    target = directory / EXTRA_FILES_DIR
    target.mkdir()
    entries = []
    for item in extra_files:
        source = Path(str(item).removeprefix("file://"))
        if "://" in str(item) and not str(item).startswith("file://"):
            raise MlmodelSpecError(f"Extra file {item!r}: only local files can be copied")
        if not source.is_file():
            raise MlmodelSpecError(f"Extra file {item!r} does not exist")
        shutil.copy2(source, target / source.name)
        entries.append({"path": f"{EXTRA_FILES_DIR}/{source.name}"})
    return entries


def save(
    definition: FlavorDefinition,
    model: Any,
    request: SaveRequest,
    options: SaveOptions,
    wrapper: type[FlavorModelWrapper],
) -> Model:
    """Save ``model`` as the flavor's spec says, through the shared save pipeline."""
    library = importlib.import_module(definition.library_import)
    fmt = definition.check_format(options.serialization_format or definition.default_format)
    if definition.predict_fn_parameter and options.predict_fn not in definition.predict_fns:
        raise MlmodelSpecError(
            f"{definition.predict_fn_parameter} must be one of {list(definition.predict_fns)}"
        )
    native = definition.native_for(model)
    payload = native.file if native else definition.formats[fmt]
    trusted = definition.trusted_types(fmt, options.skops_trusted_types)
    values: dict[str | None, Any] = {
        definition.file_key: payload,
        definition.version_key: getattr(library, definition.version_attribute, None),
        definition.format_key: fmt,
        definition.trusted_types_key: trusted,
        definition.class_key: class_name(model),
    }

    def write(staging: Path, mlmodel: Model, code: str | None) -> list[str]:
        if native:
            native.save(model, staging / payload, **options.native_kwargs)
        else:
            ser.dump(model, staging / payload, fmt, trusted)
        if not definition.pyfunc_only_if_model_has_predict_fn or hasattr(model, options.predict_fn):
            extra = {definition.pyfunc_data_key: payload}
            if definition.predict_fn_parameter:
                extra["predict_fn"] = options.predict_fn
            mlmodel.add_flavor(
                PYFUNC_FLAVOR, **pyfunc_block(definition.loader_module, code, **extra)
            )
        values["code"] = code
        copied = copy_extra_files(options.extra_files, staging)
        if copied is not None:
            values[EXTRA_FILES_DIR] = copied
        block = {k: values[k] for k in definition.written_keys if k in values}
        mlmodel.add_flavor(definition.name, **block)
        serializer = () if native or fmt == ser.PICKLE else (fmt,)
        return environment.pinned_requirements(
            (*definition.requirements, *serializer), definition.optional_requirements
        )

    return save_model_directory(request, write, wrapper(model))


def load(definition: FlavorDefinition, directory: Path, *, pyfunc: bool = False) -> Any:
    """The model object of a model directory (``pyfunc``: prefer the python_function
    block's payload key, as MLflow's ``_load_pyfunc`` does)."""
    mlmodel, conf = flavor_conf(directory, definition.name)
    add_code_to_path(directory, conf.get("code"))
    key, value = definition.file_key, conf.get(definition.file_key)
    pyfunc_conf = mlmodel.flavors.get(PYFUNC_FLAVOR) or {}
    if pyfunc and definition.pyfunc_data_key in pyfunc_conf:
        key = definition.pyfunc_data_key
        value = pyfunc_conf.get(key, value)
    file = relative_file(directory, value, key)
    if definition.class_key:
        recorded = conf.get(definition.class_key, definition.class_when_absent)
        native = definition.native_recorded(recorded)
        if native is not None:
            return native.load(file)
    fmt = conf.get(definition.format_key or "", definition.format_when_absent)
    trusted = conf.get(definition.trusted_types_key) if definition.trusted_types_key else None
    return ser.load(file, fmt, trusted)


def load_pyfunc_model(definition: FlavorDefinition, path: str | Path) -> Any:
    """The model object for ``_load_pyfunc``: ``path`` is the model directory or, for old
    models, the payload file itself."""
    target = Path(path)
    if target.is_file():
        if definition.pyfunc_file_argument == "pickle":
            return ser.load(target, ser.PICKLE, None)
        target = target.parent
    return load(definition, target, pyfunc=True)
