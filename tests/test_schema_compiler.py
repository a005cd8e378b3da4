"""The schema compiler against ``jsonschema`` (the oracle), plus the build and the
draft-07 export.

Differential property: for every instance, "valid per ``Draft202012Validator``" ⇔ "no
failure issue from the compiled validator" (failures = issues other than the
``x-unknown-key``/``deprecated`` annotations, whatever their ``x-severity``), the compiled
predicate agrees with the compiled check, and every issue points at a place the oracle
also blames. Schemas: ``tests/compiler_schemas/keywords`` (one file per keyword family,
with hand cases in ``cases.json``) and the real ``spec/schemas/v1``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator, Draft202012Validator
from referencing import Registry, Resource

from mlmodel_spec.codegen import build
from mlmodel_spec.codegen.draft07_export import export_draft07
from mlmodel_spec.codegen.schema_compiler import (
    EntryPoint,
    SchemaCompileError,
    compile_validator_package,
    compile_validators,
    render_validator_package,
)
from mlmodel_spec.codegen.schema_registry import Location, SchemaSet
from mlmodel_spec.conformance.findings import join_pointer, split_pointer
from mlmodel_spec.conformance.schema_validation import ANNOTATION_KEYWORDS, SchemaIssue

HERE = Path(__file__).parent
REPO = HERE.parent
SCHEMAS = HERE / "compiler_schemas"
KEYWORDS = SCHEMAS / "keywords"
MINI = SCHEMAS / "mini"
V1 = REPO / build.SCHEMA_DIR
CASES: dict[str, dict[str, list[Any]]] = {
    name: cases
    for name, cases in json.loads((SCHEMAS / "cases.json").read_text()).items()
    if not name.startswith("$")
}
KEYWORD_FILES = sorted(p.relative_to(SCHEMAS).as_posix() for p in KEYWORDS.glob("*.json"))
SIMPLE_FILES = {f"keywords/{n}.schema.json" for n in ("types", "enum_const", "objects", "arrays")}
EXAMPLES = int(os.environ.get("SCHEMA_COMPILER_EXAMPLES", "60"))
"""Examples per property test; raise it for a long fuzzing run."""
FAST = settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)

# -- compiling and the oracle --------------------------------------------------------------


def load_generated(source: str, name: str) -> types.ModuleType:
    """Execute generated source as a module of ``mlmodel_spec.conformance``."""
    module = types.ModuleType(f"mlmodel_spec.conformance.{name}")
    module.__package__ = "mlmodel_spec.conformance"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def compile_dir(directory: Path, entries: list[EntryPoint], **options: Any) -> str:
    return compile_validators(
        directory,
        entries,
        output_path=REPO / "conformance" / "_compiled_for_tests.py",
        source_label="tests",
        version="test",
        **options,
    )


def compile_package(
    directory: Path, entries: list[EntryPoint], part_of: Callable[[Location], str], **options: Any
) -> dict[str, str]:
    return compile_validator_package(
        directory,
        entries,
        part_of=part_of,
        output_dir=REPO / "conformance" / "_compiled_for_tests",
        source_label="tests",
        version="test",
        **options,
    )


Loader = Callable[[Path, str], types.ModuleType]


@pytest.fixture
def load_package() -> Iterator[Loader]:
    """Import a generated validator package from a directory as a subpackage of
    ``mlmodel_spec.conformance`` (its parts import on first use, as in the checkout), and
    forget it and its parts afterwards."""
    loaded: list[str] = []

    def load(directory: Path, name: str) -> types.ModuleType:
        full = f"mlmodel_spec.conformance.{name}"
        spec = importlib.util.spec_from_file_location(
            full, directory / "__init__.py", submodule_search_locations=[str(directory)]
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[full] = module
        loaded.append(full)
        spec.loader.exec_module(module)
        return module

    yield load
    for full in loaded:
        for name in [name for name in sys.modules if name == full or name.startswith(full + ".")]:
            del sys.modules[name]


def registry_of(directory: Path) -> Registry[Any]:
    registry: Registry[Any] = Registry()
    for path in sorted(directory.rglob("*.json")):
        contents = json.loads(path.read_text())
        if isinstance(contents, dict) and "$id" in contents:
            registry = registry.with_resource(contents["$id"], Resource.from_contents(contents))
    return registry


class Suite:
    """A compiled schema directory and its oracle."""

    def __init__(self, directory: Path, entries: list[EntryPoint], name: str) -> None:
        self.directory = directory
        self.module = load_generated(compile_dir(directory, entries, with_predicates=True), name)
        self.registry = registry_of(directory)
        self.refs = {entry.name: entry.ref for entry in entries}
        self._oracles: dict[str, Draft202012Validator] = {}

    def graded(self, entry: str) -> bool:
        """Whether ``x-severity`` may turn failures of ``entry`` into warnings or info
        (checked per file, which is exact for the keyword schemas and cautious for v1)."""
        texts = [p.read_text() for p in self.directory.rglob("*.json")]
        if self.directory == KEYWORDS:
            texts = [(KEYWORDS / self.refs[entry].partition("#")[0]).read_text()]
        return any('"x-severity"' in text for text in texts)

    def oracle(self, entry: str) -> Draft202012Validator:
        if entry not in self._oracles:
            file, _, pointer = self.refs[entry].partition("#")
            document = json.loads((self.directory / file).read_text())
            schema = {"$ref": f"{document['$id']}#{pointer}"}
            self._oracles[entry] = Draft202012Validator(schema, registry=self.registry)
        return self._oracles[entry]


@pytest.fixture(scope="module")
def keyword_suite() -> Suite:
    entries = [EntryPoint(name, name) for name in (f.split("/", 1)[1] for f in KEYWORD_FILES)]
    return Suite(KEYWORDS, entries, "_keyword_validators")


@pytest.fixture(scope="module")
def spec_suite() -> Suite:
    entries = [e for e in build.ENTRY_POINTS if (V1 / e.location().file).is_file()]
    return Suite(V1, entries, "_spec_validators")


def failures(issues: list[SchemaIssue]) -> list[SchemaIssue]:
    return [issue for issue in issues if issue.keyword not in ANNOTATION_KEYWORDS]


def pointer_of(path: Any) -> str:
    return join_pointer("", *path)


def oracle_pointers(errors: Any) -> set[str]:
    """Instance pointers of every oracle error, including those inside oneOf/anyOf."""
    found: set[str] = set()
    stack = list(errors)
    while stack:
        error = stack.pop()
        found.add(pointer_of(error.absolute_path))
        stack.extend(error.context or ())
    return found


def resolves(instance: Any, pointer: str) -> bool:
    node = instance
    for token in split_pointer(pointer):
        if isinstance(node, dict):
            matches = [key for key in node if str(key) == token]
            if not matches:
                return False
            node = node[matches[0]]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return False
    return True


def blamed_pointer(issue: SchemaIssue, blamed: set[str]) -> str:
    """Where the oracle reports ``issue``: jsonschema puts the failure of a ``false``
    subschema reached through ``properties``/``items``… at the parent's path (the error
    is yielded before the path is extended)."""
    if issue.keyword == "false" and issue.pointer not in blamed:
        return issue.pointer.rsplit("/", 1)[0]
    return issue.pointer


def assert_agrees(suite: Suite, entry: str, instance: Any, *, exact: bool = False) -> None:
    issues = suite.module.VALIDATORS[entry](instance)
    errors = list(suite.oracle(entry).iter_errors(instance))
    failed = failures(issues)
    assert bool(failed) == bool(errors), (instance, issues, [e.message for e in errors])
    if not suite.graded(entry):  # without x-severity, every failure is an error
        assert all(issue.severity == "error" for issue in failed), issues
    assert suite.module.PREDICATES[entry](instance) == (not failed), (instance, issues)
    blamed = oracle_pointers(errors)
    for issue in issues:
        assert issue.severity in ("error", "warning", "info")
        assert issue.message
        assert "\n" not in issue.message
        assert resolves(instance, issue.pointer), issue
    assert {blamed_pointer(issue, blamed) for issue in failed} <= blamed, (instance, issues)
    if exact:
        top = {pointer_of(error.absolute_path) for error in errors}
        assert {blamed_pointer(issue, top) for issue in failed} == top, (instance, issues)


# -- instances ----------------------------------------------------------------------------


def vocabulary(documents: list[Any]) -> tuple[list[str], list[Any], list[str]]:
    """Property names, enum/const values and patterns used anywhere in ``documents``."""
    names: set[str] = set()
    atoms: list[Any] = []
    patterns: set[str] = set()
    stack = list(documents)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        if not isinstance(node, dict):
            continue
        for key, value in node.items():
            if key in ("properties", "patternProperties", "dependentRequired", "$defs"):
                names.update(value)
            if key == "required":
                names.update(value)
            if key == "enum":
                atoms.extend(value)
            if key == "const":
                atoms.append(value)
            if key == "pattern":
                patterns.add(value)
            if key not in ("enum", "const", "examples", "default"):
                stack.append(value)
    unique = list({json.dumps(atom, sort_keys=True): atom for atom in atoms}.values())
    return sorted(names), unique, sorted(patterns)


@functools.cache
def json_like_for(*paths: Path) -> st.SearchStrategy[Any]:
    """:func:`json_like` for schema files (cached: building strategies is not free)."""
    return json_like([json.loads(path.read_text()) for path in paths])


def json_like(documents: list[Any]) -> st.SearchStrategy[Any]:
    names, atoms, patterns = vocabulary(documents)
    text = st.text(alphabet="abxé-_/~.1 ", max_size=5)
    keys = st.one_of(st.sampled_from(names), text) if names else text
    leaves = [
        st.none(),
        st.booleans(),
        st.integers(-3, 12),
        st.integers(),
        st.sampled_from([0.0, 1.0, -1.0, 0.5, 1.5, 2.25, 100.0, 1e-9]),
        st.floats(allow_nan=False, allow_infinity=False),
        text,
    ]
    if atoms:
        leaves.append(st.sampled_from(atoms))
    if patterns:
        leaves.append(st.sampled_from(patterns).flatmap(st.from_regex))
    values = st.recursive(
        st.one_of(leaves),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=5),
        max_leaves=14,
    )
    return st.one_of(st.dictionaries(keys, values, max_size=6), values)


def yaml_like() -> st.SearchStrategy[Any]:
    """What YAML adds to JSON: dates, bytes, non-string keys, nan/inf, sets, tuples."""
    odd_keys = st.one_of(st.integers(), st.none(), st.booleans(), st.dates(), st.text(max_size=3))
    leaves = st.one_of(
        st.dates(),
        st.datetimes(),
        st.binary(max_size=4),
        st.floats(),
        st.none(),
        st.text(max_size=4),
        st.frozensets(st.integers(), max_size=2),
        st.tuples(st.integers()),
    )
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(odd_keys, inner, max_size=4),
        max_leaves=10,
    )


def value_positions(node: Any) -> Iterator[tuple[Any, Any]]:
    """``(container, key)`` of every value inside ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield node, key
            yield from value_positions(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield node, index
            yield from value_positions(value)


@st.composite
def mutations(draw: st.DrawFn, base: Any, values: st.SearchStrategy[Any]) -> Any:
    """``base`` with one to three values replaced, removed or added."""
    document = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        positions = list(value_positions(document))
        if not positions:
            break
        container, key = draw(st.sampled_from(positions))
        action = draw(st.sampled_from(["replace", "remove", "add"]))
        if action == "replace":
            container[key] = copy.deepcopy(draw(values))
        elif action == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[
                draw(st.sampled_from(["zz", "code", "type", "data", *map(str, container)]))
            ] = copy.deepcopy(draw(values))
        else:
            container.append(copy.deepcopy(draw(values)))
    return document


# -- differential tests on the keyword schemas ----------------------------------------------


@pytest.mark.parametrize("file", sorted(CASES))
def test_hand_cases_match_oracle(keyword_suite: Suite, file: str) -> None:
    entry = file.split("/", 1)[1]
    validate, oracle = keyword_suite.module.VALIDATORS[entry], keyword_suite.oracle(entry)
    for verdict, instances in CASES[file].items():
        for instance in instances:
            assert oracle.is_valid(instance) == (verdict == "valid"), (file, instance)
            assert bool(failures(validate(instance))) == (verdict == "invalid"), (file, instance)
            assert_agrees(keyword_suite, entry, instance, exact=file in SIMPLE_FILES)


def instances_for(file: str) -> st.SearchStrategy[Any]:
    """Random JSON built from the words of all keyword schemas, or a hand-made valid case
    of ``file`` with a few values replaced, removed or added."""
    anything = json_like_for(*sorted(KEYWORDS.glob("*.json")))
    near = st.sampled_from(CASES[file]["valid"]).flatmap(
        lambda base: mutations(base, json_like_for(SCHEMAS / file))
    )
    return st.one_of(anything, near)


@pytest.mark.parametrize("file", KEYWORD_FILES)
@FAST
@given(data=st.data())
def test_random_instances_match_oracle(
    keyword_suite: Suite, draft07_keywords: Registry[Any], file: str, data: st.DataObject
) -> None:
    instance = data.draw(instances_for(file))
    entry = file.split("/", 1)[1]
    assert_agrees(keyword_suite, entry, instance, exact=file in SIMPLE_FILES)
    exported = draft07_validator(draft07_keywords, KEYWORDS / entry)
    assert exported.is_valid(instance) == keyword_suite.oracle(entry).is_valid(instance), instance


# -- draft-07 export ------------------------------------------------------------------------


def draft07_registry(directory: Path) -> Registry[Any]:
    exported = export_draft07(SchemaSet.load(directory), source_label="tests")
    registry: Registry[Any] = Registry()
    for text in exported.values():
        document = json.loads(text)
        Draft7Validator.check_schema(document)
        registry = registry.with_resource(document["$id"], Resource.from_contents(document))
    return registry


def draft07_validator(registry: Registry[Any], original: Path) -> Draft7Validator:
    source_id = json.loads(original.read_text())["$id"]
    return Draft7Validator({"$ref": source_id.replace("/v1/", "/draft-07/")}, registry=registry)


@pytest.fixture(scope="module")
def draft07_keywords() -> Registry[Any]:
    return draft07_registry(KEYWORDS)


@pytest.mark.parametrize("file", sorted(CASES))
def test_draft07_export_accepts_what_the_original_accepts(
    draft07_keywords: Registry[Any], file: str
) -> None:
    exported = draft07_validator(draft07_keywords, SCHEMAS / file)
    for verdict, instances in CASES[file].items():
        for instance in instances:
            assert exported.is_valid(instance) == (verdict == "valid"), (file, instance)


def test_draft07_export_renames_keywords_and_references() -> None:
    exported = {
        path: json.loads(text)
        for path, text in export_draft07(SchemaSet.load(MINI), source_label="mini").items()
    }
    demo = exported["flavors/demo.schema.json"]
    assert demo["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert demo["$id"] == "https://compiler-tests.invalid/draft-07/flavors/demo.schema.json"
    assert "$defs" not in demo
    assert "relative_path" in demo["definitions"]
    assert demo["properties"]["data"] == {"$ref": "#/definitions/relative_path"}
    assert demo["dependencies"] == {"trusted_types": ["serialization_format"]}
    version = demo["properties"]["version"]
    assert version["items"] == [{"type": "integer"}, {"type": "integer"}]
    assert version["additionalItems"] is False
    assert demo["properties"]["model_class"]["$ref"] == (
        "../signature.schema.json#/definitions/tensor/properties/dtype"
    )
    assert demo["$comment"].startswith("Generated by mlmodel-spec codegen from mini/flavors/")
    mlmodel = exported["mlmodel.schema.json"]
    assert "deprecated" not in json.dumps(mlmodel)
    signature = exported["signature.schema.json"]
    tensor_shape = signature["definitions"]["tensor"]["properties"]["shape"]
    assert tensor_shape["items"] == [{"type": "integer"}]
    refs = json.loads(
        export_draft07(SchemaSet.load(KEYWORDS), source_label="k")["refs.schema.json"]
    )
    siblings = refs["properties"]["with_siblings"]
    assert "$ref" not in siblings
    assert siblings["allOf"] == [{"$ref": "#/definitions/positive_or_text"}]
    assert refs["properties"]["escaped"] == {"$ref": "#/definitions/a~1b~0c"}
    assert refs["properties"]["into_prefix"]["$ref"].endswith("/tuple_closed/items/1")
    assert refs["properties"]["into_rest"]["$ref"].endswith("/tuple_then_nulls/additionalItems")


def test_repository_draft07_exports_are_valid_draft07() -> None:
    exports = sorted((REPO / build.DRAFT07_DIR).rglob("*.json"))
    originals = sorted(V1.rglob("*.json"))
    assert [p.relative_to(REPO / build.DRAFT07_DIR) for p in exports] == [
        p.relative_to(V1) for p in originals
    ]
    for path in exports:
        Draft7Validator.check_schema(json.loads(path.read_text()))


# -- annotations, severities, branch choice ----------------------------------------------


def run_keyword(suite: Suite, entry: str, instance: Any) -> list[tuple[str, str, str, Any]]:
    return [
        (issue.pointer, issue.keyword, issue.severity, issue.property)
        for issue in suite.module.VALIDATORS[entry](instance)
    ]


ANNOTATION_CASES = [
    ({"name": "n", "created": "26"}, [("/created", "pattern", "warning", None)]),
    ({"name": "n", "hint": {"level": "high"}}, [("/hint/level", "type", "info", None)]),
    ({"name": "n", "hint": []}, [("/hint", "type", "warning", None)]),
    ({"name": "n", "old_name": "x"}, [("", "deprecated", "warning", "old_name")]),
    ({"name": "n", "old_alias": 1}, [("", "deprecated", "warning", "old_alias")]),
    (
        {"name": "n", "mapped": {"m1": "a", "z": 2}},
        [("/mapped", "deprecated", "warning", "m1"), ("/mapped", "deprecated", "warning", "z")],
    ),
    (
        {"name": "n", "extended": {"base": "b", "extra": 1, "more": True, "x-y": 1, "zz": 0}},
        [("/extended", "x-unknown-key", "info", "zz")],
    ),
    ({"name": "n", "guarded": {"kind": "a", "other": "s", "a_only": 1}}, []),
    ({"name": "n", "guarded": {"kind": "b", "q": 1}}, [("/guarded", "x-unknown-key", "info", "q")]),
    ({"name": "n", "choice": {"left": 1, "zz": 2}}, [("/choice", "x-unknown-key", "info", "zz")]),
    ({"name": "n", "choice": {"left": "x", "zz": 2}}, [("/choice/left", "type", "error", None)]),
    ({"name": "n", "open": {"a": 1, "b": 2}, "top": 1}, [("", "x-unknown-key", "info", "top")]),
    (
        {"name": 1, "top": 1},
        [("/name", "type", "error", None), ("", "x-unknown-key", "info", "top")],
    ),
]


@pytest.mark.parametrize(("instance", "expected"), ANNOTATION_CASES)
def test_annotations_and_severities(
    keyword_suite: Suite, instance: Any, expected: list[Any]
) -> None:
    assert run_keyword(keyword_suite, "annotations.schema.json", instance) == expected


@FAST
@given(data=st.data())
def test_unknown_keys_never_change_validity(keyword_suite: Suite, data: st.DataObject) -> None:
    base = data.draw(st.sampled_from(CASES["keywords/annotations.schema.json"]["valid"]))
    extra = data.draw(st.dictionaries(st.text("qwz", min_size=1, max_size=3), st.integers()))
    instance = {**base, **extra}
    issues = keyword_suite.module.VALIDATORS["annotations.schema.json"](instance)
    assert failures(issues) == []
    assert keyword_suite.oracle("annotations.schema.json").is_valid(instance)
    unknown = {
        issue.property for issue in issues if issue.keyword == "x-unknown-key" and not issue.pointer
    }
    assert unknown == set(extra) | ({"unknown_top"} & set(base))


BRANCH_CASES = [
    ({"column": {"type": "array"}}, [("/column", "required", "error", "items")]),
    (
        {"column": {"type": "tensor", "tensor-spec": {"dtype": "f", "shape": [-2]}}},
        [("/column/tensor-spec/shape/0", "minimum", "error", None)],
    ),
    ({"column": {"type": "dobule"}}, [("/column/type", "enum", "error", None)]),
    ({"column": "double"}, [("/column", "oneOf", "error", None)]),
    ({"env": {"conda": 1}}, [("/env/conda", "type", "error", None)]),
    ({"one": 7}, [("/one", "oneOf", "error", None)]),
    ({"any": 1.5}, [("/any", "anyOf", "error", None)]),
]


@pytest.mark.parametrize(("instance", "expected"), BRANCH_CASES)
def test_failed_alternatives_report_the_likeliest_branch(
    keyword_suite: Suite, instance: Any, expected: list[Any]
) -> None:
    assert run_keyword(keyword_suite, "combinators.schema.json", instance) == expected


def test_alternative_messages(keyword_suite: Suite) -> None:
    validate = keyword_suite.module.VALIDATORS["combinators.schema.json"]
    assert validate({"env": 1})[0].message == (
        "1 is not valid under any of the given schemas (expected string or object)"
    )
    assert validate({"one": 7})[0].message == (
        "7 is valid under more than one of the given schemas (0 and 1)"
    )
    assert validate({"any": 1.5})[0].message.endswith("(expected integer, string or array)")
    required = keyword_suite.module.VALIDATORS["objects.schema.json"]({"closed": {}})[0]
    assert (required.pointer, required.message) == ("/closed", "'a' is a required property")
    assert required.schema_path == "objects.schema.json#/properties/closed/required"


# -- hostile instances --------------------------------------------------------------------


@FAST
@given(instance=yaml_like())
def test_yaml_values_never_crash(keyword_suite: Suite, spec_suite: Suite, instance: Any) -> None:
    for suite in (keyword_suite, spec_suite):
        for name, validate in suite.module.VALIDATORS.items():
            issues = validate(instance)
            assert all(isinstance(issue, SchemaIssue) for issue in issues), name
            assert suite.module.PREDICATES[name](instance) == (not failures(issues)), name


def test_yaml_scalars_are_not_json_types(keyword_suite: Suite) -> None:
    validate = keyword_suite.module.VALIDATORS["types.schema.json"]
    when = dt.datetime(2026, 1, 2, 3, 4, 5)
    assert [i.keyword for i in validate({"string": when.date(), "number": math.nan})] == ["type"]
    assert [i.keyword for i in validate({"integer": b"1", "object": {1: 2}})] == ["type"]
    odd_keys = validate({"string": "s", 3: [], None: {}, dt.date(2020, 1, 1): 0})
    assert [(i.keyword, i.property) for i in odd_keys] == [
        ("x-unknown-key", "3"),
        ("x-unknown-key", "None"),
        ("x-unknown-key", "2020-01-01"),
    ]
    names = keyword_suite.module.VALIDATORS["objects.schema.json"]
    issues = names({"names": {1: "int key", "ok": 2}, "closed": {"a": 1, 2: 3}})
    assert [(i.pointer, i.keyword, i.property) for i in issues] == [
        ("/names", "pattern", "1"),
        ("/closed", "additionalProperties", "2"),
    ]


def test_deep_recursion_is_reported_not_raised(keyword_suite: Suite) -> None:
    tree: dict[str, Any] = {"label": "leaf"}
    for _ in range(5000):
        tree = {"label": "node", "children": [tree]}
    issues = keyword_suite.module.VALIDATORS["refs.schema.json"]({"tree": tree})
    assert [(i.keyword, i.severity) for i in issues] == [("x-too-deep", "error")]


# -- compile errors ---------------------------------------------------------------------


def write_schema(directory: Path, schema: Any, name: str = "t.schema.json") -> Path:
    document = {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}
    (directory / name).write_text(json.dumps(document))
    return directory


REFUSED = [
    ({"properties": {"a": {"contains": {}}}}, "contains", "#/properties/a/contains"),
    ({"unevaluatedProperties": False}, "unevaluatedProperties", "#/unevaluatedProperties"),
    ({"$defs": {"a": {"$anchor": "x"}}}, "$anchor", "#/$defs/a/$anchor"),
    ({"$dynamicRef": "#x"}, "$dynamicRef", "#/$dynamicRef"),
    ({"items": {"multipleOf": 2}}, "multipleOf", "#/items/multipleOf"),
    ({"dependentSchemas": {}}, "dependentSchemas", "#/dependentSchemas"),
    ({"x-other": 1}, "x-other", "#/x-other"),
    ({"x-severity": "error"}, "x-severity", "#/x-severity"),
    ({"pattern": "\\p{L}"}, "pattern", "#/pattern"),
    ({"patternProperties": {"(?<x": {}}}, "patternProperties", "#/patternProperties"),
    ({"type": "strin"}, "type", "#/type"),
    ({"$schema": "http://json-schema.org/draft-07/schema#"}, "$schema", "#/$schema"),
    ({"$ref": "#anchor"}, "$ref", "#/$ref"),
]


@pytest.mark.parametrize(("schema", "keyword", "path"), REFUSED)
def test_unsupported_schemas_are_refused_with_keyword_and_path(
    tmp_path: Path, schema: Any, keyword: str, path: str
) -> None:
    with pytest.raises(SchemaCompileError) as raised:
        compile_dir(write_schema(tmp_path, schema), [EntryPoint("t", "t.schema.json")])
    assert raised.value.keyword == keyword
    assert raised.value.schema_path.startswith("t.schema.json" + path)
    assert str(raised.value).startswith("t.schema.json#")


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"$ref": "#/$defs/missing"}, "does not resolve"),
        ({"$ref": "other.schema.json"}, "names no known schema"),
        (
            {
                "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}},
                "$ref": "#/$defs/a",
            },
            "cycle",
        ),
    ],
)
def test_broken_references_are_refused(tmp_path: Path, schema: Any, text: str) -> None:
    with pytest.raises(SchemaCompileError, match=text):
        compile_dir(write_schema(tmp_path, schema), [EntryPoint("t", "t.schema.json")])


def test_malformed_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / "t.schema.json").write_text("{")
    with pytest.raises(SchemaCompileError, match="not valid JSON"):
        compile_dir(tmp_path, [EntryPoint("t", "t.schema.json")])


# -- determinism and the checked-in module -----------------------------------------------


def test_compiling_twice_gives_identical_bytes_whatever_the_hash_seed() -> None:
    entries = [
        EntryPoint("mlmodel", "mlmodel.schema.json"),
        EntryPoint("s", "signature.schema.json#/$defs/schema"),
    ]
    first = compile_dir(MINI, entries)
    assert compile_dir(MINI, entries) == first
    script = (
        "import sys; from pathlib import Path;"
        "from mlmodel_spec.codegen.schema_compiler import EntryPoint as E, compile_validators;"
        "sys.stdout.write(compile_validators(Path(sys.argv[1]),"
        " [E('mlmodel', 'mlmodel.schema.json'), E('s', 'signature.schema.json#/$defs/schema')],"
        " output_path=Path(sys.argv[2]),"
        " source_label='tests', version='test'))"
    )
    output = str(REPO / "conformance" / "_compiled_for_tests.py")
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    other = subprocess.run(
        [sys.executable, "-c", script, str(MINI), output],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert other.stdout == first


def render_v1_package() -> dict[str, str]:
    return render_validator_package(
        SchemaSet.load(V1),
        build.ENTRY_POINTS,
        part_of=build.validators_part,
        source_label="tests",
        version="test",
        name_exports=build.NAME_EXPORTS,
    )


def test_the_split_package_is_deterministic_whatever_the_hash_seed() -> None:
    first = render_v1_package()
    assert render_v1_package() == first
    assert list(first) == ["__init__", *sorted(set(first) - {"__init__"})]
    script = (
        "import json, sys; from pathlib import Path; from mlmodel_spec.codegen import build;"
        "from mlmodel_spec.codegen.schema_compiler import render_validator_package as r;"
        "from mlmodel_spec.codegen.schema_registry import SchemaSet;"
        "sys.stdout.write(json.dumps(r(SchemaSet.load(Path(sys.argv[1])), build.ENTRY_POINTS,"
        " part_of=build.validators_part, source_label='tests', version='test',"
        " name_exports=build.NAME_EXPORTS)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    other = subprocess.run(
        [sys.executable, "-c", script, str(V1)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(other.stdout) == first


def validator_files() -> list[Path]:
    return sorted((REPO / build.VALIDATORS_DIR).glob("*.py"))


def test_checked_in_modules_are_fresh_and_have_the_header() -> None:
    assert build.run(check=True) == 0, "run `mlmodel-spec codegen` and commit the result"
    digest = SchemaSet.load(V1).digest()
    header = rf"# Generated by mlmodel-spec codegen \S+ from spec/schemas/v1 \(sha256 {digest}\)\."
    names = [path.name for path in validator_files()]
    assert "__init__.py" in names
    assert {"flavor_sklearn.py", "flavor_lightgbm.py", "report.py"} <= set(names)
    for path in validator_files():
        assert re.match(header + r" DO NOT EDIT\.\n", path.read_text()), path.name
    assert not (REPO / build.RETIRED_VALIDATORS_MODULE).exists()


def test_generated_modules_import_nothing_heavy() -> None:
    for path in validator_files():
        imported = set()
        for line in path.read_text().splitlines():
            found = re.match(r"(?:from (\S+) import|import (\S+))", line)
            if found:
                imported.add(found.group(1) or found.group(2))
        if path.name == "__init__.py":  # and the other parts only through `lazy`
            assert imported == {"__future__", "collections.abc", "..schema_validation"}
        else:  # the core's names, and helpers
            assert imported <= {"__future__", "..schema_validation", "."}, path.name
    package = "mlmodel_spec.conformance._generated_schemas"
    modules = [package + ("" if p.stem == "__init__" else "." + p.stem) for p in validator_files()]
    script = (
        "import importlib, sys;"
        f"[importlib.import_module(m) for m in {modules!r}];"
        "heavy = {'jsonschema', 'yaml', 'jinja2', 'referencing'};"
        "sys.stdout.write(repr(sorted(m for m in sys.modules if m.split('.')[0] in heavy)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout == "[]"


# -- the real spec schemas ----------------------------------------------------------------

SKLEARN_MODEL = {
    "flavors": {
        "python_function": {
            "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
            "loader_module": "mlflow.sklearn",
            "model_path": "model.pkl",
            "predict_fn": "predict",
            "python_version": "3.12.1",
        },
        "sklearn": {
            "code": None,
            "pickled_model": "model.pkl",
            "serialization_format": "cloudpickle",
            "sklearn_version": "1.5.0",
        },
    },
    "mlflow_version": "2.20.1",
    "model_uuid": "0123456789abcdef0123456789abcdef",
    "utc_time_created": "2025-01-02 03:04:05.678901",
    "signature": {
        "inputs": '[{"type": "double", "name": "x", "required": true}]',
        "outputs": '[{"type": "long", "required": true}]',
        "params": None,
    },
    "is_signature_from_type_hint": False,
    "type_hint_from_example": False,
}
LIGHTGBM_MODEL = {
    "artifact_path": "model",
    "run_id": "fedcba9876543210fedcba9876543210",
    "flavors": {
        "lightgbm": {
            "code": None,
            "data": "model.lgb",
            "lgb_version": "4.3.0",
            "model_class": "lightgbm.basic.Booster",
        },
        "python_function": {
            "data": "model.lgb",
            "env": "conda.yaml",
            "loader_module": "mlflow.lightgbm",
            "python_version": "3.10.4",
        },
    },
    "utc_time_created": "2024-06-07 08:09:10",
}
COLUMNS = [
    {"type": "double", "name": "a", "required": True},
    {"type": "array", "items": {"type": "long"}, "name": "b", "required": True},
]


def spec_instances(entry: str) -> st.SearchStrategy[Any]:
    anything = json_like_for(*sorted(V1.rglob("*.json")))
    known: dict[str, list[Any]] = {
        "mlmodel": [SKLEARN_MODEL, LIGHTGBM_MODEL],
        "signature-schema": [COLUMNS],
    }
    bases = known.get(entry)
    if not bases:
        return anything
    near = st.sampled_from(bases).flatmap(lambda base: mutations(base, anything))
    return st.one_of(anything, near, near)


def test_spec_examples_are_valid(spec_suite: Suite) -> None:
    for entry, instance in [
        ("mlmodel", SKLEARN_MODEL),
        ("mlmodel", LIGHTGBM_MODEL),
        ("signature-schema", COLUMNS),
    ]:
        if entry in spec_suite.refs:
            assert failures(spec_suite.module.VALIDATORS[entry](instance)) == []
            assert_agrees(spec_suite, entry, instance)


@pytest.mark.parametrize("entry", [e.name for e in build.ENTRY_POINTS])
@settings(FAST, max_examples=max(EXAMPLES * 2 // 3, 1))
@given(data=st.data())
def test_spec_random_instances_match_oracle(
    spec_suite: Suite, entry: str, data: st.DataObject
) -> None:
    if entry not in spec_suite.refs:
        pytest.skip(f"{entry}: its schema file is not in {build.SCHEMA_DIR} yet")
    assert_agrees(spec_suite, entry, data.draw(spec_instances(entry)))


@pytest.fixture(scope="module")
def draft07_spec() -> Registry[Any]:
    return draft07_registry(V1)


@settings(FAST, max_examples=max(EXAMPLES * 2 // 3, 1))
@given(data=st.data())
def test_spec_draft07_export_matches_original(
    spec_suite: Suite, draft07_spec: Registry[Any], data: st.DataObject
) -> None:
    instance = data.draw(spec_instances("mlmodel"))
    exported = draft07_validator(draft07_spec, V1 / "mlmodel.schema.json")
    assert exported.is_valid(instance) == spec_suite.oracle("mlmodel").is_valid(instance)


# -- the validators package: a core, and parts imported on first use ----------------------

PACKAGE = "mlmodel_spec.conformance._generated_schemas"


@pytest.fixture(scope="module")
def package() -> types.ModuleType:
    import mlmodel_spec.conformance._generated_schemas as generated

    return generated


def test_the_spec_is_split_into_a_core_and_rarely_used_parts() -> None:
    part = build.validators_part
    assert part(Location("mlmodel.schema.json", "/properties/flavors")) == ""
    assert part(Location("flavors/python_function.schema.json", "/properties/env")) == ""
    assert part(Location("flavors/_defs.schema.json", "/$defs/relative-path")) == ""
    assert part(Location("signature.schema.json", "/$defs/tensor-spec")) == ""
    assert part(Location("flavors/sklearn.schema.json")) == "flavor_sklearn"
    assert part(Location("flavors/sklearn.schema.json", "/properties/code")) == "flavor_sklearn"
    assert part(Location("report.schema.json", "/$defs/finding")) == "report"
    assert part(Location("signature.schema.json", "/$defs/params")) == "signature_params"
    assert part(Location("signature.schema.json", "/$defs/param-spec/allOf/0")) == (
        "signature_params"
    )
    assert part(Location("signature.schema.json", "/$defs/params-x")) == ""


def test_every_flavor_part_agrees_with_the_single_module(
    spec_suite: Suite, package: types.ModuleType
) -> None:
    single = spec_suite.module.VALIDATORS["mlmodel"]
    blocks: list[Any] = [{}, {"data": "/abs", "code": 1, "zz": None, "model_class": 2}, [], "x"]
    for name in package.KNOWN_FLAVORS:
        for block in blocks:
            instance = {"flavors": {name: block}}
            assert package.validate_mlmodel(instance) == single(instance), instance


@pytest.mark.parametrize("entry", [e.name for e in build.ENTRY_POINTS])
@settings(FAST, max_examples=max(EXAMPLES // 3, 1))
@given(data=st.data())
def test_the_split_package_agrees_with_the_single_module(
    spec_suite: Suite, package: types.ModuleType, entry: str, data: st.DataObject
) -> None:
    if entry not in spec_suite.refs:
        pytest.skip(f"{entry}: its schema file is not in {build.SCHEMA_DIR} yet")
    instance = data.draw(spec_instances(entry))
    expected = spec_suite.module.VALIDATORS[entry](instance)
    assert package.VALIDATORS[entry](instance) == expected, instance


@pytest.mark.parametrize(
    ("case", "parts"),
    [
        ("valid/files-sklearn-complete", ["flavor_sklearn"]),
        ("valid/files-lightgbm-booster", ["flavor_lightgbm"]),
    ],
)
def test_a_cold_validate_imports_only_the_parts_the_model_uses(case: str, parts: list[str]) -> None:
    """The core, and the module of the model's one flavor besides python_function: none
    of the other flavors', the report's, the signature params'."""
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from mlmodel_spec.conformance.validate import validate_model\n"
        f"assert validate_model(Path({str(REPO / 'tests' / 'cases' / case)!r})) is not None\n"
        "print(json.dumps(sorted(m for m in sys.modules if '_generated_schemas' in m)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == [PACKAGE] + [f"{PACKAGE}.{part}" for part in parts]


MINI_ENTRIES = [
    EntryPoint("mlmodel", "mlmodel.schema.json"),
    EntryPoint("s", "signature.schema.json#/$defs/schema"),
]


def mini_parts(location: Location) -> str:
    """demo's ``$defs`` stay in the core; demo and the signature get a module each (demo's
    ``model_class`` refers into the signature: a part reaching another part)."""
    if location.file == "signature.schema.json":
        return "sig"
    if location.file.startswith("flavors/") and not location.pointer.startswith("/$defs"):
        return "demo"
    return ""


MINI_INSTANCES: list[Any] = [
    {"flavors": {}},
    {"flavors": {"other": {}}, "utc_time_created": "26"},
    {"flavors": {"demo": {"data": "m"}}},
    {"flavors": {"demo": {"data": "/abs", "version": [1, "x", 3], "trusted_types": []}}},
    {"flavors": {"demo": {"data": "m", "model_class": 3}}, "legacy": 1},
    {"flavors": {"demo": {"data": "m", "model_class": "float64"}}},
    {"flavors": {"demo": []}},
    [],
]


def test_parts_take_the_cores_names_and_reach_other_parts_lazily(
    tmp_path: Path, load_package: Loader
) -> None:
    files = compile_package(MINI, MINI_ENTRIES, mini_parts, with_predicates=True)
    assert list(files) == ["__init__.py", "demo.py", "sig.py"]
    core, demo = files["__init__.py"], files["demo.py"]
    assert '_flavors_demo = lazy(".demo", __package__, "_flavors_demo")' in core
    assert '_signature_schema = lazy(".sig", __package__, "_signature_schema")' in core
    assert re.search(r"^from \. import (\(\n    )?_flavors_demo_relative_path\b", demo, re.M)
    assert re.search(
        r'^_signature_\w+ = lazy\("\.sig", __package__, "_signature_\w+"\)$', demo, re.M
    )
    assert "from ." not in files["sig.py"].replace("from ..schema_validation", "")
    directory = tmp_path / "validators"
    directory.mkdir()
    for name, text in files.items():
        (directory / name).write_text(text)
    split = load_package(directory, "_split_mini")
    whole = load_generated(compile_dir(MINI, MINI_ENTRIES, with_predicates=True), "_whole_mini")

    def loaded() -> list[str]:
        return sorted(
            m.rsplit(".", 1)[1] for m in sys.modules if m.startswith(split.__name__ + ".")
        )

    assert split.validate_mlmodel({"flavors": {"other": {}}}) == []
    assert loaded() == []
    assert split.validate_mlmodel({"flavors": {"demo": {"data": "m"}}}) == []
    assert loaded() == ["demo"]
    for instance in MINI_INSTANCES:
        for entry in ("mlmodel", "s"):
            issues = whole.VALIDATORS[entry](instance)
            assert split.VALIDATORS[entry](instance) == issues, (entry, instance)
            assert split.PREDICATES[entry](instance) == whole.PREDICATES[entry](instance)
    assert loaded() == ["demo", "sig"]


@pytest.mark.parametrize("name", ["not-a-name", "class", "__init__"])
def test_a_part_must_be_a_module_name(name: str) -> None:
    with pytest.raises(SchemaCompileError, match="cannot name a generated module"):
        render_validator_package(
            SchemaSet.load(MINI),
            MINI_ENTRIES,
            part_of=lambda location: name,
            source_label="tests",
            version="test",
        )


# -- the build: regenerate, check, orphans --------------------------------------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A repository root whose spec is the mini schema set (no report.schema.json)."""
    shutil.copytree(MINI, tmp_path / build.SCHEMA_DIR)
    return tmp_path


def generated_files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and not p.relative_to(root).as_posix().startswith("spec/schemas/v1")
    )


def test_build_writes_then_checks_clean(
    tree: Path, capsys: pytest.CaptureFixture[str], load_package: Loader
) -> None:
    assert build.run(check=True, root=tree) == 1
    err = capsys.readouterr().err
    assert "missing: conformance/_generated_schemas/__init__.py" in err
    assert "missing: conformance/_generated_schemas/flavor_demo.py" in err
    assert build.run(root=tree) == 0
    assert "skipped entry 'report'" in capsys.readouterr().err
    assert generated_files(tree) == [
        "conformance/_generated_schemas/__init__.py",
        "conformance/_generated_schemas/flavor_demo.py",
        "conformance/_generated_schemas/signature_params.py",
        "docs/rules.md",
        "spec/schemas/draft-07/conda.schema.json",
        "spec/schemas/draft-07/flavors/demo.schema.json",
        "spec/schemas/draft-07/mlmodel.schema.json",
        "spec/schemas/draft-07/python-env.schema.json",
        "spec/schemas/draft-07/signature.schema.json",
    ]
    assert build.main(["--check", "--root", str(tree)]) == 0
    assert "up to date" in capsys.readouterr().out
    module = load_package(tree / build.VALIDATORS_DIR, "_mini_validators")
    assert "mlmodel_spec.conformance._mini_validators.flavor_demo" not in sys.modules
    assert sorted(module.VALIDATORS) == [
        "conda",
        "mlmodel",
        "python-env",
        "signature-params",
        "signature-schema",
    ]
    assert module.KNOWN_FLAVORS == ("demo",)
    assert module.validate_mlmodel({"flavors": {"demo": {"data": "m"}}}) == []
    issue = module.validate_mlmodel({"flavors": {"demo": {"data": "/abs"}}, "legacy": 1})
    assert [(i.pointer, i.keyword) for i in issue] == [
        ("/flavors/demo/data", "pattern"),
        ("", "deprecated"),
    ]
    assert "mlmodel_spec.conformance._mini_validators.flavor_demo" in sys.modules


def test_check_reports_stale_missing_and_orphaned(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert build.run(root=tree) == 0
    schema = tree / build.SCHEMA_DIR / "conda.schema.json"
    schema.write_text(
        schema.read_text().replace('"name": {"type": "string"}', '"name": {"type": "integer"}')
    )
    (tree / build.DRAFT07_DIR / "flavors" / "gone.schema.json").write_text("{}")
    (tree / build.DRAFT07_DIR / "python-env.schema.json").unlink()
    validators = tree / build.VALIDATORS_DIR
    demo = validators / "flavor_demo.py"
    demo.write_text(demo.read_text().replace('"pattern"', '"typo"', 1))
    (validators / "flavor_gone.py").write_text("")
    (tree / build.RETIRED_VALIDATORS_MODULE).write_text("# the validators in one module\n")
    capsys.readouterr()
    assert build.main(["--check", "--root", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "stale: conformance/_generated_schemas/__init__.py" in err
    assert "stale: conformance/_generated_schemas/flavor_demo.py" in err
    assert "orphaned: conformance/_generated_schemas/flavor_gone.py" in err
    assert "orphaned: conformance/_generated_schemas.py" in err
    assert "stale: spec/schemas/draft-07/conda.schema.json" in err
    assert "missing: spec/schemas/draft-07/python-env.schema.json" in err
    assert "orphaned: spec/schemas/draft-07/flavors/gone.schema.json" in err
    assert "run `mlmodel-spec codegen`" in err
    assert build.run(root=tree) == 0
    out = capsys.readouterr().out
    assert "removed spec/schemas/draft-07/flavors/gone.schema.json" in out
    assert "removed conformance/_generated_schemas/flavor_gone.py" in out
    assert "removed conformance/_generated_schemas.py" in out
    assert build.run(check=True, root=tree) == 0
    assert not list(tree.rglob("*.tmp"))


def test_build_reports_compile_errors_without_traceback(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_schema(tree / build.SCHEMA_DIR, {"contains": {}}, "conda.schema.json")
    assert build.run(root=tree) == 2
    err = capsys.readouterr().err
    assert err.startswith("codegen failed: conda.schema.json#/contains: unsupported keyword")
    assert not (tree / build.VALIDATORS_MODULE).exists()
