"""The PyYAML-free reader gives exactly the libyaml path's document, or gives up.

``yaml_block.read_block_yaml`` may return ``None`` for any text; for every text it accepts,
its document (values, positions, duplicate-key problems) must equal the one
``yaml_libyaml.load_with_libyaml`` builds, and that one must have no syntax problem.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmodel_spec.conformance.yaml_block import read_block_yaml
from mlmodel_spec.conformance.yaml_libyaml import load_with_libyaml
from mlmodel_spec.conformance.yaml_source import YamlDocument

ROOT = Path(__file__).parent.parent
CASES = ROOT / "tests" / "cases"
YAML_FILES = sorted(
    path
    for path in [*CASES.glob("*/*/*"), *(ROOT / "examples").rglob("*")]
    if path.name == "MLmodel" or path.suffix in (".yaml", ".yml")
)
#: valid cases whose MLmodel leaves the subset on purpose
HOSTILE_VALID = {"core-hostile-key-text"}


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _assert_agrees(text: str) -> YamlDocument | None:
    """The block reader's document equals libyaml's, when the block reader takes the text."""
    block = read_block_yaml(text)
    if block is None:
        return None
    full = load_with_libyaml(text)
    assert full.usable and not {p.rule for p in full.problems} - {"yaml-duplicate-key"}, text
    assert _same(block.data, full.data), text
    assert block.value_marks == full.value_marks, text
    assert block.key_marks == full.key_marks, text
    assert block.problems == full.problems, text
    assert (block.usable, block.empty) == (full.usable, full.empty)
    return block


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_yaml_file_of_the_repository_reads_alike(path: Path) -> None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return
    _assert_agrees(text)


def test_the_files_mlflow_writes_never_need_pyyaml() -> None:
    # the point of the reader: every valid case's MLmodel and env files (MLflow 1.x-3.x
    # writers, hand-made ones in MLflow's style) stay on the fast path
    files = [
        path
        for path in CASES.glob("valid/*/*")
        if (path.name == "MLmodel" or path.name in ("conda.yaml", "python_env.yaml"))
        and path.parent.name not in HOSTILE_VALID
    ]
    assert len(files) > 100
    assert [str(p) for p in files if read_block_yaml(p.read_text("utf-8")) is None] == []


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\n",
        "a: 3.10\nb: 3.11.7\nc: 1e5\nd: 1.0e+5\ne: -0\nf: +7\ng: 0.\nh: .5\ni: -.5e-3\n",
        "a: .inf\nb: -.Inf\nc: +.INF\nd: .nan\ne: .NaN\n",
        "a: yes\nb: No\nc: 'on'\nd: OFF\ne: ~\nf: null\ng: NULL\nh: Nulls\ni: y\n",
        "a: pip<=23.2.1\nb: -r requirements.txt\nc: s3://bucket/x:y\nd: a,b[c]{d}\n",
        'a: \'[{"type": "double", "name": "a"}, {"type": "double",\n  "name": "b"}]\'\n',
        "a: 'it''s\n\n\n   folded  \n  over   lines  '\nb: ''\nc: '\n  x'\nd: 'x\n  '\n",
        'a: "double"\nb: ""\n',
        "a:\n- x\n- y: 1\n  z:\n  - q\n- {}\n- []\nb:\n  - 1\nc:\n",
        "a:\n  b:\n    c: 1\n  d: 2\n",
        "# comment\na: 1\n   # indented comment\n\nb:\n  # between\n  c: 2\n",
        "- a\n- b: c\n  d: e\n-   f: g\n",
        "a: 1\na: 2\nb:\n  x: 1\nb:\n  y: 2\n",
        "a/b: 1\nc~d: 2\n",
    ],
)
def test_mlflow_shaped_documents_stay_on_the_fast_path(text: str) -> None:
    assert _assert_agrees(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# only a comment\n",
        "plain scalar\n",
        "  a: 1\n",
        "a:\tb\n",
        "a: 1\r\nb: 2\r\n",
        "a: caf\u00e9\n",
        "\ufeffa: 1\n",
        "---\na: 1\n",
        "a: 1\n...\n",
        "%YAML 1.1\n---\na: 1\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: >\n  text\n",
        "a: [1, 2]\n",
        "a: {b: 1}\n",
        "? a\n: b\n",
        "'a': 1\n",
        "a b: 1\n",
        "yes: 1\n",
        "1: a\n",
        "a: b\n  c\n",
        "a: b # comment\n",
        "a: 'b' # comment\n",
        "a: 'unterminated\n",
        "a: 'x\ny'\n",
        'a: "esc\\n"\n',
        'a: "two\n  lines"\n',
        "a: 0777\nb: 0x1F\nc: 1_000\nd: 12:30\ne: 1_0.5\n",
        "a: 2024-01-01\n",
        "a: <<\n",
        "<<: {}\n",
        "a: =\n",
        "a: - b\n",
        "- - a\n",
        "-\n  a: 1\n",
        "a: 1\n- b\n",
        "- a\nb: 1\n",
        "a:\n    b: 1\n  c: 2\n",
        "a:\n  - b\n  c: 1\n",
        "a: @x\n",
        "a: 9" + "9" * 40 + "\n",
    ],
)
def test_anything_outside_the_subset_goes_to_pyyaml(text: str) -> None:
    assert read_block_yaml(text) is None


# -- generated documents ---------------------------------------------------------------
_WORDS = st.sampled_from(
    ["a", "b", "name", "env", "data", "1", "yes", "null", "x.y", "a/b", "3.10", "on"]
)
_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(),
    _TEXT,
    _WORDS,
    st.sampled_from(["", " ", "'", "''", "a: b", "#x", "- a", "x #y", "0o17", "1:30", ".5"]),
)
_DOCUMENTS = st.recursive(
    st.dictionaries(st.one_of(_WORDS, _TEXT), _SCALARS, max_size=4),
    lambda inner: st.one_of(
        st.lists(st.one_of(inner, _SCALARS), max_size=4),
        st.dictionaries(st.one_of(_WORDS, _TEXT), st.one_of(inner, _SCALARS), max_size=4),
    ),
    max_leaves=25,
)


@settings(max_examples=400, deadline=None)
@given(_DOCUMENTS, st.integers(2, 6), st.integers(10, 120), st.booleans())
def test_safe_dump_output_reads_alike(value: Any, indent: int, width: int, sort: bool) -> None:
    text = yaml.safe_dump(
        value, default_flow_style=False, indent=indent, width=width, sort_keys=sort
    )
    _assert_agrees(text)


_BASES = sorted(
    path.read_text("utf-8")
    for path in CASES.glob("valid/*/*")
    if path.name in ("MLmodel", "conda.yaml", "python_env.yaml")
    and path.parent.name not in HOSTILE_VALID
)
_FRAGMENTS = st.sampled_from(
    [
        "a:",
        "b: 1",
        "c: 'x",
        "d'",
        "'",
        "- f",
        "- g:",
        "-",
        "#",
        "i: 'j''k",
        "l: {}",
        "o: p: q",
        "r: s:t",
        "u:  v ",
        "- - w",
        "x: y #z",
        "  ",
        "",
        "? k",
        "&a b: c",
        "e: 1:2",
        "q: ''",
    ]
)
_EDITS = st.tuples(
    st.sampled_from(["indent", "dedent", "delete", "duplicate", "insert", "cut"]),
    st.integers(0, 200),
    st.integers(1, 4),
    _FRAGMENTS,
)


def _edit(lines: list[str], edit: tuple[str, int, int, str]) -> None:
    op, where, amount, fragment = edit
    at = where % len(lines)
    line = lines[at]
    if op == "indent":
        lines[at] = " " * amount + line
    elif op == "dedent":
        lines[at] = line[min(amount, len(line) - len(line.lstrip(" "))) :]
    elif op == "delete" and len(lines) > 1:
        del lines[at]
    elif op == "duplicate":
        lines.insert(at, line)
    elif op == "insert":
        lines.insert(at, " " * (2 * (amount - 1)) + fragment)
    elif op == "cut":
        lines[at] = line[: len(line) * amount // 5]


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_BASES), st.lists(_EDITS, min_size=1, max_size=4))
def test_edited_mlflow_files_read_alike(base: str, edits: list[tuple[str, int, int, str]]) -> None:
    # real files with a few lines re-indented, dropped, doubled, cut short or made tricky:
    # wherever the block reader still takes the text, it must read it as libyaml does
    lines = base.split("\n")
    for edit in edits:
        _edit(lines, edit)
    _assert_agrees("\n".join(lines))


_NUMBERISH = [
    "".join(chars) for size in range(1, 5) for chars in itertools.product("019.+-:_a", repeat=size)
]
_NUMBERISH += ["2024-01-02", "2024-1-2 3:04:05.6 +1", "2024-01-02T03:04:05Z", "2024-01-02x"]
_NUMBERISH += ["0c3d5e7f9a1b4c6d8e0f2a4b6c8d0e1f", "1e3", "1e+3", "0x1f", "0b101", "-r x.txt"]


def _scalar_agrees(text: str) -> None:
    doc = read_block_yaml(f"a: {text}\n")
    if doc is not None:
        expected = yaml.safe_load(f"a: {text}\n")["a"]
        assert _same(doc.data["a"], expected), text


def test_every_short_number_like_scalar_resolves_as_pyyaml_does() -> None:
    # versions, ints, floats, octal, sexagesimal and near misses (``-.5`` and ``09`` are
    # strings): the block reader's resolution, with and without its pattern-free shortcut
    for text in _NUMBERISH:
        _scalar_agrees(text)


@settings(max_examples=3000, deadline=None)
@given(st.text("0123456789.+-_:eExXbBoOinfaNIcdrTtZ ", min_size=1, max_size=14))
def test_generated_number_like_scalars_resolve_as_pyyaml_does(text: str) -> None:
    _scalar_agrees(text.strip() or "0")


def test_the_character_test_is_the_pattern_it_replaces() -> None:
    """``_supported_characters`` says what ``[^\\n -~]`` found nothing says, for every
    character up to U+00FF and some beyond, alone and between printable ones."""
    import re

    from mlmodel_spec.conformance.yaml_block import _supported_characters

    characters = [chr(code) for code in range(256)] + ["\u2028", "\u3000", "\U0001f600"]
    for text in [*characters, *(f"a: {c}\nb\n" for c in characters), "", "\n\n"]:
        assert _supported_characters(text) == (re.search(r"[^\n -~]", text) is None), repr(text)
