"""Read the JSON of an MLmodel signature the way MLflow does, without MLflow.

``signature.inputs``/``outputs``/``params`` in ``MLmodel`` are JSON *strings*. This module
decodes them (cached per string, with duplicate keys detected) and turns the decoded lists
into small immutable specs: :class:`InputSchema` (of :class:`ColumnSpec` or
:class:`TensorSpec`) and :class:`ParamSpec`, typed by :class:`DataType`.
:func:`locate_json` turns a pointer into a line and column of a JSON text.

Whether a JSON *value* fits one of these specs is answered by :mod:`.example_values`.
Everything here is pure Python over JSON values and never raises for bad input.
"""

from __future__ import annotations

import json
import json.decoder
import re
from collections.abc import Callable
from functools import lru_cache

from .findings import join_pointer, split_pointer
from .records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

PRIMITIVE_TYPES = frozenset(
    {"boolean", "integer", "long", "float", "double", "string", "binary", "datetime"}
)
INTEGER_TYPES = frozenset({"integer", "long"})
FLOAT_TYPES = frozenset({"float", "double"})


# -- decoding ---------------------------------------------------------------------------


@record(frozen=True)
class Duplicate:
    """A key given more than once in one JSON object."""

    pointer: str  # the object holding the key
    key: str
    conflicting: bool  # the values differ, so the one ``json.loads`` drops is lost


@record(frozen=True)
class DecodedJson:
    """One decoded signature string. ``value`` is shared through a cache: never mutate it."""

    value: Any = None
    ok: bool = False
    error: str = ""
    position: int = 0  # 0-based offset of the JSON error in the string
    line: int = 0  # 1-based line/column of the error inside the string
    column: int = 0
    duplicates: tuple[Duplicate, ...] = ()


class _DupDict(dict[str, "Any"]):
    """A decoded JSON object that had a key more than once (``json`` keeps the last)."""

    repeated: tuple[tuple[str, bool], ...] = ()  # (key, values differ)


def _pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) == len(pairs):
        return result
    first: dict[str, Any] = {}
    repeated: dict[str, bool] = {}
    for key, value in pairs:
        if key in first:
            repeated[key] = repeated.get(key, False) or not _same(first[key], value)
        else:
            first[key] = value
    marked = _DupDict(result)
    marked.repeated = tuple(repeated.items())
    return marked


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b) and type(a) is type(b)
    except RecursionError:  # pragma: no cover - nesting is bounded by the decoder
        return False


def _find_duplicates(value: Any) -> tuple[Duplicate, ...]:
    found: list[Duplicate] = []
    stack: list[tuple[str, Any]] = [("", value)]
    while stack:
        pointer, node = stack.pop()
        if isinstance(node, dict):
            if isinstance(node, _DupDict):
                found.extend(Duplicate(pointer, key, differs) for key, differs in node.repeated)
            stack.extend((join_pointer(pointer, k), v) for k, v in node.items())
        elif isinstance(node, list):
            stack.extend((join_pointer(pointer, i), v) for i, v in enumerate(node))
    return tuple(sorted(found, key=lambda d: (d.pointer, d.key)))


@lru_cache(maxsize=1024)
def decode_json_text(text: str) -> DecodedJson:
    """Decode a signature string like ``json.loads`` (bare ``NaN`` accepted), never raising."""
    has_dups = False

    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal has_dups
        result = _pairs_hook(pairs)
        has_dups = has_dups or isinstance(result, _DupDict)
        return result

    try:
        value = json.loads(text, object_pairs_hook=hook)
    except json.JSONDecodeError as exc:
        return DecodedJson(error=exc.msg, position=exc.pos, line=exc.lineno, column=exc.colno)
    except RecursionError:
        return DecodedJson(error="nested too deeply")
    return DecodedJson(value, ok=True, duplicates=_find_duplicates(value) if has_dups else ())


#: JSON's whitespace (compiled on first use)
_WHITESPACE = r"[ \t\n\r]*"
_BLANKS = frozenset(" \t\n\r")
_DECODER = json.JSONDecoder()
# the C string scanner json uses (not in the type stubs)
_SCANSTRING: Callable[[str, int], tuple[str, int]] = vars(json.decoder)["scanstring"]


def locate_json(text: str, pointer: str) -> tuple[int, int]:
    """1-based ``(line, column)`` of the value at ``pointer`` in the JSON ``text``, or of its
    nearest ancestor that exists. Skips siblings with the C decoder, so it costs about as much
    as decoding the part of the text before the value."""
    pos = _skip(text, 0)
    try:
        for token in split_pointer(pointer):
            found = _child(text, pos, token)
            if found is None:
                break
            pos = found
    except (ValueError, IndexError, RecursionError):  # malformed: keep the last good position
        pass
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _skip(text: str, pos: int) -> int:
    """Where the JSON whitespace from ``pos`` ends: the end of ``_WHITESPACE`` matched there."""
    if not 0 <= pos <= len(text):  # `re` clamps pos into the text
        match = re.compile(_WHITESPACE).match(text, pos)
        return match.end() if match else pos
    while text[pos : pos + 1] in _BLANKS:  # "" at the end is no blank
        pos += 1
    return pos


def _child(text: str, pos: int, token: str) -> int | None:
    """Start of the member ``token`` of the array/object starting at ``pos``."""
    opener = text[pos : pos + 1]
    if opener not in ("[", "{") or (opener == "[" and not token.isdigit()):
        return None
    closer = "]" if opener == "[" else "}"
    target = int(token) if opener == "[" else -1
    index, pos = 0, _skip(text, pos + 1)
    while text[pos : pos + 1] not in ("", closer):
        if opener == "{":
            key, pos = _SCANSTRING(text, pos + 1)
            pos = _skip(text, _skip(text, pos) + 1)  # past the colon
            if key == token:
                return pos
        elif index == target:
            return pos
        _, pos = _DECODER.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text[pos : pos + 1] != ",":
            return None
        index, pos = index + 1, _skip(text, pos + 1)
    return None


# -- types ------------------------------------------------------------------------------


@record(frozen=True)
class DataType:
    """A column/property/param type: a primitive name or a complex kind."""

    kind: str  # a PRIMITIVE_TYPES name, or array/object/map/any/sparkml_vector
    items: DataType | None = None  # array items, map values
    properties: tuple[Property, ...] = ()

    @property
    def primitive(self) -> bool:
        return self.kind in PRIMITIVE_TYPES

    def describe(self) -> str:
        if self.kind in ("array", "map") and self.items is not None:
            return f"{self.kind}<{self.items.describe()}>"
        if self.kind == "object":
            return "object{" + ", ".join(p.name for p in self.properties) + "}"
        return self.kind


@record(frozen=True)
class Property:
    name: str
    type: DataType
    required: bool


def read_type(spec: Any, depth: int = 0) -> DataType | None:
    """The type described by a JSON object with a ``type`` key; ``None`` when unusable."""
    if not isinstance(spec, dict) or depth > 64:
        return None
    kind = spec.get("type")
    if not isinstance(kind, str):
        return None
    if kind in PRIMITIVE_TYPES or kind in ("any", "sparkml_vector"):
        return DataType(kind)
    if kind in ("array", "map"):
        inner = read_type(spec.get("items" if kind == "array" else "values"), depth + 1)
        return DataType(kind, inner) if inner is not None else None
    if kind == "object":
        props = spec.get("properties")
        if not isinstance(props, dict) or not props:
            return None
        properties = []
        for name, prop in sorted(props.items()):
            inner = read_type(prop, depth + 1)
            if inner is None:
                return None
            required = prop.get("required", True)
            properties.append(Property(name, inner, required is not False))
        return DataType(kind, properties=tuple(properties))
    return None


# -- schemas ----------------------------------------------------------------------------


@record(frozen=True)
class ColumnSpec:
    index: int
    name: str | int | None
    type: DataType
    required: bool


@record(frozen=True)
class TensorSpec:
    index: int
    name: str | int | None
    dtype: str
    shape: tuple[int, ...] | None  # None when the shape is unusable


@record(frozen=True)
class InputSchema:
    """The usable entries of a decoded schema list (unusable ones are left out)."""

    columns: tuple[ColumnSpec, ...]
    tensors: tuple[TensorSpec, ...]
    complete: bool  # every entry was usable

    @property
    def is_columns(self) -> bool:
        return self.complete and bool(self.columns) and not self.tensors

    @property
    def is_tensors(self) -> bool:
        return self.complete and bool(self.tensors) and not self.columns

    @property
    def named(self) -> bool:
        specs = self.columns or self.tensors
        return all(s.name is not None for s in specs)


def spec_name(entry: dict[str, Any]) -> str | int | None:
    name = entry.get("name")
    return name if isinstance(name, (str, int)) and not isinstance(name, bool) else None


def column_required(entry: dict[str, Any], kind: str) -> bool:
    """MLflow's effective ``required``: primitive columns default to required, complex ones
    read without the key are optional; 2.4-2.9 ``"optional": true`` means not required."""
    if entry.get("optional") is True:
        return False
    required = entry.get("required", True if kind in PRIMITIVE_TYPES else None)
    return required is True or (required is not None and required is not False)


def _shape(raw: Any) -> tuple[int, ...] | None:
    if not isinstance(raw, list):
        return None
    if not all(isinstance(d, int) and not isinstance(d, bool) and d >= -1 for d in raw):
        return None
    return tuple(raw)


@lru_cache(maxsize=1024)
def _schema_from_text(text: str) -> InputSchema | None:
    decoded = decode_json_text(text)
    return read_schema(decoded.value) if decoded.ok else None


def input_schema(raw: Any) -> InputSchema | None:
    """The schema of a ``signature.inputs``/``outputs`` field, or ``None``."""
    if not raw or not isinstance(raw, str):
        return None
    return _schema_from_text(raw)


def read_schema(value: Any) -> InputSchema | None:
    if not isinstance(value, list):
        return None
    columns: list[ColumnSpec] = []
    tensors: list[TensorSpec] = []
    complete = True
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            complete = False
            continue
        if entry.get("type") == "tensor":
            info = entry.get("tensor-spec")
            dtype = info.get("dtype") if isinstance(info, dict) else None
            if not isinstance(dtype, str):
                complete = False
                continue
            shape = _shape(info.get("shape")) if isinstance(info, dict) else None
            tensors.append(TensorSpec(index, spec_name(entry), dtype, shape))
            continue
        dtype_ = read_type(entry)
        if dtype_ is None:
            complete = False
            continue
        required = column_required(entry, dtype_.kind)
        columns.append(ColumnSpec(index, spec_name(entry), dtype_, required))
    return InputSchema(tuple(columns), tuple(tensors), complete)


# -- params -----------------------------------------------------------------------------


@record(frozen=True)
class ParamSpec:
    index: int
    name: str
    type: DataType | None  # None when the type is unusable (the schema check says why)
    default: Any
    shape: tuple[int, ...] | None
    shape_ok: bool  # shape is null or [-1], the only forms MLflow accepts


def read_params(value: Any) -> tuple[ParamSpec, ...]:
    """Usable param specs of a decoded ``signature.params`` list."""
    if not isinstance(value, list):
        return ()
    params: list[ParamSpec] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, dict) or "name" not in entry or "default" not in entry:
            continue
        kind = entry.get("type") or entry.get("dtype")
        dtype = read_type({**entry, "type": kind}) if isinstance(kind, str) else None
        raw_shape = entry.get("shape")
        shape = _shape(raw_shape)
        shape_ok = raw_shape is None or shape == (-1,)
        params.append(
            ParamSpec(index, str(entry["name"]), dtype, entry["default"], shape, shape_ok)
        )
    return tuple(params)


@lru_cache(maxsize=1024)
def _params_from_text(text: str) -> tuple[ParamSpec, ...]:
    decoded = decode_json_text(text)
    return read_params(decoded.value) if decoded.ok else ()


def param_specs(raw: Any) -> tuple[ParamSpec, ...]:
    if not raw or not isinstance(raw, str):
        return ()
    return _params_from_text(raw)
