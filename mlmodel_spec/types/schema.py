"""Column and tensor specifications and the :class:`Schema` that lists them.

The JSON written by :meth:`Schema.to_json` is byte-identical to MLflow 3.x's (key order
``type, name, required`` for columns; ``name, type, tensor-spec`` for tensors).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from mlmodel_spec.types.datatypes import (
    ANY_TYPE,
    ARRAY_TYPE,
    MAP_TYPE,
    OBJECT_TYPE,
    SPARKML_VECTOR_TYPE,
    ColType,
    DataType,
    coerce_type,
    parse_type,
)
from mlmodel_spec.types.errors import SchemaError

if TYPE_CHECKING:
    import numpy as np

_COMPLEX_KINDS = (ARRAY_TYPE, OBJECT_TYPE, MAP_TYPE, SPARKML_VECTOR_TYPE, ANY_TYPE)
_COLSPEC_KEYS = {"type", "name", "required"}


class ColSpec:
    """A (possibly named) column of a column-based schema."""

    def __init__(
        self, type: ColType | str, name: str | int | None = None, required: bool | None = True
    ) -> None:
        self.type: ColType = coerce_type(type, "ColSpec type")
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
    def from_json_dict(cls, spec: dict[str, Any]) -> ColSpec:
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
            raise SchemaError(f"Invalid tensor dtype {type!r}: {exc}") from None
        if dtype.char in ("U", "S") and not dtype.name.isalpha():
            raise SchemaError(
                "Size information in flexible numpy dtypes is not supported, use "
                f"np.dtype({dtype.name.rstrip('0123456789')!r}) instead of {dtype.name!r}"
            )
        if not isinstance(shape, (tuple, list)) or not all(
            isinstance(d, int) and not isinstance(d, bool) for d in shape
        ):
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
    def from_json_dict(cls, spec: dict[str, Any]) -> TensorSpec:
        info = spec.get("tensor-spec")
        if not isinstance(info, dict) or not {"dtype", "shape"} <= set(info):
            raise SchemaError(f"Tensor spec needs 'tensor-spec' with dtype and shape: {spec!r}")
        return cls(info["dtype"], list(info["shape"]), spec.get("name"))


Spec = ColSpec | TensorSpec


class Schema:
    """An ordered list of column specs or of tensor specs (never a mix)."""

    def __init__(self, inputs: list[Spec]) -> None:
        if not isinstance(inputs, list) or not inputs:
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

    def to_dict(self) -> list[dict[str, Any]]:
        return [x.to_dict() for x in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Schema:
        try:
            items = json.loads(text)
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
