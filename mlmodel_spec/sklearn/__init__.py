"""The ``sklearn`` flavor: save, load and log scikit-learn models as MLflow 3.x does.

Files: ``model.skops`` (default, as MLflow >= 3.14 outside Databricks) or ``model.pkl``
(pickle / cloudpickle). The MLmodel names ``mlflow.sklearn`` as loader module, so MLflow loads
these directories natively; :func:`mlmodel_spec.pyfunc.load_model` maps it back to this module.

Loading pickle/cloudpickle files executes code stored in them: load only models you trust.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mlmodel_spec import _flavor_serialization as ser
from mlmodel_spec import environment
from mlmodel_spec._flavor import (
    FlavorTable,
    LoggedModel,
    SaveRequest,
    add_code_to_path,
    flavor_conf,
    log_model_to_run,
    model_directory,
    pyfunc_block,
    relative_file,
    save_model_directory,
)
from mlmodel_spec.models.model import Model
from mlmodel_spec.models.signature import ModelSignature
from mlmodel_spec.types.errors import MlmodelSpecError

FLAVOR = FlavorTable(
    name="sklearn",
    mlflow_loader="mlflow.sklearn",
    library="scikit-learn",
    version_key="sklearn_version",
)
FLAVOR_NAME = FLAVOR.name
SERIALIZATION_FORMAT_PICKLE = ser.PICKLE
SERIALIZATION_FORMAT_CLOUDPICKLE = ser.CLOUDPICKLE
SERIALIZATION_FORMAT_SKOPS = ser.SKOPS
SUPPORTED_SERIALIZATION_FORMATS = list(ser.FORMATS)
DEFAULT_SERIALIZATION_FORMAT = ser.SKOPS
PAYLOAD_FILES = {ser.SKOPS: "model.skops", ser.PICKLE: "model.pkl", ser.CLOUDPICKLE: "model.pkl"}
PREDICT_FNS = ("predict", "predict_proba", "predict_log_proba", "predict_joint_log_proba", "score")
_RUNTIME_REQUIREMENTS = ("numpy", "pandas", "scipy")


def get_default_pip_requirements(
    include_cloudpickle: bool = False, include_skops: bool = False
) -> list[str]:
    """The flavor's minimal requirements, pinned to the installed versions."""
    reqs = [environment.pinned_requirement("scikit-learn")]
    if include_cloudpickle:
        reqs.append(environment.pinned_requirement("cloudpickle"))
    if include_skops:
        reqs.append(environment.pinned_requirement("skops"))
    return reqs


def _serializer_requirements(serialization_format: str) -> tuple[str, ...]:
    return (serialization_format,) if serialization_format != ser.PICKLE else ()


class SklearnModelWrapper:
    """The pyfunc implementation: exposes the estimator's prediction methods with ``params``."""

    def __init__(self, sklearn_model: Any) -> None:
        self.sklearn_model = sklearn_model
        for name in PREDICT_FNS[1:]:
            if hasattr(sklearn_model, name):
                setattr(self, name, self._method(name))

    def _method(self, name: str) -> Any:
        def call(data: Any, params: dict[str, Any] | None = None) -> Any:
            return getattr(self.sklearn_model, name)(data)

        return call

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.sklearn_model.predict(data)

    def get_raw_model(self) -> Any:
        return self.sklearn_model


def save_model(  # noqa: PLR0917 - positional order mirrors MLflow's
    sk_model: Any,
    path: str | Path,
    conda_env: Any = None,
    code_paths: list[str | Path] | None = None,
    mlflow_model: Model | None = None,
    serialization_format: str = DEFAULT_SERIALIZATION_FORMAT,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    pyfunc_predict_fn: str = "predict",
    metadata: dict[str, Any] | None = None,
    skops_trusted_types: list[str] | None = None,
) -> None:
    """Save a scikit-learn model to a new directory ``path`` (atomic; refuses to overwrite)."""
    import sklearn

    fmt = ser.check_format(serialization_format)
    if pyfunc_predict_fn not in PREDICT_FNS:
        raise MlmodelSpecError(f"pyfunc_predict_fn must be one of {list(PREDICT_FNS)}")
    payload = PAYLOAD_FILES[fmt]

    def write(staging: Path, model: Model, code: str | None) -> list[str]:
        ser.dump(sk_model, staging / payload, fmt, skops_trusted_types)
        if hasattr(sk_model, pyfunc_predict_fn):
            model.add_flavor(
                "python_function",
                **pyfunc_block(
                    FLAVOR.mlflow_loader, code, model_path=payload, predict_fn=pyfunc_predict_fn
                ),
            )
        model.add_flavor(
            FLAVOR.name,
            pickled_model=payload,
            sklearn_version=sklearn.__version__,
            serialization_format=fmt,
            code=code,
            skops_trusted_types=skops_trusted_types,
        )
        return environment.pinned_requirements(
            ("scikit-learn", *_serializer_requirements(fmt)), _RUNTIME_REQUIREMENTS
        )

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
    save_model_directory(request, write, SklearnModelWrapper(sk_model))


def log_model(
    sk_model: Any, name: str | None = None, artifact_path: str | None = None, **kwargs: Any
) -> LoggedModel:
    """Save the model and log it to the active MLflow run (needs mlflow installed)."""
    return log_model_to_run(
        name, artifact_path, lambda p, m: save_model(sk_model, p, mlflow_model=m, **kwargs)
    )


def _load_from_directory(directory: Path) -> Any:
    _, conf = flavor_conf(directory, FLAVOR.name)
    add_code_to_path(directory, conf.get("code"))
    file = relative_file(directory, conf.get("pickled_model"), "pickled_model")
    return ser.load(
        file, conf.get("serialization_format", ser.PICKLE), conf.get("skops_trusted_types")
    )


def load_model(model_uri: str | Path, dst_path: str | None = None) -> Any:
    """Load the scikit-learn estimator of a model directory.

    **Executes code** for pickle/cloudpickle payloads and adds the model's ``code`` dir to
    ``sys.path``: load only models you trust.
    """
    return _load_from_directory(model_directory(model_uri))


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> SklearnModelWrapper:
    """pyfunc loader: ``path`` is the model directory, or the model file for pre-1.10 models
    (``data: model.pkl``, always pickle)."""
    target = Path(path)
    if target.is_file():
        return SklearnModelWrapper(ser.load(target, ser.PICKLE, None))
    model, conf = flavor_conf(target, FLAVOR.name)
    pyfunc_conf = model.flavors.get("python_function", {})
    file = relative_file(
        target, pyfunc_conf.get("model_path", conf.get("pickled_model")), "model_path"
    )
    fmt = conf.get("serialization_format", ser.PICKLE)
    return SklearnModelWrapper(ser.load(file, fmt, conf.get("skops_trusted_types")))
