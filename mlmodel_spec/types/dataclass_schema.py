"""``convert_dataclass_to_schema``: a column schema from a dataclass's type hints.

Top-level fields become columns; nested dataclasses become :class:`Object` types, lists become
:class:`Array` types and ``Optional[X]`` (``X | None``) makes a column or property optional, as
in MLflow. String annotations (``from __future__ import annotations``) are resolved.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import TYPE_CHECKING, Any

from mlmodel_spec.types.datatypes import Array, ColType, DataType, Object, Property
from mlmodel_spec.types.errors import SchemaError, SchemaTypeError

if TYPE_CHECKING:
    from mlmodel_spec.types.schema import Schema

_PRIMITIVES: dict[Any, DataType] = {
    bool: DataType.boolean,
    int: DataType.long,  # 64-bit, as MLflow maps int
    float: DataType.float,
    str: DataType.string,
    bytes: DataType.binary,
    dt.date: DataType.datetime,
    dt.datetime: DataType.datetime,
}


def _unwrap_optional(hint: Any, where: str) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1 or len(typing.get_args(hint)) != 2:
            raise SchemaError(f"{where}: only Optional[...] unions are supported, got {hint}")
        return args[0], True
    return hint, False


def _field_type(hint: Any, where: str) -> ColType:
    if hint in _PRIMITIVES:
        return _PRIMITIVES[hint]
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return _object(hint)
    if typing.get_origin(hint) is list and typing.get_args(hint):
        item, _ = _unwrap_optional(typing.get_args(hint)[0], where)
        return Array(_field_type(item, where))
    raise SchemaError(f"{where}: unsupported field type {hint!r}")


def _hints(cls: type) -> dict[str, Any]:
    try:
        return typing.get_type_hints(cls)
    except (NameError, TypeError) as exc:
        raise SchemaError(f"Cannot resolve the type hints of {cls.__name__}: {exc}") from None


def _object(cls: type) -> Object:
    props = []
    for name, hint in _hints(cls).items():
        inner, optional = _unwrap_optional(hint, f"{cls.__name__}.{name}")
        props.append(Property(name, _field_type(inner, f"{cls.__name__}.{name}"), not optional))
    return Object(props)


def convert_dataclass_to_schema(dataclass: Any) -> Schema:
    """The column schema of a dataclass (or instance): one column per field."""
    from mlmodel_spec.types.schema import ColSpec, Schema, Spec

    if not dataclasses.is_dataclass(dataclass):
        raise SchemaTypeError(f"{dataclass!r} is not a dataclass")
    cls = dataclass if isinstance(dataclass, type) else type(dataclass)
    columns: list[Spec] = []
    for name, hint in _hints(cls).items():
        inner, optional = _unwrap_optional(hint, f"{cls.__name__}.{name}")
        columns.append(
            ColSpec(_field_type(inner, f"{cls.__name__}.{name}"), name, required=not optional)
        )
    return Schema(columns)
