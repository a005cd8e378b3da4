"""Column and tensor specifications and the :class:`Schema` that lists them.

The JSON written by :meth:`Schema.to_json` is byte-identical to MLflow 3.x's (key order
``type, name, required`` for columns; ``name, type, tensor-spec`` for tensors).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Union

from mlmodel_spec.types.dataclass_schema import convert_dataclass_to_schema
from mlmodel_spec.types.datatypes import (
    ANY_TYPE,
    ARRAY_TYPE,
    MAP_TYPE,
    OBJECT_TYPE,
    SPARKML_VECTOR_TYPE,
    AnyType,
    Array,
    BaseType,
    ColType,
    DataType,
    Map,
    Object,
    Property,
    SparkMLVector,
    coerce_type,
    json_fields,
    parse_type,
)
from mlmodel_spec.types.errors import SchemaError, SchemaTypeError
from mlmodel_spec.types.params import ParamSchema, ParamSpec

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "ANY_TYPE",
    "ARRAY_TYPE",
    "MAP_TYPE",
    "OBJECT_TYPE",
    "SPARKML_VECTOR_TYPE",
    "AnyType",
    "Array",
    "BaseType",
    "ColSpec",
    "DataType",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "SparkMLVector",
    "TensorInfo",
    "TensorSpec",
    "convert_dataclass_to_schema",
]
ALLOWED_DTYPES = Union["Array", "DataType", "Map", "Object", "AnyType", str]
COLSPEC_TYPES = Union["Array", "DataType", "Map", "Object", "AnyType"]
_COMPLEX_KINDS = (ARRAY_TYPE, OBJECT_TYPE, MAP_TYPE, SPARKML_VECTOR_TYPE, ANY_TYPE)
_COLSPEC_KEYS = {"type", "name", "required"}


class ColSpec:
    """A (possibly named) column of a column-based schema."""

    def __init__(
        self, type: ColType | str, name: str | int | None = None, required: bool | None = True
    ) -> None:
        self.type: ColType = coerce_type(type, "ColSpec type", SchemaTypeError)
        if name is not None and not isinstance(name, (str, int)):
            raise SchemaError(f"ColSpec name must be a string or None, got {name!r}")
        self.name = name  # MLflow keeps pandas' integer labels as they are
        # ``None`` only comes from reading a complex-typed column written without ``required``;
        # MLflow treats it as optional and writes it back as null.
        self.required = required

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ColSpec)
            and (self.name, self.required) == (other.name, other.required)
            and self.type == other.type
        )

    def __hash__(self) -> int:
        return hash((self.name, repr(self.type), self.required))

    def __repr__(self) -> str:
        req = "required" if self.required else "optional"
        if self.name is None:
            return f"{self.type!r} ({req})"
        return f"{self.name!r}: {self.type!r} ({req})"

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = (
            {"type": self.type.name} if isinstance(self.type, DataType) else self.type.to_dict()
        )
        if self.name is not None:
            body["name"] = self.name
        body["required"] = self.required
        return body

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> ColSpec:
        """Parse a column's JSON (one mapping, or keywords as MLflow's ``from_json_dict``)."""
        spec = json_fields(spec, kwargs, "ColSpec")
        if "type" not in spec:
            raise SchemaError(f"Column spec needs a 'type' key, got keys {sorted(spec)}")
        kind = spec.get("type")
        if kind not in _COMPLEX_KINDS:
            if unknown := sorted(set(spec) - _COLSPEC_KEYS):
                raise SchemaError(
                    f"Unexpected keys {unknown} in column spec {spec!r} (the pre-2.10 'optional' "
                    "key is not accepted, as in MLflow >= 2.18)"
                )
            return cls(DataType.parse(kind), spec.get("name"), bool(spec.get("required", True)))
        required = spec.get("required")
        return cls(parse_type(spec), spec.get("name"), None if required is None else bool(required))


class TensorSpec:
    """A (possibly named) tensor with a numpy dtype and a shape (``-1`` = any size)."""

    def __init__(
        self, type: np.dtype[Any] | str, shape: tuple[int, ...] | list[int], name: str | None = None
    ) -> None:
        import numpy as np

        try:
            dtype = np.dtype(type)
        except TypeError as exc:
            raise SchemaTypeError(f"Invalid tensor dtype {type!r}: {exc}") from None
        if dtype.char in ("U", "S") and not dtype.name.isalpha():
            raise SchemaError(
                "Size information in flexible numpy dtypes is not supported, use "
                f"np.dtype({dtype.name.rstrip('0123456789')!r}) instead of {dtype.name!r}"
            )
        if not isinstance(shape, (tuple, list)):
            raise SchemaTypeError(f"Tensor shape must be a tuple or list of ints, got {shape!r}")
        if not all(isinstance(d, int) and not isinstance(d, bool) for d in shape):
            raise SchemaError(f"Tensor shape must be a list of ints, got {shape!r}")
        self.type: np.dtype[Any] = dtype
        self.shape: tuple[int, ...] = tuple(shape)
        self.name = name

    @property
    def required(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, TensorSpec)
            and (self.name, self.shape) == (other.name, other.shape)
            and self.type == other.type
        )

    def __hash__(self) -> int:
        return hash((self.name, self.type.name, self.shape))

    def __repr__(self) -> str:
        text = f"Tensor({self.type.name!r}, {self.shape!r})"
        return text if self.name is None else f"{self.name!r}: {text}"

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {} if self.name is None else {"name": self.name}
        body["type"] = "tensor"
        body["tensor-spec"] = {"dtype": self.type.name, "shape": list(self.shape)}
        return body

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> TensorSpec:
        """Parse a tensor's JSON (one mapping, or keywords as MLflow's ``from_json_dict``)."""
        spec = json_fields(spec, kwargs, "TensorSpec")
        if spec.get("type") != "tensor" or not isinstance(spec.get("tensor-spec"), dict):
            raise SchemaError(f"Tensor spec needs type 'tensor' and a 'tensor-spec': {spec!r}")
        info = TensorInfo.from_json_dict(spec["tensor-spec"])
        return cls(info.dtype, info.shape, spec.get("name"))


class TensorInfo:
    """The ``tensor-spec`` part of a tensor: numpy dtype and shape (MLflow ``TensorInfo``)."""

    def __init__(self, dtype: np.dtype[Any], shape: tuple[int, ...] | list[int]) -> None:
        spec = TensorSpec(dtype, shape)  # one place validates dtypes and shapes
        self.dtype: np.dtype[Any] = spec.type
        self.shape: tuple[int, ...] = spec.shape

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorInfo) and (self.dtype, self.shape) == (
            other.dtype,
            other.shape,
        )

    def __hash__(self) -> int:
        return hash((self.dtype.name, self.shape))

    def __repr__(self) -> str:
        return f"Tensor({self.dtype.name!r}, {self.shape!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"dtype": self.dtype.name, "shape": list(self.shape)}

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> TensorInfo:
        spec = json_fields(spec, kwargs, "TensorInfo")
        if not {"dtype", "shape"} <= set(spec):
            raise SchemaError(f"Tensor info needs dtype and shape, got keys {sorted(spec)}")
        shape = spec["shape"]
        if not isinstance(shape, (list, tuple)):
            raise SchemaError(f"Tensor shape must be a list of ints, got {shape!r}")
        return cls(spec["dtype"], list(shape))


Spec = ColSpec | TensorSpec


class Schema:
    """An ordered list of column specs or of tensor specs (never a mix)."""

    def __init__(self, inputs: list[Spec]) -> None:
        if not isinstance(inputs, list):
            raise SchemaError(f"Inputs of Schema must be a list, got {type(inputs).__name__}")
        if not inputs:
            raise SchemaError("A Schema needs a non-empty list of ColSpec or TensorSpec")
        if not all(isinstance(x, (ColSpec, TensorSpec)) for x in inputs):
            raise SchemaError("Schema inputs must be ColSpec or TensorSpec instances")
        named = [x.name is not None for x in inputs]
        if any(named) and not all(named):
            raise SchemaError(
                "Creating Schema with a combination of named and unnamed inputs is not allowed. "
                f"Got input names {[x.name for x in inputs]}"
            )
        kinds = {type(x) for x in inputs}
        if len(kinds) > 1:
            raise SchemaError("Creating Schema with a combination of ColSpec and TensorSpec")
        if kinds == {TensorSpec} and len(inputs) > 1 and not all(named):
            raise SchemaError("Creating Schema with multiple unnamed TensorSpecs is not supported")
        if not any(named) and any(x.required is False for x in inputs):
            raise SchemaError("Creating Schema with unnamed optional inputs is not supported")
        self.inputs = inputs

    def __len__(self) -> int:
        return len(self.inputs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.inputs == other.inputs

    def __hash__(self) -> int:
        return hash(tuple(self.inputs))

    def __repr__(self) -> str:
        return repr(self.inputs)

    def is_tensor_spec(self) -> bool:
        return isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return self.inputs[0].name is not None

    def input_names(self) -> list[str | int]:
        return [x.name if x.name is not None else i for i, x in enumerate(self.inputs)]

    def required_input_names(self) -> list[str | int]:
        return [
            x.name if x.name is not None else i
            for i, x in enumerate(self.inputs)
            if x.required is True
        ]

    def optional_input_names(self) -> list[str | int]:
        return [
            x.name if x.name is not None else i
            for i, x in enumerate(self.inputs)
            if x.required is not True
        ]

    def input_types(self) -> list[Any]:
        return [x.type for x in self.inputs]

    def input_types_dict(self) -> dict[str | int, Any]:
        """Input name -> type (named schemas only)."""
        return {name: spec.type for name, spec in self.input_dict().items()}

    def input_dict(self) -> dict[str | int, Spec]:
        """Input name -> spec (named schemas only)."""
        if not self.has_input_names():
            raise SchemaError("Cannot get an input dict for a schema without input names")
        return {x.name: x for x in self.inputs if x.name is not None}

    def numpy_types(self) -> list[Any]:
        """The numpy dtype of every input (tensors, or columns of primitive types)."""
        if self.is_tensor_spec():
            return [x.type for x in self.inputs]
        types = self.input_types()
        if not all(isinstance(t, DataType) for t in types):
            raise SchemaError("Cannot get numpy types: some input types are not primitive")
        return [t.to_numpy() for t in types]

    def pandas_types(self) -> list[Any]:
        """The pandas dtype of every column (column schemas of primitive types only)."""
        if self.is_tensor_spec():
            raise SchemaError("A tensor schema has numpy types only; use numpy_types()")
        types = self.input_types()
        if not all(isinstance(t, DataType) for t in types):
            raise SchemaError("Cannot get pandas types: some input types are not primitive")
        return [t.to_pandas() for t in types]

    def to_dict(self) -> list[dict[str, Any]]:
        return [x.to_dict() for x in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, json_str: str) -> Schema:
        try:
            items = json.loads(json_str)
        except (TypeError, json.JSONDecodeError) as exc:
            raise SchemaError(f"Schema is not valid JSON: {exc}") from None
        return cls.from_list(items)

    @classmethod
    def from_list(cls, items: object) -> Schema:
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise SchemaError(f"A schema must be a JSON list of objects, got {items!r}")
        return cls(
            [
                TensorSpec.from_json_dict(x)
                if x.get("type") == "tensor"
                else ColSpec.from_json_dict(x)
                for x in items
            ]
        )
