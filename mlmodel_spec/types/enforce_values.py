"""Type enforcement for single columns and single values, with MLflow's safe conversions.

Allowed column conversions (as MLflow): object -> string; int widening; unsigned -> wider signed;
(u)int up to 32 bits -> double; float32 -> float64; int64 columns of only 0/1 -> float/double;
any datetime64 precision -> datetime64[ns]; object -> datetime. Everything else (float -> int,
double -> float, ...) is refused, with a hint when the cause is likely missing values.
"""

from __future__ import annotations

import decimal
import math
from typing import TYPE_CHECKING, Any

from mlmodel_spec.types.datatypes import AnyType, Array, ColType, DataType, Map, Object
from mlmodel_spec.types.errors import SchemaEnforcementError

if TYPE_CHECKING:
    import pandas as pd

_NAN_HINT = (
    " Hint: the type mismatch is likely caused by missing values. Integer columns in python can "
    "not represent missing values and are therefore encoded as floats. Infer the schema from a "
    "realistic sample that includes missing values, or declare such columns as doubles."
)


def _is_none_or_nan(x: object) -> bool:
    import pandas as pd

    if isinstance(x, float):
        return math.isnan(x)
    return x is None or x is pd.NA or x is pd.NaT


def enforce_column(name: object, values: pd.Series, t: DataType) -> pd.Series:
    """Return ``values`` converted to ``t`` when the conversion is safe; raise otherwise."""
    import numpy as np
    import pandas as pd

    if values.dtype == object and t not in (DataType.binary, DataType.string):
        values = values.infer_objects()
    if t is DataType.string and (
        values.dtype == object or isinstance(values.dtype, pd.StringDtype)
    ):
        return values
    if t is DataType.binary and isinstance(values.dtype, pd.StringDtype):
        return values
    if t.to_pandas() == values.dtype or t.to_numpy() == values.dtype:
        return values
    if t is DataType.binary and values.dtype.kind == "S":
        return values
    if t is DataType.datetime and values.dtype.kind == "M":
        try:
            return values.astype(np.dtype("datetime64[ns]"))
        except TypeError as exc:
            raise SchemaEnforcementError(
                f"Datetime column {name} must only contain timezone-naive values: {exc}"
            ) from None
    if t is DataType.datetime and values.dtype == object:
        try:
            return values.astype(np.dtype("datetime64[ns]"), errors="raise")
        except (ValueError, TypeError) as exc:
            raise SchemaEnforcementError(
                f"Failed to convert column {name} from type {values.dtype} to {t.name}."
            ) from exc
    if t is DataType.boolean and values.dtype == object:
        return values  # converting would turn None into False
    if t is DataType.double and values.dtype == decimal.Decimal:  # also true for any object
        try:
            return pd.to_numeric(values, errors="raise")
        except (ValueError, TypeError) as exc:
            raise SchemaEnforcementError(
                f"Failed to convert column {name} from type {values.dtype} to {t.name}."
            ) from exc
    target = t.to_numpy()
    kind, size = values.dtype.kind, getattr(values.dtype, "itemsize", 0)
    if kind == target.kind:
        upcast = size <= target.itemsize
    elif kind == "u" and target.kind == "i":
        upcast = size < target.itemsize
    elif kind in ("i", "u") and target == np.float64:
        upcast = size <= 6
    else:
        upcast = False
    if upcast:
        return values.astype(target, errors="raise")
    if (
        values.dtype == np.int64
        and target in (np.float32, np.float64)
        and all(pd.isnull(x) or x in (0, 1) for x in values)
    ):
        return values.astype(target, errors="raise")
    hint = ""
    if (
        values.dtype == np.float64
        and target.kind in ("i", "u")
        and values.hasnans
        and all(pd.isnull(x) or int(x) == x for x in values)
    ):
        hint = _NAN_HINT
    raise SchemaEnforcementError(
        f"Incompatible input types for column {name}. "
        f"Can not safely convert {values.dtype} to {target}.{hint}"
    )


def _enforce_scalar(data: Any, dtype: DataType, required: bool) -> Any:
    import numpy as np
    import pandas as pd

    if not required and _is_none_or_nan(data):
        return None
    if not np.isscalar(data):
        raise SchemaEnforcementError(f"Expected data to be scalar, got {type(data).__name__}")
    try:
        return enforce_column("", pd.Series([data]), dtype)[0]
    except SchemaEnforcementError:
        raise SchemaEnforcementError(
            f"Failed to enforce schema of data `{data!r}` with dtype `{dtype.name}`"
        ) from None


def _enforce_array(data: Any, arr: Array, required: bool) -> Any:
    import numpy as np
    import pandas as pd

    if (not required or isinstance(arr.dtype, AnyType)) and (
        data is None or (isinstance(data, (list, np.ndarray)) and len(data) == 0)
    ):
        return data
    if not isinstance(data, (list, np.ndarray)):
        raise SchemaEnforcementError(
            f"Expected data to be list or numpy array, got {type(data).__name__}"
        )
    if isinstance(arr.dtype, DataType):
        if len(data) == 0:
            return data
        enforced = enforce_column("", pd.Series(list(data)), arr.dtype).to_numpy(
            dtype=arr.dtype.to_numpy()
        )
        return enforced.tolist() if isinstance(data, list) else enforced
    items = [enforce_type(x, arr.dtype, required) for x in data]
    return items if isinstance(data, list) else np.array(items)


def _enforce_object(data: Any, obj: Object, required: bool) -> Any:
    if not required and (data is None or data == {}):
        return data
    if not isinstance(data, dict):
        raise SchemaEnforcementError(
            f"Failed to enforce schema of '{data}' with type '{obj}'. "
            f"Expected data to be dictionary, got {type(data).__name__}"
        )
    props = {p.name: p for p in obj.properties}
    if missing := sorted({n for n, p in props.items() if p.required} - set(data)):
        raise SchemaEnforcementError(f"Missing required properties: {missing}")
    if invalid := sorted(map(str, set(data) - set(props))):
        raise SchemaEnforcementError(
            f"Invalid properties not defined in the schema found: {invalid}"
        )
    for key, value in data.items():
        try:
            data[key] = enforce_type(value, props[key].dtype, props[key].required)
        except SchemaEnforcementError as exc:
            raise SchemaEnforcementError(
                f"Failed to enforce schema for key `{key}`: {exc}"
            ) from None
    return data


def _enforce_map(data: Any, map_type: Map, required: bool) -> Any:
    if (not required or isinstance(map_type.value_type, AnyType)) and (data is None or data == {}):
        return data
    if not isinstance(data, dict):
        raise SchemaEnforcementError(f"Expected data to be a dict, got {type(data).__name__}")
    if not all(isinstance(k, str) for k in data):
        raise SchemaEnforcementError("Expected all keys in the map type data are string type.")
    return {k: enforce_type(v, map_type.value_type, required) for k, v in data.items()}


def enforce_type(data: Any, data_type: ColType, required: bool | None = True) -> Any:
    """Enforce one value against a column type (scalars, arrays, objects, maps, any)."""
    req = bool(required)
    if isinstance(data_type, DataType):
        return _enforce_scalar(data, data_type, req)
    if isinstance(data_type, Array):
        return _enforce_array(data, data_type, req)
    if isinstance(data_type, Object):
        return _enforce_object(data, data_type, req)
    if isinstance(data_type, Map):
        return _enforce_map(data, data_type, req)
    return data
