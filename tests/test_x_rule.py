"""``x-rule``: a schema node names the precise rule that reports failures below it.

The compiler tags every issue found below such a node with the rule id (innermost node
wins; a ``deprecated`` annotation takes its property's rule); the signature check replaces
a generic ``signature-schema`` finding only through that tag, never by schema paths; the
exported schemas carry no ``x-rule``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.codegen import build
from mlmodel_spec.codegen.schema_compiler import (
    EntryPoint,
    SchemaCompileError,
    compile_validator_package,
    compile_validators,
)
from mlmodel_spec.codegen.schema_keywords import walk_schemas
from mlmodel_spec.conformance._generated_schemas import VALIDATORS
from mlmodel_spec.conformance.registry import RULES, load_all_rules
from mlmodel_spec.conformance.validate import validate_model
from mlmodel_spec.schemas import bundled_schema, list_schemas

REPO = Path(__file__).resolve().parent.parent
V1 = REPO / build.SCHEMA_DIR

TAGGED = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "old": {"type": "integer", "deprecated": True, "x-rule": "old-key"},
        "n": {"type": "integer"},
    },
    "allOf": [
        {
            "x-rule": "outer-rule",
            "properties": {
                "a": {"type": "string"},
                "b": {"x-rule": "inner-rule", "minimum": 3},
            },
        }
    ],
}


def compiled(tmp_path: Path, schema: Any) -> Any:
    (tmp_path / "t.schema.json").write_text(json.dumps(schema))
    source = compile_validators(
        tmp_path,
        [EntryPoint("t", "t.schema.json")],
        output_path=REPO / "conformance" / "_compiled_for_tests.py",
        source_label="tests",
        version="test",
    )
    namespace: dict[str, Any] = {"__name__": "mlmodel_spec.conformance._x_rule_test"}
    namespace["__package__"] = "mlmodel_spec.conformance"
    exec(compile(source, "<x-rule>", "exec"), namespace)
    return namespace["validate_t"]


def compiled_in_parts(tmp_path: Path, schema: Any) -> Any:
    """The validator of ``schema`` compiled as a package whose ``allOf`` branch (and the
    tagged nodes inside it) is a part of its own, imported on first use."""
    (tmp_path / "t.schema.json").write_text(json.dumps(schema))
    files = compile_validator_package(
        tmp_path,
        [EntryPoint("t", "t.schema.json")],
        part_of=lambda location: "branch" if location.pointer.startswith("/allOf") else "",
        output_dir=REPO / "conformance" / "_compiled_for_tests",
        source_label="tests",
        version="test",
    )
    assert sorted(files) == ["__init__.py", "branch.py"]
    directory = tmp_path / "validators"
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    name = "mlmodel_spec.conformance._x_rule_parts"
    spec = importlib.util.spec_from_file_location(
        name, directory / "__init__.py", submodule_search_locations=[str(directory)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
        validate = module.validate_t
        validate({})  # imports the part while the package is importable
    finally:
        for each in [each for each in sys.modules if each.startswith(name)]:
            del sys.modules[each]
    return validate


@pytest.mark.parametrize("compile_", [compiled, compiled_in_parts])
def test_issues_below_a_node_carry_its_rule_innermost_first(tmp_path: Path, compile_: Any) -> None:
    validate = compile_(tmp_path, TAGGED)
    issues = validate({"a": 1, "b": 1, "n": "x", "old": 2})
    by_pointer = {(i.pointer, i.keyword): i.rule for i in issues}
    assert by_pointer == {
        ("/a", "type"): "outer-rule",
        ("/b", "minimum"): "inner-rule",
        ("/n", "type"): None,
        ("", "deprecated"): "old-key",
    }
    assert validate({"a": "s", "b": 4}) == []


@pytest.mark.parametrize("value", ["Not An Id", "", 3, ["a"]])
def test_x_rule_must_be_a_rule_id(tmp_path: Path, value: Any) -> None:
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "x-rule": value}
    with pytest.raises(SchemaCompileError) as raised:
        compiled(tmp_path, schema)
    assert raised.value.keyword == "x-rule"


def _declared_rules() -> dict[str, str]:
    found = {}
    for path in sorted(V1.rglob("*.schema.json")):
        for pointer, node in walk_schemas(json.loads(path.read_text())):
            if isinstance(node, dict) and "x-rule" in node:
                found[f"{path.relative_to(V1)}#{pointer}"] = node["x-rule"]
    return found


def test_every_x_rule_in_the_spec_names_a_rule() -> None:
    load_all_rules()
    declared = _declared_rules()
    assert declared, "the signature schema declares its precise rules"
    assert {where: rule for where, rule in declared.items() if rule not in RULES} == {}


@pytest.mark.parametrize("name", list_schemas())
@pytest.mark.parametrize("draft", ["2020-12", "07"])
def test_exported_schemas_carry_no_x_rule(name: str, draft: str) -> None:
    assert '"x-rule"' not in bundled_schema(name, draft=draft)


# -- the signature check replaces generic issues only through the tag ---------------------


def sig_model(root: Path, inputs: Any) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    text = (
        "flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n"
        "    python_model: python_model.pkl\n    python_version: 3.11.7\n"
        "mlflow_version: 3.1.0\nsignature:\n"
        f"  inputs: {json.dumps(json.dumps(inputs))}\n  outputs: null\n"
    )
    (root / "MLmodel").write_text(text)
    (root / "python_model.pkl").write_bytes(b"placeholder")
    return root


def signature_findings(root: Path) -> set[tuple[str, str]]:
    return {(f.rule, f.pointer) for f in validate_model(root) if f.rule.startswith("signature")}


def test_the_generic_issue_is_tagged_and_replaced(tmp_path: Path) -> None:
    both = [{"type": "double", "name": "a", "required": True, "optional": False}]
    issues = VALIDATORS["signature-schema"](both)
    assert {(i.keyword, i.rule) for i in issues} >= {
        ("not", "signature-optional-and-required"),
        ("deprecated", "signature-optional-key"),
    }
    assert signature_findings(sig_model(tmp_path / "m", both)) == {
        ("signature-optional-and-required", "/signature/inputs/0")
    }


def test_other_failures_of_a_tagged_node_stay_generic(tmp_path: Path) -> None:
    """``optional`` carries ``x-rule: signature-optional-key`` for its deprecation; a
    wrong type of the same key is still the schema's finding."""
    inputs = [{"type": "double", "name": "a", "optional": "yes"}]
    assert signature_findings(sig_model(tmp_path / "m", inputs)) == {
        ("signature-optional-key", "/signature/inputs/0/optional"),
        ("signature-schema", "/signature/inputs/0/optional"),
    }


def test_unknown_keys_in_the_tensor_spec_object_are_accepted(tmp_path: Path) -> None:
    inputs = [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1], "x": 1}}]
    assert signature_findings(sig_model(tmp_path / "m", inputs)) == set()
    extra = [{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1]}, "x": 1}]
    assert signature_findings(sig_model(tmp_path / "n", extra)) == {
        ("signature-unknown-key", "/signature/inputs/0/x")
    }
