"""Signature and input-example JSON: byte-identical to what the installed MLflow writes."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlmodel_spec.models import infer_signature
from mlmodel_spec.models.input_example import Example

mlflow = pytest.importorskip("mlflow")
from mlflow.models import infer_signature as mlflow_infer_signature  # noqa: E402
from mlflow.models.utils import _Example as MlflowExample  # noqa: E402


@contextmanager
def quiet() -> Iterator[None]:
    """MLflow warns freely (integer columns); pytest turns warnings into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


FRAME = pd.DataFrame(
    {
        "f64": [1.5, 2.5, np.nan],
        "f32": np.array([1, 2, 3], dtype=np.float32),
        "i64": [1, 2, 3],
        "i32": np.array([1, 2, 3], dtype=np.int32),
        "u8": np.array([1, 2, 3], dtype=np.uint8),
        "b": [True, False, True],
        "s": ["a", "b", "c"],
        "o": pd.Series(["x", None, "z"], dtype=object),
        "t": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
        "bytes": [b"a", b"b", b"c"],
        "lists": [[1, 2], [3], []],
        "dicts": [{"k": 1}, {"k": 2, "z": "q"}, {"k": 3}],
    }
)

CASES: dict[str, Any] = {
    "frame": FRAME,
    "frame-int-labels": pd.DataFrame([[1, 2.0], [3, 4.0]]),
    "series": pd.Series([1.0, 2.0], name="y"),
    "series-unnamed-int": pd.Series([1, 2]),
    "ndarray-2d": np.arange(6, dtype=np.float64).reshape(3, 2),
    "ndarray-1d-int": np.array([1, 2, 3]),
    "ndarray-str": np.array(["a", "bc"]),
    "ndarray-bool": np.array([True, False]),
    "ndarray-nan": np.array([[1.0, np.nan]]),
    "dict-of-arrays": {"a": np.ones((2, 3), dtype=np.float32), "b": np.array([1, 2])},
    "dict-json": {"x": [1, 2], "s": "hi", "n": None, "o": {"k": [1.5]}},
    "records": [{"a": 1, "b": "x"}, {"a": None, "b": "y", "c": [True]}],
    "list-str": ["a", "b"],
    "scalar-str": "hello",
    "scalar-float": 1.25,
    "datetime": dt.datetime(2024, 1, 2, 3, 4, 5),
}
PARAMS = {
    "temperature": 0.5,
    "n": 3,
    "tags": ["a", "b"],
    "flag": True,
    "when": dt.datetime(2024, 1, 2),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_inferred_signature_json_is_identical(name: str) -> None:
    data = CASES[name]
    with quiet():
        expected = mlflow_infer_signature(data, data if name != "datetime" else None).to_dict()
    ours = infer_signature(data, data if name != "datetime" else None).to_dict()
    assert ours == expected


def test_params_signature_json_is_identical() -> None:
    with quiet():
        expected = mlflow_infer_signature(FRAME, params=PARAMS).to_dict()
    assert infer_signature(FRAME, params=PARAMS).to_dict() == expected


EXAMPLE_CASES = [
    c
    for c in sorted(CASES)
    if c not in ("series", "series-unnamed-int")  # not example types
]


@pytest.mark.parametrize("name", EXAMPLE_CASES)
@pytest.mark.parametrize("with_params", [False, True])
def test_input_example_files_are_identical(name: str, with_params: bool) -> None:
    data = CASES[name]
    example = (data, {"temperature": 0.5, "tags": ["a"]}) if with_params else data
    with quiet():
        expected = MlflowExample(example)
    ours = Example(example)
    assert ours.json_input_example == expected.json_input_example
    assert ours.json_serving_input == expected.json_serving_input
    assert ours.info == expected.info
