"""conformance/requirement_lines.py: pip's requirements-file format, read statically
(with its helpers conformance/pep508.py and conformance/version_keys.py).

Two oracles: ``packaging`` for PEP 508 strings and versions (the fast paths must agree with
it exactly), and pip's own requirements-file parser for the line structure (continuations,
comments, options).
"""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement
from packaging.requirements import Requirement as Pep508
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from mlmodel_spec.conformance.pep508 import (
    SIMPLE_REQUIREMENT_PATTERN,
    canonical_name,
    parse_pep508,
    parse_simple,
)
from mlmodel_spec.conformance.requirement_lines import (
    MAX_LINE_CHARS,
    MAX_REQUIREMENT_CHARS,
    LineKind,
    RequirementLine,
    parse_entry,
    parse_line,
    parse_text,
)
from mlmodel_spec.conformance.version_keys import satisfies_pin, version_key

HASH = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def errors(line: RequirementLine) -> list[str]:
    return [p.message for p in line.problems if not p.ignored]


def ignored(line: RequirementLine) -> list[str]:
    return [p.message for p in line.problems if p.ignored]


# -- logical lines -------------------------------------------------------------------------------


def test_comments_blank_lines_and_missing_trailing_newline() -> None:
    lines = parse_text("# header\n\nmlflow==3.17.2  # pinned\n   \nnumpy==2.4.6")
    assert [(line.line, line.text) for line in lines] == [
        (3, "mlflow==3.17.2"),
        (5, "numpy==2.4.6"),
    ]


def test_hash_fragment_in_a_url_is_not_a_comment() -> None:
    (line,) = parse_text("-e git+https://github.com/x/y.git@v1#egg=y")
    assert line.text.endswith("#egg=y")
    assert line.kind is LineKind.EDITABLE


def test_continuations_join_and_positions_map_back() -> None:
    text = f"numpy==2.4.6 \\\n    --hash=sha256:{HASH} \\\n    --hash=md5:abc\nscipy==1.17.1"
    first, second = parse_text(text)
    assert first.line == 1
    assert first.requirement is not None
    assert first.requirement.key == "numpy"
    (problem,) = first.problems
    assert "md5" in problem.message
    assert first.position(problem.offset) == (3, 5)
    assert second.line == 4


def test_a_comment_line_ends_a_continuation() -> None:
    # pip: a comment line is never a continuation, and it ends one that is open
    lines = parse_text("a==1 \\\n# note \\\nb==2")
    assert [line.text for line in lines] == ["a==1", "b==2"]


def test_continuation_at_end_of_file() -> None:
    (line,) = parse_text("a==1 \\")
    assert line.text == "a==1"
    assert not line.problems


def test_leading_whitespace_positions() -> None:
    (line,) = parse_text("   bad=1.0")
    assert line.position(line.problems[0].offset) == (1, 7)


def test_windows_line_endings() -> None:
    lines = parse_text("a==1\r\nb==2\r\n")
    assert [line.text for line in lines] == ["a==1", "b==2"]


# -- kinds and options ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "target"),
    [
        ("mlflow==3.17.2", LineKind.REQUIREMENT, None),
        ("pkg @ https://x.org/pkg-1.0-py3-none-any.whl", LineKind.REQUIREMENT, None),
        ("https://x.org/pkg-1.0.tar.gz", LineKind.URL, None),
        ("git+https://github.com/x/y.git@v1#egg=y", LineKind.URL, None),
        ("./vendor/pkg", LineKind.PATH, None),
        ("wheels/pkg-1.0-py3-none-any.whl", LineKind.PATH, None),
        ("pkg-1.0-py3-none-any.whl", LineKind.PATH, None),
        ("./vendor/pkg ; python_version > '3.8'", LineKind.PATH, None),
        ("-e ./vendor/pkg", LineKind.EDITABLE, None),
        ("--editable=git+https://x/y#egg=y", LineKind.EDITABLE, None),
        ("-r other.txt", LineKind.INCLUDE, "other.txt"),
        ("-rother.txt", LineKind.INCLUDE, "other.txt"),
        ("--requirement=other.txt", LineKind.INCLUDE, "other.txt"),
        ("--requirement other.txt", LineKind.INCLUDE, "other.txt"),
        ("-c constraints.txt", LineKind.CONSTRAINT, "constraints.txt"),
        ("--constraint constraints.txt", LineKind.CONSTRAINT, "constraints.txt"),
        ("--extra-index-url https://download.pytorch.org/whl/cpu", LineKind.OPTION, None),
        ("-i https://pypi.org/simple", LineKind.OPTION, None),
        ("--index-url=https://pypi.org/simple", LineKind.OPTION, None),
        ("--find-links wheels", LineKind.OPTION, None),
        ("--no-index", LineKind.OPTION, None),
        ("--pre", LineKind.OPTION, None),
        ("--prefer-binary", LineKind.OPTION, None),
        ("--only-binary :all:", LineKind.OPTION, None),
        ("--trusted-host example.org", LineKind.OPTION, None),
        ("--extra-index https://x", LineKind.OPTION, None),  # optparse's unique prefix
    ],
)
def test_valid_lines(text: str, kind: LineKind, target: str | None) -> None:
    line = parse_line(text)
    assert not line.problems, line.problems
    assert line.kind is kind
    assert line.target == target


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("scikit-learn=1.9.1", "did you mean '=='"),
        ("--no-deps", "not an option pip accepts"),
        ("--upgrade", "not an option pip accepts"),
        ("-x foo", "-x is not an option"),
        ("--no", "ambiguous"),
        ("-r", "needs a value"),
        ("--pre=1", "does not take a value"),
        ("pkg --hash=md5:abc", "algorithm 'md5'"),
        ("pkg --hash=sha256", "hash name and value"),
        (f"pkg --hash=sha256:{HASH[:-1]}", "64 hex digits"),
        (f"pkg --hash=sha512:{HASH}", "128 hex digits"),
        ("pkg -C novalue", "KEY=VALUE"),
        ('--find-links "a b', "cannot be split"),
        ("a>=1 @ https://x", "invalid requirement"),
        ("pkg\t--hash=sha256:" + HASH, "invalid requirement"),  # pip splits on spaces only
        ("mlflow==3.18.-1", "invalid requirement"),  # a dev build with micro 0 writes this
        ("'quoted'", "invalid requirement"),
    ],
)
def test_invalid_lines(text: str, fragment: str) -> None:
    messages = errors(parse_line(text))
    assert messages
    assert any(fragment in m for m in messages), messages


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (f"--hash=sha256:{HASH}", "without a requirement"),
        ("pkg==1 --index-url https://x", "after a requirement"),
        ("pkg==1 -r other.txt", "after a requirement"),
        ("-r a.txt -r b.txt", "only the first"),
        ("-e ./a -e ./b", "only the first -e"),
        (f"-e ./a --hash=sha256:{HASH}", "editable line"),
        ("-r a.txt stray", "pip ignores it"),
        ("pkg==1 -- stray", "pip ignores it"),
    ],
)
def test_ignored_parts_are_warnings(text: str, fragment: str) -> None:
    line = parse_line(text)
    assert not errors(line)
    assert any(fragment in m for m in ignored(line)), line.problems


def test_per_requirement_options_are_accepted() -> None:
    line = parse_line(f"pkg==1 --hash=sha256:{HASH} --global-option=x --config-settings k=v")
    assert not line.problems
    assert line.requirement is not None
    assert line.requirement.specifiers == (("==", "1"),)


def test_env_vars_are_noted() -> None:
    line = parse_line("pkg==${PKG_VERSION}")
    assert errors(line)
    assert line.uses_env_vars


def test_entries_from_yaml_lists() -> None:
    (line,) = parse_entry("-r requirements.txt")
    assert line.kind is LineKind.INCLUDE
    assert parse_entry("# only a comment") == []


# -- PEP 508: the fast path agrees with packaging ------------------------------------------------


def _packaging_view(text: str) -> tuple[str, frozenset[str], frozenset[tuple[str, str]]] | None:
    try:
        parsed = Pep508(text)
    except InvalidRequirement:
        return None
    return (
        parsed.name,
        frozenset(parsed.extras),
        frozenset((s.operator, s.version) for s in parsed.specifier),
    )


def _simple_view(text: str) -> tuple[str, frozenset[str], frozenset[tuple[str, str]]] | None:
    simple = parse_simple(text)
    if simple is None:
        return None
    match = re.fullmatch(SIMPLE_REQUIREMENT_PATTERN, text)
    assert match is not None
    extras = match.group("extras")
    names = frozenset(e.strip() for e in extras.split(",")) if extras else frozenset()
    return simple.name, names, frozenset(simple.specifiers)


NAMES = st.sampled_from(["a", "A", "scikit-learn", "Foo_Bar.baz", "x1", "-x", "a-", "a..b"])
VERSIONS = st.sampled_from(
    [
        "1",
        "1.0",
        "1.9.1",
        "0.23.2",
        "2.0.0rc1",
        "1.0a1",
        "1.0b2",
        "1.0.post1",
        "1.0.dev3",
        "1.0rc1.post2.dev3",
        "1.0.*",
        "1.*",
        "1.0+local",
        "1!2.0",
        "1.0RC1",
        "v1",
        "1.0-1",
        "",
        "1.2.3.4.5",
        "1.0.*.1",
        "1_0",
        "01.02",
    ]
)
OPERATORS = st.sampled_from(["==", "!=", "<=", ">=", "<", ">", "~=", "===", "=", "=>"])
SPACE = st.sampled_from(["", " ", "  ", "\t"])


@st.composite
def requirement_texts(draw: st.DrawFn) -> str:
    text = draw(SPACE) + draw(NAMES) + draw(SPACE)
    if draw(st.booleans()):
        extras = draw(st.lists(NAMES, min_size=0, max_size=2))
        text += "[" + draw(st.sampled_from([",", ", ", " , "])).join(extras) + "]" + draw(SPACE)
    specs = draw(st.lists(st.tuples(OPERATORS, SPACE, VERSIONS), min_size=0, max_size=3))
    text += draw(st.sampled_from([",", ", "])).join(op + sp + v for op, sp, v in specs)
    return text + draw(SPACE)


@settings(max_examples=2000, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(requirement_texts())
def test_fast_path_is_a_subset_of_packaging(text: str) -> None:
    simple = _simple_view(text)
    if simple is not None:
        assert simple == _packaging_view(text), text


@settings(max_examples=500, deadline=None)
@given(requirement_texts())
def test_parse_pep508_always_gives_packagings_verdict(text: str) -> None:
    requirement, message, _ = parse_pep508(text)
    expected = _packaging_view(text)
    assert (requirement is None) == (expected is None), (text, message)
    if requirement is not None and expected is not None:
        assert requirement.name == expected[0]
        assert frozenset(requirement.specifiers) == expected[2]


@pytest.mark.parametrize(
    "text",
    [
        "mlflow==3.17.2",
        "scikit-learn==1.9.1",
        "pip<=23.2.1",
        "mlflow<3,>=2.1",
        "numpy",
        "pandas[performance] >= 2.0, <4",
        "a~=1.4",
        "a==1.0.*",
        "a!=1.*",
        "a==2.0.0rc1",
    ],
)
def test_everyday_lines_take_the_fast_path(text: str) -> None:
    assert parse_simple(text) is not None


def test_canonical_name() -> None:
    assert canonical_name("Scikit_Learn..x") == "scikit-learn-x"


def test_packaging_error_position() -> None:
    _, message, offset = parse_pep508("a>=1 @ https://x")
    assert message
    assert offset == 5


# -- versions ------------------------------------------------------------------------------------

VERSION_TEXTS = st.sampled_from(
    [
        "1",
        "1.0",
        "1.0.0",
        "1.9.1",
        "1.9.1.0",
        "1.10",
        "2.0.0rc1",
        "2.0rc1",
        "2.0.0c1",
        "2.0.0a1",
        "2.0.0.alpha1",
        "1.0.post1",
        "1.0-1",
        "1.0.dev3",
        "1.0.0.dev3",
        "1!1.0",
        "1.0+cu118",
        "1.0+CU118",
        "1.0+abc.01",
        "1.0+abc.1",
        "v1.0",
        "1.0.0-rc.1",
        "0",
        "0.0",
        "2.1.0+cpu",
        "3.11.7",
        "not a version",
        "1..0",
        "",
    ]
)


@settings(max_examples=1500, deadline=None)
@given(VERSION_TEXTS, VERSION_TEXTS)
def test_version_key_equality_is_pep440_equality(a: str, b: str) -> None:
    try:
        expected: bool | None = Version(a) == Version(b)
    except InvalidVersion:
        expected = None
    key_a, key_b = version_key(a), version_key(b)
    if expected is None:
        assert key_a is None or key_b is None
    else:
        assert key_a is not None
        assert key_b is not None
        assert (key_a == key_b) == expected, (a, b)


@settings(max_examples=1500, deadline=None)
@given(VERSION_TEXTS, VERSION_TEXTS)
def test_satisfies_exact_pin_matches_packaging(version: str, pin: str) -> None:
    try:
        Version(version)
        if "+" not in pin:
            expected = SpecifierSet(f"=={pin}").contains(version, prereleases=True)
        else:
            expected = Version(version) == Version(pin)
    except (InvalidVersion, ValueError):
        return
    assert satisfies_pin(version, "==", pin) == expected, (version, pin)


@pytest.mark.parametrize(
    ("version", "operator", "pin", "expected"),
    [
        ("2.1.0+cu118", "==", "2.1.0", True),  # MLflow strips local labels from pins
        ("2.1.0", "==", "2.1.0+cu118", False),
        ("1.9.1", "==", "1.9.1.0", True),
        ("1.9.1", "==", "1.9.*", True),
        ("1.10.0", "==", "1.9.*", False),
        ("1.9.1", "===", "1.9.1", True),
        ("1.9.1", "===", "1.9.1.0", False),
        ("1.9.1", ">=", "1.0", None),
        ("garbage", "==", "1.0", None),
    ],
)
def test_satisfies_pin_table(version: str, operator: str, pin: str, expected: bool | None) -> None:
    assert satisfies_pin(version, operator, pin) is expected


# -- pip itself as the oracle for the line structure ------------------------------------------


@pytest.fixture(scope="module")
def pip_verdict(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Does pip's own requirements-file parser accept ``text``? (pip's vendored packaging
    may be older than ours, so the corpus keeps to requirements both read the same way.)"""
    import pip

    if not pip.__version__.startswith("23."):
        pytest.skip(f"the corpus models pip 23.x's requirements grammar, not pip {pip.__version__}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pip._internal.req.constructors import install_req_from_parsed_requirement
        from pip._internal.req.req_file import parse_requirements

    directory = tmp_path_factory.mktemp("pip")

    def accepts(text: str) -> bool:
        path: Path = directory / "requirements.txt"
        path.write_text(text)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                for parsed in parse_requirements(str(path), session=None):  # type: ignore[arg-type]
                    install_req_from_parsed_requirement(parsed)
            except Exception:  # pip's InstallationError, or raw ones such as InvalidMarker
                return False
        return True

    return accepts


REQUIREMENT_PARTS = st.sampled_from(
    [
        "",
        "mlflow==3.17.2",
        "numpy",
        "pkg[extra]>=1.0,<2",
        "a=1",
        "a ; python_version < '3.12'",
        "pkg @ https://x.org/p.whl",
        "bad name",
        "a==1 b",
        "a[",
        "==1",
    ]
)
OPTION_PARTS = st.sampled_from(
    [
        "",
        "-r x.txt",
        "--requirement=x.txt",
        "-c x.txt",
        "-e git+https://x/y#egg=y",
        "--extra-index-url https://x",
        "--index-url",
        "--no-index",
        "--pre",
        "--pre=1",
        f"--hash=sha256:{HASH}",
        "--hash=md5:ab",
        "--hash",
        "--global-option=x",
        "-C k=v",
        "-C kv",
        "--no-deps",
        "-x",
        "--no",
        "--find-links 'a b'",
        "--find-links 'a b",
        "--trusted-host h",
        "--only-binary :all:",
        "-- stray",
        "stray",
    ]
)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(REQUIREMENT_PARTS, OPTION_PARTS, OPTION_PARTS, st.booleans())
def test_line_verdicts_agree_with_pip(
    pip_verdict: Callable[[str], bool],
    requirement: str,
    first: str,
    second: str,
    continued: bool,
) -> None:
    if "--global-option=x" in (first, second) and not pip_verdict("--global-option=x"):
        return  # pip >= 25.3 dropped --global-option; ours reads files for the older pips too
    options = " ".join(o for o in (first, second) if o)
    includes = ("-r", "--req", "-c")
    if not requirement and (first.startswith(includes) or second.startswith(includes)):
        return  # an include line: pip opens the file (requirements.py checks includes)
    joiner = " \\\n  " if continued else " "
    text = joiner.join(p for p in (requirement, options) if p)
    if not text:
        return
    ours = not any(not p.ignored for line in parse_text(text) for p in line.problems)
    assert ours == pip_verdict(text), text


# -- hostile input -------------------------------------------------------------------------------


def test_overlong_lines_are_not_parsed() -> None:
    (line,) = parse_text("a" * (MAX_LINE_CHARS + 1))
    assert "not read" in errors(line)[0]
    (line,) = parse_text("a" + ">=1," * MAX_REQUIREMENT_CHARS)
    assert "the requirement is" in errors(line)[0]


def test_long_hashed_lines_are_fine() -> None:
    hashes = " \\\n    ".join(f"--hash=sha256:{HASH}" for _ in range(100))
    (line,) = parse_text(f"grpcio==1.66.1 \\\n    {hashes}")
    assert not line.problems


@pytest.mark.parametrize(
    "text",
    [
        "a" + " " * 200_000 + "x",  # two adjacent \s* runs would backtrack quadratically
        "a" + " " * 200_000 + "==1 x",
        "a[b]" + " " * 200_000 + "x",
    ],
)
def test_fast_path_is_linear(text: str) -> None:
    start = time.perf_counter()
    assert parse_simple(text) is None
    assert time.perf_counter() - start < 2.0


@pytest.mark.parametrize(
    "text", ["1" * 5000, "1." * 100_000 + "x", "1.0+" + "a." * 1000, "2" * 200 + ".*"]
)
def test_absurd_versions_are_invalid_not_a_crash(text: str) -> None:
    assert version_key(text) is None
    assert satisfies_pin(text, "==", "1.0") is None
    assert satisfies_pin("1.0", "==", text) is None


def test_shell_words_split_as_shlex_does() -> None:
    """``shell_words`` skips ``shlex`` only where ``str.split`` gives the same words: every
    short string of quotes, escapes and every kind of blank, and the option lines MLflow and
    pip users write."""
    import itertools
    import shlex

    from mlmodel_spec.conformance.requirement_lines import shell_words

    def by_shlex(text: str) -> list[str] | str:
        try:
            return shlex.split(text)
        except ValueError as exc:
            return str(exc)

    def ours(text: str) -> list[str] | str:
        try:
            return shell_words(text)
        except ValueError as exc:
            return str(exc)

    alphabet = "a-='\"\\ \t\r\n\x0b\x0c\x1c\x1f\x85\xa0#"
    texts = ["".join(p) for n in range(5) for p in itertools.product(alphabet, repeat=n)]
    texts += ["-r requirements.txt", "--hash=sha256:ab --hash=sha256:cd", "-e 'git+https://x'"]
    for text in texts:
        assert ours(text) == by_shlex(text), repr(text)
