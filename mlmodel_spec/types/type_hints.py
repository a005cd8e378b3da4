"""Schemas from Python type hints, for ``PythonModel.predict(self, model_input: list[str])``.

Supported as MLflow 3.x supports them: ``str``, ``int`` (long), ``float`` (double), ``bool``,
``bytes``, ``datetime``, ``Any``, ``list[X]``, ``dict[str, X]``, ``Optional[X]``, pydantic
models and dataclasses (objects); other unions become ``Any``. The schema has one unnamed
column of that type. Unsupported hints (``pd.DataFrame``, none at all) give no signature.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import inspect
import types
import typing
import warnings
from typing import Any

from mlmodel_spec.types.datatypes import AnyType, Array, ColType, DataType, Map, Object, Property
from mlmodel_spec.types.errors import MlmodelSpecWarning, SchemaError

_PRIMITIVES: dict[Any, DataType] = {
    str: DataType.string,
    int: DataType.long,
    float: DataType.double,
    bool: DataType.boolean,
    bytes: DataType.binary,
    dt.datetime: DataType.datetime,
}


def _optional(hint: Any) -> tuple[Any, bool]:
    """(inner hint, is optional) for ``Optional[X]`` / ``X | None``; unions stay as they are."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(hint)) == 2:
            return args[0], True
    return hint, False


def _fields(hint: type) -> dict[str, Any]:
    if dataclasses.is_dataclass(hint):
        return typing.get_type_hints(hint)
    return {name: f.annotation for name, f in hint.model_fields.items()}  # type: ignore[attr-defined]


def _is_object_hint(hint: Any) -> bool:
    if not isinstance(hint, type):
        return False
    return dataclasses.is_dataclass(hint) or any(
        k.__name__ == "BaseModel" and k.__module__.startswith("pydantic") for k in hint.__mro__
    )


def type_from_hint(hint: Any) -> ColType:
    """The column type of a hint (SchemaError when unsupported)."""
    hint, _ = _optional(hint)
    if hint is Any:
        return AnyType()
    if hint in _PRIMITIVES:
        return _PRIMITIVES[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        warnings.warn(
            f"Union type hint {hint} is inferred as AnyType; its element types are not checked",
            MlmodelSpecWarning,
            stacklevel=3,
        )
        return AnyType()
    if origin is list and len(args) == 1:
        return Array(type_from_hint(args[0]))
    if origin is dict and len(args) == 2 and args[0] is str:
        return Map(type_from_hint(args[1]))
    if _is_object_hint(hint):
        props = []
        for name, field_hint in _fields(hint).items():
            inner, optional = _optional(field_hint)
            props.append(Property(name, type_from_hint(inner), required=not optional))
        return Object(props)
    raise SchemaError(f"Unsupported type hint {hint!r}")


def schema_from_hint(hint: Any) -> Any:
    """A one-column :class:`Schema` of the hint's type (SchemaError when unsupported or
    optional: an unnamed column cannot be optional)."""
    from mlmodel_spec.types.schema import ColSpec, Schema

    if _optional(hint)[1]:
        raise SchemaError(f"An optional type hint cannot be an unnamed input: {hint!r}")
    return Schema([ColSpec(type_from_hint(hint))])


def _is_list(hint: Any) -> bool:
    return typing.get_origin(hint) is list and len(typing.get_args(hint)) == 1


def signature_from_predict(predict: Any) -> Any:
    """The signature a ``predict`` method's type hints declare, as MLflow 3.x infers it, or
    None. The input hint must be ``list[X]`` (a batch; the schema is X's); the output is
    X's schema for ``list[X]``, the hint's own otherwise, and ``Any`` when missing or
    unsupported."""
    from mlmodel_spec.models.signature import ModelSignature
    from mlmodel_spec.types.schema import ColSpec, Schema

    hint = input_hint(predict)
    if hint is None:
        return None
    inputs = schema_from_hint(typing.get_args(hint)[0])
    hints = typing.get_type_hints(predict)
    outputs = Schema([ColSpec(AnyType())])
    if "return" in hints:
        out = hints["return"]
        with contextlib.suppress(SchemaError):  # MLflow falls back to Any as well
            outputs = schema_from_hint(typing.get_args(out)[0] if _is_list(out) else out)
    signature = ModelSignature(inputs, outputs)
    signature.is_signature_from_type_hint = True
    return signature


def _hint_text(hint: Any) -> str:
    return hint.__name__ if isinstance(hint, type) else str(hint).replace("typing.", "")


def _element_problem(value: Any, hint: Any) -> str | None:
    """Why ``value`` does not fit ``hint`` (None when it does), checked as MLflow 3.x checks
    type-hinted input: primitives by ``isinstance`` (no int -> float), lists and
    ``dict[str, X]`` element by element; objects and unions are not checked here."""
    if hint is Any or _is_object_hint(hint):
        return None
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint in _PRIMITIVES:
        if isinstance(value, hint) and not (hint is float and isinstance(value, bool)):
            return None
        return f"Expected type {hint.__name__}, but got {type(value).__name__}"
    if origin is list and len(args) == 1:
        if not isinstance(value, list):
            return f"Expected list, but got {type(value).__name__}"
        bad = [(str(v), p) for v in value if (p := _element_problem(v, args[0])) is not None]
        return f"invalid elements of {_hint_text(hint)}: {bad}" if bad else None
    if origin is dict and len(args) == 2:
        if not isinstance(value, dict):
            return f"Expected dict, but got {type(value).__name__}"
        bad = [(str(v), p) for v in value.values() if (p := _element_problem(v, args[1]))]
        return f"invalid values of {_hint_text(hint)}: {bad}" if bad else None
    return None


def input_hint(predict: Any) -> Any:
    """The ``list[X]`` hint of a predict method's input when it gives a signature, else None."""
    try:
        hints = typing.get_type_hints(predict)
    except (NameError, TypeError):
        return None
    names = [p for p in inspect.signature(predict).parameters if p not in ("self", "params")]
    input_name = "model_input" if "model_input" in names else (names[-1] if names else None)
    hint = hints.get(input_name) if input_name else None
    if hint is None or not _is_list(hint):
        return None
    try:
        schema_from_hint(typing.get_args(hint)[0])
    except SchemaError:
        return None
    return hint


def is_frame(data: Any) -> bool:
    return type(data).__name__ == "DataFrame" and type(data).__module__.startswith("pandas")


def frame_as_hint(frame: Any, hint: Any) -> list[Any]:
    """A pandas DataFrame as MLflow hands it to a ``list[X]`` hint: its records for dict or
    object (dataclass, pydantic) elements, else its first column's values."""
    item = (typing.get_args(hint) or (Any,))[0]
    if typing.get_origin(item) is dict or _is_object_hint(item):
        records: list[Any] = frame.to_dict(orient="records")
        return records
    return frame.iloc[:, 0].tolist() if len(frame.columns) else []


def check_input(data: Any, hint: Any) -> Any:
    """``data`` checked against a ``list[X]`` input hint (a pandas DataFrame becomes its first
    column's values, or its records for dict/object elements, as MLflow converts it).

    Raises :class:`SchemaEnforcementError` naming the elements that do not fit."""
    from mlmodel_spec.types.errors import INVALID_PARAMETER_VALUE, SchemaEnforcementError

    if is_frame(data):
        data = frame_as_hint(data, hint)
    problem = _element_problem(data, hint)
    if problem is not None:
        raise SchemaEnforcementError(
            f"Failed to validate data against type hint `{_hint_text(hint)}`: {problem}",
            INVALID_PARAMETER_VALUE,
        )
    return data
