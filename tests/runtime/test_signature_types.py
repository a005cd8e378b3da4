"""Schemas, specs and signature inference (JSON shapes per the format reference, §6)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlmodel_spec.models import ModelSignature, infer_signature
from mlmodel_spec.types import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    SchemaError,
    SparkMLVector,
    TensorSpec,
)

PRIMITIVES = [t.name for t in DataType]


def test_colspec_json_key_order() -> None:
    assert Schema([ColSpec("double", "a")]).to_json() == (
        '[{"type": "double", "name": "a", "required": true}]'
    )
    assert Schema([ColSpec("long")]).to_json() == '[{"type": "long", "required": true}]'


def test_tensor_json_key_order() -> None:
    spec = TensorSpec(np.dtype("float64"), (-1, 3), "t")
    assert json.dumps(spec.to_dict()) == (
        '{"name": "t", "type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}'
    )


def test_complex_types_json() -> None:
    obj = Object([Property("b", "string"), Property("a", Array("long"), required=False)])
    schema = Schema(
        [
            ColSpec(obj, "o"),
            ColSpec(Map(Array(AnyType())), "m", required=False),
            ColSpec(SparkMLVector(), "v"),
        ]
    )
    assert json.loads(schema.to_json()) == [
        {
            "type": "object",
            "properties": {
                "a": {"type": "array", "items": {"type": "long"}, "required": False},
                "b": {"type": "string", "required": True},
            },
            "name": "o",
            "required": True,
        },
        {
            "type": "map",
            "values": {"type": "array", "items": {"type": "any"}},
            "name": "m",
            "required": False,
        },
        {"type": "sparkml_vector", "name": "v", "required": True},
    ]
    assert Schema.from_json(schema.to_json()) == schema


def test_params_json_key_order_and_datetime_default() -> None:
    params = ParamSchema(
        [ParamSpec("t", "double", 0.5), ParamSpec("d", "datetime", "2024-01-02T03:04:05")]
    )
    assert params.to_json() == (
        '[{"name": "t", "default": 0.5, "shape": null, "type": "double"}, '
        '{"name": "d", "default": "2024-01-02T03:04:05", "shape": null, "type": "datetime"}]'
    )
    assert ParamSchema.from_json(params.to_json()) == params


def test_legacy_dtype_key_in_params_is_read() -> None:
    params = ParamSchema.from_json('[{"name": "k", "dtype": "long", "default": 3, "shape": null}]')
    assert params.params[0].dtype is DataType.long


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Schema([]), "non-empty"),
        (lambda: Schema([ColSpec("long", "a"), ColSpec("long")]), "named and unnamed"),
        (
            lambda: Schema([ColSpec("long", "a"), TensorSpec(np.dtype("int8"), [-1], "b")]),
            "combination of ColSpec and TensorSpec",
        ),
        (
            lambda: Schema(
                [TensorSpec(np.dtype("int8"), [-1]), TensorSpec(np.dtype("int8"), [-1])]
            ),
            "multiple unnamed",
        ),
        (lambda: Schema([ColSpec("long", required=False)]), "unnamed optional"),
        (lambda: ColSpec("int128"), "Unsupported type"),
        (lambda: TensorSpec(np.dtype("<U5"), [-1]), "Size information"),
        (lambda: Object([]), "non-empty"),
        (lambda: Object([Property("a", "long"), Property("a", "string")]), "duplicated"),
        (lambda: ParamSpec("b", "binary", b"x"), "Binary type"),
        (lambda: ParamSpec("x", "long", "three"), "convert"),
        (lambda: ParamSpec("x", "long", [1, 2]), "scalar"),
        (lambda: ParamSpec("x", "long", 1, shape=(-1,)), "1D array"),
        (lambda: ParamSchema([ParamSpec("a", "long", 1), ParamSpec("a", "long", 2)]), "Duplicated"),
        (ModelSignature, "At least one"),
        (
            lambda: Schema.from_json('[{"type": "double", "name": "a", "optional": true}]'),
            "optional",
        ),
    ],
)
def test_invalid_specs_raise_schema_error(build: object, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        build()  # type: ignore[operator]


type_names = st.sampled_from(PRIMITIVES)
leaf = type_names.map(lambda n: {"type": n})
nested = st.recursive(
    leaf,
    lambda inner: st.one_of(
        inner.map(lambda t: {"type": "array", "items": t}),
        inner.map(lambda t: {"type": "map", "values": t}),
        st.dictionaries(st.text(min_size=1, max_size=5), inner, min_size=1, max_size=3).map(
            lambda props: {
                "type": "object",
                "properties": {k: {**v, "required": True} for k, v in sorted(props.items())},
            }
        ),
    ),
    max_leaves=6,
)


@given(st.lists(nested, min_size=1, max_size=4))
def test_schema_json_round_trips(types: list[dict[str, object]]) -> None:
    items = [{**t, "name": f"c{i}", "required": True} for i, t in enumerate(types)]
    text = json.dumps(items)
    assert Schema.from_json(text).to_json() == text


def test_infer_dataframe_and_series() -> None:
    df = pd.DataFrame(
        {
            "f": [1.5, float("nan")],
            "i": np.array([1, 2], dtype=np.int32),
            "s": ["a", None],
            "b": [True, False],
            "t": pd.to_datetime(["2024-01-01", "2024-01-02"]),
            "l": [[1, 2], [3]],
        }
    )
    assert json.loads(infer_signature(df).to_dict()["inputs"] or "") == [
        {"type": "double", "name": "f", "required": False},
        {"type": "integer", "name": "i", "required": True},
        {"type": "string", "name": "s", "required": False},
        {"type": "boolean", "name": "b", "required": True},
        {"type": "datetime", "name": "t", "required": True},
        {"type": "array", "items": {"type": "long"}, "name": "l", "required": True},
    ]
    series = infer_signature(pd.Series([1.0], name="y")).inputs
    assert series == Schema([ColSpec("double", "y")])


def test_infer_tensors() -> None:
    sig = infer_signature(
        np.zeros((4, 3), dtype=np.float32), {"a": np.array(["x"]), "b": np.ones(2)}
    )
    assert sig.inputs == Schema([TensorSpec(np.dtype("float32"), (-1, 3))])
    assert sig.outputs == Schema(
        [TensorSpec(np.dtype("str"), (-1,), "a"), TensorSpec(np.dtype("float64"), (-1,), "b")]
    )


def test_infer_json_like_inputs_and_params() -> None:
    # The dict example of the format reference, §12.
    sig = infer_signature({"x": [1, 2], "s": "hi"}, params={"temperature": 0.5})
    assert sig.to_dict() == {
        "inputs": '[{"type": "array", "items": {"type": "long"}, "name": "x", "required": true}, '
        '{"type": "string", "name": "s", "required": true}]',
        "outputs": None,
        "params": '[{"name": "temperature", "default": 0.5, "shape": null, "type": "double"}]',
    }
    records = infer_signature([{"a": 1, "o": {"k": "v"}}, {"a": None, "o": {"k": "w", "z": 1.0}}])
    assert json.loads(records.to_dict()["inputs"] or "") == [
        {"type": "long", "name": "a", "required": False},
        {
            "type": "object",
            "properties": {
                "k": {"type": "string", "required": True},
                "z": {"type": "double", "required": False},
            },
            "name": "o",
            "required": True,
        },
    ]
    assert infer_signature(["a", "b"]).inputs == Schema([ColSpec("string")])
    assert infer_signature("hello").inputs == Schema([ColSpec("string")])
    assert infer_signature([]).inputs == Schema([ColSpec("string")])


def test_infer_params_of_every_kind() -> None:
    params = {
        "n": 3,
        "f": np.float32(1.5),
        "flag": True,
        "tags": ["a", "b"],
        "when": dt.datetime(2024, 1, 2, 3, 4, 5),
        "cfg": {"k": 1},
    }
    specs = {p.name: p for p in infer_signature(params=params).params.params}  # type: ignore[union-attr]
    assert specs["n"].dtype is DataType.long
    assert specs["n"].shape is None
    assert specs["f"].dtype is DataType.float
    assert specs["flag"].dtype is DataType.boolean
    assert specs["tags"].dtype is DataType.string
    assert specs["tags"].shape == (-1,)
    assert specs["when"].to_dict()["default"] == "2024-01-02T03:04:05"
    assert isinstance(specs["cfg"].dtype, Object)
    with pytest.raises(SchemaError, match="1D array"):
        infer_signature(params={"bad": [[1]]})


def test_mixed_list_falls_back_to_any_with_warning() -> None:
    from mlmodel_spec.types import MlmodelSpecWarning

    with pytest.warns(MlmodelSpecWarning, match="Failed to infer schema for inputs"):
        sig = infer_signature([1, "a"])
    assert sig.inputs == Schema([ColSpec(AnyType())])
