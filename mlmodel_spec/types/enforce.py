"""Signature enforcement at predict time, mirroring MLflow's ``PyFuncModel.predict``.

Column schemas: the input becomes a DataFrame; missing required columns are an error; extra
columns are dropped with a warning; types are converted only when safe. Tensor schemas: rank,
fixed dimensions and dtype must match. Params: unknown ones are dropped with a warning, missing
ones take their default, wrong ones are an error.
"""

from __future__ import annotations

import warnings
from typing import Any

from mlmodel_spec.types.datatypes import Array, DataType, Object
from mlmodel_spec.types.enforce_values import enforce_column, enforce_type
from mlmodel_spec.types.errors import MlmodelSpecWarning, SchemaEnforcementError
from mlmodel_spec.types.params import ParamSchema, validate_param_value
from mlmodel_spec.types.schema import ColSpec, Schema, TensorSpec


def _to_dataframe(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.Series):
        return pd.DataFrame(data)
    if isinstance(data, pd.DataFrame):
        return data
    if np.isscalar(data):
        return pd.DataFrame([data])
    if isinstance(data, dict):
        complex_cols = any(isinstance(c.type, (Array, Object)) for c in schema.inputs)
        scalar_row = all(
            np.isscalar(v)
            or v is None
            or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in data.values()
        )
        if complex_cols or scalar_row:
            return pd.DataFrame([data])
        try:
            return pd.DataFrame(
                {
                    k: v.tolist() if isinstance(v, np.ndarray) and v.ndim > 1 else v
                    for k, v in data.items()
                }
            )
        except ValueError as exc:
            raise SchemaEnforcementError(
                f"This model has a column-based signature; the dict input could not become a "
                f"DataFrame: {exc}"
            ) from None
    if isinstance(data, (list, np.ndarray)):
        return pd.DataFrame(data)
    raise SchemaEnforcementError(
        f"Expected input to be a DataFrame or convertible to one, got {type(data).__name__}"
    )


def _check_names(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    required = schema.required_input_names()
    optional = set(schema.optional_input_names())
    if len(required) == 1 and isinstance(data, np.ndarray):
        return {required[0]: data}
    if isinstance(data, pd.DataFrame):
        actual = list(data.columns)
    elif isinstance(data, dict):
        actual = list(data.keys())
    else:
        actual = []
    missing = [c for c in required if c not in set(actual)]
    extra = [c for c in actual if c not in set(required) and c not in optional]
    if missing:
        message = f"Model is missing inputs {missing}."
        if extra:
            message += f" Note that there were extra inputs: {extra}."
        raise SchemaEnforcementError(message)
    if extra:
        warnings.warn(
            "Found extra inputs in the model input that are not defined in the model signature: "
            f"`{extra}`. These inputs will be ignored.",
            MlmodelSpecWarning,
            stacklevel=4,
        )
    return data


def _enforce_columns(df: Any, schema: Schema) -> Any:
    import pandas as pd

    named = schema.has_input_names()
    columns = {}
    unchanged = True
    for position, spec in enumerate(schema.inputs):
        assert isinstance(spec, ColSpec)
        key = spec.name if named else df.columns[position]
        if key not in df:
            continue  # an optional column that is absent
        column = df[key]
        if isinstance(spec.type, DataType):
            columns[key] = enforced = enforce_column(key, column, spec.type)
            unchanged = unchanged and enforced is column
        else:
            unchanged = False
            columns[key] = pd.Series(
                [enforce_type(v, spec.type, spec.required) for v in column],
                index=df.index,
                name=key,
            )
    if unchanged and list(columns) == list(df.columns):
        # every column as given, in the frame's order: a copy (as the rebuild below makes)
        # without assembling a frame column by column (5x the time on a small input)
        return df.copy()
    return pd.DataFrame(columns)


def _enforce_tensor(values: Any, spec: TensorSpec) -> Any:
    import numpy as np

    shape, dtype = spec.shape, spec.type
    actual_dtype = values.dtype if isinstance(values, np.ndarray) else values.data.dtype
    if len(shape) == 1 and shape[0] == -1 and dtype == np.dtype("O"):
        return values
    if len(shape) > 1 and -1 in shape[1:] and values.ndim == 1 and actual_dtype == np.dtype("O"):
        return values  # ragged input
    if len(shape) != len(values.shape) or any(
        e not in (-1, a) for e, a in zip(shape, values.shape, strict=True)
    ):
        raise SchemaEnforcementError(
            f"Shape of input {values.shape} does not match expected shape {shape}."
        )
    clean = actual_dtype
    if actual_dtype.char == "U":
        clean = np.dtype("str")
    elif actual_dtype.char == "S":
        clean = np.dtype("bytes")
    if clean != dtype:
        raise SchemaEnforcementError(
            f"dtype of input {actual_dtype} does not match expected dtype {dtype}"
        )
    return values


def _column_to_tensor(name: object, series: Any, spec: TensorSpec) -> Any:
    import numpy as np

    if spec.shape[0] != -1 or -1 in spec.shape[1:]:
        raise SchemaEnforcementError(
            "For DataFrame input, the first tensor dimension must be -1 and the others fixed; "
            f"the signature of {name!r} has shape {spec.shape}."
        )
    first = series.iloc[0]
    if np.isscalar(first):
        if spec.shape not in ((-1,), (-1, 1)):
            raise SchemaEnforcementError(
                f"Column {name!r} holds scalars, which needs shape (-1,) or (-1, 1), "
                f"not {spec.shape}."
            )
        return _enforce_tensor(np.array(series, dtype=spec.type).reshape(spec.shape), spec)
    if isinstance(first, (list, np.ndarray)):
        try:
            stacked = np.vstack(series.tolist()).reshape(spec.shape)
            if isinstance(first, list):
                stacked = stacked.astype(spec.type)
        except ValueError:
            raise SchemaEnforcementError(
                f"Column {name!r} could not be reshaped to {spec.shape} as {spec.type}."
            ) from None
        if len(stacked) != len(series):
            raise SchemaEnforcementError(f"Column {name!r} could not be reshaped to {spec.shape}.")
        return stacked if isinstance(first, list) else _enforce_tensor(stacked, spec)
    raise SchemaEnforcementError(
        "A tensor signature needs DataFrame values that are scalars, lists or numpy arrays."
    )


def _enforce_tensors(data: Any, schema: Schema) -> Any:
    import numpy as np
    import pandas as pd

    specs = [s for s in schema.inputs if isinstance(s, TensorSpec)]
    if schema.has_input_names():
        if isinstance(data, dict):
            for spec in specs:
                if not isinstance(data[spec.name], np.ndarray):
                    raise SchemaEnforcementError(
                        f"Tensor input {spec.name!r} must be a numpy array, "
                        f"got {type(data[spec.name]).__name__}"
                    )
            return {s.name: _enforce_tensor(data[s.name], s) for s in specs}
        if isinstance(data, pd.DataFrame):
            return {s.name: _column_to_tensor(s.name, data[s.name], s) for s in specs}
        raise SchemaEnforcementError(
            "This model has a named tensor signature: pass a dict of numpy arrays or a DataFrame, "
            f"not {type(data).__name__}."
        )
    spec = specs[0]
    if isinstance(data, pd.DataFrame):
        if data.empty:
            raise SchemaEnforcementError("Input DataFrame is empty.")
        if len(data.columns) == 1:
            return _column_to_tensor(None, data[data.columns[0]], spec)
        if spec.shape != (-1, len(data.columns)):
            raise SchemaEnforcementError(
                f"The input DataFrame has {len(data.columns)} columns but the unnamed tensor "
                f"signature has shape {spec.shape}."
            )
        return _enforce_tensor(data.to_numpy(), spec)
    if isinstance(data, np.ndarray) or hasattr(data, "tocsr"):
        return _enforce_tensor(data, spec)
    raise SchemaEnforcementError(
        "This model has an unnamed tensor signature: pass a numpy array or a DataFrame, "
        f"not {type(data).__name__}."
    )


def enforce_schema(data: Any, schema: Schema) -> Any:
    """Return ``data`` checked and converted to fit ``schema`` (raise SchemaEnforcementError)."""
    if not schema.is_tensor_spec():
        data = _to_dataframe(data, schema)
    if schema.has_input_names():
        data = _check_names(data, schema)
    elif not schema.is_tensor_spec() and len(data.columns) < len(schema.inputs):
        raise SchemaEnforcementError(
            f"Model inference is missing inputs. The model signature declares "
            f"{len(schema.inputs)} inputs but the provided value only has {len(data.columns)} "
            "inputs. Note: the inputs were not named in the signature so we can only verify "
            "their count."
        )
    if schema.is_tensor_spec():
        return _enforce_tensors(data, schema)
    return _enforce_columns(data, schema)


def enforce_params(params: Any, schema: ParamSchema | None) -> dict[str, Any] | None:
    """Validate params against the params schema, filling defaults."""
    if schema is None:
        if params in (None, {}):
            return params  # type: ignore[no-any-return]
        warnings.warn(
            "`params` can only be given at inference time when the model signature defines a "
            f"params schema; this model has none. Ignoring params: {params!r}",
            MlmodelSpecWarning,
            stacklevel=3,
        )
        return {}
    params = {} if params is None else params
    if not isinstance(params, dict):
        raise SchemaEnforcementError(
            f"Parameters must be a dictionary. Got type '{type(params).__name__}'."
        )
    params = {str(k): v for k, v in params.items()}
    allowed = [p.name for p in schema.params]
    if ignored := [k for k in params if k not in allowed]:
        warnings.warn(
            f"Unrecognized params {ignored} are ignored for inference. Supported params are: "
            f"{allowed}.",
            MlmodelSpecWarning,
            stacklevel=3,
        )
    result: dict[str, Any] = {}
    invalid = []
    for spec in schema.params:
        if spec.name not in params:
            result[spec.name] = spec.default
            continue
        try:
            result[spec.name] = validate_param_value(
                repr(spec), params[spec.name], spec.dtype, spec.shape
            )
        except SchemaEnforcementError as exc:
            invalid.append((spec.name, str(exc)))
    if invalid:
        raise SchemaEnforcementError(f"Invalid parameters found: {invalid!r}")
    return result
