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
from mlmodel_spec.codegen.schema_compiler import EntryPoint, SchemaCompileError, compile_validators
from mlmodel_spec.codegen.schema_registry import SchemaSet
from mlmodel_spec.conformance.findings import split_pointer
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
FAST = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
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

    def oracle(self, entry: str) -> Draft202012Validator:
        file, _, pointer = self.refs[entry].partition("#")
        document = json.loads((self.directory / file).read_text())
        schema = {"$ref": f"{document['$id']}#{pointer}"}
        return Draft202012Validator(schema, registry=self.registry)


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


def oracle_pointers(errors: Any) -> set[str]:
    """Instance pointers of every oracle error, including those inside oneOf/anyOf."""
    found: set[str] = set()
    stack = list(errors)
    while stack:
        error = stack.pop()
        found.add("".join("/" + str(t).replace("~", "~0").replace("/", "~1") for t in error.absolute_path))
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
    assert suite.module.PREDICATES[entry](instance) == (not failed), (instance, issues)
    blamed = oracle_pointers(errors)
    for issue in issues:
        assert issue.severity in ("error", "warning", "info")
        assert issue.message and "\n" not in issue.message
        assert resolves(instance, issue.pointer), issue
    assert {blamed_pointer(issue, blamed) for issue in failed} <= blamed, (instance, issues)
    if exact:
        top = {"".join(f"/{t}" for t in e.absolute_path) for e in errors}
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
        leaves.append(st.sampled_from(patterns).flatmap(lambda p: st.from_regex(p)))
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
            container[key] = draw(values)
        elif action == "remove":
            del container[key]
        elif isinstance(container, dict):
            container[draw(st.sampled_from(["zz", "code", "type", "data", *map(str, container)]))] = draw(values)
        else:
            container.append(draw(values))
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


@pytest.mark.parametrize("file", KEYWORD_FILES)
@FAST
@given(data=st.data())
def test_random_instances_match_oracle(keyword_suite: Suite, file: str, data: st.DataObject) -> None:
    documents = [json.loads(path.read_text()) for path in KEYWORDS.glob("*.json")]
    instance = data.draw(json_like(documents))
    assert_agrees(keyword_suite, file.split("/", 1)[1], instance, exact=file in SIMPLE_FILES)


@pytest.mark.parametrize("file", sorted(CASES))
@FAST
@given(data=st.data())
def test_mutated_valid_cases_match_oracle(
    keyword_suite: Suite, file: str, data: st.DataObject
) -> None:
    base = data.draw(st.sampled_from(CASES[file]["valid"]))
    values = json_like([json.loads((SCHEMAS / file).read_text())])
    instance = data.draw(mutations(base, values))
    assert_agrees(keyword_suite, file.split("/", 1)[1], instance, exact=file in SIMPLE_FILES)
