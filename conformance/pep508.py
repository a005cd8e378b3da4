"""PEP 508 requirement strings (``name[extra]>=1.2 ; marker``), read without I/O.

The everyday form (``name[extra]==1.2.3``) is read by a small regular expression; anything
else goes to ``packaging.requirements`` (imported only then: it costs ~24 ms), so the verdict
on unusual strings is always packaging's.
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


_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_RELEASE = r"[0-9]+(?:\.[0-9]+)*"
_SUFFIX = r"(?:(?:a|b|rc)[0-9]+)?(?:\.post[0-9]+)?(?:\.dev[0-9]+)?"
_SPEC = (
    rf"(?:(?:==|!=)\s*{_RELEASE}(?:\.\*|{_SUFFIX})"
    rf"|(?:<=|>=|<|>)\s*{_RELEASE}{_SUFFIX}"
    rf"|~=\s*[0-9]+(?:\.[0-9]+)+{_SUFFIX})"
)
#: the everyday PEP 508 forms; a subset of what packaging accepts (tests prove it)
SIMPLE_REQUIREMENT = re.compile(  # no two \s* runs meet: no quadratic backtracking
    rf"\s*(?P<name>{_NAME})\s*"
    rf"(?:\[\s*(?P<extras>{_NAME}(?:\s*,\s*{_NAME})*)\s*\]\s*)?"
    rf"(?:(?P<specs>{_SPEC}(?:\s*,\s*{_SPEC})*)\s*)?"
)
_ONE_SPEC = re.compile(r"\s*(==|!=|<=|>=|~=|<|>)\s*([^\s,]+)\s*")
_NORMALISE = re.compile(r"[-_.]+")


def canonical_name(name: str) -> str:
    """PEP 503 normalised project name."""
    return _NORMALISE.sub("-", name).lower()


def parse_simple(text: str) -> Requirement | None:
    """The fast path: the everyday PEP 508 forms, or ``None`` (then ask packaging)."""
    match = SIMPLE_REQUIREMENT.fullmatch(text)
    if match is None:
        return None
    specs = match.group("specs")
    pairs = tuple((m.group(1), m.group(2)) for m in _ONE_SPEC.finditer(specs or ""))
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
