"""Stand-ins for the MLflow names a type-hinted ``PythonModel`` pickle refers to.

MLflow 3.x wraps a ``predict`` whose input has a type hint (``list[str]``, a dataclass, a
pydantic model, ...) in a closure of ``mlflow.pyfunc.utils.data_validation``; cloudpickle
stores that closure by value, with references by name to ``FuncInfo``,
``_validate_model_input`` and ``mlflow.exceptions.MlflowException``. The wrapper converts
the pyfunc input to what the hint names before calling the user's ``predict``.
:mod:`.unpickle` maps those names here so such models load without MLflow.

The conversion follows MLflow's for the inputs pyfunc hands a model: a DataFrame becomes a
list (its records for dict or object elements, else its first column's values; the same
rule as :func:`mlmodel_spec.types.type_hints.frame_as_hint`), a Series or an array becomes a
list; anything else is passed through. The input was already checked
against the signature MLflow inferred from the hint (``signature.inputs``).
"""

from __future__ import annotations

import typing
from typing import Any, NamedTuple

from mlmodel_spec.types.errors import MlmodelSpecError


class FuncInfo(NamedTuple):
    """``mlflow.pyfunc.utils.data_validation.FuncInfo``: the input's hint and parameter."""

    input_type_hint: Any
    input_param_name: str


def convert_to_hint(data: Any, hint: Any) -> Any:
    """The pyfunc input as the ``predict`` type hint wants it (see the module docstring)."""
    from mlmodel_spec.types.type_hints import frame_as_hint, is_frame

    if typing.get_origin(hint) is not list:
        return data
    if is_frame(data):
        return frame_as_hint(data, hint)
    if hasattr(data, "tolist") and type(data).__module__.split(".")[0] in ("pandas", "numpy"):
        return data.tolist()
    return data


def _validate_model_input(
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    model_input_index_in_sig: int,
    type_hint: Any,
    model_input_param_name: str,
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """MLflow 3.x's call: convert the model input, wherever it is, to ``type_hint``."""
    if model_input_param_name in kwargs:
        kwargs[model_input_param_name] = convert_to_hint(kwargs[model_input_param_name], type_hint)
    elif len(args) > model_input_index_in_sig:
        converted = convert_to_hint(args[model_input_index_in_sig], type_hint)
        position = model_input_index_in_sig
        args = (*args[:position], converted, *args[position + 1 :])
    return args, kwargs


class MlflowException(MlmodelSpecError):
    """``mlflow.exceptions.MlflowException`` as the wrapper raises it."""


#: (MLflow module, name) -> the stand-in defined here
STAND_INS: dict[tuple[str, str], str] = {
    ("mlflow.pyfunc.utils.data_validation", "FuncInfo"): "FuncInfo",
    ("mlflow.pyfunc.utils.data_validation", "_validate_model_input"): "_validate_model_input",
    ("mlflow.exceptions", "MlflowException"): "MlflowException",
}
