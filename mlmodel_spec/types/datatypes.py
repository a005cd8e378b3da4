"""Column data types of the MLflow signature format: primitives and complex types.

JSON shapes follow MLflow 3.x exactly (``{"type": "array", "items": ...}``, object properties
sorted by name, ...). numpy is imported lazily, only when a numpy dtype is requested.
"""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Any, Union

from mlmodel_spec.types.errors import SchemaError

if TYPE_CHECKING:
    import numpy as np

ARRAY_TYPE = "array"
OBJECT_TYPE = "object"
MAP_TYPE = "map"
ANY_TYPE = "any"
SPARKML_VECTOR_TYPE = "sparkml_vector"

_NUMPY_NAMES = {
    "boolean": "bool",
    "integer": "int32",
    "long": "int64",
    "float": "float32",
    "double": "float64",
    "string": "str",
    "binary": "bytes",
    "datetime": "datetime64[ns]",
}
_PYTHON_TYPES: dict[str, type] = {
    "boolean": bool,
    "integer": int,
    "long": int,
    "float": float,
    "double": float,
    "string": str,
    "binary": bytes,
    "datetime": dt.date,
}


class DataType(Enum):
    """Primitive column types (MLflow ``DataType``); values are MLflow's enum ordinals."""

    boolean = 1
    integer = 2
    long = 3
    float = 4
    double = 5
    string = 6
    binary = 7
    datetime = 8

    def __repr__(self) -> str:
        return self.name

    def to_numpy(self) -> np.dtype[Any]:
        """The equivalent numpy dtype."""
        import numpy as np

        return np.dtype(_NUMPY_NAMES[self.name])

    def to_pandas(self) -> Any:
        """The equivalent pandas dtype (``object`` for strings and bytes)."""
        if self in (DataType.string, DataType.binary):
            return object
        return self.to_numpy()

    def to_python(self) -> type:
        """The equivalent Python type."""
        return _PYTHON_TYPES[self.name]

    @classmethod
    def parse(cls, name: object) -> DataType:
        """Look a type up by its JSON name, with a clear error for unknown names."""
        if isinstance(name, DataType):
            return name
        if isinstance(name, str) and name in cls.__members__:
            return cls[name]
        raise SchemaError(
            f"Unsupported type {name!r}, expected one of {[t.name for t in DataType]}"
        )


ColType = Union[DataType, "Array", "Object", "Map", "AnyType"]


def _type_to_dict(t: ColType) -> dict[str, Any]:
    return {"type": t.name} if isinstance(t, DataType) else t.to_dict()


def parse_type(spec: object) -> ColType:
    """Parse the JSON form of any column type (``{"type": ..., ...}``)."""
    if not isinstance(spec, dict) or "type" not in spec:
        raise SchemaError(f"Expected a type object with a 'type' key, got {spec!r}")
    kind = spec["type"]
    if kind == ARRAY_TYPE:
        return Array.from_json_dict(spec)
    if kind == OBJECT_TYPE:
        return Object.from_json_dict(spec)
    if kind == MAP_TYPE:
        return Map.from_json_dict(spec)
    if kind == ANY_TYPE:
        return AnyType()
    if kind == SPARKML_VECTOR_TYPE:
        return SparkMLVector()
    return DataType.parse(kind)


def coerce_type(value: object, what: str, error: type[SchemaError] = SchemaError) -> ColType:
    """Accept a type object or a primitive type name (``error`` for other Python types)."""
    if isinstance(value, (DataType, Array, Object, Map, AnyType)):
        return value
    if isinstance(value, str):
        return DataType.parse(value)
    raise error(
        f"{what} must be a DataType, Array, Object, Map, AnyType or a type name, got {value!r}"
    )


def json_fields(spec: dict[str, Any] | None, fields: dict[str, Any], what: str) -> dict[str, Any]:
    """The JSON mapping given to a ``from_json_dict``: as one dict, as keywords (MLflow's
    ``from_json_dict(**spec)``) or both."""
    if spec is not None and not isinstance(spec, dict):
        raise SchemaError(f"{what} JSON must be a mapping, got {type(spec).__name__}")
    return {**(spec or {}), **fields}


class BaseType:
    """Base class of the complex column types (MLflow ``BaseType``)."""

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement to_dict()")


def merge_types(left: ColType, right: ColType) -> ColType:
    """Merge two inferred types as MLflow does when inferring from lists."""
    if isinstance(left, AnyType):
        if isinstance(right, (DataType, AnyType)):
            return right
        return merge_types(right, left)
    if isinstance(left, DataType):
        if isinstance(right, AnyType) or right == left:
            return left
        raise SchemaError(f"Incompatible types {left!r} and {right!r}")
    return left.merge(right)


class AnyType(BaseType):
    """Any JSON value, including None."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AnyType)

    def __hash__(self) -> int:
        return hash(ANY_TYPE)

    def __repr__(self) -> str:
        return "Any"

    def to_dict(self) -> dict[str, Any]:
        return {"type": ANY_TYPE}

    def merge(self, other: ColType) -> ColType:
        return merge_types(self, other)


class Array(BaseType):
    """A JSON array whose items all have one type."""

    def __init__(self, dtype: ColType | str) -> None:
        self.dtype: ColType = coerce_type(dtype, "Array dtype")

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Array)
            and not isinstance(other, SparkMLVector)
            and (self.dtype == other.dtype)
        )

    def __hash__(self) -> int:
        return hash((ARRAY_TYPE, repr(self.dtype)))

    def __repr__(self) -> str:
        return f"Array({self.dtype!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"type": ARRAY_TYPE, "items": _type_to_dict(self.dtype)}

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> Array:
        """Parse ``{"type": "array", "items": {...}}`` (one mapping or keywords)."""
        spec = json_fields(spec, kwargs, "Array")
        items = spec.get("items")
        if not isinstance(items, dict):
            raise SchemaError(f"Array type needs an 'items' object, got {spec!r}")
        return cls(parse_type(items))

    def merge(self, other: ColType) -> ColType:
        if isinstance(other, AnyType) or self == other:
            return Array(self.dtype)
        if not isinstance(other, Array):
            raise SchemaError(f"Can't merge array with non-array type {other!r}")
        return Array(merge_types(self.dtype, other.dtype))


class SparkMLVector(Array):
    """Spark ML vector (an array of doubles)."""

    def __init__(self) -> None:
        super().__init__(DataType.double)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SparkMLVector)

    def __hash__(self) -> int:
        return hash(SPARKML_VECTOR_TYPE)

    def __repr__(self) -> str:
        return "SparkML vector"

    def to_dict(self) -> dict[str, Any]:
        return {"type": SPARKML_VECTOR_TYPE}

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> SparkMLVector:
        return cls()

    def merge(self, other: ColType) -> ColType:
        if isinstance(other, SparkMLVector):
            return SparkMLVector()
        raise SchemaError("SparkML vector type can't be merged with another type")


class Map(BaseType):
    """A JSON object with string keys and values of one type."""

    def __init__(self, value_type: ColType | str) -> None:
        self.value_type: ColType = coerce_type(value_type, "Map value_type")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Map) and self.value_type == other.value_type

    def __hash__(self) -> int:
        return hash((MAP_TYPE, repr(self.value_type)))

    def __repr__(self) -> str:
        return f"Map(str -> {self.value_type!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"type": MAP_TYPE, "values": _type_to_dict(self.value_type)}

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> Map:
        """Parse ``{"type": "map", "values": {...}}`` (one mapping or keywords)."""
        spec = json_fields(spec, kwargs, "Map")
        values = spec.get("values")
        if not isinstance(values, dict):
            raise SchemaError(f"Map type needs a 'values' object, got {spec!r}")
        return cls(parse_type(values))

    def merge(self, other: ColType) -> ColType:
        if isinstance(other, AnyType) or self == other:
            return Map(self.value_type)
        if not isinstance(other, Map):
            raise SchemaError(f"Can't merge map with non-map type {other!r}")
        return Map(merge_types(self.value_type, other.value_type))


class Property:
    """A named, typed property of an :class:`Object`."""

    def __init__(self, name: str, dtype: ColType | str, required: bool = True) -> None:
        if not isinstance(name, str):
            raise SchemaError(f"Property name must be a string, got {name!r}")
        self.name = name
        self.dtype: ColType = coerce_type(dtype, f"Property {name!r} dtype")
        self.required = bool(required)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Property)
            and (self.name, self.required) == (other.name, other.required)
            and self.dtype == other.dtype
        )

    def __hash__(self) -> int:
        return hash((self.name, repr(self.dtype), self.required))

    def __repr__(self) -> str:
        return f"{self.name}: {self.dtype!r} ({'required' if self.required else 'optional'})"

    def to_dict(self) -> dict[str, Any]:
        body = _type_to_dict(self.dtype)
        body["required"] = self.required
        return {self.name: body}

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> Property:
        """Parse ``{"<name>": {"type": ..., "required": ...}}`` (one mapping or keywords)."""
        spec = json_fields(spec, kwargs, "Property")
        if len(spec) != 1:
            raise SchemaError(
                f"Property JSON must have exactly one key, the property name; got {sorted(spec)}"
            )
        name, body = next(iter(spec.items()))
        if not isinstance(body, dict) or "type" not in body:
            raise SchemaError(f"Property {name!r} needs a mapping with a 'type' key, got {body!r}")
        return cls(name, parse_type(body), required=bool(body.get("required", True)))

    def merge(self, other: Property | AnyType) -> Property:
        if isinstance(other, AnyType):
            return Property(self.name, self.dtype, required=False)
        return Property(
            self.name, merge_types(self.dtype, other.dtype), self.required and other.required
        )


class Object(BaseType):
    """A JSON object with named properties (kept sorted by name, as MLflow does)."""

    def __init__(self, properties: list[Property]) -> None:
        if not isinstance(properties, list) or not properties:
            raise SchemaError("Object needs a non-empty list of Property")
        if not all(isinstance(p, Property) for p in properties):
            raise SchemaError("Object properties must be Property instances")
        names = [p.name for p in properties]
        if duplicates := sorted({n for n in names if names.count(n) > 1}):
            raise SchemaError(f"Found duplicated property names: {duplicates}")
        self.properties = sorted(properties, key=lambda p: p.name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Object) and self.properties == other.properties

    def __hash__(self) -> int:
        return hash(tuple(self.properties))

    def __repr__(self) -> str:
        return "{" + ", ".join(map(repr, self.properties)) + "}"

    def to_dict(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for prop in self.properties:
            props.update(prop.to_dict())
        return {"type": OBJECT_TYPE, "properties": props}

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> Object:
        """Parse ``{"type": "object", "properties": {...}}`` (one mapping or keywords)."""
        spec = json_fields(spec, kwargs, "Object")
        props = spec.get("properties")
        if not isinstance(props, dict) or not all(isinstance(v, dict) for v in props.values()):
            raise SchemaError(f"Object type needs a 'properties' mapping, got {spec!r}")
        return cls([Property.from_json_dict({name: body}) for name, body in props.items()])

    def merge(self, other: ColType) -> ColType:
        if isinstance(other, AnyType):
            return Object([Property(p.name, p.dtype, False) for p in self.properties])
        if not isinstance(other, Object):
            raise SchemaError(f"Can't merge object with non-object type {other!r}")
        mine = {p.name: p for p in self.properties}
        theirs = {p.name: p for p in other.properties}
        merged = [
            mine[n].merge(theirs[n]) if n in theirs else Property(n, mine[n].dtype, False)
            for n in mine
        ]
        merged += [Property(n, p.dtype, False) for n, p in theirs.items() if n not in mine]
        return Object(merged)
