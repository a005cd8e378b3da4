"""Payload serializers shared by flavors: pickle, cloudpickle, skops and joblib (the
strategy registry of spec/flavors/README.md).

Loading pickle, cloudpickle or joblib files executes code from the file; only load models
you trust.
skops loads only the types it trusts (its defaults plus ``trusted``).
"""

from __future__ import annotations

import pickle
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from mlmodel_spec.types.errors import MissingDependencyError, ModelFormatError

PICKLE = "pickle"
CLOUDPICKLE = "cloudpickle"
SKOPS = "skops"
JOBLIB = "joblib"
FORMATS = (PICKLE, CLOUDPICKLE, SKOPS, JOBLIB)
#: whether a skops save re-reads its file to prove it loads (off only where the caller loads
#: the saved model right after: the round-trip check, conformance/dynamic/checks_resave.py)
REREAD_SKOPS: ContextVar[bool] = ContextVar("reread_skops", default=True)


def check_format(serialization_format: object) -> str:
    if serialization_format not in FORMATS:
        raise ModelFormatError(
            f"Unrecognized serialization format: {serialization_format!r}. "
            f"Please specify one of the following supported formats: {list(FORMATS)}."
        )
    return str(serialization_format)


def _import_skops() -> Any:
    try:
        import skops.io
    except ImportError:
        raise MissingDependencyError(
            "The skops serialization format needs the 'skops' package: pip install skops"
        ) from None
    return skops.io


def _import_joblib() -> Any:
    try:
        import joblib
    except ImportError:
        raise MissingDependencyError(
            "The joblib serialization format needs the 'joblib' package"
        ) from None
    return joblib


def _import_cloudpickle() -> Any:
    try:
        import cloudpickle
    except ImportError:
        raise MissingDependencyError(
            "The cloudpickle serialization format needs the 'cloudpickle' package"
        ) from None
    return cloudpickle


def dump(obj: Any, path: Path, serialization_format: str, trusted: list[str] | None) -> None:
    """Serialize ``obj`` to ``path``; a skops file is re-read with ``trusted`` to prove it
    loads (as MLflow does), so a save never produces a model its own loader refuses."""
    check_format(serialization_format)
    if serialization_format == SKOPS:
        sio = _import_skops()
        try:
            sio.dump(obj, path)
        except Exception as exc:  # skops raises many types for unsupported objects
            raise ModelFormatError(
                "The model could not be serialized with skops (custom functions or classes not "
                "defined at module top level are unsupported); use serialization_format="
                f"'cloudpickle' instead. Cause: {exc!r}"
            ) from exc
        if REREAD_SKOPS.get():
            load(path, SKOPS, trusted)
        return
    if serialization_format == JOBLIB:
        _import_joblib().dump(obj, path)
        return
    lib: Any = pickle if serialization_format == PICKLE else _import_cloudpickle()
    with path.open("wb") as out:
        try:
            lib.dump(obj, out, protocol=pickle.DEFAULT_PROTOCOL)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            raise ModelFormatError(
                f"The model could not be serialized with {serialization_format}: {exc}"
            ) from exc


def load(path: Path, serialization_format: object, trusted: list[str] | None) -> Any:
    """Load a payload. **Executes code** for pickle/cloudpickle: trusted files only."""
    fmt = check_format(serialization_format)
    if not path.is_file():
        raise ModelFormatError(f"Model file {path} does not exist")
    if fmt == SKOPS:
        sio = _import_skops()
        from skops.io.exceptions import UntrustedTypesFoundException

        try:
            return sio.load(path, trusted=trusted)
        except UntrustedTypesFoundException as exc:
            raise ModelFormatError(
                f"The skops file {path} references untrusted types: {exc}. If they are safe, "
                "list them in the flavor's skops_trusted_types."
            ) from None
    if fmt == JOBLIB:
        return _import_joblib().load(path)
    with path.open("rb") as src:
        try:
            return pickle.load(src)
        except ModuleNotFoundError as exc:
            raise MissingDependencyError(
                f"Loading {path} needs the module {exc.name!r}, which is not installed"
            ) from None
