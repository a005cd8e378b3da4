"""The ``lightgbm`` flavor: save, load and log LightGBM models as MLflow 3.x does.

``lightgbm.Booster`` -> ``model.lgb`` (LightGBM's text format). scikit-learn API estimators
(``LGBMClassifier``, ...) -> ``model.skops`` (default) or ``model.pkl``, with the skops trusted
types MLflow adds for LightGBM. The MLmodel names ``mlflow.lightgbm`` as loader module.

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

FLAVOR = FlavorTable(
    name="lightgbm", mlflow_loader="mlflow.lightgbm", library="lightgbm", version_key="lgb_version"
)
FLAVOR_NAME = FLAVOR.name
BOOSTER_CLASS = "lightgbm.basic.Booster"
BOOSTER_FILE = "model.lgb"
PAYLOAD_FILES = {ser.SKOPS: "model.skops", ser.PICKLE: "model.pkl", ser.CLOUDPICKLE: "model.pkl"}
DEFAULT_SERIALIZATION_FORMAT = ser.SKOPS
_RUNTIME_REQUIREMENTS = ("numpy", "pandas", "scikit-learn", "scipy")
SKOPS_TRUSTED_TYPES = (
    "collections.OrderedDict",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
)


def get_default_pip_requirements(
    include_cloudpickle: bool = False, include_skops: bool = False
) -> list[str]:
    """The flavor's minimal requirements, pinned to the installed versions."""
    reqs = [environment.pinned_requirement("lightgbm")]
    if include_cloudpickle:
        reqs.append(environment.pinned_requirement("cloudpickle"))
    if include_skops:
        reqs.append(environment.pinned_requirement("skops"))
    return reqs


class LGBModelWrapper:
    """The pyfunc implementation: ``predict`` of the Booster or estimator."""

    def __init__(self, lgb_model: Any) -> None:
        self.lgb_model = lgb_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.lgb_model.predict(data)

    def get_raw_model(self) -> Any:
        return self.lgb_model


def _class_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__name__}"


def save_model(  # noqa: PLR0917 - positional order mirrors MLflow's
    lgb_model: Any,
    path: str | Path,
    conda_env: Any = None,
    code_paths: list[str | Path] | None = None,
    mlflow_model: Model | None = None,
    signature: ModelSignature | bool | None = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    serialization_format: str = DEFAULT_SERIALIZATION_FORMAT,
    skops_trusted_types: list[str] | None = None,
) -> None:
    """Save a LightGBM Booster or scikit-learn-API model to a new directory ``path``."""
    import lightgbm as lgb

    fmt = ser.check_format(serialization_format)
    is_booster = isinstance(lgb_model, lgb.Booster)
    payload = BOOSTER_FILE if is_booster else PAYLOAD_FILES[fmt]
    trusted = skops_trusted_types
    if fmt == ser.SKOPS:
        trusted = sorted(set(SKOPS_TRUSTED_TYPES) | set(skops_trusted_types or ()))

    def write(staging: Path, model: Model, code: str | None) -> list[str]:
        if is_booster:
            lgb_model.save_model(str(staging / payload))
        else:
            ser.dump(lgb_model, staging / payload, fmt, trusted)
        model.add_flavor(
            "python_function", **pyfunc_block(FLAVOR.mlflow_loader, code, data=payload)
        )
        model.add_flavor(
            FLAVOR.name,
            lgb_version=lgb.__version__,
            data=payload,
            model_class=_class_name(lgb_model),
            code=code,
            serialization_format=fmt,
            skops_trusted_types=trusted,
        )
        serializer = () if is_booster or fmt == ser.PICKLE else (fmt,)
        return environment.pinned_requirements(("lightgbm", *serializer), _RUNTIME_REQUIREMENTS)

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
    save_model_directory(request, write, LGBModelWrapper(lgb_model))


def log_model(
    lgb_model: Any, name: str | None = None, artifact_path: str | None = None, **kwargs: Any
) -> LoggedModel:
    """Save the model and log it to the active MLflow run (needs mlflow installed)."""
    return log_model_to_run(
        name, artifact_path, lambda p, m: save_model(lgb_model, p, mlflow_model=m, **kwargs)
    )


def _load(directory: Path) -> Any:
    _, conf = flavor_conf(directory, FLAVOR.name)
    add_code_to_path(directory, conf.get("code"))
    file = relative_file(directory, conf.get("data"), "data")
    if conf.get("model_class", BOOSTER_CLASS) == BOOSTER_CLASS:
        import lightgbm as lgb

        if not file.is_file():
            from mlmodel_spec.types.errors import ModelFormatError

            raise ModelFormatError(f"Model file {file} does not exist")
        return lgb.Booster(model_file=str(file))
    fmt = conf.get("serialization_format", ser.CLOUDPICKLE)
    return ser.load(file, fmt, conf.get("skops_trusted_types"))


def load_model(model_uri: str | Path, dst_path: str | None = None) -> Any:
    """Load the Booster or estimator of a model directory.

    **Executes code** for pickle/cloudpickle payloads and adds the model's ``code`` dir to
    ``sys.path``: load only models you trust.
    """
    return _load(model_directory(model_uri))


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> LGBModelWrapper:
    """pyfunc loader: ``path`` is the model file (``data``) or the model directory."""
    target = Path(path)
    return LGBModelWrapper(_load(target.parent if target.is_file() else target))
