"""Unpickle ``python_model.pkl`` files written by MLflow, without MLflow installed.

MLflow's cloudpickle files reference a few MLflow classes by name (the ``PythonModel`` base
class, ``_FunctionPythonModel``, ``PythonModelContext``, the ``_TypeHints`` cache MLflow keeps
on instances, and what MLflow 3.x's type-hint wrapper of ``predict`` calls:
:mod:`.mlflow_compat`). :class:`MlflowCompatUnpickler` maps those names to our equivalents
and refuses any other ``mlflow`` reference with a clear message. Unpickling executes code
from the file: load only models you trust.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import IO, Any

from mlmodel_spec.types.errors import MissingDependencyError, ModelFormatError

from .mlflow_compat import STAND_INS

_OURS = "mlmodel_spec.pyfunc.model"
CLASS_MAP: dict[tuple[str, str], tuple[str, str]] = {
    ("mlflow.pyfunc.model", "PythonModel"): (_OURS, "PythonModel"),
    ("mlflow.pyfunc", "PythonModel"): (_OURS, "PythonModel"),
    ("mlflow.pyfunc.model", "PythonModelContext"): (_OURS, "PythonModelContext"),
    ("mlflow.pyfunc", "PythonModelContext"): (_OURS, "PythonModelContext"),
    ("mlflow.pyfunc.model", "_FunctionPythonModel"): (_OURS, "FunctionPythonModel"),
    ("mlflow.models.signature", "_TypeHints"): (_OURS, "TypeHints"),
    **{
        mlflow_name: ("mlmodel_spec.pyfunc.mlflow_compat", ours)
        for mlflow_name, ours in STAND_INS.items()
    },
}


class MlflowRequiredError(ModelFormatError):
    """The pickle refers to an MLflow name we have no stand-in for, and MLflow is absent."""


def _mlflow_is_importable() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("mlflow") is not None
    except (ImportError, ValueError):
        return False


class MlflowCompatUnpickler(pickle.Unpickler):
    """A pickle loader that resolves MLflow's custom-model classes to mlmodel-spec's."""

    def find_class(self, module: str, name: str) -> Any:
        mapped = CLASS_MAP.get((module, name))
        if mapped is not None:
            return super().find_class(*mapped)
        if module == "mlflow" or module.startswith("mlflow."):
            if _mlflow_is_importable():
                return super().find_class(module, name)
            raise MlflowRequiredError(
                f"This pickle references {module}.{name}, an MLflow class mlmodel-spec has no "
                "equivalent for; load this model with MLflow installed"
            )
        try:
            return super().find_class(module, name)
        except ModuleNotFoundError as exc:
            raise MissingDependencyError(
                f"The pickled model needs the module {exc.name!r}, which is not installed"
            ) from None


def load_pickle(stream: IO[bytes]) -> Any:
    return MlflowCompatUnpickler(stream).load()


def load_python_model(path: Path, compression: object = None) -> Any:
    """Load a (possibly compressed) ``python_model.pkl``."""
    if not path.is_file():
        raise ModelFormatError(f"Python model file {path} does not exist")
    opener: Any
    if compression in (None, ""):
        opener = open
    elif compression == "lzma":
        import lzma

        opener = lzma.open
    elif compression == "bzip2":
        import bz2

        opener = bz2.open
    elif compression == "gzip":
        import gzip

        opener = gzip.open
    else:
        raise ModelFormatError(f"Unsupported python_model_compression {compression!r}")
    with opener(path, "rb") as stream:
        try:
            return load_pickle(stream)
        except (pickle.UnpicklingError, EOFError) as exc:
            raise ModelFormatError(f"Cannot unpickle {path}: {exc}") from None
