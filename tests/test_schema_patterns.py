"""The plain string tests that stand in front of the schemas' everyday ``pattern``s
(``schema_validation.PLAIN_TESTS``): each answers as its pattern would or not at all, each
is the test of a pattern the spec has, and the MLmodels of the cases take them."""

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlmodel_spec.conformance.schema_validation import PLAIN_TESTS, Pattern
from mlmodel_spec.conformance.yaml_source import load_yaml

ROOT = Path(__file__).parent.parent
CASES = Path(__file__).parent / "cases"


def _spec_patterns() -> set[str]:
    found: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                found.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for path in (ROOT / "spec" / "schemas").rglob("*.json"):
        walk(json.loads(path.read_text(encoding="utf-8")))
    return found


def test_every_plain_test_stands_for_a_pattern_of_the_spec() -> None:
    assert set(PLAIN_TESTS) <= _spec_patterns()


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _texts() -> list[str]:
    """Case values, near misses of the everyday shapes, and generated strings (Unicode
    digits, which ``\\d`` takes, and a trailing line feed, which ``$`` takes, included)."""
    texts: set[str] = set()
    for mlmodel in CASES.rglob("MLmodel"):
        data = load_yaml(mlmodel.read_text(encoding="utf-8", errors="replace")).data
        texts.update(_strings(data))
    shapes = ["3.11.7", "2.9", "2026-11-26 22:10:24.629296", "2026-11-26 22:10:24", "<U10", "|S5"]
    shapes += ["82680bd40fee494f8672ec27e9a52f4d", "m-82680bd40fee494f8672ec27e9a52f4d", "a0"]
    alphabet = "09.:- <|=SUam\n\u0663"
    for shape in shapes:
        texts.update({shape, shape + "\n", shape + "0", shape[:-1], "x" + shape})
        for at, other in itertools.product(range(len(shape)), alphabet):
            texts.add(shape[:at] + other + shape[at + 1 :])
    rng = random.Random(20261206)
    texts.update(
        "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8))) for _ in range(30_000)
    )
    return sorted(texts)


TEXTS = _texts()


@pytest.mark.parametrize("pattern", sorted(PLAIN_TESTS))
def test_a_plain_test_answers_as_its_pattern_or_not_at_all(pattern: str) -> None:
    plain, compiled = PLAIN_TESTS[pattern], re.compile(pattern)
    answered = [(text, plain(text)) for text in TEXTS if plain(text) is not None]
    assert [(t, a) for t, a in answered if a != bool(compiled.search(t))] == []
    assert sum(answer is True for _, answer in answered) > 20  # it takes the everyday shapes
    assert all(Pattern(pattern).found(t) == bool(compiled.search(t)) for t in TEXTS[:5000])


def test_a_cold_validate_compiles_no_schema_pattern() -> None:
    """The fields every MLflow model has (mlflow_version, model_uuid, utc_time_created,
    python_version, string dtypes) are checked without compiling their patterns."""
    code = (
        "import io, contextlib, re, sys\n"
        "seen = []\n"
        "original = re._compile\n"
        "def spy(pattern, flags):\n"
        "    frame = sys._getframe(1)\n"
        "    while frame and frame.f_code.co_filename.endswith(('re/__init__.py',)):\n"
        "        frame = frame.f_back\n"
        "    if frame and frame.f_code.co_filename.endswith('schema_validation.py'):\n"
        "        seen.append(pattern)\n"
        "    return original(pattern, flags)\n"
        "re._compile = spy\n"
        "from mlmodel_spec.cli import main\n"
        "for case in ('files-sklearn-complete', 'legacy-mlflow292-sklearn-ndarray'):\n"
        "    with contextlib.redirect_stdout(io.StringIO()):\n"
        f"        main(['validate', {str(CASES / 'valid')!r} + '/' + case])\n"
        "print(seen)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
