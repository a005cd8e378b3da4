"""PEP 508 requirement strings (``name[extra]>=1.2 ; marker``), read without I/O.

The everyday form (``name[extra]==1.2.3``) is read by plain string code that mirrors the
regular expression ``SIMPLE_REQUIREMENT_PATTERN``; what that code does not recognise goes to
the regular expression itself (compiled on first use: ~1 ms), and anything else to
``packaging.requirements`` (imported only then: it costs ~24 ms), so the verdict on unusual
strings is always packaging's.
"""

from __future__ import annotations

import re

from .records import field, record


@record(frozen=True)
class Requirement:
    """The parts of a PEP 508 requirement the rules need."""

    name: str  # as written
    key: str  # PEP 503 normalised name
    specifiers: tuple[tuple[str, str], ...] = ()  # (operator, version) pairs
    has_marker: bool = False
    url: str | None = None
    #: versions named by ``==`` (without a wildcard) or ``===``
    exact_pins: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        exact = tuple(v for op, v in self.specifiers if op in ("==", "===") and "*" not in v)
        object.__setattr__(self, "exact_pins", exact)

    def specifier_text(self) -> str:
        return ",".join(op + v for op, v in self.specifiers)


# The regular expressions are strings, compiled (and cached by ``re``) on first use: the
# string code below reads the everyday forms, so a cold ``validate`` compiles none of them.
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_SUFFIX = r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
_SPEC = (
    rf"(?:(?:==|!=)\s*{_RELEASE}(?:\.\*|{_SUFFIX})"
    rf"|(?:<=|>=|<|>)\s*{_RELEASE}{_SUFFIX}"
    rf"|~=\s*[0-9]+(?:\.[0-9]+)+{_SUFFIX})"
)
#: the everyday PEP 508 forms; a subset of what packaging accepts (tests prove it)
SIMPLE_REQUIREMENT_PATTERN = (  # no two \s* runs meet: no quadratic backtracking
    rf"\s*(?P<name>{_NAME})\s*"
    rf"(?:\[\s*(?P<extras>{_NAME}(?:\s*,\s*{_NAME})*)\s*\]\s*)?"
    rf"(?:(?P<specs>{_SPEC}(?:\s*,\s*{_SPEC})*)\s*)?"
)
_ONE_SPEC_PATTERN = r"\s*(==|!=|<=|>=|~=|<|>)\s*([^\s,]+)\s*"
_NORMALISE_PATTERN = r"[-_.]+"


# -- the everyday forms, read with str methods ---------------------------------------------------

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_ALNUM_SET = frozenset(_ALNUM)
_NAME_CHARS = _ALNUM + "._-"
_DIGITS = "0123456789"
_BLANKS = " \t"  # the only whitespace the string code meets: others go to the regex
#: the characters of the everyday forms; a string with any other goes to the regex
_EVERYDAY_CHARS = frozenset(_NAME_CHARS + "[],=!<>~*" + _BLANKS)
#: _ONE_SPEC's operators, two-character ones first as in its alternation
_OPERATORS = ("==", "!=", "<=", ">=", "~=", "<", ">")
_PRE_TAGS = ("a", "b", "rc")


def _is_name(text: str) -> bool:
    """_NAME: ASCII letters and digits, with ``.``, ``_`` and ``-`` only inside."""
    # (the slices of an empty text are "", which is not in the set)
    return text[:1] in _ALNUM_SET and text[-1:] in _ALNUM_SET and not text.strip(_NAME_CHARS)


def _leading(text: str, chars: str) -> str:
    """The longest start of ``text`` made of ``chars``."""
    return text[: len(text) - len(text.lstrip(chars))]


def _release_length(text: str) -> tuple[int, int]:
    """Length and number of parts of the _RELEASE (``[0-9]+(?:\\.[0-9]+)*``) at the start."""
    end = len(_leading(text, _DIGITS))
    parts = 1 if end else 0
    while parts and text.startswith(".", end) and (more := _leading(text[end + 1 :], _DIGITS)):
        end += 1 + len(more)
        parts += 1
    return end, parts


def _suffix_length(text: str) -> int:
    """Length of the _SUFFIX (``(a|b|rc)N``, ``.postN``, ``.devN``, each optional) of ``text``."""
    end = 0  # each part, when it is there, is taken whole (the regex could not match without it)
    for tags in (_PRE_TAGS, (".post",), (".dev",)):
        for tag in tags:
            if text.startswith(tag, end) and (number := _leading(text[end + len(tag) :], _DIGITS)):
                end += len(tag) + len(number)
                break
    return end


def _is_spec_version(operator: str, version: str) -> bool:
    """Is ``version`` what _SPEC allows after ``operator`` (``~=`` wants two release parts,
    ``==``/``!=`` also take ``X.*``)?"""
    end, parts = _release_length(version)
    if parts == 0 or (operator == "~=" and parts < 2):
        return False
    if operator in ("==", "!=") and version[end:] == ".*":
        return True
    return end + _suffix_length(version[end:]) == len(version)


def _everyday_spec(text: str) -> tuple[str, str] | None:
    """One _SPEC (``>= 1.2``, stripped) as _ONE_SPEC splits it, or None if it is not one."""
    for operator in _OPERATORS:
        if text.startswith(operator):
            version = text[len(operator) :].lstrip(_BLANKS)
            return (operator, version) if _is_spec_version(operator, version) else None
    return None


def _everyday_requirement(text: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
    """The name and (operator, version) pairs SIMPLE_REQUIREMENT_PATTERN and _ONE_SPEC_PATTERN
    read from ``text``, read with str methods; None when ``text`` is not an everyday form
    written with the everyday characters (then the regex decides)."""
    if not _EVERYDAY_CHARS.issuperset(text):
        return None
    # \s*(?P<name>_NAME)\s*: the name is the whole run of name characters
    rest = text.lstrip(_BLANKS)
    name = _leading(rest, _NAME_CHARS)
    rest = rest[len(name) :].lstrip(_BLANKS)
    if not _is_name(name):
        return None
    # (?:\[\s*_NAME(?:\s*,\s*_NAME)*\s*\]\s*)?
    if rest.startswith("["):
        extras, bracket, rest = rest[1:].partition("]")
        if not bracket or not all(_is_name(e.strip(_BLANKS)) for e in extras.split(",")):
            return None
        rest = rest.lstrip(_BLANKS)
    # (?:_SPEC(?:\s*,\s*_SPEC)*\s*)?
    pairs: list[tuple[str, str]] = []
    for part in rest.split(",") if rest else ():
        spec = _everyday_spec(part.strip(_BLANKS))
        if spec is None:
            return None
        pairs.append(spec)
    return name, tuple(pairs)


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name."""
    if not name.isascii():
        return re.sub(_NORMALISE_PATTERN, "-", name).lower()
    # _NORMALISE_PATTERN: each run of "-", "_" and "." becomes one "-"
    dashed = name.replace("_", "-").replace(".", "-")
    while "--" in dashed:
        dashed = dashed.replace("--", "-")
    return dashed.lower()


def parse_simple(text: str) -> Requirement | None:
    """The fast path: the everyday PEP 508 forms, or ``None`` (then ask packaging)."""
    everyday = _everyday_requirement(text)
    if everyday is not None:
        name, pairs = everyday
        return Requirement(name, canonical_name(name), pairs)
    match = re.fullmatch(SIMPLE_REQUIREMENT_PATTERN, text)
    if match is None:
        return None
    specs = match.group("specs")
    pairs = tuple((m.group(1), m.group(2)) for m in re.finditer(_ONE_SPEC_PATTERN, specs or ""))
    name = match.group("name")
    return Requirement(name, canonical_name(name), pairs)


def _error_offset(message: str) -> int | None:
    """packaging >= 22 ends its message with the text and a ``~~~^`` marker line."""
    lines = message.splitlines()
    if len(lines) >= 3 and "^" in lines[-1]:
        return max(0, lines[-1].index("^") - 4)
    return None


def parse_pep508(text: str) -> tuple[Requirement | None, str, int]:
    """Parse a PEP 508 string: (requirement, "", 0) or (None, error message, error offset)."""
    simple = parse_simple(text)
    if simple is not None:
        return simple, "", 0
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        parsed = Pep508(text)
    except InvalidRequirement as exc:
        message = str(exc)
        offset = _error_offset(message)
        first = message.splitlines()[0] if message else "invalid requirement"
        return None, first, offset if offset is not None else 0
    pairs = tuple((s.operator, s.version) for s in sorted(parsed.specifier, key=str))
    return (
        Requirement(
            parsed.name, canonical_name(parsed.name), pairs, parsed.marker is not None, parsed.url
        ),
        "",
        0,
    )
