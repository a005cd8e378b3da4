"""Inference parameters: :class:`ParamSpec`, :class:`ParamSchema` and value validation.

Value conversion follows MLflow's rules: a value of the declared type is converted to the
Python type; ints widen to long/float/double, long to float/double, float to double;
datetimes are parsed with numpy. Anything else is refused.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

from mlmodel_spec.types.datatypes import OBJECT_TYPE, DataType, Object
from mlmodel_spec.types.errors import SchemaEnforcementError, SchemaError, SchemaTypeError

_WIDENINGS = {
    DataType.long: (DataType.integer,),
    DataType.float: (DataType.integer, DataType.long),
    DataType.double: (DataType.integer, DataType.long, DataType.float),
}


def value_has_type(dtype: DataType, value: object) -> bool:
    """MLflow's ``DataType.check_type``: compare ``type(value)`` with the type's numpy,
    pandas and Python equivalents."""
    import numpy as np

    candidates: list[Any] = [dtype.to_numpy(), dtype.to_pandas(), dtype.to_python()]
    if dtype is DataType.datetime:
        candidates += [np.datetime64, dt.datetime]
    if dtype is DataType.binary:
        candidates.append(bytearray)
    return type(value) in candidates


def convert_param_scalar(value: object, dtype: DataType) -> Any:
    """Validate and convert one scalar param value (MLflow ``_enforce_param_datatype``)."""
    import numpy as np

    if value is None:
        return None
    if dtype is DataType.datetime:
        try:
            converted = np.datetime64(value).item()  # type: ignore[call-overload]
        except (ValueError, TypeError) as exc:
            raise SchemaEnforcementError(
                f"Failed to convert value `{value!r}` from type `{type(value)}` to `datetime`"
            ) from exc
        if isinstance(converted, int):
            raise SchemaEnforcementError(f"Failed to convert value to `datetime`, got `{value!r}`")
        return converted
    if not np.isscalar(value):
        raise SchemaEnforcementError(
            f"Value must be a scalar for type `{dtype.name}`, got `{value!r}`"
        )
    if value_has_type(dtype, value) or any(
        value_has_type(t, value) for t in _WIDENINGS.get(dtype, ())
    ):
        try:
            return dtype.to_python()(value)
        except (TypeError, ValueError) as exc:
            raise SchemaEnforcementError(
                f"Failed to convert value `{value!r}` from type `{type(value)}` to `{dtype.name}`"
            ) from exc
    raise SchemaEnforcementError(
        f"Can not safely convert `{type(value)}` to `{dtype.name}` for value `{value!r}`"
    )


def validate_param_value(
    label: str, value: object, dtype: DataType | Object, shape: tuple[int, ...] | None
) -> Any:
    """Check a param value against its type and shape; return the converted value."""
    import numpy as np

    if shape == (-1,):
        if not isinstance(value, (list, np.ndarray)) or np.array(value).ndim != 1:
            raise SchemaEnforcementError(
                f"Value must be a 1D array with shape (-1,) for param {label}, "
                f"received {type(value).__name__}"
            )
        if isinstance(dtype, Object):
            raise SchemaEnforcementError(f"Object params cannot have a shape ({label})")
        return [convert_param_scalar(v, dtype) for v in value]
    if shape is not None:
        raise SchemaError(f"Shape must be None or (-1,) for param {label}, got {shape}")
    try:
        if isinstance(dtype, Object):
            from mlmodel_spec.types.enforce_values import enforce_type

            enforce_type(copy.deepcopy(value), dtype)
            return value
        return convert_param_scalar(value, dtype)
    except SchemaEnforcementError as exc:
        raise SchemaEnforcementError(
            f"Failed to validate type and shape for {label}, error: {exc}"
        ) from None


class ParamSpec:
    """One inference parameter: name, type, default and shape (None or ``(-1,)``)."""

    def __init__(
        self,
        name: str,
        dtype: DataType | Object | str,
        default: Any,
        shape: tuple[int, ...] | list[int] | None = None,
    ) -> None:
        self.name = str(name)
        self.shape = tuple(shape) if shape is not None else None
        parsed = DataType.parse(dtype) if isinstance(dtype, str) else dtype
        if not isinstance(parsed, (DataType, Object)):
            raise SchemaTypeError(f"ParamSpec dtype must be a DataType or Object, got {dtype!r}")
        if parsed is DataType.binary:
            raise SchemaError(f"Binary type is not supported for parameters ({self.name!r})")
        self.dtype: DataType | Object = parsed
        self.default: Any = default  # so that repr() works while validating
        try:
            self.default = validate_param_value(repr(self), default, parsed, self.shape)
        except SchemaEnforcementError as exc:
            raise SchemaError(str(exc)) from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamSpec) and (
            self.name,
            self.dtype,
            self.default,
            self.shape,
        ) == (other.name, other.dtype, other.default, other.shape)

    def __hash__(self) -> int:
        return hash((self.name, repr(self.dtype), self.shape))

    def __repr__(self) -> str:
        shape = f" (shape: {self.shape})" if self.shape is not None else ""
        return f"{self.name!r}: {self.dtype!r} (default: {self.default}){shape}"

    @classmethod
    def validate_param_spec(cls, value: Any, param_spec: ParamSpec) -> Any:
        """Check ``value`` against ``param_spec``; return it converted (SchemaEnforcementError)."""
        return cls.validate_type_and_shape(
            repr(param_spec), value, param_spec.dtype, param_spec.shape
        )

    @classmethod
    def validate_type_and_shape(
        cls,
        spec: str,
        value: Any,
        value_type: DataType | Object,
        shape: tuple[int, ...] | None,
    ) -> Any:
        """Check a value against a type and shape (``None`` or ``(-1,)``); return it converted."""
        return validate_param_value(spec, value, value_type, shape)

    def to_dict(self) -> dict[str, Any]:
        default = self.default
        if self.dtype is DataType.datetime and default is not None:
            default = [v.isoformat() for v in default] if self.shape else default.isoformat()
        body: dict[str, Any] = {"name": self.name, "default": default, "shape": self.shape}
        body.update(
            {"type": self.dtype.name} if isinstance(self.dtype, DataType) else self.dtype.to_dict()
        )
        return body

    @classmethod
    def from_json_dict(cls, spec: dict[str, Any] | None = None, /, **kwargs: Any) -> ParamSpec:
        """Parse a param's JSON (one mapping, or keywords as MLflow's ``from_json_dict``)."""
        from mlmodel_spec.types.datatypes import json_fields

        spec = json_fields(spec, kwargs, "ParamSpec")
        kind = spec.get("type", spec.get("dtype"))  # 2.6.0 wrote "dtype"
        if "name" not in spec or "default" not in spec or kind is None:
            raise SchemaError(
                f"A param spec needs name, type (or dtype) and default, got keys {sorted(spec)}"
            )
        dtype: DataType | Object = (
            Object.from_json_dict(spec) if kind == OBJECT_TYPE else DataType.parse(kind)
        )
        return cls(spec["name"], dtype, spec["default"], spec.get("shape"))


class ParamSchema:
    """The list of inference parameters a model accepts."""

    def __init__(self, params: list[ParamSpec]) -> None:
        if not isinstance(params, (list, tuple)):
            raise SchemaTypeError(f"ParamSchema needs a list of ParamSpec, got {params!r}")
        params = list(params)
        if not all(isinstance(p, ParamSpec) for p in params):
            raise SchemaError("ParamSchema needs a list of ParamSpec")
        names = [p.name for p in params]
        if duplicates := sorted({n for n in names if names.count(n) > 1}):
            raise SchemaError(f"Duplicated parameters found in schema: {duplicates}")
        self.params = params

    def __len__(self) -> int:
        return len(self.params)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParamSchema) and self.params == other.params

    def __hash__(self) -> int:
        return hash(tuple(self.params))

    def __repr__(self) -> str:
        return repr(self.params)

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.params]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, json_str: str) -> ParamSchema:
        try:
            items = json.loads(json_str)
        except (TypeError, json.JSONDecodeError) as exc:
            raise SchemaError(f"Params schema is not valid JSON: {exc}") from None
        if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
            raise SchemaError(f"A params schema must be a JSON list of objects, got {items!r}")
        return cls([ParamSpec.from_json_dict(x) for x in items])
