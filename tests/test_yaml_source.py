"""The position-aware YAML reader gives exactly what ``yaml.safe_load`` gives, plus marks."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mlmodel_spec.conformance.yaml_source import load_yaml

CASES = Path(__file__).parent / "cases"
MLMODELS = sorted(CASES.glob("*/*/MLmodel"))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**64), 2**64),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        ["yes", "no", "on", "0x1f", "0o17", "1_000", "1:30", ".inf", "2024-01-01", "~"]
    ),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("path", MLMODELS, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_case_files_read_like_safe_load(path: Path) -> None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
        expected = yaml.safe_load(text)
    except (UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return  # unreadable ones are covered by the hostile-input tests
    doc = load_yaml(text)
    if doc.usable and not doc.problems:
        assert same(doc.data, expected)


@settings(max_examples=300, deadline=None)
@given(documents, st.sampled_from([None, True, False]))
def test_generated_documents_read_like_safe_load(value: Any, flow: bool | None) -> None:
    text = yaml.safe_dump(value, default_flow_style=flow, allow_unicode=True)
    doc = load_yaml(text)
    expected = yaml.safe_load(text)
    assert doc.usable
    if same(expected, value):
        assert not doc.problems
    else:  # PyYAML's dump does not round-trip: its loader folds a NEL (\x85) into a space,
        # so two keys may become one; that is the only problem to report then
        assert {p.rule for p in doc.problems} <= {"yaml-duplicate-key"}
    assert same(doc.data, expected)


def test_a_key_pyyaml_folds_into_another_is_a_duplicate() -> None:
    # found by the test above: safe_dump writes the key "\x85" quoted, safe_load reads " "
    doc = load_yaml(yaml.safe_dump({" ": None, "\x85": None}, allow_unicode=True))
    assert doc.data == {" ": None}
    assert [p.rule for p in doc.problems] == ["yaml-duplicate-key"]


def test_marks_are_one_based_and_point_at_values_and_keys() -> None:
    doc = load_yaml("flavors:\n  sklearn:\n    pickled_model: model.pkl\n  x: [a, b]\n")
    assert doc.value_marks["/flavors/sklearn/pickled_model"] == (3, 20)
    assert doc.key_marks["/flavors/sklearn/pickled_model"] == (3, 5)
    assert doc.value_marks["/flavors/x/1"] == (4, 10)
    assert doc.locate("/flavors/sklearn/missing") == (3, 5)
    assert doc.locate("/flavors/sklearn/missing", prefer_key=True) == (2, 3)


def test_merge_keys_and_aliases_behave_like_safe_load() -> None:
    text = "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nl: &l [1]\nk: *l\n"
    assert load_yaml(text).data == yaml.safe_load(text)


def test_a_bad_scalar_is_reported_every_time() -> None:
    # successful plain scalars are cached across documents; failures must not be
    for _ in range(2):
        doc = load_yaml("a: 2024-13-45\n")
        assert [p.rule for p in doc.problems] == ["yaml-syntax"]
