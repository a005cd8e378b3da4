"""rules/input_example.py and rules/serving_example.py (+ the value checks of example_values.py).

Unit tests pin each rule down on small hand-made models. ``test_agrees_with_mlflow`` then
checks ~2,500 generated examples against real MLflow (``Model.load_input_example`` plus the
schema enforcement ``pyfunc.predict`` runs): every error we report must be one MLflow 3 raises,
and every failure of MLflow (2 or 3) must be reported. It runs where an MLflow interpreter is
available (``MLFLOW_ORACLE_PYTHON``, the /tmp/oracle venvs, or mlflow in this interpreter).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmodel_spec.conformance.context import ModelContext, ValidationOptions
from mlmodel_spec.conformance.example_values import (
    array_shape,
    cast_problem,
    series_dtype,
    series_problem,
)
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules import input_example, serving_example
from mlmodel_spec.conformance.signature_model import locate_json
from mlmodel_spec.conformance.validate import validate_model
from mlmodel_spec.conformance.yaml_source import load_yaml

RULES = {
    "input-example-unreadable",
    "input-example-malformed",
    "input-example-legacy-format",
    "input-example-missing-input",
    "input-example-extra-input",
    "input-example-value-type",
    "input-example-tensor-shape",
    "input-example-param-value",
    "input-example-unknown-param",
    "serving-example-unreadable",
    "serving-example-malformed",
}
NAN = float("nan")
COLUMNS = [
    {"type": "double", "name": "a", "required": True},
    {"type": "string", "name": "b", "required": False},
]
DATAFRAME = {"type": "dataframe", "pandas_orient": "split"}


def mlmodel(inputs: Any = None, info: dict[str, str] | None = None, params: Any = None) -> str:
    """A custom-pyfunc MLmodel as MLflow 3.17 writes it, with a signature and an example."""
    lines = [
        "flavors:",
        "  python_function:",
        "    loader_module: mlflow.pyfunc.model",
        "    python_model: python_model.pkl",
        "    python_version: 3.11.7",
        "mlflow_version: 3.17.2",
    ]
    if info is not None:
        entries = {"artifact_path": "input_example.json", **info}
        lines += ["saved_input_example_info:", *(f"  {k}: {v}" for k, v in entries.items())]
    if inputs is not None or params is not None:
        lines += [
            "signature:",
            f"  inputs: {json.dumps(json.dumps(inputs)) if inputs is not None else 'null'}",
            "  outputs: null",
            f"  params: {json.dumps(json.dumps(params)) if params is not None else 'null'}",
        ]
    lines.append("utc_time_created: '2026-11-26 20:54:05.773815'")
    return "\n".join(lines) + "\n"


def model(
    root: Path,
    example: Any,
    inputs: Any = None,
    info: dict[str, str] | None = None,
    params: Any = None,
    *,
    raw: str | None = None,
    serving: Any = None,
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    info = dict(DATAFRAME) if info is None else info
    if serving is not None:
        info["serving_input_path"] = "serving_input_example.json"
        text = serving if isinstance(serving, str) else json.dumps(serving, indent=2)
        (root / "serving_input_example.json").write_text(text)
    (root / "MLmodel").write_text(mlmodel(inputs, info, params))
    (root / "input_example.json").write_text(raw if raw is not None else json.dumps(example))
    (root / "python_model.pkl").write_bytes(b"placeholder")
    return root


def found(root: Path, **options: Any) -> list[Finding]:
    return [
        f for f in validate_model(root, options=ValidationOptions(**options)) if f.rule in RULES
    ]


def rules(root: Path) -> set[str]:
    return {f.rule for f in found(root)}


def one(root: Path, rule: str) -> Finding:
    matching = [f for f in found(root) if f.rule == rule]
    assert len(matching) == 1, found(root)
    return matching[0]


# -- reading and form ---------------------------------------------------------------------


def test_a_well_formed_dataframe_example_raises_nothing(tmp_path: Path) -> None:
    root = model(tmp_path, {"columns": ["a", "b"], "data": [[1.5, "x"], [NAN, None]]}, COLUMNS)
    assert found(root) == []


def test_unreadable_example_is_located_in_the_example_file(tmp_path: Path) -> None:
    root = model(tmp_path, None, COLUMNS, raw='{"columns": ["a"],\n "data": [[1.5,]]}')
    finding = one(root, "input-example-unreadable")
    assert (finding.file, finding.line, finding.severity) == (
        "input_example.json",
        2,
        Severity.ERROR,
    )
    assert "not valid JSON" in finding.message


def test_example_that_is_not_utf8_is_unreadable(tmp_path: Path) -> None:
    root = model(tmp_path, None, COLUMNS, raw="")
    (root / "input_example.json").write_bytes(b'{"data": [["caf\xe9"]]}')
    assert "not UTF-8" in one(root, "input-example-unreadable").message


def test_bare_nan_is_accepted_without_any_finding(tmp_path: Path) -> None:
    raw = '{"columns": ["a", "b"], "data": [[NaN, NaN], [1.0, "c"]]}'
    assert found(model(tmp_path, None, COLUMNS, raw=raw)) == []


def test_missing_example_file_is_left_to_the_path_rule(tmp_path: Path) -> None:
    root = model(tmp_path, {"data": [[1]]}, COLUMNS)
    (root / "input_example.json").unlink()
    assert found(root) == []


@pytest.mark.parametrize(
    ("example", "pointer", "words"),
    [
        ([[1.5, "x"]], "", "not a list"),
        ({"columns": ["a", "b"], "rows": [[1.5, "x"]]}, "", "unexpected keys ['rows']"),
        ({"columns": ["a", "b"]}, "", "no `data` key"),
        ({"columns": ["a", "b"], "data": {"a": 1}}, "/data", "not a list of rows"),
        ({"columns": "a", "data": [[1.5]]}, "/columns", "not a list"),
        ({"columns": ["a", "b"], "data": [[1.5, "x"], [2.5]]}, "/data/1", "row 1 has 1 values"),
    ],
)
def test_malformed_dataframe_examples(
    tmp_path: Path, example: Any, pointer: str, words: str
) -> None:
    finding = one(model(tmp_path, example, COLUMNS), "input-example-malformed")
    assert finding.pointer == pointer
    assert words in finding.message or words.replace("not a list", "an array") in finding.message


def test_params_flag_means_the_example_is_wrapped(tmp_path: Path) -> None:
    info = {**DATAFRAME, "params": "'true'"}
    root = model(tmp_path, {"columns": ["a", "b"], "data": [[1.5, "x"]]}, COLUMNS, info)
    assert "params" in one(root, "input-example-malformed").message
    wrapped = {"inputs": {"columns": ["a", "b"], "data": [[1.5, "x"]]}, "params": {"k": 1}}
    params = [{"name": "k", "type": "long", "default": 0, "shape": None}]
    assert found(model(tmp_path / "ok", wrapped, COLUMNS, info, params)) == []


def test_a_yaml_boolean_params_flag_is_read_by_truthiness_like_mlflow(tmp_path: Path) -> None:
    wrapped = {"inputs": {"columns": ["a", "b"], "data": [[1.5, "x"]]}, "params": {"k": 1}}
    params = [{"name": "k", "type": "long", "default": 0, "shape": None}]
    root = model(tmp_path, wrapped, COLUMNS, {**DATAFRAME, "params": "true"}, params)
    assert found(root) == []


def test_params_that_are_not_an_object_are_malformed(tmp_path: Path) -> None:
    info = {"type": "json_object", "params": "'true'"}
    root = model(tmp_path, {"inputs": {"a": 1.0}, "params": [1]}, None, info)
    assert one(root, "input-example-malformed").pointer == "/params"


def test_tf_serving_example_must_be_an_inputs_object(tmp_path: Path) -> None:
    info = {"type": "ndarray", "format": "tf-serving"}
    assert one(model(tmp_path, [[1.0]], None, info), "input-example-malformed").pointer == ""
    assert found(model(tmp_path / "ok", {"inputs": [[1.0]]}, None, info)) == []


@pytest.mark.parametrize(
    ("example", "words"),
    [
        ({"data": [1.5], "indices": [1], "indptr": [0, 1, 1]}, "lacks ['shape']"),
        ({"data": [1.5], "indices": [1], "indptr": [0, 1], "shape": [2, 3]}, "2x3"),
        ({"data": 1.5, "indices": [1], "indptr": [0, 1, 1], "shape": [2, 3]}, "must be lists"),
    ],
)
def test_malformed_sparse_examples(tmp_path: Path, example: Any, words: str) -> None:
    info = {"type": "sparse_matrix_csr"}
    assert words in one(model(tmp_path, example, None, info), "input-example-malformed").message


def test_a_consistent_sparse_example_raises_nothing(tmp_path: Path) -> None:
    example = {"data": [1.5, 2.0], "indices": [1, 0], "indptr": [0, 1, 2], "shape": [2, 3]}
    spec = [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]
    for kind, shape in (("sparse_matrix_csr", [2, 3]), ("sparse_matrix_csc", [2, 2])):
        root = model(tmp_path / kind, {**example, "shape": shape}, spec, {"type": kind})
        assert found(root) == []


def test_unknown_example_types_are_left_to_the_schema(tmp_path: Path) -> None:
    assert found(model(tmp_path, {"anything": 1}, COLUMNS, {"type": "parquet"})) == []


# -- columns ------------------------------------------------------------------------------


def test_missing_required_column(tmp_path: Path) -> None:
    finding = one(
        model(tmp_path, {"columns": ["b"], "data": [["x"]]}, COLUMNS), "input-example-missing-input"
    )
    assert (finding.pointer, finding.file) == ("/columns", "input_example.json")
    assert '"a"' in finding.message
    assert (finding.line, finding.column) == (1, 13)


def test_missing_optional_column_is_fine(tmp_path: Path) -> None:
    assert found(model(tmp_path, {"columns": ["a"], "data": [[1.0]]}, COLUMNS)) == []


def test_extra_column_is_a_warning(tmp_path: Path) -> None:
    example = {"columns": ["a", "b", "z"], "data": [[1.0, "x", 3]]}
    finding = one(model(tmp_path, example, COLUMNS), "input-example-extra-input")
    assert finding.severity is Severity.WARNING
    assert '"z"' in finding.message


def test_values_orient_has_integer_labels_that_match_integer_names(tmp_path: Path) -> None:
    inputs = [
        {"type": "long", "name": 0, "required": True},
        {"type": "double", "name": 1, "required": True},
    ]
    assert (
        found(
            model(tmp_path, {"data": [[1, 2.5]]}, inputs, {**DATAFRAME, "pandas_orient": "values"})
        )
        == []
    )
    missing = model(tmp_path / "strings", {"columns": ["0", "1"], "data": [[1, 2.5]]}, inputs)
    assert {"input-example-missing-input", "input-example-extra-input"} == rules(missing)


def test_duplicate_column_labels_select_the_first_like_pandas(tmp_path: Path) -> None:
    example = {"columns": ["a", "a", "b"], "data": [[1.0, "not a number", "x"]]}
    assert found(model(tmp_path, example, COLUMNS)) == []
    swapped = {"columns": ["a", "a", "b"], "data": [["not a number", 1.0, "x"]]}
    assert (
        one(model(tmp_path / "s", swapped, COLUMNS), "input-example-value-type").pointer
        == "/data/0/0"
    )


def test_unnamed_columns_are_counted(tmp_path: Path) -> None:
    inputs = [{"type": "double", "required": True}, {"type": "string", "required": True}]
    assert found(model(tmp_path, {"data": [[1.0, "x", 3]]}, inputs)) == []
    short = model(tmp_path / "short", {"data": [[1.0]]}, inputs)
    assert "2 unnamed columns" in one(short, "input-example-missing-input").message


@pytest.mark.parametrize(
    ("column_type", "cell", "words"),
    [
        ("long", NAN, "missing value"),
        ("long", None, "missing value"),
        ("integer", "1.5", "cannot be cast to integer"),
        ("double", "abc", "cannot be cast to double"),
        ("binary", "not base64!", "not valid base64"),
        ("binary", 3, "not base64 text"),
        ("datetime", "next tuesday", "ISO 8601"),
        ("datetime", True, "cannot be parsed"),
        ("long", [1], "list [1]"),
    ],
)
def test_dataframe_cells_that_cannot_be_cast(
    tmp_path: Path, column_type: str, cell: Any, words: str
) -> None:
    inputs = [{"type": column_type, "name": "c", "required": True}]
    example = {"columns": ["c"], "data": [[cell]]}
    finding = one(model(tmp_path, example, inputs), "input-example-value-type")
    assert finding.pointer == "/data/0/0"
    assert words in finding.message


@pytest.mark.parametrize(
    ("column_type", "cells"),
    [
        ("long", [1, "2", True, 3.7]),
        ("double", [1, "2.5", True, None, NAN, "nan"]),
        ("string", [1, None, [1], {"a": 1}]),
        ("boolean", ["x", 1, None]),
        ("binary", ["aGVsbG8=\n", "AAE="]),
        ("datetime", ["2024-01-01", "2024-01-02T10:00:00", None, 1.5e18, NAN]),
    ],
)
def test_dataframe_cells_mlflow_casts(tmp_path: Path, column_type: str, cells: list[Any]) -> None:
    inputs = [{"type": column_type, "name": "c", "required": True}]
    assert found(model(tmp_path, {"columns": ["c"], "data": [[c] for c in cells]}, inputs)) == []


def test_only_the_first_bad_cell_is_reported_with_a_count(tmp_path: Path) -> None:
    inputs = [{"type": "long", "name": "n", "required": True}]
    example = {"columns": ["n"], "data": [[1], [NAN], [2], [NAN]]}
    finding = one(model(tmp_path, example, inputs), "input-example-value-type")
    assert finding.pointer == "/data/1/0"
    assert "(2 of 4 checked values)" in finding.message


def test_rows_after_max_rows_are_not_checked(tmp_path: Path) -> None:
    inputs = [{"type": "long", "name": "n", "required": True}]
    late = [[1]] * input_example.MAX_ROWS + [["x"]]
    assert found(model(tmp_path, {"columns": ["n"], "data": late}, inputs)) == []
    early = [["x"]] + [[1]] * input_example.MAX_ROWS
    assert rules(model(tmp_path / "early", {"columns": ["n"], "data": early}, inputs)) == {
        "input-example-value-type"
    }


def test_json_object_examples_are_not_cast(tmp_path: Path) -> None:
    inputs = [{"type": "integer", "name": "n", "required": True}]
    info = {"type": "json_object"}
    finding = one(model(tmp_path, {"n": 3}, inputs, info), "input-example-value-type")
    assert "declare long" in finding.message
    assert finding.pointer == "/n"
    long_inputs = [{"type": "long", "name": "n", "required": True}]
    assert found(model(tmp_path / "long", {"n": 3}, long_inputs, info)) == []


def test_json_object_records_and_column_lists(tmp_path: Path) -> None:
    inputs = [
        {"type": "long", "name": "n", "required": True},
        {"type": "string", "name": "s", "required": True},
    ]
    info = {"type": "json_object"}
    records = [{"n": 1, "s": "a"}, {"n": 2.5, "s": "b"}]
    assert one(model(tmp_path, records, inputs, info), "input-example-value-type").pointer == "/1/n"
    columns = {"n": [1, 2], "s": "a"}
    assert found(model(tmp_path / "columns", columns, inputs, info)) == []
    ragged = {"n": [1, 2], "s": ["a", "b", "c"]}
    assert (
        "different lengths"
        in one(model(tmp_path / "ragged", ragged, inputs, info), "input-example-value-type").message
    )


def test_complex_columns(tmp_path: Path) -> None:
    inputs = [
        {
            "type": "object",
            "properties": {
                "age": {"type": "long", "required": True},
                "name": {"type": "string", "required": False},
            },
            "name": "user",
            "required": True,
        },
        {"type": "array", "items": {"type": "string"}, "name": "tags", "required": True},
    ]
    info = {"type": "json_object"}
    assert found(model(tmp_path, {"user": {"age": 3}, "tags": ["a"]}, inputs, info)) == []
    cases = {
        "missing-property": (
            {"user": {"name": "x"}, "tags": []},
            "lacks required properties ['age']",
        ),
        "unknown-property": ({"user": {"age": 3, "zip": 1}, "tags": []}, "does not declare"),
        "float-age": ({"user": {"age": 3.5}, "tags": []}, "not an integer"),
        "not-a-list": ({"user": {"age": 3}, "tags": "a"}, "is not a list"),
        "list-in-list": ({"user": {"age": 3}, "tags": [["a"]]}, 'list ["a"] at [0]'),
    }
    for name, (example, words) in cases.items():
        finding = one(model(tmp_path / name, example, inputs, info), "input-example-value-type")
        assert words in finding.message, name


def test_arrays_of_float_fail_in_dataframe_examples(tmp_path: Path) -> None:
    inputs = [{"type": "array", "items": {"type": "float"}, "name": "v", "required": True}]
    example = {"columns": ["v"], "data": [[[0, 1]]]}
    assert (
        "checks dataframe cells twice"
        in one(model(tmp_path, example, inputs), "input-example-value-type").message
    )
    double = [{"type": "array", "items": {"type": "double"}, "name": "v", "required": True}]
    assert found(model(tmp_path / "double", example, double)) == []


def test_a_signature_with_unusable_specs_is_not_used(tmp_path: Path) -> None:
    inputs = [{"type": "strng", "name": "a"}, {"type": "double", "name": "b"}]
    assert found(model(tmp_path, {"columns": ["z"], "data": [["x"]]}, inputs)) == []


# -- tensors ------------------------------------------------------------------------------


def tensor(dtype: str, shape: list[int], name: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": shape}}
    return {"name": name, **spec} if name else spec


NDARRAY = {"type": "ndarray"}


@pytest.mark.parametrize(
    ("data", "shape", "words"),
    [
        ([[1.0, 2.0]], [-1, 3], "shape [1, 2] but its tensor spec says [-1, 3]"),
        ([1.0, 2.0], [-1, 2], "shape [2]"),
        ([[1.0, 2.0], [3.0]], [-1, 2], "ragged"),
        ({"x": [1.0]}, [-1], "unnamed tensor"),
    ],
)
def test_tensor_shapes(tmp_path: Path, data: Any, shape: list[int], words: str) -> None:
    finding = one(
        model(tmp_path, data, [tensor("float64", shape)], NDARRAY), "input-example-tensor-shape"
    )
    assert words in finding.message


def test_tensor_values(tmp_path: Path) -> None:
    root = model(tmp_path, [[1, 2], [3, "x"]], [tensor("int64", [-1, 2])], NDARRAY)
    finding = one(root, "input-example-value-type")
    assert finding.pointer == "/1/1"
    assert (finding.line, finding.column) == (1, 14)
    out_of_range = model(tmp_path / "u8", [[300, 1]], [tensor("uint8", [-1, 2])], NDARRAY)
    assert "out of range for uint8" in one(out_of_range, "input-example-value-type").message


def test_ragged_object_tensors_pass_where_mlflow_lets_them(tmp_path: Path) -> None:
    ragged = [[1, 2], [3]]
    assert found(model(tmp_path, ragged, [tensor("object", [-1])], NDARRAY)) == []
    assert found(model(tmp_path / "b", ragged, [tensor("object", [-1, -1])], NDARRAY)) == []
    fixed = model(tmp_path / "c", ragged, [tensor("object", [-1, 2])], NDARRAY)
    assert "shape [2]" in one(fixed, "input-example-tensor-shape").message


def test_named_tensors(tmp_path: Path) -> None:
    specs = [tensor("float64", [-1], "a"), tensor("int64", [-1, 2], "b")]
    assert found(model(tmp_path, {"a": [1.0], "b": [[1, 2]]}, specs, NDARRAY)) == []
    missing = model(tmp_path / "m", {"a": [1.0], "c": [1]}, specs, NDARRAY)
    assert rules(missing) == {"input-example-missing-input", "input-example-extra-input"}
    listed = model(tmp_path / "l", [[1.0]], specs, NDARRAY)
    assert "must be an object" in one(listed, "input-example-tensor-shape").message
    single = model(tmp_path / "s", [1.0, 2.0], [tensor("float64", [-1], "a")], NDARRAY)
    assert found(single) == []


def test_a_tensor_named_inputs_is_not_mistaken_for_the_legacy_wrapper(tmp_path: Path) -> None:
    root = model(tmp_path, {"inputs": [1.0, 2.0]}, [tensor("float64", [-1], "inputs")], NDARRAY)
    assert found(root) == []
    unnamed = model(tmp_path / "u", {"inputs": [1.0, 2.0]}, [tensor("float64", [-1])], NDARRAY)
    assert rules(unnamed) == {"input-example-tensor-shape"}  # MLflow >= 2.16 fails the same way


def test_legacy_tf_serving_example_with_a_tensor_signature(tmp_path: Path) -> None:
    info = {"type": "ndarray", "format": "tf-serving"}
    root = model(tmp_path, {"inputs": [[1.0, 2.0]]}, [tensor("float64", [-1, 2])], info)
    assert one(root, "input-example-legacy-format").severity is Severity.WARNING
    bad = model(tmp_path / "bad", {"inputs": [[1.0]]}, [tensor("float64", [-1, 2])], info)
    assert rules(bad) == {"input-example-legacy-format", "input-example-tensor-shape"}
    assert one(bad, "input-example-tensor-shape").pointer == "/inputs"
    without = model(tmp_path / "none", {"inputs": [[1.0, 2.0]]}, None, info)
    assert found(without) == []


# -- params -------------------------------------------------------------------------------


PARAMS = [
    {"name": "temperature", "default": 0.5, "shape": None, "type": "double"},
    {"name": "stop", "default": ["a"], "shape": [-1], "type": "string"},
]
WITH_PARAMS = {"type": "json_object", "params": "'true'"}


def test_example_params_are_checked_against_the_params_schema(tmp_path: Path) -> None:
    inputs = [{"type": "string", "name": "q", "required": True}]
    good = {"inputs": {"q": "hi"}, "params": {"temperature": 1, "stop": []}}
    assert found(model(tmp_path, good, inputs, WITH_PARAMS, PARAMS)) == []
    bad = {"inputs": {"q": "hi"}, "params": {"temperature": "hot", "stop": "x"}}
    pointers = {f.pointer for f in found(model(tmp_path / "bad", bad, inputs, WITH_PARAMS, PARAMS))}
    assert pointers == {"/params/temperature", "/params/stop"}


def test_unknown_example_params_are_a_warning(tmp_path: Path) -> None:
    inputs = [{"type": "string", "name": "q", "required": True}]
    extra = {"inputs": {"q": "hi"}, "params": {"top_p": 0.9}}
    finding = one(
        model(tmp_path, extra, inputs, WITH_PARAMS, PARAMS), "input-example-unknown-param"
    )
    assert "does not declare" in finding.message
    no_schema = one(
        model(tmp_path / "none", extra, inputs, WITH_PARAMS), "input-example-unknown-param"
    )
    assert "no params schema" in no_schema.message


# -- serving example ----------------------------------------------------------------------


EXAMPLE = {"columns": ["a", "b"], "data": [[1.5, "x"]]}


@pytest.mark.parametrize(
    "serving",
    [
        {"dataframe_split": EXAMPLE},
        {"dataframe_records": [{"a": 1.5}]},
        {"inputs": [[1.0]], "params": {"k": 1}},
        {"instances": [1, 2]},
        {"messages": [{"role": "user", "content": "hi"}], "temperature": 0.1},
    ],
)
def test_serving_examples_mlflow_accepts(tmp_path: Path, serving: Any) -> None:
    assert found(model(tmp_path, EXAMPLE, COLUMNS, serving=serving)) == []


@pytest.mark.parametrize(
    ("serving", "pointer", "words"),
    [
        ([1, 2], "", "not a JSON object"),
        ({"dataframe": EXAMPLE}, "", "exactly one of"),
        ({"inputs": [1], "instances": [1]}, "", "both instances and inputs"),
        ({"dataframe_split": {"columns": ["a"]}}, "/dataframe_split", "with `data`"),
        ({"dataframe_records": {"a": 1}}, "/dataframe_records", "list of records"),
        ({"inputs": [1], "params": [1]}, "/params", "params must be an object"),
    ],
)
def test_serving_examples_mlflow_refuses(
    tmp_path: Path, serving: Any, pointer: str, words: str
) -> None:
    finding = one(model(tmp_path, EXAMPLE, COLUMNS, serving=serving), "serving-example-malformed")
    assert (finding.file, finding.pointer) == ("serving_input_example.json", pointer)
    assert words in finding.message


def test_unreadable_serving_example(tmp_path: Path) -> None:
    root = model(tmp_path, EXAMPLE, COLUMNS, serving='{\n  "inputs": [1,\n}')
    finding = one(root, "serving-example-unreadable")
    assert (finding.line, finding.file) == (3, "serving_input_example.json")


def test_metadata_only_skips_every_input_example_check(tmp_path: Path) -> None:
    root = model(tmp_path, None, COLUMNS, raw="{", serving="[")
    assert rules(root) == {"input-example-unreadable", "serving-example-unreadable"}
    assert found(root, metadata_only=True) == []


def test_findings_in_large_examples_are_located_quickly(tmp_path: Path) -> None:
    rows = [[1.0, "x" * 100]] * 5000
    rows[900] = ["bad", "x"]
    text = json.dumps({"columns": ["a", "b"], "data": rows}, indent=1)
    root = model(tmp_path, None, COLUMNS, raw=text)
    finding = one(root, "input-example-value-type")
    assert finding.pointer == "/data/900/0"
    line, content = next((i, t) for i, t in enumerate(text.splitlines(), 1) if '"bad"' in t)
    assert (finding.line, finding.column) == (line, content.index('"bad"') + 1)


def test_locate_json() -> None:
    text = '{"a": [1, {"b c": NaN, "x/y": 2}],\n "k" : {"z": [true]}}'
    assert locate_json(text, "/a/1/x~1y") == (1, 31)
    assert locate_json(text, "/k/z/0") == (2, 15)
    assert locate_json(text, "/k/missing") == (2, 8)  # the nearest ancestor
    assert locate_json(text, "") == (1, 1)
    assert locate_json('{"a": [1, 2', "/a/1") == (1, 11)  # truncated text: best effort


# -- value model --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        ([1, 2], "int64"),
        ([1, None], "float64"),
        ([1.5, NAN], "float64"),
        ([True, False], "bool"),
        ([True, None], "object"),
        (["a", None], "str"),
        ([None, None], "object"),
        ([1, "a"], "object"),
        ([2**64], "object"),
        ([[1]], "object"),
    ],
)
def test_series_dtype_follows_pandas(values: list[Any], dtype: str) -> None:
    assert series_dtype(values) == dtype


def test_series_problem_names_the_value_to_blame() -> None:
    assert series_problem([1.0, 2.0, "x"], "long") == (2, 'string "x" is not a long value')
    assert series_problem([0, 1, 1], "double") is None
    index, message = series_problem([0, 1, 7], "double") or (0, "")
    assert index == 2
    assert "write 7.0" in message
    assert series_problem([True, None], "double") is None  # pandas.to_numeric accepts it
    assert series_problem(["2024-01-01"], "datetime") is not None


def test_cast_problem_accepts_what_numpy_casts() -> None:
    assert cast_problem(" 12 ", "long") is None
    assert cast_problem("1e3", "double") is None
    assert cast_problem(float("inf"), "long") is not None
    assert cast_problem(None, "string") is None


def test_array_shape_is_numpys() -> None:
    assert array_shape([[1, 2], [3, 4]]).shape == (2, 2)
    ragged = array_shape([[[1], [2]], [[3]]])
    assert (ragged.shape, ragged.ragged) == ((2,), True)
    deeper = array_shape([[[1, 2]], [[3]]])
    assert (deeper.shape, deeper.ragged) == ((2, 1), True)
    assert array_shape(5, "int64").shape == ()
    assert array_shape([[1, None]], "int64").problem_path == (0, 1)


def test_array_shape_is_bounded() -> None:
    big = [[0.0] * 100 for _ in range(5000)]
    found_shape = array_shape(big, "float64", max_rows=1000, budget=10_000)
    assert found_shape.shape[0] == 5000


# -- robustness ---------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=20,
)
SPECS = st.sampled_from(
    [
        COLUMNS,
        [tensor("float32", [-1, 2])],
        [tensor("int8", [-1], "a"), tensor("object", [2, -1], "b")],
        [
            {
                "type": "array",
                "items": {"type": "map", "values": {"type": "long"}},
                "name": "x",
                "required": True,
            }
        ],
        [
            {
                "type": "object",
                "properties": {"p": {"type": "datetime"}},
                "name": 0,
                "required": False,
            }
        ],
        [{"type": "binary", "required": True}],
    ]
)
INFOS = st.sampled_from(
    [
        DATAFRAME,
        NDARRAY,
        {"type": "json_object"},
        {"type": "ndarray", "format": "tf-serving"},
        {"type": "sparse_matrix_csc"},
        {"type": "json_object", "params": "'true'"},
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(example=JSON, inputs=SPECS, info=INFOS, serving=JSON)
def test_arbitrary_examples_never_crash_a_check(
    tmp_path: Path, example: Any, inputs: Any, info: dict[str, str], serving: Any
) -> None:
    root = tmp_path / "m"
    model(root, example, inputs, dict(info), PARAMS, serving=serving)
    ctx = ModelContext(root, load_yaml((root / "MLmodel").read_text()))
    for check in (
        input_example.input_example_matches,
        serving_example.serving_example_is_a_payload,
    ):
        for problem in check(ctx):
            assert problem.rule in RULES
            assert problem.file in ("input_example.json", "serving_input_example.json")


# -- differential test against MLflow -----------------------------------------------------

PRIMITIVES = ["boolean", "integer", "long", "float", "double", "string", "binary", "datetime"]
CELLS: dict[str, list[Any]] = {
    "ints": [1, 2],
    "int01": [0, 1],
    "bigint": [1, 3000000000],
    "floats": [1.5, 2.0],
    "intfloats": [1.0, 2.0],
    "floatnan": [1.5, NAN],
    "intnan": [1, NAN],
    "intnull": [1, None],
    "nan": [NAN, NAN],
    "null": [None, None],
    "strs": ["a", "b"],
    "numstrs": ["1", "2"],
    "fstrs": ["1.5", "2"],
    "bools": [True, False],
    "boolnull": [True, None],
    "mixed": [1, "a"],
    "dates": ["2024-01-01", "2024-01-02"],
    "datetimes": ["2024-01-01T10:00:00", "2024-01-02T11:30:00"],
    "b64": ["aGVsbG8=", "d29ybGQ="],
    "b64nl": ["aGVsbG8=\n", "AAE=\n"],
    "strnull": ["a", None],
    "lists": [[1, 2], [3]],
    "dicts": [{"a": 1}, {"a": 2}],
    "intbool": [1, True],
    "inf": [1.0, math.inf],
}
NESTED: dict[str, list[Any]] = {
    "ints": [1, 2],
    "int01": [0, 1],
    "floats": [1.5, 2.0],
    "intfloat": [1.0],
    "bools": [True],
    "strs": ["a"],
    "null": [None],
    "nan": [NAN],
    "numstr": ["1"],
    "b64": ["aGk="],
    "date": ["2024-01-01"],
    "empty": [],
    "nested": [[1]],
    "dict": [{"a": 1}],
}
DTYPES = [
    "float64",
    "float32",
    "int64",
    "int32",
    "uint8",
    "int8",
    "bool",
    "object",
    "str",
    "datetime64[ns]",
]
LEAVES: dict[str, Any] = {
    "ints": [[1, 2]],
    "floats": [[1.5, 2.0]],
    "bools": [[True, False]],
    "nan": [[NAN, 1.0]],
    "null": [[None, 1]],
    "strs": [["a", "b"]],
    "numstrs": [["1", "2"]],
    "fstrs": [["1.5", "2"]],
    "dates": [["2024-01-01", "2024-01-02"]],
    "ragged": [[1, 2], [3]],
    "dicts": [[{"a": 1}, {"a": 2}]],
    "neg": [[-1, 2]],
    "big": [[300, 2]],
}
PARAM_VALUES: dict[str, Any] = {
    "int": 3,
    "zero": 0,
    "float": 1.5,
    "intfloat": 2.0,
    "bool": True,
    "str": "x",
    "numstr": "3",
    "iso": "2024-01-01T00:00:00",
    "date": "2024-01-01",
    "null": None,
    "list_int": [1, 2],
    "list_str": ["a"],
    "list_empty": [],
    "list_mixed": [1, "a"],
    "nested": [[1]],
    "dict": {"a": 1},
    "list_null": [None],
    "nan": NAN,
    "bad_dt": "yesterday",
}


def _grid() -> Iterator[tuple[str, Any, Any, dict[str, str], Any]]:
    """(name, inputs, example, info, params) of every generated model."""
    for t in PRIMITIVES:
        for n, vals in CELLS.items():
            col = [{"type": t, "name": "c", "required": True}]
            yield (
                f"cast-{t}-{n}",
                col,
                {"columns": ["c"], "data": [[v] for v in vals]},
                DATAFRAME,
                None,
            )
            yield f"strict-{t}-{n}", col, [{"c": v} for v in vals], {"type": "json_object"}, None
            for req in (True, False):
                two = [
                    {"type": t, "name": "c", "required": req},
                    {"type": "long", "name": "k", "required": True},
                ]
                yield (
                    f"one-{t}-{n}-{req}",
                    two,
                    {"c": vals[1], "k": 1},
                    {"type": "json_object"},
                    None,
                )
        yield from _nested_grid(t)
    for dt in DTYPES:
        for n, leaves in LEAVES.items():
            yield f"tensor-{dt}-{n}", [tensor(dt, [-1, 2])], leaves, NDARRAY, None
    for i, shape in enumerate([[-1, 2], [-1, 3], [2, 2], [1, 2], [-1], [-1, -1, 2], [-1, -1], []]):
        for n, data in {
            "2x2": [[1.0, 2.0], [3.0, 4.0]],
            "vec": [1.0, 2.0],
            "scalar": 1.0,
            "3d": [[[1.0, 2.0]]],
        }.items():
            yield f"shape-{i}-{n}", [tensor("float64", shape)], data, NDARRAY, None
    named = [tensor("float64", [-1], "a"), tensor("int64", [-1, 2], "b")]
    for n, data in {
        "ok": {"a": [1.0], "b": [[1, 2]]},
        "missing": {"a": [1.0]},
        "extra": {"a": [1.0], "b": [[1, 2]], "c": [1]},
        "list": [[1.0]],
        "badshape": {"a": [1.0], "b": [1, 2]},
        "badval": {"a": ["x"], "b": [[1, 2]]},
    }.items():
        yield f"named-{n}", named, data, NDARRAY, None
    for t in ["boolean", "integer", "long", "float", "double", "string", "datetime"]:
        for param_shape in (None, [-1]):
            for n, v in PARAM_VALUES.items():
                default: list[Any] | None = [] if param_shape else None
                spec = [{"name": "p", "type": t, "default": default, "shape": param_shape}]
                example = {"inputs": {"q": "hi"}, "params": {"p": v}}
                yield (
                    f"param-{t}-{param_shape}-{n}",
                    [{"type": "string", "name": "q", "required": True}],
                    example,
                    WITH_PARAMS,
                    spec,
                )
    unnamed = [{"type": "double", "required": True}, {"type": "string", "required": True}]
    for n, ex in {
        "ok": {"columns": ["a", "b"], "data": [[1.0, "x"]]},
        "noopt": {"columns": ["a"], "data": [[1.0]]},
        "noreq": {"columns": ["b"], "data": [["x"]]},
        "extra": {"columns": ["a", "b", "z"], "data": [[1.0, "x", 1]]},
        "values": {"data": [[1.0, "x"]]},
    }.items():
        yield f"columns-{n}", COLUMNS, ex, DATAFRAME, None
        yield f"unnamed-{n}", unnamed, ex, DATAFRAME, None


def _nested_grid(t: str) -> Iterator[tuple[str, Any, Any, dict[str, str], Any]]:
    for n, vals in NESTED.items():
        for kind in ("array", "map", "object"):
            if kind == "array":
                spec: dict[str, Any] = {"type": "array", "items": {"type": t}}
                cell: Any = vals
            elif kind == "map":
                spec, cell = (
                    {"type": "map", "values": {"type": t}},
                    {str(i): x for i, x in enumerate(vals)},
                )
            elif len(vals) == 1:
                spec, cell = {"type": "object", "properties": {"p": {"type": t}}}, {"p": vals[0]}
            else:
                continue
            for req in (True, False):
                inputs = [{**spec, "name": "c", "required": req}]
                yield (
                    f"df-{kind}-{t}-{n}-{req}",
                    inputs,
                    {"columns": ["c"], "data": [[cell]]},
                    DATAFRAME,
                    None,
                )
                yield (
                    f"json-{kind}-{t}-{n}-{req}",
                    inputs,
                    {"c": cell},
                    {"type": "json_object"},
                    None,
                )


ORACLE_SCRIPT = """
import json, logging, sys, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
import mlflow
from mlflow.models import Model
from mlflow.models.utils import _enforce_params_schema, _enforce_schema
result = {"version": mlflow.__version__, "models": {}}
for d in json.load(open(sys.argv[1])):
    try:
        m = Model.load(d)
        example = m.load_input_example(d)
        params = m.load_input_example_params(d)
        if m.signature is not None and m.signature.inputs is not None:
            _enforce_schema(example, m.signature.inputs)
        if m.signature is not None and params is not None:
            _enforce_params_schema(params, m.signature.params)
        result["models"][d] = ""
    except Exception as exc:
        result["models"][d] = (str(exc).splitlines() or ["?"])[0][:300] or type(exc).__name__
json.dump(result, open(sys.argv[2], "w"))
"""


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("grid")
    return {
        name: model(root / name, example, inputs, dict(info), params)
        for name, inputs, example, info, params in _grid()
    }


ERRORS = RULES - {
    "input-example-extra-input",
    "input-example-unknown-param",
    "input-example-legacy-format",
}


def test_agrees_with_mlflow(
    oracle_python: str,
    run_oracle: Callable[[str, str, Iterable[Path], Path], Any],
    grid: dict[str, Path],
    tmp_path: Path,
) -> None:
    oracle = run_oracle(oracle_python, ORACLE_SCRIPT, grid.values(), tmp_path)
    major = int(oracle["version"].split(".")[0])
    missed, invented = [], []
    for name, root in grid.items():
        ours = [f for f in found(root) if f.rule in ERRORS and f.severity is Severity.ERROR]
        theirs = oracle["models"][str(root)]
        if theirs and not ours:
            missed.append(f"{name}: MLflow says {theirs}")
        if ours and not theirs and major >= 3:
            invented.append(f"{name}: we say {ours[0].message}")
    assert not missed, f"MLflow {oracle['version']} refuses, we are silent:\n" + "\n".join(
        missed[:30]
    )
    assert not invented, f"MLflow {oracle['version']} accepts, we report:\n" + "\n".join(
        invented[:30]
    )
    assert len(grid) > 2000
