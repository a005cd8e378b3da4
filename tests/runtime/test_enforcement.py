"""Signature enforcement at predict time (format reference §10)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlmodel_spec.types import (
    Array,
    ColSpec,
    MlmodelSpecWarning,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    SchemaEnforcementError,
    TensorSpec,
)
from mlmodel_spec.types.enforce import enforce_params, enforce_schema

AB = Schema([ColSpec("double", "a"), ColSpec("long", "b")])


def test_missing_required_column() -> None:
    with pytest.raises(SchemaEnforcementError, match=r"Model is missing inputs \['b'\]"):
        enforce_schema(pd.DataFrame({"a": [1.0]}), AB)


def test_extra_column_dropped_with_warning() -> None:
    df = pd.DataFrame({"b": [1], "a": [1.0], "zz": ["x"]})
    with pytest.warns(MlmodelSpecWarning, match="zz"):
        out = enforce_schema(df, AB)
    assert list(out.columns) == ["a", "b"]


def test_optional_column_may_be_absent() -> None:
    schema = Schema([ColSpec("double", "a"), ColSpec("string", "s", required=False)])
    assert list(enforce_schema(pd.DataFrame({"a": [1.0]}), schema).columns) == ["a"]


@pytest.mark.parametrize(
    ("values", "target", "expected_dtype"),
    [
        (np.array([1, 2], dtype=np.int32), "double", "float64"),
        (np.array([1, 2], dtype=np.int8), "long", "int64"),
        (np.array([1, 2], dtype=np.uint16), "integer", "int32"),
        (np.array([0, 1], dtype=np.int64), "float", "float32"),
        (np.array([1.5], dtype=np.float32), "double", "float64"),
        (np.array(["2024-01-01"], dtype="datetime64[s]"), "datetime", "datetime64[ns]"),
    ],
)
def test_safe_conversions(values: np.ndarray, target: str, expected_dtype: str) -> None:
    out = enforce_schema(pd.DataFrame({"x": values}), Schema([ColSpec(target, "x")]))
    assert str(out["x"].dtype) == expected_dtype


@pytest.mark.parametrize(
    ("values", "target"),
    [
        (np.array([1.5]), "long"),
        (np.array([1.5]), "float"),
        (np.array([7, 2**40]), "double"),
        (np.array(["a"], dtype=object), "long"),
    ],
)
def test_unsafe_conversions_refused(values: np.ndarray, target: str) -> None:
    with pytest.raises(SchemaEnforcementError, match="Incompatible input types"):
        enforce_schema(pd.DataFrame({"x": values}), Schema([ColSpec(target, "x")]))


def test_missing_values_hint() -> None:
    with pytest.raises(SchemaEnforcementError, match="missing values"):
        enforce_schema(pd.DataFrame({"x": [1.0, np.nan]}), Schema([ColSpec("long", "x")]))


def test_inputs_become_dataframes() -> None:
    assert list(enforce_schema({"a": 1.0, "b": 2}, AB).iloc[0]) == [1.0, 2]
    unnamed = Schema([ColSpec("double"), ColSpec("double")])
    assert enforce_schema(np.ones((2, 2)), unnamed).shape == (2, 2)
    with pytest.raises(SchemaEnforcementError, match="declares 2 inputs"):
        enforce_schema(np.ones((2, 1)), unnamed)
    with pytest.raises(SchemaEnforcementError, match="convertible"):
        enforce_schema(object(), AB)


def test_complex_columns() -> None:
    schema = Schema(
        [ColSpec(Array("long"), "ids"), ColSpec(Object([Property("k", "string")]), "o")]
    )
    ok = enforce_schema({"ids": [1, 2], "o": {"k": "v"}}, schema)
    assert ok["ids"][0] == [1, 2]
    with pytest.raises(SchemaEnforcementError, match="Missing required properties"):
        enforce_schema({"ids": [1], "o": {}}, schema)
    with pytest.raises(SchemaEnforcementError, match="list or numpy array"):
        enforce_schema({"ids": 3, "o": {"k": "v"}}, schema)


def test_tensor_shape_and_dtype() -> None:
    schema = Schema([TensorSpec(np.dtype("float64"), (-1, 3))])
    assert enforce_schema(np.zeros((5, 3)), schema).shape == (5, 3)
    with pytest.raises(SchemaEnforcementError, match="Shape of input"):
        enforce_schema(np.zeros((5, 2)), schema)
    with pytest.raises(SchemaEnforcementError, match="dtype of input"):
        enforce_schema(np.zeros((5, 3), dtype=np.float32), schema)
    assert enforce_schema(pd.DataFrame(np.zeros((2, 3))), schema).shape == (2, 3)
    with pytest.raises(SchemaEnforcementError, match="unnamed tensor"):
        enforce_schema([1, 2], schema)


def test_named_tensors() -> None:
    schema = Schema([TensorSpec(np.dtype("int64"), (-1,), "a")])
    assert enforce_schema({"a": np.array([1])}, schema)["a"].tolist() == [1]
    with pytest.raises(SchemaEnforcementError, match="numpy array"):
        enforce_schema({"a": [1]}, schema)
    with pytest.raises(SchemaEnforcementError, match=r"missing inputs \['a'\]"):
        enforce_schema({"b": np.array([1])}, schema)


PARAMS = ParamSchema([ParamSpec("t", "double", 0.5), ParamSpec("tags", "string", ["a"], (-1,))])


def test_params_defaults_and_conversion() -> None:
    assert enforce_params(None, PARAMS) == {"t": 0.5, "tags": ["a"]}
    assert enforce_params({"t": 1}, PARAMS) == {"t": 1.0, "tags": ["a"]}
    with pytest.warns(MlmodelSpecWarning, match="Unrecognized params"):
        assert enforce_params({"zz": 1}, PARAMS) == {"t": 0.5, "tags": ["a"]}
    with pytest.raises(SchemaEnforcementError, match="Invalid parameters"):
        enforce_params({"t": "hot"}, PARAMS)
    with pytest.raises(SchemaEnforcementError, match="Invalid parameters"):
        enforce_params({"tags": "a"}, PARAMS)
    with pytest.raises(SchemaEnforcementError, match="dictionary"):
        enforce_params(["t"], PARAMS)


def test_params_without_schema_are_dropped_with_warning() -> None:
    assert enforce_params(None, None) is None
    with pytest.warns(MlmodelSpecWarning, match="no params schema|has none"):
        assert enforce_params({"t": 1}, None) == {}


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": [1.0, 2.0], "b": [1, 2]}),  # as the schema says: the input copied
        pd.DataFrame({"b": [1, 2], "a": [1.0, 2.0]}),  # other order: rebuilt in schema order
        pd.DataFrame({"a": [1.0, 2.0], "b": np.array([1, 2], np.int32)}),  # int32 -> long
    ],
    ids=["as-is", "reordered", "converted"],
)
def test_the_enforced_frame_is_the_models_own(frame: pd.DataFrame) -> None:
    before = frame.copy()
    out = enforce_schema(frame, AB)
    assert list(out.columns) == ["a", "b"] and out["b"].dtype == np.int64
    assert out is not frame
    out.loc[0, "a"] = -1.0  # a model that writes into its input leaves the caller's alone
    pd.testing.assert_frame_equal(frame, before)
