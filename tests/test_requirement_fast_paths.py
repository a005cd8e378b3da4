"""The string fast paths of the requirement and version readers agree with their regexes.

``conformance/pep508.py``, ``version_keys.py``, ``requirement_lines.py``, ``rules/environment.py``
and ``rules/versions.py`` read the everyday strings (``mlflow==3.17.2``, ``python=3.11.7``,
``1.9.1.post1``) with str methods and keep each regular expression, as a string constant, for
what that code does not recognise. Here the code that used the regex (written out again
below, on the module's constant) is the oracle: on every line of the case files and on many
generated strings, a fast path gives the oracle's answer or declines (``None``), never
another answer; the public functions always give the oracle's answer. A cold process, last,
compiles none of these regexes for everyday input.
"""

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance import pep508, requirement_lines, version_keys
from mlmodel_spec.conformance.rules import environment, versions

CASES = Path(__file__).parent / "cases"
ENV_FILES = ("requirements.txt", "constraints.txt", "conda.yaml", "python_env.yaml", "MLmodel")

# -- the oracles: the code as it was, on the module's regex -----------------------------------


def old_canonical_name(name: str) -> str:
    return re.sub(pep508._NORMALISE_PATTERN, "-", name).lower()


def old_parse_simple(text: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    match = re.fullmatch(pep508.SIMPLE_REQUIREMENT_PATTERN, text)
    if match is None:
        return None
    specs = match.group("specs")
    pairs = tuple(
        (m.group(1), m.group(2)) for m in re.finditer(pep508._ONE_SPEC_PATTERN, specs or "")
    )
    name = match.group("name")
    return name, old_canonical_name(name), pairs


def old_version_groups(text: str) -> tuple[str | None, ...] | None:
    match = re.fullmatch(version_keys.FAST_VERSION_PATTERN, text)
    return match.groups() if match else None


def old_local_parts(text: str) -> list[str]:
    return re.split(r"[._-]", text)


def old_url_scheme(text: str) -> str | None:
    match = re.match(requirement_lines._URL_SCHEME, text)
    return match.group(1) if match else None


def old_conda_package(spec: str) -> str:
    match = re.match(environment._CONDA_NAME, spec)
    return match.group("name").lower() if match else ""


def old_mlflow_conda_dep(spec: str) -> tuple[str | None, ...] | None:
    match = re.match(environment.MLFLOW_CONDA_DEP_PATTERN, spec)
    return match.group("package", "operator", "version") if match else None


def old_is_unpinned_python(spec: str) -> bool:
    return re.fullmatch(environment._UNPINNED_PYTHON, spec) is not None


def old_conda_version_spec(spec: str) -> tuple[str, str] | None:
    match = re.fullmatch(versions._CONDA_SPEC, spec) if len(spec) <= 256 else None
    if match is None:
        return None
    op = match.group("op").strip() or "="
    if match.group("star"):
        op = "=" if op in ("=", "==") else op
    return op, match.group("version").rstrip(".")


def old_numbers(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text))


def old_is_major_minor(text: str) -> bool:
    return re.fullmatch(r"\d+\.\d+", text) is not None


def outcome(function: Callable[[str], Any], text: str) -> Any:
    """What ``function(text)`` gives, or the type of what it raises (int() of '²' raises)."""
    try:
        return function(text)
    except ValueError as exc:
        return type(exc)


def fast_version_spec(spec: str) -> tuple[str, str] | None:
    """The fast path of ``conda_version_spec`` alone (``None``: it declines)."""
    if len(spec) > environment.MAX_SPEC_CHARS or not environment.is_plain_spec(spec):
        return None
    found = versions._plain_conda_version_spec(spec)
    if found is None:
        return None
    op, version, star = found
    op = op or "="
    return ("=" if star and op in ("=", "==") else op), version


def fast_requirement(text: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    found = pep508._everyday_requirement(text)
    return None if found is None else (found[0], pep508.canonical_name(found[0]), found[1])


def public_requirement(text: str) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    found = pep508.parse_simple(text)
    return None if found is None else (found.name, found.key, found.specifiers)


#: (name, fast path, public function, oracle). A fast path answers the everyday shapes and
#: declines (``None``) the rest; the ones in TOTAL answer everything (their str code reads all
#: ASCII or plain input, and the function hands the rest to the regex itself).
FastPath = tuple[str, Callable[[str], Any], Callable[[str], Any], Callable[[str], Any]]
FAST_PATHS: list[FastPath] = [
    ("parse_simple", fast_requirement, public_requirement, old_parse_simple),
    ("canonical_name", pep508.canonical_name, pep508.canonical_name, old_canonical_name),
    (
        "version groups",
        version_keys._canonical_groups,
        version_keys._groups,
        old_version_groups,
    ),
    ("url scheme", requirement_lines._url_scheme, requirement_lines._url_scheme, old_url_scheme),
    ("conda_package", environment.conda_package, environment.conda_package, old_conda_package),
    (
        "MLFLOW_CONDA_DEP",
        environment.mlflow_conda_dep,
        environment.mlflow_conda_dep,
        old_mlflow_conda_dep,
    ),
    (
        "unpinned python",
        environment._is_unpinned_python,
        environment._is_unpinned_python,
        old_is_unpinned_python,
    ),
    (
        "conda_version_spec",
        fast_version_spec,
        versions.conda_version_spec,
        old_conda_version_spec,
    ),
    ("release numbers", versions._numbers, versions._numbers, old_numbers),
    ("major.minor", versions._is_major_minor, versions._is_major_minor, old_is_major_minor),
]
#: fast paths that answer (never decline) for every input, by deferring to the regex inside
TOTAL = {
    "canonical_name",
    "url scheme",
    "conda_package",
    "MLFLOW_CONDA_DEP",
    "unpinned python",
    "release numbers",
    "major.minor",
}


#: where a declining fast path still answers whenever the regex matches (it reads the whole
#: grammar there): requirements written with the everyday characters, and every version
COMPLETE: dict[str, Callable[[str], bool]] = {
    "parse_simple": pep508._EVERYDAY_CHARS.issuperset,
    "version groups": lambda text: True,
}


def disagreements(texts: Iterable[str]) -> list[tuple[str, str, Any, Any]]:
    """(fast path, text, its answer, the oracle's) wherever a fast path answers otherwise
    than the oracle (or declines where it should answer), or a public function differs."""
    found: list[tuple[str, str, Any, Any]] = []
    for text in texts:
        for name, fast, public, oracle in FAST_PATHS:
            expected = outcome(oracle, text)
            quick = outcome(fast, text)
            must_answer = name in TOTAL or (
                name in COMPLETE and expected is not None and COMPLETE[name](text)
            )
            if quick != expected and (must_answer or quick is not None):
                found.append((name, text, quick, expected))
            answer = outcome(public, text)
            if answer != expected:
                found.append((f"{name} (public)", text, answer, expected))
    return found


def assert_agree(texts: Iterable[str]) -> int:
    count = 0

    def counted() -> Iterator[str]:
        nonlocal count
        for text in texts:
            count += 1
            yield text

    found = disagreements(counted())
    assert not found, found[:20]
    return count


# -- (a) the lines of the case files ------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,;@\[\]'\"()]+|(?:===|==|!=|<=|>=|~=|<|>|=)")


def corpus() -> list[str]:
    """Every line of the cases' environment files, stripped, as a YAML list entry or value,
    as pip's argument part, and every word and version of it."""
    lines: set[str] = set()
    for name in ENV_FILES:
        for path in CASES.rglob(name):
            text = path.read_bytes().decode("utf-8", "replace")
            for raw in text.splitlines():
                stripped = raw.strip()
                entry = stripped.removeprefix("- ").strip()
                value = stripped.partition(":")[2].strip()
                lines.update((raw, stripped, entry, value, stripped.split(" #")[0].strip()))
                for line in (entry, value):
                    lines.add(requirement_lines._break_args_options(line)[0])
                    lines.update(_SEPARATORS.split(line))
    return sorted(lines)


def conda_dependencies() -> list[str]:
    """The conda specs of the cases' conda.yaml files (``- python=3.11.7``)."""
    specs = set()
    for path in CASES.rglob("conda.yaml"):
        for raw in path.read_bytes().decode("utf-8", "replace").splitlines():
            if raw.startswith("- ") and not raw.startswith("- pip:"):
                specs.add(raw[2:].strip())
    return sorted(specs)


def test_the_case_files_have_the_everyday_lines() -> None:
    lines = set(corpus())
    assert len(lines) > 300
    assert {
        "mlflow==3.17.2",
        "python=3.11.7",
        "pip<=23.2.1",
        "3.11.7",
        "-r requirements.txt",
    } <= lines


def test_fast_paths_agree_on_the_case_files() -> None:
    assert assert_agree(corpus()) > 300


def test_fast_paths_answer_the_everyday_lines_of_the_case_files() -> None:
    """Lines MLflow writes take the fast path: no regex is needed for them."""
    lines = corpus()
    requirements = [t for t in lines if old_parse_simple(t) is not None]
    conda_pins = [t for t in conda_dependencies() if old_conda_version_spec(t) is not None]
    versions_ = [t for t in lines if old_version_groups(t) is not None]
    assert len(requirements) > 50 and len(conda_pins) > 10 and len(versions_) > 50
    assert [t for t in requirements if t.isascii() and fast_requirement(t) is None] == []
    assert [t for t in versions_ if t.isascii() and version_keys._canonical_groups(t) is None] == []
    declined = [t for t in conda_pins if fast_version_spec(t) is None]
    assert declined == [], declined


EVERYDAY_REQUIREMENTS = [
    "mlflow==3.17.2",
    "scikit-learn==1.9.1",
    "numpy<2,>=1.24",
    "pandas[performance] >= 2.0, <4",
    "cloudpickle==3.1.3",
    "mlflow",
    "a~=1.4",
    "a==1.0.*",
]
EVERYDAY_VERSIONS = ["3.17.2", "1.9.1", "1.9.1.post1", "2.0rc1", "1.0.dev3", "2.13.0+cpu", "3.11"]
EVERYDAY_CONDA = [
    "python=3.11.7",
    "python==3.11.7",
    "python 3.11",
    "python=3.11.*",
    "python=3.11.7=h955ad1f_0",
    "python 3.11.7 h955ad1f_0",
    "pip<=24.0",
    "pip<=23.2.1",
    "setuptools==65.5.0",
    "conda-forge::numpy=1.26",
    "scikit-learn=1.9.1",
    "python>=3.8",
]


@pytest.mark.parametrize("text", EVERYDAY_REQUIREMENTS)
def test_everyday_requirements_take_the_string_path(text: str) -> None:
    assert fast_requirement(text) == old_parse_simple(text) != None  # noqa: E711


@pytest.mark.parametrize("text", EVERYDAY_VERSIONS)
def test_everyday_versions_take_the_string_path(text: str) -> None:
    assert version_keys._canonical_groups(text) == old_version_groups(text) != None  # noqa: E711


@pytest.mark.parametrize("spec", EVERYDAY_CONDA)
def test_everyday_conda_specs_take_the_string_path(spec: str) -> None:
    assert environment.is_plain_spec(spec)
    assert fast_version_spec(spec) == old_conda_version_spec(spec) != None  # noqa: E711


# -- (b) generated strings ----------------------------------------------------------------------

ARABIC_ONE = "\u0661"  # a digit to str.isdigit() and to \d, not to [0-9]
SUPERSCRIPT_TWO = "\u00b2"  # a digit to str.isdigit(), not to \d or [0-9]; int() refuses it
FULLWIDTH_A, FULLWIDTH_P = "\uff21", "\uff50"  # letters to str.isalnum(), not to [A-Za-z]
DOTTED_I, DOTLESS_I, KELVIN = "\u0130", "\u0131", "\u212a"  # lower() and case folding oddities
#: characters that trip up str methods standing in for regexes ('\x1c' and '\xa0' are
#: whitespace to \s and str.isspace(), '\x0b' is not a blank for pip's split(" "))
UNICODE = [ARABIC_ONE, SUPERSCRIPT_TWO, FULLWIDTH_A, FULLWIDTH_P, DOTTED_I]
TRICKY = [*"aAzZpy019", *".-_=<>!~*,;[] :@/+|", "\t", "\n", "\x1c", "\xa0", *UNICODE]


def exhaustive(alphabet: list[str], max_length: int) -> Iterator[str]:
    for length in range(max_length + 1):
        for parts in itertools.product(alphabet, repeat=length):
            yield "".join(parts)


def randomly(alphabet: list[str], count: int, max_parts: int, seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    for _ in range(count):
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(0, max_parts)))


def test_fast_paths_agree_on_every_short_string_of_tricky_characters() -> None:
    assert assert_agree(exhaustive(TRICKY, 3)) > 40_000


REQUIREMENT_PARTS = [
    *(
        "a",
        "A",
        "x1",
        "scikit-learn",
        "Foo_Bar.baz",
        "a-",
        "-x",
        "a..b",
        FULLWIDTH_A,
        DOTLESS_I,
        KELVIN,
    ),
    *(
        "0",
        "1",
        "12",
        "1.0",
        "2.0.0",
        ".",
        "-",
        "_",
        ARABIC_ONE,
        SUPERSCRIPT_TWO,
        "rc1",
        "a1",
        "b2",
        ".post1",
    ),
    *(".dev0", "post", "dev", "+local", "!", "1!", "v"),
    *("==", "!=", "<=", ">=", "~=", "<", ">", "===", "=", "~", "*", ".*", ",", ", ", ";"),
    *("[", "]", "[x]", " ", "  ", "\t", "\n", "\x0b", "\xa0", "\u2003", ":", "@", "/"),
]
CONDA_PARTS = [
    *("python", "pip", "setuptools", "wheel", "numpy", "conda-forge", "Python", "py"),
    *("::", ":", "=", "==", "<", ">", "<=", ">=", "!=", "!", "*", ".*", ".", "3", "11", "0"),
    *(
        " ",
        "  ",
        "\t",
        ",",
        "|",
        "h955ad1f_0",
        "_",
        "-",
        "a",
        "rc",
        ARABIC_ONE,
        SUPERSCRIPT_TWO,
        "\uff30",
        "\n",
    ),
    *("\r", "\x1c", "\xa0", "3.11.7", "=h1"),
]
VERSION_PARTS = [
    *("0", "1", "12", "007", ".", "a", "b", "rc", "c", ".post", "post", ".dev", "dev", "+"),
    *(
        "local",
        "cu118",
        "CPU",
        "_",
        "-",
        "*",
        ".*",
        "!",
        "v",
        " ",
        ARABIC_ONE,
        SUPERSCRIPT_TWO,
        FULLWIDTH_A,
        "\n",
    ),
]
URL_PARTS = [*"aZ0+.-:/@ _", "\u00e9", ARABIC_ONE, "git+https", "file", "http", "://"]


@pytest.mark.parametrize(
    ("alphabet", "length"),
    [(REQUIREMENT_PARTS, 2), (CONDA_PARTS, 2), (VERSION_PARTS, 3), (URL_PARTS, 3)],
    ids=["requirement", "conda", "version", "url"],
)
def test_fast_paths_agree_on_every_short_sequence_of_parts(
    alphabet: list[str], length: int
) -> None:
    assert assert_agree(exhaustive(alphabet, length)) > 1_000


@pytest.mark.parametrize(
    ("alphabet", "seed"),
    [(REQUIREMENT_PARTS, 1), (CONDA_PARTS, 2), (VERSION_PARTS, 3), (URL_PARTS, 4), (TRICKY, 5)],
    ids=["requirement", "conda", "version", "url", "tricky"],
)
def test_fast_paths_agree_on_random_sequences_of_parts(alphabet: list[str], seed: int) -> None:
    assert assert_agree(randomly(alphabet, 6_000, 10, seed)) == 6_000


def well_formed(rng: random.Random) -> str:
    """A requirement, conda spec or version of the everyday shapes, with one part changed."""
    version = ".".join(str(rng.randint(0, 20)) for _ in range(rng.randint(1, 4)))
    version += rng.choice(
        ["", "", "rc1", "a2", "b0", ".post1", ".dev3", "rc1.post2.dev3", ".*", "*"]
    )
    version += rng.choice(["", "", "", "+cpu", "+cu118.1", "=h955ad1f_0", " h1_0"])
    name = rng.choice(["mlflow", "scikit-learn", "python", "pip", "conda-forge::numpy", "a_b.c"])
    op = rng.choice(["==", "=", "<=", ">=", "<", ">", "!=", "~=", " ", ""])
    pieces = [name, op, version]
    if rng.random() < 0.3:
        pieces.insert(1, rng.choice(["[x]", " [x, y] ", " "]))
    if rng.random() < 0.3:
        pieces.append(rng.choice([",<3", ", >=1.0", " ; python_version<'3'", ",", " "]))
    text = "".join(pieces)
    if rng.random() < 0.5:  # one character replaced, inserted or dropped
        at = rng.randrange(len(text) + 1)
        extra = rng.choice(TRICKY)
        text = rng.choice([text[:at] + extra + text[at + 1 :], text[:at] + extra + text[at:]])
    return rng.choice([text, version, text.strip()])


CONDA_SHAPES = [
    ["", " ", "conda-forge::", "a:b::", "c d::", "::"],
    ["python", "pip", "wheel", "setuptools", "numpy", "Python", "pythonx", "py-thon", ""],
    ["", " ", "\t"],
    ["", "=", "==", "<", ">", "<=", ">=", "!=", "=<", "<>", "~=", "==="],
    ["", " "],
    [
        *("", "3", "3.11", "3.11.7", "3.", "3..1", "3.11.*", "3.11*", "3.*.1", "3.11a", ".3"),
        *("3.1,<4", "3|4", ARABIC_ONE, "3" + SUPERSCRIPT_TWO, "3.11.7=h955ad1f_0", "3.11 h1"),
        *("3.11 h1 x", "3.11=", "3.11= x", "3.11==1", "3:1", "3.11::x", "3.11=h:1::x", "*"),
    ],
    ["", " ", "\t", "\n", "\x0b", " #x"],
]


def test_fast_paths_agree_on_conda_shaped_specs() -> None:
    """Channel, name, blanks, operator, version, build: a sample of their combinations."""
    rng = random.Random(3_11_7)
    combinations = list(itertools.product(*CONDA_SHAPES))
    assert assert_agree("".join(c) for c in rng.sample(combinations, 15_000)) == 15_000


REQUIREMENT_SHAPES = [
    ["", " ", "\t", "\xa0"],
    ["mlflow", "scikit-learn", "a", "a.", "-a", "Foo_Bar.baz", FULLWIDTH_A + "b"],
    ["", " ", "[x]", "[x,y]", " [ x , y ] ", "[]", "[x,]", "[x", "[-x]", "x]"],
    ["", " ", "\t", "\n"],
    ["", "==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "=="],
    ["", " ", "\t"],
    [
        *("", "1", "1.9.1", "1.0.*", "1.*", "1.0.*.1", "2.0rc1", "1.0a1.post2.dev3", "1.9.1.post1"),
        *("1.", "1..0", "1.0+cpu", "1!2", "v1", "1_0", "1" + SUPERSCRIPT_TWO, ARABIC_ONE, "rc1"),
    ],
    ["", ",<2", ", >=1.24", " ,  ~=1.4 ", ",", ", ", " ; python_version<'3'", " @ x"],
    ["", " ", "\t", "\n"],
]


def test_fast_paths_agree_on_requirement_shaped_strings() -> None:
    """Name, extras, operator, version, more specifiers: a sample of their combinations."""
    rng = random.Random(1_9_1)
    combinations = list(itertools.product(*REQUIREMENT_SHAPES))
    assert assert_agree("".join(c) for c in rng.sample(combinations, 20_000)) == 20_000


MLFLOW_DEP_SHAPES = [
    ["python", "pip", "wheel", "setuptools", "pipx", "py", " pip"],
    ["", "<", ">", "<=", ">=", "=", "==", "!=", "=<", "<>", "===", "!"],
    ["", "3", "3.11", ".", "3a", ARABIC_ONE, SUPERSCRIPT_TWO, "3 "],
    ["", "\n", " ", "\n\n"],
]


def test_fast_paths_agree_on_every_mlflow_dependency_shape() -> None:
    combinations = itertools.product(*MLFLOW_DEP_SHAPES)
    assert assert_agree("".join(c) for c in combinations) == 7 * 12 * 8 * 4


def test_fast_paths_agree_on_near_everyday_strings() -> None:
    rng = random.Random(20_260_501)
    assert assert_agree(well_formed(rng) for _ in range(20_000)) == 20_000


def test_local_labels_split_as_the_regex_splits_them() -> None:
    texts = list(exhaustive(["a", "1", ".", "_", "-", SUPERSCRIPT_TWO, DOTTED_I], 5))
    found = [t for t in texts if outcome(version_keys._local, t) != outcome(_old_local, t)]
    assert found == []


def _old_local(text: str) -> tuple[int | str, ...]:
    if not text:
        return ()
    return tuple(int(p) if p.isdigit() else p.lower() for p in old_local_parts(text))


def test_the_patterns_kept_still_compile() -> None:
    """The kept regexes are the authority for what the string code declines."""
    assert re.fullmatch(pep508.SIMPLE_REQUIREMENT_PATTERN, "a[b]==1") is not None
    assert re.match(environment.MLFLOW_CONDA_DEP_PATTERN, "python=3.11") is not None


# -- a cold process compiles none of these regexes --------------------------------------------

OURS = (
    "mlmodel_spec.conformance.pep508",
    "mlmodel_spec.conformance.version_keys",
    "mlmodel_spec.conformance.requirement_lines",
    "mlmodel_spec.conformance.rules.environment",
    "mlmodel_spec.conformance.rules.versions",
)
#: records every pattern handed to re (compiled or from re's cache) and the module asking
SPY = """
import contextlib, io, json, re, sys
_real_compile = re._compile
compiled = []

def _spy(pattern, flags=0):
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").split(".")[0] == "re":
        frame = frame.f_back
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    compiled.append([module, str(getattr(pattern, "pattern", pattern))])
    return _real_compile(pattern, flags)

re._compile = _spy
"""
EVERYDAY_RUN = """
from mlmodel_spec.cli import main
for case in CASE_DIRS:
    with contextlib.redirect_stdout(io.StringIO()):
        main(["validate", case])
from mlmodel_spec.conformance.pep508 import parse_pep508
from mlmodel_spec.conformance.requirement_lines import parse_entry, parse_text
from mlmodel_spec.conformance.version_keys import satisfies_pin, version_key
from mlmodel_spec.conformance.rules import environment, versions
parse_text("mlflow==3.17.2\\nscikit-learn==1.9.1\\nnumpy<2,>=1.24\\n-r requirements.txt\\n")
for text in REQUIREMENTS:
    parse_entry(text)
    parse_pep508(text)
for version in VERSIONS:
    version_key(version)
    satisfies_pin(version, "==", "1.9.1")
for spec in CONDA:
    environment.conda_package(spec)
    environment.mlflow_conda_dep(spec)
    environment._is_unpinned_python(spec)
    versions.conda_version_spec(spec)
versions.conda_satisfies("1.9.1", "=", "1.9")
versions.mlflow_pin_matches("2.4.1", "2.4")
versions.mlflow_pin_matches("3.17.2", "3.17.1")
everyday = [entry for entry in compiled if entry[0] in OURS]
del compiled[:]
parse_pep508("a==1 ; python_version<'3'")  # not an everyday form: the regex decides
environment.conda_package("\\u0661numpy")
print(json.dumps([everyday, [entry for entry in compiled if entry[0] in OURS]]))
"""


def test_a_cold_process_compiles_no_regex_of_these_modules_for_everyday_input() -> None:
    """Imports, a cold ``validate`` of models with requirements.txt, conda.yaml (with and
    without python_env.yaml), and the everyday strings: none of these modules hands re a
    pattern. The spy is shown to work on two strings the string code declines."""
    case_dirs = [
        str(CASES / "valid" / "files-sklearn-complete"),
        str(CASES / "valid" / "env-mlflow-1-13-conda-only"),
        str(CASES / "invalid" / "env-conda-deps-skipped-by-virtualenv"),
    ]
    assert all(Path(d, "MLmodel").is_file() for d in case_dirs)
    constants = (
        f"CASE_DIRS = {case_dirs!r}\nOURS = {OURS!r}\nREQUIREMENTS = {EVERYDAY_REQUIREMENTS!r}\n"
        f"VERSIONS = {EVERYDAY_VERSIONS!r}\nCONDA = {EVERYDAY_CONDA!r}\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", SPY + constants + EVERYDAY_RUN],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    everyday, unusual = json.loads(out.splitlines()[-1])
    assert everyday == []
    assert ["mlmodel_spec.conformance.pep508", pep508.SIMPLE_REQUIREMENT_PATTERN] in unusual
    assert ["mlmodel_spec.conformance.rules.environment", environment._CONDA_NAME] in unusual
