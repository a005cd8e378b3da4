"""Input examples: ``input_example.json``, ``serving_input_example.json`` and
``saved_input_example_info``, written byte-for-byte as MLflow 3.x writes them, and read back in
every historical form (split / values / records orient, ``tf-serving`` ``{"inputs": ...}`` or
``{"instances": ...}``, bare arrays, json objects, sparse matrices, bare ``NaN`` tokens).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

from mlmodel_spec.types.errors import ModelFormatError, SchemaError
from mlmodel_spec.types.schema import Schema

EXAMPLE_FILENAME = "input_example.json"
SERVING_EXAMPLE_FILENAME = "serving_input_example.json"
_LLM_KEYS = ("messages", "prompt", "input")
_KNOWN_TYPES = ("dataframe", "ndarray", "sparse_matrix_csc", "sparse_matrix_csr", "json_object")


class _Encoder(json.JSONEncoder):
    """MLflow's ``NumpyEncoder``: numpy scalars/arrays, bytes (base64), datetimes."""

    def default(self, o: Any) -> Any:
        import numpy as np
        import pandas as pd

        if isinstance(o, np.ndarray):
            if o.dtype == object:
                return [self.default(x) if not _is_plain_json(x) else x for x in o.tolist()]
            return o.tolist()
        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, (bytes, bytearray)):
            return base64.encodebytes(o).decode("ascii")
        if isinstance(o, np.datetime64):
            return np.datetime_as_string(o)
        if isinstance(o, (pd.Timestamp, dt.date, dt.datetime, dt.time)):
            return o.isoformat()
        return super().default(o)


def _is_plain_json(x: object) -> bool:
    return x is None or isinstance(x, (str, int, float, bool, list, dict))


def _nans_to_none(array: Any) -> Any:
    import numpy as np

    if np.issubdtype(array.dtype, np.number):
        with_none: Any = np.where(np.isnan(array), None, array)
        return with_none.tolist()
    return array.tolist()


def _dataframe_to_split(df: Any) -> dict[str, Any]:
    if df.isna().to_numpy().any():  # missing values are written as null
        df = df.where(df.notnull(), None)
    result: dict[str, Any] = df.to_dict(orient="split")
    del result["index"]
    if list(df.columns) == list(range(len(df.columns))):  # default labels: omit them
        del result["columns"]
    return result


class Example:
    """An input example converted for storage (MLflow ``_Example``)."""

    def __init__(self, input_example: Any) -> None:

        self.info: dict[str, Any] = {"artifact_path": EXAMPLE_FILENAME}
        data, params = input_example, None
        if (
            isinstance(input_example, tuple)
            and len(input_example) == 2
            and isinstance(input_example[1], dict)
        ):
            data, params = input_example
            from mlmodel_spec.types.infer import infer_param_schema

            infer_param_schema(params)  # validates the params, as MLflow does
            self.info["params"] = "true"
        self.inference_data = data
        self.inference_params = params
        data, serving, llm_input = _convert(copy.deepcopy(data), self.info)
        if params is not None:
            data = {"inputs": data, "params": params}
            serving = {**serving, **params} if llm_input else {**serving, "params": params}
        self.json_input_example = json.dumps(data, cls=_Encoder)
        self.json_serving_input = json.dumps(serving, cls=_Encoder, indent=2)
        self.info["serving_input_path"] = SERVING_EXAMPLE_FILENAME

    def save(self, directory: Path) -> None:
        (directory / EXAMPLE_FILENAME).write_text(self.json_input_example, encoding="utf-8")
        (directory / SERVING_EXAMPLE_FILENAME).write_text(self.json_serving_input, encoding="utf-8")


def _convert(data: Any, info: dict[str, Any]) -> tuple[Any, Any, bool]:
    """Return (stored form, serving payload, is-an-LLM-input) and set ``info['type']``."""
    import numpy as np
    import pandas as pd

    llm_input = False
    serving: Any
    if isinstance(data, dict) and any(isinstance(v, np.ndarray) for v in data.values()):
        if not all(isinstance(v, np.ndarray) for v in data.values()):
            raise SchemaError("Mixed numpy arrays and other values in a dict input example")
        info["type"] = "ndarray"
        data = {k: _nans_to_none(v) for k, v in data.items()}
        serving = {"inputs": data}
    elif isinstance(data, dict):
        info["type"] = "json_object"
        llm_input = any(k in data for k in _LLM_KEYS)
        serving = data if llm_input else {"inputs": data}
    elif isinstance(data, np.ndarray):
        info["type"] = "ndarray"
        data = _nans_to_none(data)
        serving = {"inputs": data}
    elif isinstance(data, list):
        if _contains_ndarray(data):
            raise SchemaError("Numpy arrays in list are not supported as input examples.")
        info["type"] = "json_object"
        serving = {"inputs": data}
    elif hasattr(data, "tocsr") and hasattr(data, "indptr"):
        info["type"] = "sparse_matrix_csc" if data.format == "csc" else "sparse_matrix_csr"
        serving = {"inputs": data.toarray()}
        data = {
            "data": _nans_to_none(data.data),
            "indices": data.indices.tolist(),
            "indptr": data.indptr.tolist(),
            "shape": list(data.shape),
        }
    elif isinstance(data, pd.DataFrame):
        data = _dataframe_to_split(data)
        serving = {"dataframe_split": data}
        info["type"] = "dataframe"
        info["pandas_orient"] = "split" if "columns" in data else "values"
    elif np.isscalar(data) or isinstance(data, dt.datetime):
        info["type"] = "json_object"
        serving = {"inputs": data}
    else:
        raise SchemaError(
            "An input example must be a pandas DataFrame, a numpy array, a dict of numpy "
            "arrays, a scipy sparse matrix, a dict, a list or a scalar, "
            f"got {type(data).__name__}"
        )
    return data, serving, llm_input


def _contains_ndarray(data: Any) -> bool:
    import numpy as np

    if isinstance(data, np.ndarray):
        return True
    if isinstance(data, list):
        return any(_contains_ndarray(x) for x in data)
    if isinstance(data, dict):
        return any(_contains_ndarray(x) for x in data.values())
    return False


def _read_json(directory: Path, name: str) -> Any:
    path = directory / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ModelFormatError(f"Cannot read the input example {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"The input example {path} is not valid JSON: {exc}") from None


def _dataframe(payload: Any, schema: Schema | None) -> Any:
    import pandas as pd

    if isinstance(payload, list):  # records orient
        df = pd.DataFrame(payload)
    elif isinstance(payload, dict) and "data" in payload:
        df = pd.DataFrame(payload["data"], columns=payload.get("columns"))
    else:
        raise ModelFormatError(f"A dataframe example must be split or records JSON: {payload!r}")
    if schema is not None and not schema.is_tensor_spec() and schema.has_input_names():
        from mlmodel_spec.types.datatypes import DataType

        for spec in schema.inputs:
            if spec.name in df.columns and isinstance(spec.type, DataType):
                df[spec.name] = _cast_column(df[spec.name], spec.type)
    return df


def _cast_column(column: Any, dtype: Any) -> Any:
    from mlmodel_spec.types.datatypes import DataType

    if dtype is DataType.binary:
        return column.map(
            lambda v: base64.decodebytes(v.encode("ascii")) if isinstance(v, str) else v
        )
    if dtype in (DataType.string, DataType.boolean) or column.isna().any():
        return column
    try:
        return column.astype(dtype.to_numpy())
    except (TypeError, ValueError):
        return column


def _tensors(payload: Any, schema: Schema | None) -> Any:
    import numpy as np

    if isinstance(payload, dict) and list(payload) in (["inputs"], ["instances"]):
        payload = next(iter(payload.values()))  # tf-serving form (MLflow <= 2.15)
    dtypes: dict[Any, Any] = {}
    if schema is not None and schema.is_tensor_spec():
        dtypes = {spec.name: spec.type for spec in schema.inputs}
    if isinstance(payload, dict):
        return {k: np.array(v, dtype=dtypes.get(k)) for k, v in payload.items()}
    return np.array(payload, dtype=dtypes.get(None))


def read_example(info: dict[str, Any], directory: Path, schema: Schema | None = None) -> Any:
    """Read a saved example back as data the model can score."""
    kind = info.get("type")
    if kind not in _KNOWN_TYPES:
        raise ModelFormatError(f"Unsupported input example type {kind!r}")
    payload = _read_json(directory, str(info.get("artifact_path", EXAMPLE_FILENAME)))
    if info.get("params") and isinstance(payload, dict) and "inputs" in payload:
        payload = payload["inputs"]
    if kind == "json_object":
        return payload
    if kind == "dataframe":
        return _dataframe(payload, schema)
    if kind == "ndarray":
        return _tensors(payload, schema)
    from scipy.sparse import csc_matrix, csr_matrix

    matrix = csc_matrix if kind == "sparse_matrix_csc" else csr_matrix
    try:
        return matrix(
            (payload["data"], payload["indices"], payload["indptr"]), shape=tuple(payload["shape"])
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelFormatError(f"Invalid {kind} sparse example: {exc!r}") from None


def read_example_params(info: dict[str, Any], directory: Path) -> dict[str, Any] | None:
    """The params saved with an example, or None."""
    if not info.get("params"):
        return None
    payload = _read_json(directory, str(info.get("artifact_path", EXAMPLE_FILENAME)))
    params = payload.get("params") if isinstance(payload, dict) else None
    return params if isinstance(params, dict) else None
