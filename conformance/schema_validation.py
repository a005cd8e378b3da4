"""Run-time support for the compiled JSON Schema validators.

``mlmodel-spec codegen`` compiles the JSON Schemas in ``spec/schemas/v1`` into plain
Python (the package ``_generated_schemas``: a core module, and one module per flavor or
rarely used schema that the core imports on first use, see :func:`lazy`). Those modules
import only this one, so validating a model never pays for a JSON Schema library.
Everything the generated code shares lives here: the :class:`SchemaIssue` it reports, type
tests and equality with the exact semantics of the ``jsonschema`` library, and the choice
of the branch to report when no branch of a ``oneOf``/``anyOf`` matches.

Instances come from YAML, so they may hold values JSON lacks (dates, bytes, sets,
non-string keys). None of them crash anything here: a date is simply not a string.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Mapping, Sequence

from .records import record, replace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

ERROR, WARNING, INFO = "error", "warning", "info"
ANNOTATION_KEYWORDS = frozenset({"x-unknown-key", "deprecated"})
"""Keywords of issues that annotate and never make an instance invalid."""

_SHOW_LIMIT = 80
_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = _SHOW_LIMIT
_REPR.maxlist = _REPR.maxtuple = _REPR.maxset = _REPR.maxfrozenset = 8
_REPR.maxdict, _REPR.maxlevel = 6, 3


@record(frozen=True)
class SchemaIssue:
    """One schema failure (or annotation) at one place in the instance.

    ``pointer`` is a JSON pointer into the instance (``""`` is the root). Issues about a
    key of an object (``required``, ``dependentRequired``, ``additionalProperties``,
    ``x-unknown-key``, ``deprecated``) point at the object and name the key in
    ``property`` (so do ``propertyNames`` failures, naming the offending key).
    ``schema_path`` is ``<file>#<pointer to the failing keyword>``. A document nested too
    deeply to validate gets one ``x-too-deep`` error.

    ``rule`` is the ``x-rule`` of the innermost schema node around the failing keyword that
    has one (for ``deprecated``: of the deprecated property's node): the id of the precise
    rule that reports this defect, so a check can replace the generic schema finding by its
    own without looking at schema paths. ``None`` when no node on the way declares one.
    """

    pointer: str
    keyword: str
    message: str
    severity: str
    schema_path: str
    property: str | None = None
    rule: str | None = None


Check = Callable[["Any", str, list[SchemaIssue], str], bool]
"""A compiled schema node: ``check(instance, pointer, issues, severity) -> valid``.

It appends what it finds to ``issues`` (failures with ``severity`` unless an
``x-severity`` inside overrides it, plus annotations) and returns whether the instance
is valid in the JSON Schema sense. Every failure it reports makes it return ``False``.
"""


Predicate = Callable[["Any"], bool]
"""The compiled validity test of a schema node: no issues, stops at the first failure."""


@record(frozen=True)
class Branch:
    """One subschema of a ``oneOf``/``anyOf``, with what we know about it statically."""

    check: Check
    test: Predicate
    types: frozenset[str] | None
    """JSON types the subschema can accept; ``None`` when unknown."""
    discriminators: tuple[tuple[str, tuple[Any, ...]], ...]
    """``(property, allowed values)`` pairs taken from ``const``/``enum`` of its properties."""


@record(frozen=True)
class Alternatives:
    """The branches of one ``oneOf``/``anyOf`` and where it sits in the schema."""

    keyword: str
    schema_path: str
    branches: tuple[Branch, ...]


class Pattern:
    """A schema's ``pattern``, compiled on its first use: a cold ``validate`` meets a few of
    the compiled modules' patterns, and compiling one costs it 0.05-0.1 ms. The patterns of
    the fields every MLflow model has are first tried as plain string tests
    (:data:`PLAIN_TESTS`), which answer as the pattern would or not at all."""

    __slots__ = ("_compiled", "_plain", "source")

    def __init__(self, source: str) -> None:
        self.source = source
        self._plain = PLAIN_TESTS.get(source)
        self._compiled: re.Pattern[str] | None = None

    def found(self, text: str) -> bool:
        """Whether the pattern matches somewhere in ``text`` (JSON Schema's ``pattern``)."""
        if self._plain is not None:
            answer = self._plain(text)
            if answer is not None:
                return answer
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self.source)
        return compiled.search(text) is not None


_ASCII_DIGITS = frozenset("0123456789")
_LOWER_HEX = frozenset("0123456789abcdef")


def _digits(text: str) -> bool:
    return bool(text) and _ASCII_DIGITS.issuperset(text)


def _starts_major_minor(text: str) -> bool | None:
    """``^\\d+\\.\\d+`` for ``3.11.7``, ``2.9`` (ASCII digits); else unknown."""
    major, dot, rest = text.partition(".")
    return True if dot and _digits(major) and rest[:1] in _ASCII_DIGITS else None


def _model_uuid(text: str) -> bool | None:
    """``^(m-)?[0-9a-f]{32}$`` for 32 hex digits; else unknown."""
    text = text[2:] if text.startswith("m-") else text
    return True if len(text) == 32 and _LOWER_HEX.issuperset(text) else None


def _utc_time(text: str) -> bool | None:
    """``^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?$``, ASCII digits,
    no trailing line feed: ``2026-11-26 22:10:24.629296``."""
    stamp, fraction = text[:19], text[19:]
    plain = (
        len(stamp) == 19
        and stamp[4] == stamp[7] == "-"
        and stamp[10] == " "
        and stamp[13] == stamp[16] == ":"
        and _digits(stamp[:4] + stamp[5:7] + stamp[8:10] + stamp[11:13] + stamp[14:16] + stamp[17:])
        and (
            not fraction
            or (fraction[0] == "." and 1 <= len(fraction) - 1 <= 6 and _digits(fraction[1:]))
        )
    )
    return True if plain else None


def _string_dtype(text: str) -> bool | None:
    """``^[<>=|]?[SUa]0*[1-9][0-9]*$`` (``<U10``, ``|S5``; it also tells ``<f8`` from them),
    exactly but for a trailing line feed, which ``$`` takes: unknown."""
    if text.endswith("\n"):
        return None
    text = text[1:] if text[:1] in ("<", ">", "=", "|") else text
    size = text[1:].lstrip("0")
    return text[:1] in ("S", "U", "a") and _digits(size)


#: plain string tests for patterns of the fields every model has, by pattern: each says
#: True or False as its pattern would, or None, leaving the text to the pattern
#: (tests/test_schema_patterns.py)
PLAIN_TESTS: dict[str, Callable[[str], bool | None]] = {
    r"^\d+\.\d+": _starts_major_minor,
    r"^\d+\.\d+(\.\d+)?": _starts_major_minor,  # the group is optional and nothing follows
    r"^(m-)?[0-9a-f]{32}$": _model_uuid,
    r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$": _utc_time,
    r"^[<>=|]?[SUa]0*[1-9][0-9]*$": _string_dtype,
}


def accept(instance: Any, pointer: str, issues: list[SchemaIssue], severity: str) -> bool:
    """The check of the ``true`` schema (and of schemas with only annotations)."""
    return True


def always(instance: Any) -> bool:
    """The predicate of the ``true`` schema."""
    return True


def lazy(module: str, package: str | None, name: str) -> Callable[..., Any]:
    """A stand-in for the compiled function ``name`` of the generated ``module`` (relative
    to ``package``: ``.flavor_sklearn``), which is imported on the first call: a cold
    ``validate`` loads the code of the flavors and schemas the model has, not all of it."""
    function: Callable[..., Any] | None = None
    level = len(module) - len(module.lstrip("."))

    def call(*args: Any) -> Any:
        nonlocal function
        if function is None:
            # what `from .module import name` does (and `-X importtime` shows)
            found = __import__(module[level:], {"__package__": package}, None, (name,), level)
            function = getattr(found, name)
        return function(*args)

    return call


# -- types -------------------------------------------------------------------------------


def is_integer(value: Any) -> bool:
    """JSON Schema ``integer``: not a bool; a float counts when it has no fraction."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_types(value: Any) -> frozenset[str]:
    """Every JSON type name ``value`` satisfies (empty for non-JSON values such as dates)."""
    if value is None:
        return _NULL
    if isinstance(value, bool):
        return _BOOLEAN
    if isinstance(value, int):
        return _INTEGER
    if isinstance(value, float):
        return _INTEGER if value.is_integer() else _NUMBER
    if isinstance(value, str):
        return _STRING
    if isinstance(value, list):
        return _ARRAY
    if isinstance(value, dict):
        return _OBJECT
    return frozenset()


_NULL, _BOOLEAN, _STRING = frozenset({"null"}), frozenset({"boolean"}), frozenset({"string"})
_INTEGER, _NUMBER = frozenset({"integer", "number"}), frozenset({"number"})
_ARRAY, _OBJECT = frozenset({"array"}), frozenset({"object"})


_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "null": lambda value: value is None,
    "boolean": lambda value: isinstance(value, bool),
    "integer": is_integer,
    "number": is_number,
    "string": lambda value: isinstance(value, str),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}


_PLAIN_TYPES = {"boolean": bool, "string": str, "array": list, "object": dict}


def type_test(types: tuple[str, ...]) -> Predicate:
    """The predicate of a schema that says nothing but ``type``."""
    if len(types) == 1:
        return _TYPE_TESTS[types[0]]
    plain = tuple(_PLAIN_TYPES[each] for each in types if each in _PLAIN_TYPES)
    null = "null" in types
    numeric = is_number if "number" in types else is_integer if "integer" in types else None

    def test(value: Any) -> bool:
        if isinstance(value, plain):
            return True
        if value is None:
            return null
        return numeric is not None and numeric(value)

    return test


def type_check(types: tuple[str, ...], schema_path: str) -> Check:
    """The check of a schema that says nothing but ``type`` (the most common node)."""
    message = " is not of type " + ", ".join(repr(each) for each in types)
    test = type_test(types)

    def check(instance: Any, pointer: str, issues: list[SchemaIssue], severity: str) -> bool:
        if test(instance):
            return True
        issues.append(SchemaIssue(pointer, "type", show(instance) + message, severity, schema_path))
        return False

    return check


# -- equality (enum, const, uniqueItems) --------------------------------------------------


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema (and ``jsonschema``) define it: ``1 == 1.0``, ``True != 1``,
    containers compared element by element."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two, strict=True))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and json_equal(value, two[key]) for key, value in one.items()
        )
    if isinstance(one, bool) or isinstance(two, bool):
        return False
    return bool(one == two)


def in_enum(value: Any, allowed: tuple[Any, ...]) -> bool:
    return any(json_equal(value, each) for each in allowed)


def has_unique_items(items: list[Any]) -> bool:
    if all(isinstance(each, str) for each in items):
        return len(set(items)) == len(items)
    seen: list[Any] = []
    for each in items:
        if any(json_equal(each, other) for other in seen):
            return False
        seen.append(each)
    return True


# -- text -------------------------------------------------------------------------------


def show(value: Any) -> str:
    """``repr`` for messages, cut to one short line (bounded work for huge values)."""
    text = _REPR.repr(value)
    if len(text) > _SHOW_LIMIT:
        text = text[: _SHOW_LIMIT - 3] + "..."
    return text


def key_text(key: Any) -> str:
    """The text of an object key (YAML allows non-string keys; patterns see ``str(key)``)."""
    return key if isinstance(key, str) else str(key)


def token(key: Any) -> str:
    """``/`` plus the escaped reference token for ``key`` (RFC 6901)."""
    text = key if isinstance(key, str) else str(key)
    if "~" in text or "/" in text:
        text = text.replace("~", "~0").replace("/", "~1")
    return "/" + text


# -- annotations ------------------------------------------------------------------------


def prune_unknown(
    issues: list[SchemaIssue],
    start: int,
    pointer: str,
    names: frozenset[str] | None = None,
    patterns: tuple[Pattern, ...] = (),
) -> None:
    """Settle the ``x-unknown-key`` annotations about the object at ``pointer`` found since
    ``start``: drop those whose key another subschema applying to the object defines
    (``names`` of ``None``: every key is defined), and repeats of the same key."""
    seen: set[str | None] = set()

    def keep(issue: SchemaIssue) -> bool:
        if issue.keyword != "x-unknown-key" or issue.pointer != pointer:
            return True
        key = issue.property or ""
        if names is None or key in names or any(each.found(key) for each in patterns):
            return False
        if issue.property in seen:
            return False
        seen.add(issue.property)
        return True

    kept = [issue for issue in issues[start:] if keep(issue)]
    if len(kept) != len(issues) - start:
        issues[start:] = kept


def tag_rule(issues: list[SchemaIssue], start: int, rule: str) -> None:
    """Give the issues found since ``start`` that carry no rule yet the ``x-rule`` of the
    node that found them (inner nodes tag first, so the innermost declaration wins)."""
    issues[start:] = [
        issue if issue.rule is not None else replace(issue, rule=rule) for issue in issues[start:]
    ]


def name_key(issues: list[SchemaIssue], start: int, key: Any) -> None:
    """Mark the ``propertyNames`` failures found since ``start`` as being about ``key``."""
    text = key_text(key)
    issues[start:] = [replace(issue, property=text) for issue in issues[start:]]


# -- oneOf / anyOf ----------------------------------------------------------------------


def any_of(
    instance: Any, pointer: str, issues: list[SchemaIssue], severity: str, anyof: Alternatives
) -> bool:
    """``anyOf``: valid branches contribute their annotations; if none is valid, the
    failures of the most likely branch are reported."""
    matched = [branch for branch in anyof.branches if branch.test(instance)]
    for branch in matched:
        branch.check(instance, pointer, issues, severity)
    if matched:
        return True
    _report_best(instance, pointer, issues, severity, anyof)
    return False


def one_of(
    instance: Any, pointer: str, issues: list[SchemaIssue], severity: str, oneof: Alternatives
) -> bool:
    branches = oneof.branches
    matched = [index for index, branch in enumerate(branches) if branch.test(instance)]
    if len(matched) == 1:
        branches[matched[0]].check(instance, pointer, issues, severity)
        return True
    if not matched:
        _report_best(instance, pointer, issues, severity, oneof)
        return False
    which = ", ".join(str(index) for index in matched[:-1]) + f" and {matched[-1]}"
    message = f"{show(instance)} is valid under more than one of the given schemas ({which})"
    issues.append(SchemaIssue(pointer, "oneOf", message, severity, oneof.schema_path))
    return False


def _report_best(
    instance: Any, pointer: str, issues: list[SchemaIssue], severity: str, options: Alternatives
) -> None:
    """Report the failures of the branch the instance most likely meant.

    For objects, a branch whose discriminating property (``const``/``enum``, such as a
    column spec's ``type``) matches comes first; then branches whose ``type`` admits the
    instance, then branches that say nothing about types; ties go to the branch whose
    failures lie deepest in the instance, then to the first. When no branch can take the
    instance's type at all, one issue names the types that would do.
    """
    kinds = json_types(instance)
    best: tuple[int, int, int] | None = None
    chosen: list[SchemaIssue] = []
    for branch in options.branches:
        fit = 1 if branch.types is None else (2 if branch.types & kinds else 0)
        if fit == 0:
            continue
        found: list[SchemaIssue] = []
        branch.check(instance, pointer, found, severity)
        failures = [issue for issue in found if issue.keyword not in ANNOTATION_KEYWORDS]
        depth = max((issue.pointer.count("/") for issue in failures), default=0)
        score = (_discriminated(branch, instance), fit, depth)
        if best is None or score > best:
            best, chosen = score, failures
    if best is not None:
        issues.extend(chosen)
        return
    expected = _expected_types(options.branches)
    message = f"{show(instance)} is not valid under any of the given schemas"
    if expected:
        message += f" (expected {expected})"
    issues.append(SchemaIssue(pointer, options.keyword, message, severity, options.schema_path))


def _discriminated(branch: Branch, instance: Any) -> int:
    if not branch.discriminators or not isinstance(instance, dict):
        return 0
    for name, allowed in branch.discriminators:
        if name not in instance or not in_enum(instance[name], allowed):
            return 0
    return 1


_TYPE_ORDER = ("null", "boolean", "integer", "number", "string", "array", "object")


def _expected_types(branches: tuple[Branch, ...]) -> str:
    names: set[str] = set()
    for branch in branches:
        names |= branch.types or frozenset()
    if "number" in names:
        names.discard("integer")
    ordered = [name for name in _TYPE_ORDER if name in names]
    if len(ordered) < 2:
        return "".join(ordered)
    return ", ".join(ordered[:-1]) + " or " + ordered[-1]


# -- entry points ----------------------------------------------------------------------


def run(check: Check, instance: Any) -> list[SchemaIssue]:
    """Validate ``instance`` from the root; never raises for any instance."""
    issues: list[SchemaIssue] = []
    try:
        check(instance, "", issues, ERROR)
    except RecursionError:
        message = "the document is nested too deeply to validate"
        issues.append(SchemaIssue("", "x-too-deep", message, ERROR, ""))
    if len(issues) < 2:
        return issues
    return list(dict.fromkeys(issues))


def is_annotation(issue: SchemaIssue) -> bool:
    """True for issues that annotate (unknown key, deprecated) rather than fail."""
    return issue.keyword in ANNOTATION_KEYWORDS


def is_valid(issues: list[SchemaIssue]) -> bool:
    """True when none of ``issues`` is an error (warnings and annotations are fine)."""
    return all(issue.severity != ERROR for issue in issues)
