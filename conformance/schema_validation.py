"""Run-time support for the compiled JSON Schema validators.

``mlmodel-spec codegen`` compiles the JSON Schemas in ``spec/schemas/v1`` into plain
Python (``_generated_schemas.py``). That module imports only ``re`` and this one, so
validating a model never pays for a JSON Schema library. Everything the generated code
shares lives here: the :class:`SchemaIssue` it reports, type tests and equality with the
exact semantics of the ``jsonschema`` library, and the choice of the branch to report
when no branch of a ``oneOf``/``anyOf`` matches.

Instances come from YAML, so they may hold values JSON lacks (dates, bytes, sets,
non-string keys). None of them crash anything here: a date is simply not a string.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

ERROR, WARNING, INFO = "error", "warning", "info"
ANNOTATION_KEYWORDS = frozenset({"x-unknown-key", "deprecated"})
"""Keywords of issues that annotate and never make an instance invalid."""

_SHOW_LIMIT = 80


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One schema failure (or annotation) at one place in the instance.

    ``pointer`` is a JSON pointer into the instance (``""`` is the root). Issues about a
    key of an object (``required``, ``dependentRequired``, ``additionalProperties``,
    ``x-unknown-key``, ``deprecated``) point at the object and name the key in
    ``property``. ``schema_path`` is ``<file>#<pointer to the failing keyword>``.
    """

    pointer: str
    keyword: str
    message: str
    severity: str
    schema_path: str
    property: str | None = None

    @property
    def is_annotation(self) -> bool:
        return self.keyword in ANNOTATION_KEYWORDS


Check = Callable[[Any, str, list[SchemaIssue], str], bool]
"""A compiled schema node: ``check(instance, pointer, issues, severity) -> valid``.

It appends what it finds to ``issues`` (failures with ``severity`` unless an
``x-severity`` inside overrides it, plus annotations) and returns whether the instance
is valid in the JSON Schema sense. Every failure it reports makes it return ``False``.
"""


class Branch(NamedTuple):
    """One subschema of a ``oneOf``/``anyOf``, with what we know about it statically."""

    check: Check
    types: frozenset[str] | None
    """JSON types the subschema can accept; ``None`` when unknown."""
    discriminators: tuple[tuple[str, tuple[Any, ...]], ...]
    """``(property, allowed values)`` pairs taken from ``const``/``enum`` of its properties."""


def accept(instance: Any, pointer: str, issues: list[SchemaIssue], severity: str) -> bool:
    """The compiled form of the ``true`` schema (and of schemas with only annotations)."""
    return True


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


# -- equality (enum, const, uniqueItems) --------------------------------------------------


def json_equal(one: Any, two: Any) -> bool:
    """Equality as JSON Schema (and ``jsonschema``) define it: ``1 == 1.0``, ``True != 1``,
    containers compared element by element."""
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(json_equal(a, b) for a, b in zip(one, two))
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
    """``repr`` for messages, cut to one short line."""
    text = repr(value)
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


# -- oneOf / anyOf ----------------------------------------------------------------------


def any_of(
    instance: Any,
    pointer: str,
    issues: list[SchemaIssue],
    severity: str,
    branches: tuple[Branch, ...],
    schema_path: str,
) -> bool:
    results = [_try(branch, instance, pointer, severity) for branch in branches]
    if any(valid for valid, _ in results):
        for valid, found in results:
            if valid:
                issues.extend(found)
        return True
    _report_best(instance, pointer, issues, severity, branches, results, "anyOf", schema_path)
    return False


def one_of(
    instance: Any,
    pointer: str,
    issues: list[SchemaIssue],
    severity: str,
    branches: tuple[Branch, ...],
    schema_path: str,
) -> bool:
    results = [_try(branch, instance, pointer, severity) for branch in branches]
    matched = [index for index, (valid, _) in enumerate(results) if valid]
    if len(matched) == 1:
        issues.extend(results[matched[0]][1])
        return True
    if not matched:
        _report_best(instance, pointer, issues, severity, branches, results, "oneOf", schema_path)
        return False
    which = ", ".join(str(index) for index in matched[:-1]) + f" and {matched[-1]}"
    message = f"{show(instance)} is valid under more than one of the given schemas ({which})"
    issues.append(SchemaIssue(pointer, "oneOf", message, severity, schema_path))
    return False


def _try(
    branch: Branch, instance: Any, pointer: str, severity: str
) -> tuple[bool, list[SchemaIssue]]:
    found: list[SchemaIssue] = []
    return branch.check(instance, pointer, found, severity), found


def _report_best(
    instance: Any,
    pointer: str,
    issues: list[SchemaIssue],
    severity: str,
    branches: tuple[Branch, ...],
    results: list[tuple[bool, list[SchemaIssue]]],
    keyword: str,
    schema_path: str,
) -> None:
    """Report the failures of the branch the instance most likely meant.

    Branches whose ``type`` matches the instance come first, then (for objects) a branch
    whose discriminating property (``const``/``enum``) matches, then the branch whose
    failures lie deepest in the instance. When no branch can take the instance's type at
    all, one issue lists the types that would do.
    """
    kinds = json_types(instance)
    best: tuple[int, int, int] | None = None
    chosen: list[SchemaIssue] = []
    for branch, (_, found) in zip(branches, results):
        fit = 1 if branch.types is None else (2 if branch.types & kinds else 0)
        if fit == 0:
            continue
        failures = [issue for issue in found if not issue.is_annotation]
        depth = max((issue.pointer.count("/") for issue in failures), default=0)
        score = (_discriminated(branch, instance), fit, depth)
        if best is None or score > best:
            best, chosen = score, failures
    if best is not None:
        issues.extend(chosen)
        return
    expected = _expected_types(branches)
    message = f"{show(instance)} is not valid under any of the given schemas"
    if expected:
        message += f" (expected {expected})"
    issues.append(SchemaIssue(pointer, keyword, message, severity, schema_path))


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


def is_valid(issues: list[SchemaIssue]) -> bool:
    """True when none of ``issues`` is an error (warnings and annotations are fine)."""
    return all(issue.severity != ERROR for issue in issues)
