"""Schema inference from data, giving the same schemas (and JSON) as MLflow 3.x.

Supported inputs: pandas DataFrame / Series, numpy arrays, dicts of numpy arrays (tensors),
dicts and lists of JSON-like values (columns), scalars, scipy sparse matrices.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from mlmodel_spec.types.datatypes import (
    AnyType,
    Array,
    ColType,
    DataType,
    Map,
    Object,
    Property,
    merge_types,
)
from mlmodel_spec.types.errors import SchemaError
from mlmodel_spec.types.params import ParamSchema, ParamSpec, value_has_type
from mlmodel_spec.types.schema import ColSpec, Schema, TensorSpec


def _is_none_or_nan(x: object) -> bool:
    import pandas as pd

    if isinstance(x, float):
        return math.isnan(x)
    return x is None or x is pd.NA or x is pd.NaT


def _scalar_type(data: object) -> DataType:
    import numpy as np

    mapping: dict[type, DataType] = {
        bool: DataType.boolean,
        np.bool_: DataType.boolean,
        int: DataType.long,
        np.int64: DataType.long,
        np.int32: DataType.integer,
        float: DataType.double,
        np.float64: DataType.double,
        np.float32: DataType.float,
        str: DataType.string,
        np.str_: DataType.string,
        object: DataType.string,
        bytes: DataType.binary,
        np.bytes_: DataType.binary,
        bytearray: DataType.binary,
    }
    if (found := mapping.get(type(data))) is not None:
        return found
    if value_has_type(DataType.datetime, data):
        return DataType.datetime
    raise SchemaError(f"Data {data!r} is not one of the supported DataType")


def _array_type(data: Any) -> Array | None:
    result: Array | None = None
    for item in data:
        dtype = infer_datatype(item)
        if dtype is None:
            continue
        if result is None:
            result = Array(dtype)
        elif isinstance(result.dtype, (Array, Object, Map, AnyType)):
            try:
                result = Array(merge_types(result.dtype, dtype))
            except SchemaError as exc:
                raise SchemaError(
                    f"Expected all values in the list to be of the same type: {exc}"
                ) from None
        elif not isinstance(dtype, AnyType) and dtype != result.dtype:
            raise SchemaError(
                "Expected all values in the list to be of the same type. To allow several types, "
                "declare the signature by hand with Array(AnyType())."
            )
    return result


def infer_datatype(data: Any) -> ColType | None:
    """Infer the type of one value (None for an empty numpy array)."""
    import numpy as np

    if _is_none_or_nan(data) or (isinstance(data, (list, dict)) and not data):
        return AnyType()
    if isinstance(data, dict):
        props = []
        for key, value in data.items():
            dtype = infer_datatype(value)
            if dtype is None:
                raise SchemaError("Dictionary value must not be an empty numpy array.")
            props.append(Property(key, dtype, required=not isinstance(dtype, AnyType)))
        return Object(props)
    if isinstance(data, (list, np.ndarray)):
        return _array_type(data)
    return _scalar_type(data)


def _colspec_type(data: Any) -> ColType:
    dtype = infer_datatype(data)
    if dtype is None:
        raise SchemaError(f"Numpy array must include at least one non-empty item: {data!r}")
    return dtype


def numpy_dtype_to_datatype(dtype: Any) -> DataType:
    """Map a numpy (or pandas extension) dtype to a DataType, as MLflow does."""
    kind, size = dtype.kind, dtype.itemsize
    if kind == "b":
        return DataType.boolean
    if kind in ("i", "u"):
        if size < 4 or (kind == "i" and size == 4):
            return DataType.integer
        if size < 8 or (kind == "i" and size == 8):
            return DataType.long
    elif kind == "f":
        if size <= 4:
            return DataType.float
        if size <= 8:
            return DataType.double
    elif kind == "U":
        return DataType.string
    elif kind == "S":
        return DataType.binary
    elif kind == "M":
        return DataType.datetime
    raise SchemaError(f"Unsupported numpy data type '{dtype}', kind '{kind}'")


def _pandas_column_type(col: Any) -> ColType:
    import pandas as pd

    if len(col.values.shape) > 1:
        raise SchemaError(f"Expected 1d array, got array with shape {col.shape}")
    if col.dtype.kind == "O":
        col = col.infer_objects()
    if col.dtype.kind == "O":
        try:
            arr = _colspec_type(col.to_list())
        except SchemaError as exc:
            if pd.api.types.is_string_dtype(col):
                return DataType.string
            raise SchemaError(f"Failed to infer schema for pandas.Series: {exc}") from None
        assert isinstance(arr, Array)
        return arr.dtype
    return numpy_dtype_to_datatype(col.dtype)


def _required(col: Any) -> bool:
    import pandas as pd

    if isinstance(col, (list, pd.Series)):
        return not any(_is_none_or_nan(x) for x in col)
    return not _is_none_or_nan(col)


def _tensor_dtype(dtype: Any) -> Any:
    import numpy as np

    if dtype.char == "U":
        return np.dtype("str")
    if dtype.char == "S":
        return np.dtype("bytes")
    return dtype


def _tensor_spec(data: Any, name: str | None = None) -> TensorSpec:
    shape = list(data.shape)
    if not shape:
        raise SchemaError("The variable dimension 0 is out of bounds for a 0-d array")
    shape[0] = -1
    dtype = data.data.dtype if hasattr(data, "tocsr") else data.dtype
    return TensorSpec(_tensor_dtype(dtype), shape, name)


def infer_schema(data: Any) -> Schema:
    """Infer a :class:`Schema` from example data (MLflow ``_infer_schema``)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, list) and data == []:
        return Schema([ColSpec(DataType.string)])
    if isinstance(data, list) and all(isinstance(v, dict) for v in data):
        by_column: dict[Any, list[Any]] = defaultdict(list)
        for item in data:
            for key, value in item.items():
                by_column[key].append(value)
        specs: list[ColSpec | TensorSpec] = []
        for name, values in by_column.items():
            column_type = _colspec_type(values)
            assert isinstance(column_type, Array)
            required = all(item.get(name) is not None for item in data)
            specs.append(ColSpec(column_type.dtype, name, required))
        return Schema(specs)
    if isinstance(data, dict):
        if all(isinstance(v, np.ndarray) for v in data.values()):
            return Schema([_tensor_spec(v, name) for name, v in data.items()])
        if not all(isinstance(k, str) for k in data):
            raise SchemaError("The dictionary keys are not all strings.")
        return Schema([ColSpec(_colspec_type(v), k, _required(v)) for k, v in data.items()])
    if isinstance(data, pd.Series):
        return Schema([ColSpec(_pandas_column_type(data), data.name, _required(data))])
    if isinstance(data, pd.DataFrame):
        return Schema(
            [ColSpec(_pandas_column_type(data[c]), c, _required(data[c])) for c in data.columns]
        )
    if isinstance(data, np.ndarray) or hasattr(data, "tocsr"):
        return Schema([_tensor_spec(data)])
    if isinstance(data, list):
        column_type = _colspec_type(data)
        assert isinstance(column_type, Array)
        return Schema([ColSpec(column_type.dtype)])
    try:
        return Schema([ColSpec(_colspec_type(data))])
    except SchemaError as exc:
        raise SchemaError(
            "Failed to infer schema. Expected a pandas DataFrame or Series, a numpy array, a dict "
            f"of numpy arrays, a scipy sparse matrix, a scalar, a list or a dict; got "
            f"{type(data).__name__}: {exc}"
        ) from None


def _param_type_and_shape(value: Any) -> tuple[DataType | Object, tuple[int, ...] | None]:
    import numpy as np

    def depth(v: Any) -> int:
        if isinstance(v, np.ndarray):
            return int(v.ndim)
        if isinstance(v, list):
            return max((depth(i) for i in v), default=0) + 1
        return 0

    if isinstance(value, (list, np.ndarray)):
        if (ndim := depth(value)) != 1:
            raise SchemaError(f"Expected parameters to be 1D array or scalar, got {ndim}D array")
        if all(value_has_type(DataType.datetime, v) for v in value):
            return DataType.datetime, (-1,)
        return numpy_dtype_to_datatype(np.array(value).dtype), (-1,)
    if value_has_type(DataType.datetime, value):
        return DataType.datetime, None
    if np.isscalar(value):
        return numpy_dtype_to_datatype(np.array(value).dtype), None
    if isinstance(value, dict):
        object_type = infer_schema({"value": value}).inputs[0].type
        if not isinstance(object_type, Object):  # {} is Any, which a param cannot be
            raise SchemaError(
                f"'dtype' must be DataType, Object or str, got {object_type}: a dict "
                "param needs at least one key"
            )
        return object_type, None
    raise SchemaError(f"Expected parameters to be 1D array or scalar, got {type(value).__name__}")


def infer_param_schema(params: dict[str, Any]) -> ParamSchema:
    """Infer a :class:`ParamSchema` from a dict of example params."""
    import copy

    if not isinstance(params, dict):
        raise SchemaError(f"Expected parameters to be dict, got {type(params).__name__}")
    specs, invalid = [], []
    for name, value in params.items():
        try:
            dtype, shape = _param_type_and_shape(value)
            specs.append(ParamSpec(name, dtype, copy.deepcopy(value), shape))
        except SchemaError as exc:
            invalid.append((name, value, str(exc)))
    if invalid:
        raise SchemaError(f"Failed to infer schema for parameters: {invalid}")
    return ParamSchema(specs)


__all__ = ["infer_datatype", "infer_param_schema", "infer_schema"]
