"""Input examples: files written as MLflow 3.x does, every historical form read back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.sparse import csr_matrix

from mlmodel_spec.models import Model, ModelFormatError
from mlmodel_spec.models.input_example import Example, read_example, read_example_params
from mlmodel_spec.types import ColSpec, Schema, SchemaError, TensorSpec


def test_dataframe_example_split_orient_with_bare_nan() -> None:
    frame = pd.DataFrame({"a": [5.1, np.nan], "s": pd.Series(["x", None], dtype=object)})
    ex = Example(frame)
    assert ex.json_input_example == '{"columns": ["a", "s"], "data": [[5.1, "x"], [NaN, null]]}'
    assert ex.info == {
        "artifact_path": "input_example.json",
        "type": "dataframe",
        "pandas_orient": "split",
        "serving_input_path": "serving_input_example.json",
    }
    assert json.loads(ex.json_serving_input)["dataframe_split"]["columns"] == ["a", "s"]
    assert ex.json_serving_input.startswith('{\n  "dataframe_split": {\n    "columns": [')


def test_default_integer_columns_use_values_orient() -> None:
    ex = Example(pd.DataFrame([[1, 2]]))
    assert ex.json_input_example == '{"data": [[1, 2]]}'
    assert ex.info["pandas_orient"] == "values"


def test_ndarray_json_object_and_params() -> None:
    assert Example(np.array([[1.5, np.nan]])).json_input_example == "[[1.5, null]]"
    ex = Example(({"q": "hi", "k": [1, 2]}, {"temperature": 0.5}))
    assert (
        ex.json_input_example
        == '{"inputs": {"q": "hi", "k": [1, 2]}, "params": {"temperature": 0.5}}'
    )
    assert ex.info["type"] == "json_object"
    assert ex.info["params"] == "true"
    assert json.loads(ex.json_serving_input) == {
        "inputs": {"q": "hi", "k": [1, 2]},
        "params": {"temperature": 0.5},
    }
    llm = Example({"messages": [{"role": "user", "content": "x"}]})
    assert json.loads(llm.json_serving_input) == {"messages": [{"role": "user", "content": "x"}]}
    assert Example(b"\x00\x01").json_input_example == '"AAE=\\n"'


def test_sparse_example() -> None:
    ex = Example(csr_matrix(np.array([[0, 1.0], [2.0, 0]])))
    assert ex.info["type"] == "sparse_matrix_csr"
    assert json.loads(ex.json_input_example) == {
        "data": [1.0, 2.0],
        "indices": [1, 0],
        "indptr": [0, 1, 2],
        "shape": [2, 2],
    }


def test_bad_examples() -> None:
    with pytest.raises(SchemaError, match="must be"):
        Example(object())
    with pytest.raises(SchemaError, match="Mixed"):
        Example({"a": np.ones(1), "b": 1})
    with pytest.raises(SchemaError, match="Numpy arrays in list"):
        Example([np.ones(1)])


def _write(tmp_path: Path, payload: str) -> Path:
    (tmp_path / "input_example.json").write_text(payload)
    return tmp_path


@pytest.mark.parametrize(
    ("payload", "info"),
    [
        (
            '{"columns": ["a", "b"], "data": [[1.0, 2.0]]}',
            {"type": "dataframe", "pandas_orient": "split"},
        ),
        ('[{"a": 1.0, "b": 2.0}]', {"type": "dataframe", "pandas_orient": "records"}),
        (
            '{"columns": ["a", "b"], "data": [[NaN, 2.0]]}',
            {"type": "dataframe", "pandas_orient": "split"},
        ),
    ],
)
def test_read_dataframe_forms(tmp_path: Path, payload: str, info: dict[str, str]) -> None:
    df = read_example(
        info, _write(tmp_path, payload), Schema([ColSpec("double", "a"), ColSpec("double", "b")])
    )
    assert list(df.columns) == ["a", "b"]
    assert df["b"].tolist() == [2.0]


@pytest.mark.parametrize(
    "payload",
    ['{"inputs": [[1, 2]]}', '{"instances": [[1, 2]]}', "[[1, 2]]"],
)
def test_read_tensor_forms(tmp_path: Path, payload: str) -> None:
    info = {"type": "ndarray", "format": "tf-serving"}
    schema = Schema([TensorSpec(np.dtype("float32"), (-1, 2))])
    array = read_example(info, _write(tmp_path, payload), schema)
    assert array.dtype == np.float32
    assert array.tolist() == [[1.0, 2.0]]


def test_read_named_tensors_json_object_sparse_and_params(tmp_path: Path) -> None:
    out = read_example({"type": "ndarray"}, _write(tmp_path, '{"inputs": {"t": [1, 2]}}'))
    assert out["t"].tolist() == [1, 2]
    info = {"type": "json_object", "params": "true"}
    _write(tmp_path, '{"inputs": {"q": "hi"}, "params": {"k": 1}}')
    assert read_example(info, tmp_path) == {"q": "hi"}
    assert read_example_params(info, tmp_path) == {"k": 1}
    _write(tmp_path, '{"data": [1.0], "indices": [1], "indptr": [0, 1], "shape": [2, 1]}')
    assert read_example({"type": "sparse_matrix_csc"}, tmp_path).toarray().tolist() == [
        [0.0],
        [1.0],
    ]
    _write(tmp_path, '{"data": [1.0], "indices": [1], "indptr": [0, 1], "shape": [1, 2]}')
    with pytest.raises(ModelFormatError, match="sparse"):
        read_example({"type": "sparse_matrix_csc"}, tmp_path)


def test_read_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="Unsupported input example type"):
        read_example({"type": "video"}, tmp_path)
    with pytest.raises(ModelFormatError, match="Cannot read"):
        read_example({"type": "json_object"}, tmp_path)
    with pytest.raises(ModelFormatError, match="not valid JSON"):
        read_example({"type": "json_object"}, _write(tmp_path, "{"))


def test_model_without_example_reads_none(tmp_path: Path) -> None:
    assert Model().load_input_example(tmp_path) is None
    assert Model().get_serving_input(tmp_path) is None


def test_a_loaded_model_reads_its_example_on_first_use(tmp_path: Path) -> None:
    from sklearn.linear_model import LinearRegression

    import mlmodel_spec.pyfunc
    import mlmodel_spec.sklearn
    from mlmodel_spec.types import MlmodelSpecWarning

    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, 0.1, 0.2]})
    mlmodel_spec.sklearn.save_model(
        LinearRegression().fit(x, [1.0, 2.0, 3.0]), tmp_path / "m", input_example=x[:2]
    )
    pd.testing.assert_frame_equal(
        mlmodel_spec.pyfunc.load_model(tmp_path / "m").input_example, x[:2]
    )
    (tmp_path / "m" / "input_example.json").write_text("{not json")
    loaded = mlmodel_spec.pyfunc.load_model(tmp_path / "m")  # a broken example: it still loads
    with pytest.warns(MlmodelSpecWarning, match="Could not load the saved input example"):
        assert loaded.input_example is None
    assert loaded.input_example is None  # warned once
    loaded.input_example = x
    assert loaded.input_example is x


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"a": [1.5, 2.5], "n": [1, 2], "s": ["x", "y"]}),
        pd.DataFrame({"a": [1.5, np.nan], "n": [1, 2], "s": pd.Series(["x", None], dtype=object)}),
    ],
    ids=["complete", "with-missing"],
)
def test_a_frame_is_written_as_mlflow_writes_it(frame: pd.DataFrame) -> None:
    # MLflow: frame.where(frame.notnull(), None).to_dict(orient="split"), index dropped (the
    # complete frame skips the where(), which changes nothing there)
    reference = frame.where(frame.notnull(), None).to_dict(orient="split")
    del reference["index"]
    stored = json.loads(Example(frame).json_input_example)
    assert json.dumps(stored) == json.dumps(json.loads(json.dumps(reference, default=str)))
