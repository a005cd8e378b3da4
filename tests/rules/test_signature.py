"""rules/signature.py and signature_model.py (decoding, types, schema and param specs).

Unit tests pin each rule down; ``test_agrees_with_mlflow_model_load`` loads ~200 generated
signatures with real MLflow (``Model.load`` builds the signature objects) and requires that
we report an error exactly when MLflow fails to load (see ``oracle_pythons`` for where
MLflow comes from).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmodel_spec.conformance.context import ModelContext
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules import signature
from mlmodel_spec.conformance.signature_model import (
    decode_json_text,
    input_schema,
    param_specs,
    read_type,
)
from mlmodel_spec.conformance.validate import validate_model
from mlmodel_spec.conformance.yaml_source import load_yaml

HEAD = """\
flavors:
  python_function:
    loader_module: mlflow.pyfunc.model
    python_model: python_model.pkl
    python_version: 3.11.7
"""
NAN = float("nan")


def sig_model(
    root: Path,
    inputs: Any = None,
    outputs: Any = None,
    params: Any = None,
    *,
    version: str | None = "3.17.2",
    raw: dict[str, str] | None = None,
    extra: str = "",
) -> Path:
    """A model whose signature fields hold ``json.dumps`` of the given values (or ``raw`` text)."""
    root.mkdir(parents=True, exist_ok=True)
    fields = {
        name: json.dumps(json.dumps(value)) if value is not None else "null"
        for name, value in (("inputs", inputs), ("outputs", outputs), ("params", params))
    }
    fields.update(raw or {})
    text = HEAD + (f"mlflow_version: {version}\n" if version else "")
    text += "signature:\n" + "".join(f"  {k}: {v}\n" for k, v in fields.items()) + extra
    (root / "MLmodel").write_text(text)
    (root / "python_model.pkl").write_bytes(b"placeholder")
    return root


def found(root: Path) -> list[Finding]:
    return [f for f in validate_model(root) if f.rule.startswith("signature")]


def rules(root: Path) -> set[str]:
    return {f.rule for f in found(root)}


def one(root: Path, rule: str) -> Finding:
    matching = [f for f in found(root) if f.rule == rule]
    assert len(matching) == 1, found(root)
    return matching[0]


def col(kind: str = "double", **keys: Any) -> dict[str, Any]:
    return {"type": kind, **keys}


def ten(dtype: str = "float64", shape: tuple[int, ...] = (-1,), **keys: Any) -> dict[str, Any]:
    return {"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": list(shape)}, **keys}


GOOD = [col(name="a", required=True), col("string", name="b", required=False)]


# -- decoding -----------------------------------------------------------------------------


def test_decoding_reports_the_position_inside_the_string() -> None:
    decoded = decode_json_text('[{"type": "double",\n "name": "a"')
    assert not decoded.ok
    assert (decoded.line, decoded.column, decoded.position) == (2, 13, 32)


def test_decoding_finds_duplicate_keys_with_their_pointer() -> None:
    decoded = decode_json_text(
        '[{"type": "object", "properties": {"p": {"type": "long"}, "p": {}}}]'
    )
    assert decoded.ok
    assert [(d.pointer, d.key, d.conflicting) for d in decoded.duplicates] == [
        ("/0/properties", "p", True)
    ]
    same = decode_json_text('[{"type": "long", "type": "long"}]')
    assert [(d.pointer, d.key, d.conflicting) for d in same.duplicates] == [("/0", "type", False)]
    assert decode_json_text('[{"a": 1}]').duplicates == ()


def test_decoding_accepts_nan_and_is_cached() -> None:
    text = '[{"name": "t", "default": NaN}]'
    assert decode_json_text(text) is decode_json_text(text)
    assert decode_json_text(text).ok


def test_read_type_and_schema() -> None:
    nested = read_type({"type": "array", "items": {"type": "map", "values": {"type": "long"}}})
    assert nested is not None
    assert nested.describe() == "array<map<long>>"
    assert read_type({"type": "object", "properties": {}}) is None
    schema = input_schema(json.dumps([col(name="a"), {"type": "array", "name": "x"}]))
    assert schema is not None
    assert (len(schema.columns), schema.complete, schema.is_columns) == (1, False, False)
    optional = input_schema(
        json.dumps([col(name="a", optional=True), {"type": "any", "name": "z"}])
    )
    assert optional is not None
    assert [c.required for c in optional.columns] == [False, False]
    assert input_schema("") is None
    assert input_schema(["not", "a", "string"]) is None


def test_param_specs_accept_the_2_6_dtype_key() -> None:
    specs = param_specs(json.dumps([{"name": "k", "dtype": "long", "default": 1, "shape": None}]))
    assert specs[0].type is not None
    assert (specs[0].type.kind, specs[0].shape_ok) == ("long", True)
    assert (
        param_specs(json.dumps([{"name": "k", "type": "long", "default": 1, "shape": [2]}]))[
            0
        ].shape_ok
        is False
    )


# -- rules --------------------------------------------------------------------------------


def test_a_signature_as_mlflow_3_writes_it_raises_nothing(tmp_path: Path) -> None:
    outputs = [ten("int64")]
    params = [{"name": "temperature", "default": 0.5, "shape": None, "type": "double"}]
    assert found(sig_model(tmp_path, GOOD, outputs, params)) == []


def test_invalid_json_names_the_position_and_the_yaml_line(tmp_path: Path) -> None:
    root = sig_model(tmp_path, raw={"inputs": '\'[{"type": "double", "name": "a"\''})
    finding = one(root, "signature-invalid-json")
    assert finding.pointer == "/signature/inputs"
    assert "at character 31 (line 1, column 32 of the string)" in finding.message
    assert (finding.file, finding.line) == ("MLmodel", 8)


def test_inline_yaml_values_are_left_to_the_mlmodel_schema(tmp_path: Path) -> None:
    root = sig_model(tmp_path, raw={"inputs": "[{type: double}]"})
    assert found(root) == []
    assert "schema" in {f.rule for f in validate_model(root)}


def test_duplicate_json_keys(tmp_path: Path) -> None:
    raw = (
        '\'[{"type": "object", "properties": {"p": {"type": "long"}, "p": {"type": "string"}}, '
        '"name": "o"}]\''
    )
    finding = one(sig_model(tmp_path, raw={"inputs": raw}), "signature-json-duplicate-key")
    assert (finding.pointer, finding.severity) == (
        "/signature/inputs/0/properties/p",
        Severity.WARNING,  # MLflow keeps the last value and loads: the first is lost
    )
    same = '\'[{"type": "double", "name": "a", "name": "a"}]\''
    finding = one(
        sig_model(tmp_path / "same", raw={"inputs": same}), "signature-json-duplicate-key"
    )
    assert (finding.pointer, finding.severity) == ("/signature/inputs/0/name", Severity.INFO)


def test_schema_findings_point_inside_the_decoded_json(tmp_path: Path) -> None:
    finding = one(sig_model(tmp_path, [col("strng", name="a")]), "signature-schema")
    assert finding.pointer == "/signature/inputs/0/type"
    assert "'strng'" in finding.message
    assert finding.line == 8  # the walker falls back to the YAML scalar


@pytest.mark.parametrize(
    ("inputs", "rule", "pointer"),
    [
        ([col(name="a"), ten(name="t")], "signature-mixed-specs", "/signature/inputs"),
        ([col(name="a"), col()], "signature-mixed-names", "/signature/inputs/1"),
        ([ten(), ten()], "signature-unnamed-tensors", "/signature/inputs"),
        ([col(required=False), col()], "signature-unnamed-optional", "/signature/inputs/0"),
        (
            [col(name="a", required=True, optional=True)],
            "signature-optional-and-required",
            "/signature/inputs/0",
        ),
        ([col(name="a", nullable=True)], "signature-unknown-key", "/signature/inputs/0/nullable"),
    ],
)
def test_specific_rules_replace_the_generic_schema_finding(
    tmp_path: Path, inputs: Any, rule: str, pointer: str
) -> None:
    finding = one(sig_model(tmp_path, inputs), rule)
    assert (finding.pointer, finding.severity) == (pointer, Severity.ERROR)
    assert rules(sig_model(tmp_path / "again", inputs)) == {rule}


def test_unknown_keys_that_mlflow_ignores_are_info(tmp_path: Path) -> None:
    inputs = [ten(foo=1)]
    finding = one(sig_model(tmp_path, inputs), "signature-unknown-key")
    assert (finding.severity, finding.pointer) == (Severity.INFO, "/signature/inputs/0/foo")
    named = [ten(name="a"), ten("int64", (-1, 2), name="b")]
    assert found(sig_model(tmp_path / "named", named)) == []


def test_duplicate_names(tmp_path: Path) -> None:
    finding = one(
        sig_model(tmp_path, [col(name="a"), col("string", name="a")]), "signature-duplicate-name"
    )
    assert finding.severity is Severity.WARNING
    assert "enforces only spec 1" in finding.message
    params = [
        {"name": "k", "type": "long", "default": 1},
        {"name": "k", "type": "double", "default": 1.5},
    ]
    assert one(
        sig_model(tmp_path / "p", GOOD, params=params), "signature-duplicate-param"
    ).pointer == ("/signature/params/1/name")


def test_optional_key_is_an_error_once_per_field(tmp_path: Path) -> None:
    # Model.load of MLflow 2.22 and 3.17: TypeError: ColSpec.__init__() got an unexpected
    # keyword argument 'optional'
    inputs = [col(name="a", optional=True), col(name="b", optional=True), col(name="c")]
    finding = one(sig_model(tmp_path, inputs, version="2.9.2"), "signature-optional-key")
    assert finding.severity is Severity.ERROR
    assert "2 column specs (first: spec 0)" in finding.message


def test_required_key_only_matters_when_the_writer_claims_to_be_older(tmp_path: Path) -> None:
    assert found(sig_model(tmp_path, GOOD, GOOD)) == []
    assert found(sig_model(tmp_path / "unknown", GOOD, version=None)) == []
    finding = one(
        sig_model(tmp_path / "old", GOOD, GOOD, version="2.9.2"), "signature-required-key"
    )
    assert "4 column specs in inputs and outputs" in finding.message
    assert found(sig_model(tmp_path / "old-style", [col(name="a")], version="2.9.2")) == []


@pytest.mark.parametrize(
    ("kind", "default", "shape", "words"),
    [
        ("long", 2.0, None, "number 2.0 is not a long value"),
        ("double", "0.5", None, 'string "0.5" is not a double value'),
        ("string", "x", [-1], "is not a list"),
        ("long", [1], None, "not a scalar"),
        ("datetime", "tomorrow", None, "ISO 8601"),
        ("boolean", [True, 1], [-1], "item integer 1"),
    ],
)
def test_param_defaults(tmp_path: Path, kind: str, default: Any, shape: Any, words: str) -> None:
    params = [{"name": "k", "type": kind, "default": default, "shape": shape}]
    finding = one(sig_model(tmp_path, GOOD, params=params), "signature-param-default")
    assert finding.pointer == "/signature/params/0/default"
    assert words in finding.message
    assert "signature-schema" not in rules(sig_model(tmp_path / "again", GOOD, params=params))


@pytest.mark.parametrize(
    ("dtype", "expected"),
    [
        ("float64", None),
        ("datetime64[ns]", None),
        ("str", None),
        ("<f8", Severity.INFO),  # numpy's alias of float64: loads, not what MLflow writes
        ("U0", Severity.INFO),  # numpy's unsized str
        ("(2,)f8", Severity.INFO),
        ("<U5", Severity.ERROR),  # MLflow refuses size information in flexible types
        ("|S3", Severity.ERROR),
        ("float64[ns]", Severity.ERROR),  # numpy: data type not understood
        ("<>f8", Severity.ERROR),
        ("", Severity.ERROR),
    ],
)
def test_tensor_dtype_follows_the_numpy_grammar(
    tmp_path: Path, dtype: str, expected: Severity | None
) -> None:
    findings = found(sig_model(tmp_path, [ten(dtype)]))
    assert [(f.rule, f.severity) for f in findings] == (
        [("signature-tensor-dtype", expected)] if expected else []
    )
    if expected:
        assert findings[0].pointer == "/signature/inputs/0/tensor-spec/dtype"


def test_param_dtype_key_is_info(tmp_path: Path) -> None:
    params = [{"name": "k", "dtype": "long", "default": 1, "shape": None}]
    finding = one(
        sig_model(tmp_path, GOOD, params=params, version="2.6.0"), "signature-param-dtype-key"
    )
    assert (finding.severity, finding.pointer) == (Severity.INFO, "/signature/params/0/dtype")


def test_flags_without_signature(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    (root / "MLmodel").write_text(
        HEAD + "is_signature_from_type_hint: true\ntype_hint_from_example: false\n"
    )
    finding = one(root, "signature-flags-without-signature")
    assert (finding.severity, finding.pointer, finding.line) == (
        Severity.WARNING,
        "/is_signature_from_type_hint",
        6,
    )
    (root / "MLmodel").write_text(HEAD + "type_hint_from_example: false\n")
    assert one(root, "signature-flags-without-signature").severity is Severity.INFO
    flags = "is_signature_from_type_hint: true\n"
    assert found(sig_model(tmp_path / "with", GOOD, extra=flags)) == []


def test_checks_without_the_generated_validators_still_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = sig_model(tmp_path, [col("strng", name="a"), ten(name="t")])
    monkeypatch.setattr(signature, "_validator", lambda name: None)
    assert rules(root) == {"signature-mixed-specs"}


def test_a_validator_that_recurses_too_deep_is_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def too_deep(value: Any) -> list[Any]:
        raise RecursionError

    monkeypatch.setattr(signature, "_validator", lambda name: too_deep)
    finding = one(sig_model(tmp_path, [col(name="deep")]), "signature-schema")
    assert "nested too deeply" in finding.message


# -- robustness ---------------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "name",
                    "required",
                    "optional",
                    "tensor-spec",
                    "dtype",
                    "shape",
                    "items",
                    "values",
                    "properties",
                    "default",
                    "x",
                ]
            )
            | st.text(max_size=3),
            children,
            max_size=5,
        )
    ),
    max_leaves=25,
)


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    inputs=JSON,
    params=JSON,
    text=st.text(max_size=30),
    version=st.sampled_from(["2.9.0", "3.1", None]),
)
def test_arbitrary_signatures_never_crash_a_check(
    tmp_path: Path, inputs: Any, params: Any, text: str, version: str | None
) -> None:
    root = sig_model(tmp_path / "m", inputs, None, params, version=version)
    docs = [load_yaml((root / "MLmodel").read_text())]
    raw = sig_model(tmp_path / "raw", raw={"outputs": json.dumps(text)})
    docs.append(load_yaml((raw / "MLmodel").read_text()))
    for doc in docs:
        ctx = ModelContext(root, doc)
        for check in (
            signature.signature_fields_are_json,
            signature.signature_fields_match_schema,
            signature.signature_fields_are_consistent,
            signature.signature_required_key_matches_writer,
            signature.signature_flags_have_a_signature,
        ):
            for problem in check(ctx):
                assert problem.rule.startswith("signature-")


# -- differential test against MLflow -----------------------------------------------------

VARIANTS: dict[str, Any] = {
    "cols": GOOD,
    "old-cols": [col(name="a"), col("long", name="b")],
    "int-names": [col("long", name=0, required=True), col(name=1, required=True)],
    "unnamed": [col(required=True), col("string", required=True)],
    "tensor": [ten()],
    "named-tensors": [ten(name="x"), ten("int64", (-1, 2), name="y")],
    "complex": [
        {"type": "array", "items": {"type": "long"}, "name": "x", "required": True},
        {"type": "object", "properties": {"a": {"type": "string", "required": True}}, "name": "o"},
        {"type": "map", "values": {"type": "double"}, "name": "m", "required": False},
        {"type": "any", "name": "z", "required": True},
        {"type": "sparkml_vector", "name": "v", "required": True},
    ],
    "items-required": [{"type": "array", "items": {"type": "long", "required": True}, "name": "x"}],
    "tensor-extra": [ten(foo=1)],
    "complex-extra": [{"type": "array", "items": {"type": "long"}, "name": "x", "foo": 1}],
    "dup-names": [col(name="a"), col("string", name="a")],
    "unnamed-complex": [{"type": "array", "items": {"type": "long"}}],
    "scalar-shape": [ten(shape=())],
    "mixed": [col(name="a"), ten(name="t")],
    "names": [col(name="a"), col()],
    "unnamed-tensors": [ten(), ten()],
    "opt-req": [col(name="a", required=True, optional=True)],
    "unnamed-opt": [col(required=False)],
    "unnamed-optional-key": [col(optional=True)],
    "optional": [col(name="a", optional=True)],
    "optional-false": [col(name="a", optional=False)],
    "extra": [col(name="a", nullable=True)],
    "bad-type": [col("strng", name="a")],
    "empty": [],
    "no-type": [{"name": "a"}],
    "array-no-items": [{"type": "array", "name": "a"}],
    "object-empty": [{"type": "object", "properties": {}, "name": "a"}],
    "object-dup-free": [
        {
            "type": "object",
            "properties": {"b": {"type": "long"}, "a": {"type": "long"}},
            "name": "o",
        }
    ],
    "tensor-no-shape": [{"type": "tensor", "tensor-spec": {"dtype": "float64"}}],
    "tensor-sized": [ten("<U5")],
    "not-list": {"type": "double"},
    "entry-not-dict": ["double"],
    # the signature schema is stricter than MLflow here (see KNOWN_DIFFERENCES)
    "tensor-int-name": [ten(name=1)],
    "name-null": [col(name=None), col()],
    "tensor-unknown-dtype": [ten("floaty")],
    "tensor-alias": [ten("<f8")],
    "tensor-unsized-U0": [ten("U0")],
    "tensor-two-orders": [ten("<>f8")],
    "tensor-empty-dtype": [ten("")],
    "tensor-datetime-step": [ten("<m8[25ms]")],
    "tensor-subarray": [ten("(2,)f8")],
}
PARAM_VALUES: dict[str, Any] = {
    "int": 3,
    "float": 1.5,
    "intfloat": 2.0,
    "bool": True,
    "str": "x",
    "numstr": "3",
    "iso": "2024-01-01T00:00:00",
    "null": None,
    "list_int": [1, 2],
    "list_str": ["a"],
    "list_empty": [],
    "list_mixed": [1, "a"],
    "nested": [[1]],
    "dict": {"a": 1},
    "nan": NAN,
    "bad_dt": "yesterday",
}
PARAM_VARIANTS: dict[str, Any] = {
    "dtype-key": [{"name": "k", "dtype": "long", "default": 1, "shape": None}],
    "dup": [
        {"name": "k", "type": "long", "default": 1},
        {"name": "k", "type": "long", "default": 2},
    ],
    "bad-shape": [{"name": "k", "type": "long", "default": [1], "shape": [2]}],
    "binary": [{"name": "k", "type": "binary", "default": "x"}],
    "no-default": [{"name": "k", "type": "long"}],
    "object": [
        {
            "name": "k",
            "type": "object",
            "properties": {"a": {"type": "long"}},
            "default": {"a": 1},
            "shape": None,
        }
    ],
    "object-bad": [
        {
            "name": "k",
            "type": "object",
            "properties": {"a": {"type": "long"}},
            "default": {"b": 1},
            "shape": None,
        }
    ],
    "int-name": [{"name": 3, "type": "long", "default": 1}],
}
for _kind in ("boolean", "integer", "long", "float", "double", "string", "datetime"):
    for _shape in (None, [-1]):
        for _name, _value in PARAM_VALUES.items():
            PARAM_VARIANTS[f"{_kind}-{_shape}-{_name}"] = [
                {"name": "k", "type": _kind, "default": _value, "shape": _shape}
            ]

#: Where the signature JSON Schema (spec/schemas/v1/signature.schema.json) is stricter than
#: MLflow. Remove an entry when the schema changes; the test fails while one is stale.
KNOWN_DIFFERENCES = {
    "in-tensor-int-name": "the schema wants a string tensor name; MLflow takes any name",
    "in-name-null": "MLflow reads `name: null` as unnamed; the schema refuses null",
}


ORACLE_SCRIPT = """
import json, logging, sys, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
import mlflow
from mlflow.models import Model
result = {"version": mlflow.__version__, "models": {}}
for d in json.load(open(sys.argv[1])):
    try:
        Model.load(d)
        result["models"][d] = ""
    except Exception as exc:
        result["models"][d] = (type(exc).__name__ + ": " + str(exc)).splitlines()[0][:200]
json.dump(result, open(sys.argv[2], "w"))
"""


def test_agrees_with_mlflow_model_load(
    oracle_python: str, run_oracle: Callable[[str, str, Iterable[Path], Path], Any], tmp_path: Path
) -> None:
    dirs = {f"in-{n}": sig_model(tmp_path / f"in-{n}", v) for n, v in VARIANTS.items()}
    dirs |= {
        f"par-{n}": sig_model(tmp_path / f"par-{n}", GOOD, params=v)
        for n, v in PARAM_VARIANTS.items()
    }
    oracle = run_oracle(oracle_python, ORACLE_SCRIPT, dirs.values(), tmp_path)
    disagreements = {}
    for name, root in dirs.items():
        ours = [
            f
            for f in validate_model(root)
            if f.rule.startswith("signature") and f.severity is Severity.ERROR
        ]
        theirs = oracle["models"][str(root)]
        if bool(ours) != bool(theirs):
            disagreements[name] = (
                f"MLflow: {theirs or 'loads'}; we: {ours[0].message if ours else 'nothing'}"
            )
    unexpected = {n: d for n, d in disagreements.items() if n not in KNOWN_DIFFERENCES}
    stale = sorted(set(KNOWN_DIFFERENCES) - set(disagreements))
    assert not unexpected, f"MLflow {oracle['version']}:\n" + "\n".join(
        f"{n}: {d}" for n, d in unexpected.items()
    )
    assert not stale, f"no longer different, remove from KNOWN_DIFFERENCES: {stale}"
