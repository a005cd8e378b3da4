"""The JSON Schemas in spec/schemas/v1: well-formed, inside our keyword subset, and right on cases.

``jsonschema`` is the reference implementation here. It does not know our ``x-severity``
keyword, so a failure that our validator reports as a warning is an ordinary error for it;
invalid cases say which severity they expect and the test checks it by following the failing
keyword's schema path.

Case files live in ``tests/schema_cases/<case-set>/{valid,invalid}/*.yaml|json``. An invalid
case starts with one or more ``# expect: <instance pointer> <keyword> [warning|info]`` lines;
the errors jsonschema reports must be exactly those (pointer, keyword, severity) triples.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from mlmodel_spec.codegen.schema_keywords import (
    SCHEMA_LIST_KEYWORDS,
    SCHEMA_MAP_KEYWORDS,
    SINGLE_SCHEMA_KEYWORDS,
    SUPPORTED_KEYWORDS,
)
from mlmodel_spec.conformance.findings import join_pointer

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "spec" / "schemas" / "v1"
CASE_DIR = Path(__file__).resolve().parent / "schema_cases"
BASE_URI = "https://mlmodel-spec.dev/schemas/v1/"
DRAFT_URI = "https://json-schema.org/draft/2020-12/schema"

#: case-set directory -> schema (file relative to SCHEMA_DIR, optional fragment) it validates
CASE_SETS = {
    "mlmodel": "mlmodel.schema.json",
    "signature-schema": "signature.schema.json#/$defs/schema",
    "signature-params": "signature.schema.json#/$defs/params",
    "conda": "conda.schema.json",
    "python-env": "python-env.schema.json",
    "report": "report.schema.json",
}

#: the keywords our ahead-of-time compiler understands, and how their values hold subschemas
SCHEMA_VALUED = SINGLE_SCHEMA_KEYWORDS
SCHEMA_LISTS = SCHEMA_LIST_KEYWORDS
SCHEMA_MAPS = SCHEMA_MAP_KEYWORDS
#: applicators whose subschemas look at the same instance as their parent
SAME_INSTANCE = frozenset(["allOf", "anyOf", "oneOf", "not", "if", "then", "else"])

#: ``additionalProperties: false`` only where MLflow itself fails on unknown keys
CLOSED_OBJECTS = {
    # `_PythonEnv.from_dict` is `cls(**dct)`: any other key is a TypeError
    ("python-env.schema.json", ""),
}

REF_FORM = re.compile(
    r"^(#/\$defs/[A-Za-z0-9_-]+|([A-Za-z0-9_-]+/)*[A-Za-z0-9_.-]+\.schema\.json"
    r"(#/\$defs/[A-Za-z0-9_-]+)?)$"
)
#: regex constructs that differ between Python ``re`` and ECMA-262 (or exist in one only)
NON_PORTABLE_REGEX = re.compile(r"\(\?<[=!]|\(\?P|\(\?[aiLmsux]|\\[AZzGQE]|[*+?}][+]|\\[hHvV]")


def schema_files() -> list[Path]:
    return sorted(SCHEMA_DIR.rglob("*.schema.json"))


def rel(path: Path) -> str:
    return path.relative_to(SCHEMA_DIR).as_posix()


def load_schema(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def build_registry() -> Registry:
    resources = [
        (BASE_URI + rel(p), Resource.from_contents(load_schema(p), DRAFT202012))
        for p in schema_files()
    ]
    return Registry().with_resources(resources)


REGISTRY = build_registry()
SCHEMA_IDS = [rel(p) for p in schema_files()]


def walk(node: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object (not boolean schemas, not data) with its pointer in the file."""
    if isinstance(node, bool):
        return
    assert isinstance(node, dict), f"{pointer or '/'}: a schema must be an object or a boolean"
    yield pointer, node
    for key, value in node.items():
        here = join_pointer(pointer, key)
        if key in SCHEMA_VALUED:
            yield from walk(value, here)
        elif key in SCHEMA_LISTS:
            assert isinstance(value, list), f"{here}: must be a list of schemas"
            for index, item in enumerate(value):
                yield from walk(item, join_pointer(here, index))
        elif key in SCHEMA_MAPS:
            assert isinstance(value, dict), f"{here}: must map names to schemas"
            for name, item in value.items():
                yield from walk(item, join_pointer(here, name))


def all_nodes() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path in schema_files():
        for pointer, node in walk(load_schema(path)):
            yield rel(path), pointer, node


# ----------------------------------------------------------------------------- the files


def test_schema_directory_is_not_empty() -> None:
    names = set(SCHEMA_IDS)
    for required in [
        "mlmodel.schema.json",
        "signature.schema.json",
        "conda.schema.json",
        "python-env.schema.json",
        "report.schema.json",
        "flavors/python_function.schema.json",
        "flavors/sklearn.schema.json",
        "flavors/lightgbm.schema.json",
    ]:
        assert required in names


@pytest.mark.parametrize("name", SCHEMA_IDS)
def test_schema_is_valid_against_its_metaschema(name: str) -> None:
    schema = load_schema(SCHEMA_DIR / name)
    assert schema.get("$schema") == DRAFT_URI
    Draft202012Validator.check_schema(schema)


@pytest.mark.parametrize("name", SCHEMA_IDS)
def test_schema_has_id_title_and_description(name: str) -> None:
    schema = load_schema(SCHEMA_DIR / name)
    assert schema["$id"] == BASE_URI + name
    assert isinstance(schema.get("title"), str)
    assert schema["title"].strip()
    assert isinstance(schema.get("description"), str)
    assert schema["description"].strip()


@pytest.mark.parametrize("name", SCHEMA_IDS)
def test_schema_uses_only_supported_keywords(name: str) -> None:
    unsupported = [
        f"{pointer or '/'}: {key}"
        for pointer, node in walk(load_schema(SCHEMA_DIR / name))
        for key in node
        if key not in SUPPORTED_KEYWORDS
    ]
    assert unsupported == []


def test_keyword_walker_rejects_unsupported_keywords() -> None:
    schema = {"type": "object", "properties": {"a": {"allOf": [{"contains": {}}]}}}
    found = [key for _, node in walk(schema) for key in node if key not in SUPPORTED_KEYWORDS]
    assert found == ["contains"]


def test_x_severity_values_are_warning_or_info() -> None:
    bad = [
        (name, pointer, node["x-severity"])
        for name, pointer, node in all_nodes()
        if "x-severity" in node and node["x-severity"] not in ("warning", "info")
    ]
    assert bad == []


def test_every_property_has_a_description() -> None:
    missing = [
        f"{name}#{join_pointer(pointer, keyword, prop)}"
        for name, pointer, node in all_nodes()
        for keyword in ("properties", "patternProperties")
        for prop, sub in node.get(keyword, {}).items()
        if not (isinstance(sub, dict) and "description" in sub)
        and not _is_value_constraint(name, pointer)
    ]
    assert missing == []


def _is_value_constraint(name: str, pointer: str) -> bool:
    """`properties` inside if/then/else/allOf/anyOf/oneOf/not only constrain values."""
    tokens = pointer.split("/")
    return any(token in SAME_INSTANCE for token in tokens)


def test_refs_have_a_supported_form_and_resolve() -> None:
    problems = []
    for name, pointer, node in all_nodes():
        if "$ref" not in node:
            continue
        ref = node["$ref"]
        if not REF_FORM.match(ref):
            problems.append(f"{name}#{pointer}: unsupported $ref form {ref!r}")
            continue
        resolver = REGISTRY.resolver(base_uri=BASE_URI + name)
        try:
            resolver.lookup(ref)
        except Unresolvable as exc:
            problems.append(f"{name}#{pointer}: {ref!r} does not resolve ({exc})")
    assert problems == []


def test_patterns_compile_and_stay_portable() -> None:
    problems = []
    for name, pointer, node in all_nodes():
        pattern = node.get("pattern")
        if pattern is None:
            continue
        re.compile(pattern)
        if NON_PORTABLE_REGEX.search(pattern):
            problems.append(f"{name}#{pointer}: {pattern!r}")
    assert problems == []


def test_portability_lint_catches_python_only_regex() -> None:
    for pattern in [r"(?<=a)b", r"a\Z", r"(?P<x>a)", r"a*+", r"(?i)a"]:
        assert NON_PORTABLE_REGEX.search(pattern), pattern


def test_patterns_compile_in_ecma_262() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    patterns = sorted({n["pattern"] for _, _, n in all_nodes() if "pattern" in n})
    script = (
        "const ps = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "const bad = ps.filter(p => { try { new RegExp(p, 'u'); return false; }"
        " catch (e) { return true; } });"
        "process.stdout.write(JSON.stringify(bad));"
    )
    done = subprocess.run(
        [node, "-e", script], input=json.dumps(patterns), capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []


def test_closed_objects_are_only_where_mlflow_fails_on_extra_keys() -> None:
    closed = {
        (name, pointer)
        for name, pointer, node in all_nodes()
        if node.get("additionalProperties") is False
    }
    assert closed == CLOSED_OBJECTS


def test_conditional_subschemas_never_introduce_properties() -> None:
    """Known keys of an object are the `properties` of its own node (unknown-key convention)."""
    problems = []
    for name, pointer, node in all_nodes():
        declared = set(node.get("properties", {}))
        if not declared or _is_value_constraint(name, pointer):
            continue
        for sub_pointer, sub in _same_instance_subschemas(node, pointer):
            used = set(sub.get("properties", {})) | set(sub.get("required", []))
            problems += [f"{name}#{sub_pointer}: {key}" for key in sorted(used - declared)]
    assert problems == []


def _same_instance_subschemas(
    node: dict[str, Any], pointer: str
) -> Iterator[tuple[str, dict[str, Any]]]:
    for key in SAME_INSTANCE:
        if key not in node:
            continue
        value = node[key]
        children = enumerate(value) if isinstance(value, list) else [(None, value)]
        for index, child in children:
            here = (
                join_pointer(pointer, key) if index is None else join_pointer(pointer, key, index)
            )
            if isinstance(child, dict):
                yield here, child
                yield from _same_instance_subschemas(child, here)


def test_every_flavor_schema_is_wired_into_mlmodel() -> None:
    mlmodel = load_schema(SCHEMA_DIR / "mlmodel.schema.json")
    wired = {
        name: sub["$ref"] for name, sub in mlmodel["properties"]["flavors"]["properties"].items()
    }
    files = {
        p.name.removesuffix(".schema.json")
        for p in (SCHEMA_DIR / "flavors").glob("*.schema.json")
        if not p.name.startswith("_")
    }
    assert set(wired) == files
    assert all(ref == f"flavors/{name}.schema.json" for name, ref in wired.items())


@pytest.mark.parametrize("name", [n for n in SCHEMA_IDS if n.startswith("flavors/")])
def test_flavor_objects_stay_open(name: str) -> None:
    schema = load_schema(SCHEMA_DIR / name)
    assert "additionalProperties" not in schema


# ----------------------------------------------------------------------------- the cases


def case_files(kind: str) -> list[Path]:
    return sorted(
        p
        for case_set in CASE_SETS
        for p in (CASE_DIR / case_set / kind).glob("*")
        if p.suffix in (".yaml", ".json")
    )


def case_id(path: Path) -> str:
    return f"{path.parent.parent.name}/{path.name}"


def validator_for(case_set: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": BASE_URI + CASE_SETS[case_set]}, registry=REGISTRY)


def load_case(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def top_level_errors(case_set: str, instance: Any) -> list[ValidationError]:
    return sorted(validator_for(case_set).iter_errors(instance), key=lambda e: e.json_path)


def severity_of(error: ValidationError, case_set: str) -> str:
    """Severity our validator gives `error`: the innermost `x-severity` on its schema path.

    jsonschema leaves `$ref` out of schema paths, so a key that is missing from a node with a
    `$ref` is looked up in the reference's target.
    """
    resolver = REGISTRY.resolver()
    node: Any = {"$ref": BASE_URI + CASE_SETS[case_set]}
    severity = "error"
    for key in error.absolute_schema_path:
        while isinstance(node, dict):
            severity = node.get("x-severity", severity)
            if key in node or "$ref" not in node:
                break
            resolved = resolver.lookup(node["$ref"])
            resolver, node = resolved.resolver, resolved.contents
        node = node[key]
    return severity


def expectations(path: Path) -> set[tuple[str, str, str]]:
    expected = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*expect:\s*(\S*)\s+(\S+)(?:\s+(warning|info))?\s*$", line)
        if match:
            pointer = "" if match[1] == '""' else match[1]
            expected.add((pointer, match[2], match[3] or "error"))
    return expected


def describe(case_set: str, errors: list[ValidationError]) -> set[tuple[str, str, str]]:
    return {
        (join_pointer("", *e.absolute_path), str(e.validator), severity_of(e, case_set))
        for e in errors
    }


def test_every_case_set_has_valid_and_invalid_cases() -> None:
    on_disk = {p.name for p in CASE_DIR.iterdir() if p.is_dir()}
    assert on_disk == set(CASE_SETS)
    for case_set in CASE_SETS:
        for kind in ("valid", "invalid"):
            assert list((CASE_DIR / case_set / kind).glob("*")), f"{case_set}/{kind} is empty"


@pytest.mark.parametrize("path", case_files("valid"), ids=case_id)
def test_valid_case_passes(path: Path) -> None:
    case_set = path.parent.parent.name
    assert describe(case_set, top_level_errors(case_set, load_case(path))) == set()


@pytest.mark.parametrize("path", case_files("invalid"), ids=case_id)
def test_invalid_case_fails_exactly_where_it_says(path: Path) -> None:
    case_set = path.parent.parent.name
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect: <pointer> <keyword>' line"
    assert describe(case_set, top_level_errors(case_set, load_case(path))) == expected


def mlmodel_signatures() -> list[tuple[str, str, str]]:
    """(case file, signature field, JSON text) for every signature in a valid MLmodel case."""
    found = []
    for path in sorted((CASE_DIR / "mlmodel" / "valid").glob("*.yaml")):
        signature = (load_case(path) or {}).get("signature") or {}
        for field in ("inputs", "outputs", "params"):
            if signature.get(field):
                found.append((path.name, field, signature[field]))
    return found


@pytest.mark.parametrize(
    ("name", "field", "text"),
    [pytest.param(*found, id=f"{found[0]}:{found[1]}") for found in mlmodel_signatures()],
)
def test_signatures_of_valid_mlmodel_cases_pass_the_signature_schema(
    name: str, field: str, text: str
) -> None:
    case_set = "signature-params" if field == "params" else "signature-schema"
    assert describe(case_set, top_level_errors(case_set, json.loads(text))) == set()


def test_mlmodel_cases_include_real_mlflow_output_and_old_forms() -> None:
    names = {p.name for p in (CASE_DIR / "mlmodel" / "valid").glob("*.yaml")}
    assert sum(n.startswith("oracle-v3-") for n in names) >= 10
    assert sum(n.startswith("oracle-v2-") for n in names) >= 10
    assert sum(n.startswith("ref-") for n in names) >= 6
    assert len(mlmodel_signatures()) >= 40


def test_case_machinery_detects_a_misplaced_expectation(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text("# expect: /flavors required\nflavors: {}\nutc_time_created: 5\n")
    reported = describe("mlmodel", top_level_errors("mlmodel", load_case(case)))
    assert reported == {
        ("/utc_time_created", "type", "warning"),
        ("/flavors", "minProperties", "warning"),
    }
    assert reported != expectations(case)
