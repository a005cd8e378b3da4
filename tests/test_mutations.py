"""Property-based: mutate valid model directories; validation must never crash.

Mutations work both on the text of any of the model's text files (MLmodel, env files,
requirements, input examples: bytes inserted, deleted, replaced; lines duplicated; the file
cut short) and on the parsed MLmodel structure (a random value swapped for another). Whatever comes
out, ``validate_model`` returns findings and no check reports ``internal-error``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmodel_spec.conformance.validate import validate_model

VALID = Path(__file__).parent / "cases" / "valid"
SEEDS = sorted(p for p in VALID.iterdir() if (p / "MLmodel").is_file()) if VALID.is_dir() else []
SETTINGS = settings(
    max_examples=int(os.environ.get("MUTATION_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["../../etc/passwd", "/abs/path", "", "model.pkl", "[", "{}", "NaN", "\x7f"]),
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def _copy_seed(seed: Path, target: Path) -> Path:
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(seed, target, symlinks=True)
    return target


def _assert_no_crash(root: Path) -> None:
    findings = validate_model(root)
    crashed = [f for f in findings if f.rule == "internal-error"]
    assert not crashed, crashed[0].message


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found.extend(_paths(child, (*prefix, index)))
    return found


def _replace(value: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    value[head] = _replace(value[head], rest, new)
    return value


@SETTINGS
@given(data=st.data())
def test_text_mutations_never_crash(tmp_path: Path, data: st.DataObject) -> None:
    assert SEEDS, "tests/cases/valid holds no seed models"
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    root = _copy_seed(seed, tmp_path / "m")
    texts = sorted(
        p.name
        for p in root.iterdir()
        if p.is_file() and p.suffix in ("", ".yaml", ".txt", ".json") and p.name != "case.yaml"
    )
    target = root / data.draw(st.sampled_from(texts), label="file")
    raw = bytearray(target.read_bytes())
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        kind = data.draw(st.sampled_from(["insert", "delete", "replace", "dupline", "truncate"]))
        position = data.draw(st.integers(0, max(0, len(raw) - 1)))
        if kind == "insert":
            raw[position:position] = data.draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del raw[position : position + data.draw(st.integers(1, 16))]
        elif kind == "replace" and raw:
            raw[position] = data.draw(st.integers(0, 255))
        elif kind == "dupline":
            lines = bytes(raw).splitlines(keepends=True)
            if lines:
                index = data.draw(st.integers(0, len(lines) - 1))
                lines.insert(index, lines[index])
                raw = bytearray(b"".join(lines))
        else:
            del raw[position:]
    target.write_bytes(bytes(raw))
    _assert_no_crash(root)


@SETTINGS
@given(data=st.data(), new=json_values)
def test_structure_mutations_never_crash(tmp_path: Path, data: st.DataObject, new: Any) -> None:
    assert SEEDS, "tests/cases/valid holds no seed models"
    seed = data.draw(st.sampled_from(SEEDS), label="seed")
    root = _copy_seed(seed, tmp_path / "m")
    document = yaml.safe_load((root / "MLmodel").read_text(encoding="utf-8"))
    path = data.draw(st.sampled_from(_paths(document)), label="path")
    mutated = _replace(document, path, new)
    (root / "MLmodel").write_text(yaml.safe_dump(mutated, allow_unicode=True), encoding="utf-8")
    _assert_no_crash(root)
