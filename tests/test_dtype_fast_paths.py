"""The string code that reads dtypes, versions and signature JSON answers what its regex does.

Each fast path keeps its regular expression as a string constant beside it (the authority for
input outside the subset it reads itself); here both answer the same strings: (a) every
string of the repository's fixtures (MLmodel signatures, test sources, pickled dtypes), (b)
the dtype strings numpy makes, (c) strings generated from a tricky alphabet (byte orders,
brackets, blanks, ``\\x1c``, the Unicode digits U+0661 and U+00B2, which ``str.isdigit``
takes and ``[0-9]`` does not), with a fixed seed. And a cold process that parses the everyday
dtypes compiles none of the patterns.
"""

from __future__ import annotations

import contextlib
import json
import pickletools
import random
import re
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance import example_values, numpy_dtype, signature_model
from mlmodel_spec.conformance.rules import signature
from mlmodel_spec.conformance.safety import joblib_layout

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"

# -- the inputs ----------------------------------------------------------------------------

#: a quoted string of a source or data file: the fixtures' dtypes, types and versions
_QUOTED = re.compile(r""""([^"\\\n]{0,40})"|'([^'\\\n]{0,40})'""")
_TEXT_SUFFIXES = (".py", ".json", ".yaml", ".yml", ".txt", ".md", "")


def _fixture_texts() -> Iterator[str]:
    for path in sorted(TESTS.rglob("*")):
        if not path.is_file() or path.suffix not in _TEXT_SUFFIXES or path.stat().st_size > 2e6:
            continue
        try:
            yield path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue


def _signature_strings() -> Iterator[str]:
    """The JSON text of every signature field of the MLmodel files, and each string in it."""
    import yaml

    for path in sorted(TESTS.glob("cases/**/MLmodel")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError):
            continue
        if not isinstance(data, dict):
            continue
        if isinstance(data.get("mlflow_version"), str):
            yield data["mlflow_version"]
        sig = data.get("signature")
        for raw in sig.values() if isinstance(sig, dict) else ():
            if isinstance(raw, str):
                yield raw
                with contextlib.suppress(ValueError):
                    yield from _strings_in(json.loads(raw))


def _strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings_in(item)


def _pickled_strings() -> Iterator[str]:
    """Short strings of the pickles under tests/ (the dtype specs joblib wraps among them)."""
    for path in sorted(TESTS.rglob("*")):
        if path.suffix not in (".pkl", ".joblib", ".cloudpickle") or path.stat().st_size > 2e6:
            continue
        with contextlib.suppress(Exception):  # compressed, or raw array bytes after a BUILD
            for _, arg, _ in pickletools.genops(path.read_bytes()):
                if isinstance(arg, str) and len(arg) <= 16:
                    yield arg


def _fixture_strings() -> list[str]:
    found = set(_signature_strings()) | set(_pickled_strings())
    for text in _fixture_texts():
        found.update(a or b for a, b in _QUOTED.findall(text))
    return sorted(found)


def _numpy_strings() -> list[str]:
    """The names numpy registers, and each dtype's str, name, char and pickled spec, with
    byte orders and sizes; datetime and timedelta with every unit, count and divisor."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a test dependency
        return []
    found: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key in np.sctypeDict:
            if isinstance(key, str):
                found.add(key)
        dtypes = [np.dtype(t) for t in set(np.sctypeDict.values())]
        dtypes += [np.dtype(f"{kind}{size}") for kind in "SUV" for size in (0, 1, 5, 10, 64)]
        units = ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"]
        units += ["generic", "xx", ""]
        for base in ("M8", "m8", "datetime64", "timedelta64"):
            for unit in units:
                metas = [f"[{unit}]", f"[25{unit}]", f"[{unit}/2]", f"[ 3{unit}/ +7]"]
                found.update(base + meta for meta in metas)
                found.update("<>|="[i] + base + metas[0] for i in range(4))
        dtypes += [np.dtype("M8[ns]"), np.dtype("m8[25ms]"), np.dtype("i4,f8")]
        for dtype in dtypes:
            spec = dtype.__reduce__()[1][0]
            sized = f"{dtype.kind}{dtype.itemsize}"
            found.update((dtype.str, dtype.name, dtype.char, spec, sized, str(dtype)))
            for order in "<>|=":
                found.update((order + dtype.char, order + sized, order + spec))
            for size in (0, 1, 2, 3, 4, 8, 12, 16, 32, 128):
                found.add(f"{dtype.char}{size}")
    found.update(("(2,)f8", "3f8", "i4, f8", "f8,", "(2,3)<i4", "2T", "(2,)T", "T", "a", "a5"))
    return sorted(found)


_ALPHABET = [
    *"abfiuOSUVTMmcdeg?tlnoxs", *"0123456789", *"<>|=[](),:. T", "\t", "\n", "\x1c", "\xa0",
    "+", "-", "/", "_", "\u0661", "\u00b2", "int", "float", "64", "datetime64", "ns", "[ns]", "a",
]  # fmt: skip


#: pieces of numpy's grammar, so that many generated strings are dtypes
_GRAMMAR = [
    *"<>|=", *"0123456789", *",()[]/+ ", *"?bBhHiIlLqQnNpPefdgFDGOSacUVMmTux", "\t",
    "\u0661", "\u00b2", "float", "int", "uint", "complex", "datetime64", "timedelta64", "M8",
    "m8", "str", "half", "bytes", "object", "void", "bool", "8", "16", "32", "64", "128",
    *numpy_dtype.DATETIME_UNITS, "generic", "[ns]", "[25ms]", "[D/7]", "(2,)", "(2,3)",
    "[ 3s/ +4]",
]  # fmt: skip


def _generated_strings(count: int = 6000, seed: int = 20240611) -> list[str]:
    rng = random.Random(seed)
    found = ["".join(rng.choices(_ALPHABET, k=rng.randint(0, 10))) for _ in range(count)]
    found += ["".join(rng.choices(_GRAMMAR, k=rng.randint(1, 5))) for _ in range(count)]
    return found


FIXTURES = _fixture_strings()
NUMPY = _numpy_strings()
GENERATED = _generated_strings()
EVERYTHING = sorted({*FIXTURES, *NUMPY, *GENERATED})


def test_the_inputs_hold_the_everyday_strings() -> None:
    fixtures, numpy_made = set(FIXTURES), set(NUMPY)
    assert {"int64", "float32", "double", "long", "binary", "string", "a"} <= fixtures
    assert {"3.17.2", "2.9.2", "float32[ns]", "<f4"} <= fixtures
    assert len(FIXTURES) > 1000
    if NUMPY:
        assert {"<f8", "|b1", "<U10", "object", "bool", "str", "datetime64[ns]", "O8"} <= numpy_made
        assert len(NUMPY) > 500


# -- each fast path against its pattern ------------------------------------------------


def _outcome(function: Callable[[str], Any], text: str) -> tuple[str, Any]:
    try:
        return "value", function(text)
    except Exception as exc:  # the answer includes the exception and its message
        return type(exc).__name__, str(exc)


def _disagreements(
    fast: Callable[[str], Any], regex: Callable[[str], Any], texts: list[str]
) -> list[tuple[str, Any, Any]]:
    wrong = []
    for text in texts:
        ours, theirs = _outcome(fast, text), _outcome(regex, text)
        if ours != theirs:
            wrong.append((text, ours, theirs))
    return wrong[:10]


def _mutations(words: list[str]) -> list[str]:
    """Each word with a character left out, doubled, or one of the alphabet added."""
    found = set(words)
    for word in words:
        for i in range(len(word) + 1):
            found.add(word[:i] + word[i + 1 :])
            found.add(word[:i] + word[i : i + 1] * 2 + word[i + 1 :])
            found.update(word[:i] + extra + word[i:] for extra in ("1", "a", " ", "\n", "\u0661"))
    return sorted(found)


def _plain_unit_by_regex(metadata: str) -> bool:
    match = re.fullmatch(numpy_dtype._METADATA, metadata)
    return (
        match is not None
        and match["num"] is None
        and match["den"] is None
        and match["unit"] in (*numpy_dtype.DATETIME_UNITS, "generic")
    )


#: each fast path of numpy_dtype, and what its pattern answers
_NUMPY_DTYPE_BY_REGEX: dict[str, Callable[[str], Any]] = {
    "_without_brackets": lambda t: re.sub(numpy_dtype._BRACKETS, "", t),
    "_has_a_alias": lambda t: re.search(numpy_dtype._A_ALIAS, t) is not None,
    "_has_shaped_t": lambda t: re.search(numpy_dtype._SHAPED_T, t) is not None,
    # as it was called: `_STRTOL.fullmatch(body, 1)`
    "_is_strtol_number": lambda t: (
        re.compile(numpy_dtype._STRTOL).fullmatch("f" + t, 1) is not None
    ),
    "_is_plain_unit": _plain_unit_by_regex,
}


@pytest.mark.parametrize("texts", [FIXTURES, NUMPY, GENERATED], ids=["fixtures", "numpy", "gen"])
def test_numpy_dtype_pieces_match_their_patterns(texts: list[str]) -> None:
    bodies = [*texts, *(t[1:] for t in texts)]
    metadata = [f"[{t}]" for t in texts] + [t[t.find("[") :] for t in texts if "[" in t]
    for name, by_regex in _NUMPY_DTYPE_BY_REGEX.items():
        fast = getattr(numpy_dtype, name)
        assert not _disagreements(fast, by_regex, bodies), name
        assert not _disagreements(fast, by_regex, metadata), name


@contextlib.contextmanager
def _numpy_dtype_by_regex() -> Iterator[None]:
    """``numpy_dtype`` as it was: every fast path replaced by its pattern."""
    with pytest.MonkeyPatch.context() as patch:
        for name, by_regex in _NUMPY_DTYPE_BY_REGEX.items():
            patch.setattr(numpy_dtype, name, by_regex)
        patch.setattr(numpy_dtype, "_is_plain_unit", lambda _: False)  # no shortcut: all by regex
        yield


@pytest.mark.parametrize("texts", [FIXTURES, NUMPY, GENERATED], ids=["fixtures", "numpy", "gen"])
def test_numpy_dtype_parse_answers_as_by_its_patterns(texts: list[str]) -> None:
    ours = [_outcome(numpy_dtype.parse, t) for t in texts]
    with _numpy_dtype_by_regex():
        theirs = [_outcome(numpy_dtype.parse, t) for t in texts]
    wrong = [(t, a, b) for t, a, b in zip(texts, ours, theirs, strict=True) if a != b]
    assert not wrong[:10]


def _old_dtype_name(text: str) -> bool:
    return re.fullmatch(signature._DTYPE_NAME, text) is not None


def test_the_names_mlflow_writes_are_the_language_of_the_pattern() -> None:
    names = sorted(signature._DTYPE_NAMES)
    assert len(names) == 50 and all(_old_dtype_name(n) for n in names)
    texts = [*EVERYTHING, *_mutations(names)]
    assert not _disagreements(signature._is_mlflow_dtype_name, _old_dtype_name, texts)


def _old_major_minor(text: str) -> tuple[int, int] | None:
    match = re.match(r"\s*(\d+)\.(\d+)", text)  # the pattern signature.py read it with
    return (int(match.group(1)), int(match.group(2))) if match else None


def _versions(count: int = 6000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    pieces = [
        *"0123456789",
        ".",
        ".",
        " ",
        "\t",
        "\n",
        "\x1c",
        "\xa0",
        "\u0661",
        "\u00b2",
        "rc",
        "dev",
    ]
    return ["".join(rng.choices(pieces, k=rng.randint(0, 8))) for _ in range(count)]


def test_the_writer_version_reads_as_by_its_pattern() -> None:
    texts = [*EVERYTHING, *_versions(), *_mutations(["2.9.2", "3.17.2", " 1.30.0", "2.8.1.dev0"])]
    assert not _disagreements(signature._major_minor, _old_major_minor, texts)


def _old_int_bounds(dtype: str) -> tuple[int, int] | None:
    match = re.fullmatch(example_values._INT_DTYPE, dtype)
    if match is None:
        return None
    bits = int(match.group(2))
    if match.group(1):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


def test_integer_bounds_are_the_language_of_the_pattern() -> None:
    names = sorted(example_values._INT_BOUNDS)
    assert len(names) == 8
    texts = [*EVERYTHING, *_mutations(names)]
    assert not _disagreements(example_values._int_bounds, _old_int_bounds, texts)


def _old_kind_and_digits(spec: str) -> tuple[str, str] | None:
    match = re.match(joblib_layout._DTYPE, spec)
    return (match.group(1), match.group(2)) if match else None


def test_joblib_dtype_specs_read_as_by_their_pattern() -> None:
    assert not _disagreements(joblib_layout._kind_and_digits, _old_kind_and_digits, EVERYTHING)


def _json_texts(count: int = 1500, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    pieces = [" ", " ", "\t", "\n", "\r", "\x0b", "\xa0", "[", "]", "{", "}", ",", ":", '"a"', "1"]
    generated = ["".join(rng.choices(pieces, k=rng.randint(0, 12))) for _ in range(count)]
    signatures = [t for t in FIXTURES if t[:1] in ("[", "{")]
    return [*signatures, *generated]


def test_json_whitespace_is_skipped_as_by_its_pattern() -> None:
    whitespace = re.compile(signature_model._WHITESPACE)
    wrong = []
    for text in _json_texts():
        for pos in range(-2, len(text) + 3):
            match = whitespace.match(text, pos)
            expected = match.end() if match else pos
            if signature_model._skip(text, pos) != expected:
                wrong.append((text, pos))
    assert not wrong[:10]


# -- a cold start compiles none of them ------------------------------------------------

_COLD = r"""
import json, re, sys
compiler = getattr(re, "_compiler", None) or __import__("sre_compile")
compiled = []
real = compiler.compile


def spy(pattern, flags=0):
    # frames, not traceback.extract_stack: reading source lines imports tokenize, whose own
    # patterns would come back here half imported (Python 3.13)
    frame = sys._getframe(1)
    while frame is not None and (
        frame.f_code.co_filename.startswith(OWN_RE) or "sre_" in frame.f_code.co_filename
    ):
        frame = frame.f_back
    compiled.append([str(pattern), frame.f_code.co_filename if frame is not None else "?"])
    return real(pattern, flags)


OWN_RE = re.__file__.rsplit("/", 1)[0] + "/" if re.__file__.endswith("__init__.py") else re.__file__
compiler.compile = spy
from mlmodel_spec.conformance import numpy_dtype, example_values, signature_model
from mlmodel_spec.conformance.rules import signature
from mlmodel_spec.conformance.safety import joblib_layout

for text in DTYPES:
    parsed = numpy_dtype.parse(text)
    signature._is_mlflow_dtype_name(text)
    example_values._int_bounds(text)
    example_values.tensor_leaf_problem(3, text)
for text in NOT_DTYPES:
    assert not numpy_dtype.accepts(text), text
for text in SPECS:
    joblib_layout._kind_and_digits(text)
for version in ("3.17.2", "2.9.2", "2.22.5", "1.30.0", "2.8.1.dev0"):
    signature._major_minor(version)
for raw in SIGNATURES:
    signature_model.decode_json_text(raw)
    signature_model.locate_json(raw, "/0/type")
    signature_model.locate_json(raw, "/1/tensor-spec/shape/1")
print(json.dumps(compiled))
"""
EVERYDAY_DTYPES = [
    *("int8", "int16", "int32", "int64", "uint8", "uint64", "float16", "float32", "float64"),
    *("bool", "str", "bytes", "object", "double", "long", "float", "int", "complex128"),
    *("datetime64", "datetime64[ns]", "datetime64[ms]", "timedelta64[s]", "<M8[ns]", "M8"),
    *("<f8", "<f4", ">f8", "=i8", "|b1", "|u1", "<i8", "<U10", "|S3", "|O", "O8", "?", "f8"),
]
#: what a column type or a typo gives numpy_dtype: refused without a pattern
EVERYDAY_NOT_DTYPES = ("binary", "string", "integer", "boolean", "datetime", "float32[ns]")
EVERYDAY_SIGNATURES = [
    '[{"type": "double", "name": "a", "required": true}, {"type": "long", "name": "b", '
    '"required": false}]',
    '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 4]}}]',
    '[{"name": "k", "type": "integer", "default": 3, "shape": null}]',
    '[{"type": "array", "items": {"type": "string"}, "name": "tags", "required": true}]',
]


def test_a_cold_start_compiles_no_dtype_pattern() -> None:
    """Parsing the everyday dtypes, versions and signatures in a fresh process compiles
    nothing in these modules, at import or on use (an import-time compile fails it)."""
    code = (
        f"DTYPES = {EVERYDAY_DTYPES!r}\nNOT_DTYPES = {EVERYDAY_NOT_DTYPES!r}\n"
        f"SPECS = {['<f8', '|b1', '<U10', 'O8', 'i8', 'M8', '|V16', 'f4']!r}\n"
        f"SIGNATURES = {EVERYDAY_SIGNATURES!r}\n" + _COLD
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    compiled = json.loads(out.splitlines()[-1])
    patterns = {
        *(numpy_dtype._STRTOL, numpy_dtype._METADATA, numpy_dtype._FORMAT),
        *(numpy_dtype._SEPARATOR, numpy_dtype._TRAILING_SPACE, numpy_dtype._SHAPED_T),
        *(numpy_dtype._A_ALIAS, numpy_dtype._BRACKETS, example_values._INT_DTYPE),
        *(signature._DTYPE_NAME, signature_model._WHITESPACE),
        joblib_layout._DTYPE,
    }
    owners: tuple[str, ...] = ("/numpy_dtype.py", "/rules/signature.py", "/example_values.py")
    owners += ("/signature_model.py", "/safety/joblib_layout.py")
    assert [p for p, _ in compiled if p in patterns] == []
    assert [(p, f) for p, f in compiled if f.endswith(owners)] == []


def test_the_spy_sees_a_compile() -> None:
    """The cold-start test's spy is live: a fallback pattern it is shown is recorded."""
    code = "DTYPES = ['(2,)f8']\nNOT_DTYPES = []\nSPECS = ['<f\u0661']\nSIGNATURES = []\n" + _COLD
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    compiled = {p for p, _ in json.loads(out.splitlines()[-1])}
    assert {numpy_dtype._FORMAT, joblib_layout._DTYPE} <= compiled


def test_nan_and_finite_tests_are_maths() -> None:
    """``example_values`` tests floats without importing ``math``: the same answers."""
    import math
    import sys

    from mlmodel_spec.conformance import example_values

    floats = [0.0, -0.0, 1.5, -2.0, 1e308, -1e308, 5e-324, sys.float_info.max]
    floats += [math.inf, -math.inf, math.nan, -math.nan, float("nan")]
    for value in floats:
        assert example_values._is_nan(value) == math.isnan(value), value
        assert example_values._is_finite(value) == math.isfinite(value), value
