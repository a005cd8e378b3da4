"""The schemas we hand to other tools: ``mlmodel-spec schema NAME`` (bundled, self-contained)
and the draft-07 export.

A bundle must need nothing but itself (no remote or relative ``$ref``: a validator given no
way to retrieve anything resolves it), carry none of our ``x-*`` keywords, and accept exactly
what the split source accepts, in 2020-12 and in draft-07.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from mlmodel_spec.cli import main as cli_main
from mlmodel_spec.codegen.bundle import bundle, bundle_draft07
from mlmodel_spec.codegen.export_hygiene import declare_required, split_union_type
from mlmodel_spec.codegen.schema_registry import SchemaCompileError, SchemaFile, SchemaSet
from mlmodel_spec.schemas import bundled_schema, list_schemas

ROOT = Path(__file__).resolve().parent.parent
V1 = ROOT / "spec" / "schemas" / "v1"
CASES = ROOT / "tests" / "schema_cases"
CASE_SETS = {"mlmodel": "mlmodel", "conda": "conda", "python-env": "python-env", "report": "report"}


OFFLINE: Registry[Any] = Registry()
"""A registry that retrieves nothing: an unknown URI is unresolvable."""


def walk(node: Any, pointer: str = "") -> list[tuple[str, Any]]:
    found = [(pointer, node)]
    if isinstance(node, dict):
        for key, value in node.items():
            found += walk(value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += walk(value, f"{pointer}/{index}")
    return found


def source_validator(name: str) -> Draft202012Validator:
    registry: Registry[Any] = OFFLINE
    for path in sorted(V1.rglob("*.schema.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        registry = registry.with_resource(document["$id"], DRAFT202012.create_resource(document))
    schema = json.loads((V1 / f"{name}.schema.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, registry=registry)


def case_documents(case_set: str) -> list[tuple[str, Any]]:
    found = []
    for path in sorted((CASES / case_set).glob("*/*")):
        text = path.read_text(encoding="utf-8")
        found.append(
            (path.name, json.loads(text) if path.suffix == ".json" else yaml.safe_load(text))
        )
    return found


@pytest.mark.parametrize("draft", ["2020-12", "07"])
@pytest.mark.parametrize("name", list_schemas())
def test_every_bundle_is_self_contained_and_clean(name: str, draft: str) -> None:
    document = json.loads(bundled_schema(name, draft=draft))
    meta = Draft7Validator if draft == "07" else Draft202012Validator
    meta.check_schema(document)
    nodes = walk(document)
    refs = [node["$ref"] for _, node in nodes if isinstance(node, dict) and "$ref" in node]
    assert all(isinstance(ref, str) and ref.startswith("#") for ref in refs), refs
    keys = {key for _, node in nodes if isinstance(node, dict) for key in node}
    assert not [key for key in keys if key.startswith("x-")]
    if draft == "07":
        assert "$defs" not in keys
    # every reference resolves inside the document, with retrieval refused
    resolver = OFFLINE.with_resource(document["$id"], Resource.from_contents(document)).resolver(
        base_uri=document["$id"]
    )
    for ref in refs:
        resolver.lookup(ref)  # raises when it would need anything but the document


def test_mlmodel_bundle_embeds_every_flavor_file() -> None:
    document = json.loads(bundled_schema("mlmodel"))
    flavor_files = sorted(p.stem.removesuffix(".schema") for p in (V1 / "flavors").glob("*.json"))
    assert sorted(k for k in document["$defs"] if k.startswith("flavors.")) == [
        f"flavors.{stem}" for stem in flavor_files
    ]
    assert document["properties"]["flavors"]["properties"]["sklearn"]["$ref"] == (
        "#/$defs/flavors.sklearn"
    )
    draft07 = json.loads(bundled_schema("mlmodel", draft="07"))
    assert "flavors.sklearn" in draft07["definitions"]
    assert draft07["$schema"] == "http://json-schema.org/draft-07/schema#"


@pytest.mark.parametrize("case_set", sorted(CASE_SETS))
def test_bundles_accept_exactly_what_the_source_accepts(case_set: str) -> None:
    name = CASE_SETS[case_set]
    source = source_validator(name)
    bundled = {
        "2020-12": Draft202012Validator(json.loads(bundled_schema(name)), registry=OFFLINE),
        "07": Draft7Validator(json.loads(bundled_schema(name, draft="07")), registry=OFFLINE),
    }
    documents = case_documents(case_set)
    verdicts = {source.is_valid(document) for _, document in documents}
    assert verdicts == {True, False}
    for label, document in documents:
        expected = source.is_valid(document)
        for draft, validator in bundled.items():
            assert validator.is_valid(document) == expected, (label, draft)


def test_vendor_keywords_go_but_a_property_named_like_one_stays() -> None:
    schemas = SchemaSet(
        {
            "a.schema.json": SchemaFile(
                "a.schema.json",
                b"",
                {
                    "$id": "https://example.invalid/a.schema.json",
                    "type": "object",
                    "x-severity": "warning",
                    "properties": {"x-custom": {"type": "string", "x-rule": "some-rule"}},
                },
            )
        }
    )
    document = bundle(schemas, "a.schema.json")
    assert document == {
        "$id": "https://example.invalid/a.schema.json",
        "type": "object",
        "properties": {"x-custom": {"type": "string"}},
    }


def test_bundling_refuses_a_defs_name_it_would_overwrite() -> None:
    files: dict[str, dict[str, Any]] = {
        "a.schema.json": {
            "$id": "https://example.invalid/a.schema.json",
            "$ref": "b.schema.json",
            "$defs": {"b": {"type": "string"}},
        },
        "b.schema.json": {"$id": "https://example.invalid/b.schema.json", "type": "integer"},
    }
    schemas = SchemaSet({k: SchemaFile(k, b"", v) for k, v in files.items()})
    with pytest.raises(SchemaCompileError, match=r"already has \$defs/b"):
        bundle(schemas, "a.schema.json")
    files["a.schema.json"]["$defs"] = {"other": {"type": "string"}}
    schemas = SchemaSet({k: SchemaFile(k, b"", v) for k, v in files.items()})
    document = bundle_draft07(schemas, "a.schema.json")
    assert document["allOf"] == [{"$ref": "#/definitions/b"}]
    assert document["definitions"]["b"] == {
        "$comment": "Bundled from b.schema.json.",
        "type": "integer",
    }


UNION = {
    "type": ["string", "object", "null"],
    "minLength": 1,
    "properties": {"a": {"type": "integer"}},
}
REQUIRED = {"if": {"required": ["a"]}, "then": {"required": ["b"]}}


@pytest.mark.parametrize(
    "instance", [None, "", "x", {}, {"a": 1}, {"a": "no"}, 3, [], True, {"b": 2}]
)
def test_strict_mode_fixes_keep_every_verdict(instance: Any) -> None:
    split = split_union_type(UNION)
    assert "type" not in split and len(split["anyOf"]) == 3
    assert Draft202012Validator(split).is_valid(instance) == Draft202012Validator(UNION).is_valid(
        instance
    )
    declared = {**REQUIRED, "then": declare_required(REQUIRED["then"])}
    assert declared["then"] == {"required": ["b"], "properties": {"b": {}}}
    assert Draft202012Validator(declared).is_valid(instance) == Draft202012Validator(
        REQUIRED
    ).is_valid(instance)


def test_cli_writes_the_bundle_atomically(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "mlmodel.schema.json"
    assert cli_main(["schema", "mlmodel", "-o", str(target)]) == 0
    assert capsys.readouterr().out == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(bundled_schema("mlmodel"))
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    assert cli_main(["schema", "mlmodel"]) == 0
    assert capsys.readouterr().out == bundled_schema("mlmodel")


def test_cli_split_prints_the_source_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["schema", "mlmodel", "--split"]) == 0
    assert capsys.readouterr().out == (V1 / "mlmodel.schema.json").read_text(encoding="utf-8")


def test_cli_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main(["schema", "no-such-schema"]) == 2
    assert capsys.readouterr().err.startswith("mlmodel-spec: error: no schema named")
    assert cli_main(["schema", "mlmodel", "-o", str(tmp_path / "missing" / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlmodel-spec: error: cannot write") and err.count("\n") == 1
