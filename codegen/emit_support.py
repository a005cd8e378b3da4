"""What both emitters share: the module-building context they call back into, a small
line buffer for one function, and the type tests.

Two kinds of functions are generated per schema node:

* a *check* ``name(x, p, out, sev) -> bool`` that reports issues (``check_emitter``);
* a *predicate* ``name__ok(x) -> bool`` that only answers "valid?", stopping at the
  first failure (``predicate_emitter``). ``if`` and ``not`` subschemas, and the first
  pass over ``oneOf``/``anyOf`` branches, only need that answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from .schema_keywords import ARRAY_KEYWORDS, NUMBER_KEYWORDS, OBJECT_KEYWORDS, STRING_KEYWORDS
from .schema_registry import Location

TYPE_TESTS = {
    "null": "x is None",
    "boolean": "isinstance(x, bool)",
    "integer": "is_integer(x)",
    "number": "is_number(x)",
    "string": "isinstance(x, str)",
    "array": "isinstance(x, list)",
    "object": "isinstance(x, dict)",
}
_PLAIN_TYPES = {"boolean": "bool", "string": "str", "array": "list", "object": "dict"}
GROUPS = (  # keywords that only look at one JSON type: (keywords, types, guard)
    (OBJECT_KEYWORDS, frozenset({"object"}), "isinstance(x, dict)"),
    (ARRAY_KEYWORDS, frozenset({"array"}), "isinstance(x, list)"),
    (STRING_KEYWORDS, frozenset({"string"}), "isinstance(x, str)"),
    (NUMBER_KEYWORDS, frozenset({"integer", "number"}), "is_number(x)"),
)
ACCEPT = "accept"
"""Name of the run-time check of the ``true`` schema."""
ALWAYS = "always"
"""Name of the run-time predicate of the ``true`` schema."""


@dataclass(frozen=True, slots=True)
class Knowledge:
    """The property names and patterns a node and its in-place subschemas define;
    ``everything`` when one of them has ``additionalProperties`` other than ``false``."""

    names: tuple[str, ...]
    patterns: tuple[str, ...]
    everything: bool


class Context(Protocol):
    """What the emitters need from the module being built."""

    def node(self, location: Location) -> Any: ...
    def check(self, location: Location) -> str: ...
    def predicate(self, location: Location) -> str: ...
    def ref_target(self, location: Location) -> Location: ...
    def regex(self, pattern: str) -> str: ...
    def constant(self, name: str, expression: str) -> str: ...
    def is_deprecated(self, location: Location) -> bool: ...
    def branch(self, location: Location) -> str: ...
    def knowledge(self, location: Location) -> Knowledge | None: ...


def py(value: Any) -> str:
    """A Python literal for a JSON value, deterministic (dict order kept, no sets)."""
    return repr(value)


def escape_token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


class Code:
    """The lines of one generated function."""

    def __init__(
        self, ctx: Context, location: Location, name: str, signature: str, base: str
    ) -> None:
        self.ctx, self.location, self.name = ctx, location, name
        self.base = base
        """Prefix of the module constants this node needs (shared by check and predicate)."""
        self.lines = [f"def {name}{signature}:", f"    # {location}"]
        self.depth = 1

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        """An indented block under ``header``; dropped again if nothing went into it."""
        self.line(header)
        size = len(self.lines)
        self.depth += 1
        yield
        self.depth -= 1
        if len(self.lines) == size:
            self.lines.pop()

    def at(self, *tokens: str | int) -> Location:
        return self.location.child(*tokens)

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


def declared_type_names(schema: dict[str, Any]) -> list[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    names = [declared] if isinstance(declared, str) else list(declared)
    if "number" in names and "integer" in names:
        names.remove("integer")
    return names


def type_failure(names: list[str]) -> str:
    """A condition that holds when ``x`` has none of the JSON types ``names``."""
    if names == ["null"]:
        return "x is not None"
    plain = [_PLAIN_TYPES[each] for each in names if each in _PLAIN_TYPES]
    tests = [TYPE_TESTS[each] for each in names if each not in _PLAIN_TYPES]
    if len(plain) == 1:
        tests.insert(0, f"isinstance(x, {plain[0]})")
    elif plain:
        tests.insert(0, f"isinstance(x, ({', '.join(plain)}))")
    if "null" in names:
        tests.remove("x is None")
        tests.append("x is None")
    if len(tests) == 1:
        return f"not {tests[0]}"
    return f"not ({' or '.join(tests)})" if tests else "True"


def known_types(names: list[str] | None) -> frozenset[str] | None:
    """The types ``x`` can still have after the ``type`` test passed (``None`` = any)."""
    if names is None:
        return None
    return frozenset(names) | ({"integer"} if "number" in names else frozenset())


def emit_groups(
    code: Code,
    schema: dict[str, Any],
    known: frozenset[str] | None,
    emit: Callable[[Code, dict[str, Any], frozenset[str]], None],
) -> None:
    """Emit the type-specific keywords of ``schema`` with ``emit``, each group under an
    ``isinstance`` guard unless the ``type`` test already settled the instance's type."""
    for keywords, types, guard in GROUPS:
        present = [keyword for keyword in schema if keyword in keywords]
        if not present or (known is not None and not known & types):
            continue
        if known is not None and known <= types:
            emit(code, schema, types)
        else:
            with code.block(f"if {guard}:"):
                emit(code, schema, types)


def enum_test(code: Code, values: list[Any]) -> str:
    """A condition that holds when ``x`` is one of ``values`` (JSON equality)."""
    if values and all(isinstance(each, str) for each in values):
        table = code.ctx.constant(
            f"{code.base}_enum", f"frozenset({py(tuple(sorted(set(values))))})"
        )
        return f"isinstance(x, str) and x in {table}"
    table = code.ctx.constant(f"{code.base}_enum", py(tuple(values)))
    return f"in_enum(x, {table})"


def const_failure(value: Any) -> str:
    """A condition that holds when ``x`` is not (JSON-)equal to ``value``."""
    if value is None or isinstance(value, bool):
        return f"x is not {py(value)}"
    if isinstance(value, str):
        return f"x != {py(value)}"
    return f"not json_equal(x, {py(value)})"


NUMBER_LIMITS = (
    ("minimum", "<", " is less than the minimum of "),
    ("maximum", ">", " is greater than the maximum of "),
    ("exclusiveMinimum", "<=", " is less than or equal to the minimum of "),
    ("exclusiveMaximum", ">=", " is greater than or equal to the maximum of "),
)
"""(keyword, operator that means failure, message)."""
