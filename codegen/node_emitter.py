"""Turn one schema node into the source of one Python check function.

The function has the shape ``def name(x, p, out, sev) -> bool`` (see
``conformance/schema_validation.py``): ``x`` is the instance, ``p`` its JSON pointer,
``out`` collects issues, ``sev`` is the severity failures get. Each keyword becomes a few
plain statements; subschemas are calls to the functions of their own nodes, which the
:class:`Context` names (and compiles once).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from .schema_keywords import (
    ARRAY_KEYWORDS,
    NUMBER_KEYWORDS,
    OBJECT_KEYWORDS,
    STRING_KEYWORDS,
)
from .schema_registry import Location

_TYPE_TESTS = {
    "null": "x is None",
    "boolean": "isinstance(x, bool)",
    "integer": "is_integer(x)",
    "number": "is_number(x)",
    "string": "isinstance(x, str)",
    "array": "isinstance(x, list)",
    "object": "isinstance(x, dict)",
}
_GROUPS = (  # keywords that only look at one JSON type: (keywords, types, guard)
    (OBJECT_KEYWORDS, frozenset({"object"}), "isinstance(x, dict)"),
    (ARRAY_KEYWORDS, frozenset({"array"}), "isinstance(x, list)"),
    (STRING_KEYWORDS, frozenset({"string"}), "isinstance(x, str)"),
    (NUMBER_KEYWORDS, frozenset({"integer", "number"}), "is_number(x)"),
)
_NOT_SCHEMA_SHOWN = 100
SIGNATURE = "(x: Any, p: str, out: list[SchemaIssue], sev: str) -> bool"


class Context(Protocol):
    """What the emitter needs from the module being built."""

    def node(self, location: Location) -> Any: ...
    def check(self, location: Location) -> str: ...
    def ref_target(self, location: Location) -> Location: ...
    def regex(self, pattern: str) -> str: ...
    def constant(self, name: str, expression: str) -> str: ...
    def is_deprecated(self, location: Location) -> bool: ...
    def branch(self, location: Location) -> str: ...


def py(value: Any) -> str:
    """A Python literal for a JSON value, deterministic (dict order kept, no sets)."""
    return repr(value)


def emit_function(ctx: Context, location: Location, name: str) -> str:
    schema = ctx.node(location)
    code = _Code(ctx, location, name)
    if schema is False:
        code.fail("false", "'False schema does not allow ' + show(x)", location, set_ok=False)
        code.line("return False")
        return code.source()
    assert isinstance(schema, dict)
    if "x-severity" in schema:
        code.line(f"sev = {py(schema['x-severity'])}")
    code.line("ok = True")
    known = _emit_type(code, schema)
    _emit_enum_const(code, schema)
    for keywords, types, guard in _GROUPS:
        present = [keyword for keyword in schema if keyword in keywords]
        if not present or (known is not None and not known & types):
            continue
        if known is not None and known <= types:
            _emit_group(code, schema, types)
        else:
            with code.block(f"if {guard}:"):
                _emit_group(code, schema, types)
    _emit_applicators(code, schema)
    code.line("return ok")
    return code.source()


class _Code:
    """Lines of one function, with the helpers every keyword uses."""

    def __init__(self, ctx: Context, location: Location, name: str) -> None:
        self.ctx, self.location, self.name = ctx, location, name
        self.lines = [f"def {name}{SIGNATURE}:", f"    # {location}"]
        self.depth = 1

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    @contextmanager
    def block(self, header: str) -> Iterator[None]:
        self.line(header)
        self.depth += 1
        yield
        self.depth -= 1

    def at(self, *tokens: str | int) -> Location:
        return self.location.child(*tokens)

    def fail(
        self,
        keyword: str,
        message: str,
        where: Location,
        prop: str | None = None,
        *,
        set_ok: bool = True,
    ) -> None:
        """Record a failure of ``keyword``; ``message`` and ``prop`` are Python expressions."""
        extra = f", {prop}" if prop is not None else ""
        if set_ok:
            self.line("ok = False")
        self.line(
            f"out.append(SchemaIssue(p, {py(keyword)}, {message}, sev, "
            f"{py(str(where))}{extra}))"
        )

    def annotate(self, keyword: str, severity: str, message: str, where: Location, prop: str) -> None:
        self.line(
            f"out.append(SchemaIssue(p, {py(keyword)}, {message}, {py(severity)}, "
            f"{py(str(where))}, {prop}))"
        )

    def call(self, target: str, instance: str, pointer: str, issues: str = "out") -> str:
        return f"{target}({instance}, {pointer}, {issues}, sev)"

    def apply(self, location: Location, instance: str = "x", pointer: str = "p") -> None:
        target = self.ctx.check(location)
        if target != "accept":
            with self.block(f"if not {self.call(target, instance, pointer)}:"):
                self.line("ok = False")

    def source(self) -> str:
        return "\n".join(self.lines) + "\n"


def _emit_type(code: _Code, schema: dict[str, Any]) -> frozenset[str] | None:
    declared = schema.get("type")
    if declared is None:
        return None
    names = [declared] if isinstance(declared, str) else list(declared)
    if "number" in names and "integer" in names:
        names.remove("integer")
    test = " or ".join(_TYPE_TESTS[each] for each in names) or "False"
    expected = ", ".join(repr(each) for each in ([declared] if isinstance(declared, str) else declared))
    with code.block(f"if not ({test}):"):
        code.fail("type", f"show(x) + {py(' is not of type ' + expected)}", code.at("type"))
        code.line("return False")
    return frozenset(names) | ({"integer"} if "number" in names else frozenset())


def _emit_enum_const(code: _Code, schema: dict[str, Any]) -> None:
    if "enum" in schema:
        values = schema["enum"]
        message = f"show(x) + {py(' is not one of ' + repr(values))}"
        if values and all(isinstance(each, str) for each in values):
            table = code.ctx.constant(
                f"{code.name}_enum", f"frozenset({py(tuple(sorted(set(values))))})"
            )
            test = f"isinstance(x, str) and x in {table}"
        else:
            table = code.ctx.constant(f"{code.name}_enum", py(tuple(values)))
            test = f"in_enum(x, {table})"
        with code.block(f"if not ({test}):"):
            code.fail("enum", message, code.at("enum"))
    if "const" in schema:
        value = schema["const"]
        if value is None or isinstance(value, bool):
            test = f"x is not {py(value)}"
        elif isinstance(value, str):
            test = f"x != {py(value)}"
        else:
            test = f"not json_equal(x, {py(value)})"
        with code.block(f"if {test}:"):
            code.fail("const", py(f"{value!r} was expected"), code.at("const"))


def _emit_group(code: _Code, schema: dict[str, Any], types: frozenset[str]) -> None:
    if "object" in types:
        _emit_object(code, schema)
    elif "array" in types:
        _emit_array(code, schema)
    elif "string" in types:
        _emit_string(code, schema)
    else:
        _emit_number(code, schema)


def _too_few(limit: int) -> str:
    return "' should be non-empty'" if limit == 1 else "' is too short'"


def _too_many(limit: int) -> str:
    return "' is expected to be empty'" if limit == 0 else "' is too long'"


def _emit_string(code: _Code, schema: dict[str, Any]) -> None:
    if "minLength" in schema:
        limit = schema["minLength"]
        with code.block(f"if len(x) < {limit}:"):
            code.fail("minLength", f"show(x) + {_too_few(limit)}", code.at("minLength"))
    if "maxLength" in schema:
        limit = schema["maxLength"]
        with code.block(f"if len(x) > {limit}:"):
            code.fail("maxLength", f"show(x) + {_too_many(limit)}", code.at("maxLength"))
    if "pattern" in schema:
        regex = code.ctx.regex(schema["pattern"])
        with code.block(f"if not {regex}.search(x):"):
            message = f"show(x) + {py(' does not match ' + repr(schema['pattern']))}"
            code.fail("pattern", message, code.at("pattern"))


_NUMBER_LIMITS = (
    ("minimum", "<", " is less than the minimum of "),
    ("maximum", ">", " is greater than the maximum of "),
    ("exclusiveMinimum", "<=", " is less than or equal to the minimum of "),
    ("exclusiveMaximum", ">=", " is greater than or equal to the maximum of "),
)


def _emit_number(code: _Code, schema: dict[str, Any]) -> None:
    for keyword, operator, text in _NUMBER_LIMITS:
        if keyword in schema:
            limit = schema[keyword]
            with code.block(f"if x {operator} {py(limit)}:"):
                code.fail(keyword, f"show(x) + {py(text + repr(limit))}", code.at(keyword))


def _emit_array(code: _Code, schema: dict[str, Any]) -> None:
    prefix = schema.get("prefixItems", [])
    for index in range(len(prefix)):
        target = code.ctx.check(code.at("prefixItems", index))
        if target != "accept":
            call = code.call(target, f"x[{index}]", py(f"/{index}"))
            with code.block(f"if len(x) > {index} and not {call}:"):
                code.line("ok = False")
    if "items" in schema:
        _emit_items(code, schema["items"], len(prefix))
    if "minItems" in schema:
        limit = schema["minItems"]
        with code.block(f"if len(x) < {limit}:"):
            code.fail("minItems", f"show(x) + {_too_few(limit)}", code.at("minItems"))
    if "maxItems" in schema:
        limit = schema["maxItems"]
        with code.block(f"if len(x) > {limit}:"):
            code.fail("maxItems", f"show(x) + {_too_many(limit)}", code.at("maxItems"))
    if schema.get("uniqueItems") is True:
        with code.block("if not has_unique_items(x):"):
            code.fail("uniqueItems", "show(x) + ' has non-unique elements'", code.at("uniqueItems"))


def _emit_items(code: _Code, items: Any, prefix: int) -> None:
    if items is False:
        noun = "item" if prefix == 1 else "items"
        with code.block(f"if len(x) > {prefix}:"):
            message = (
                f"{py(f'Expected at most {prefix} {noun} but found ')} + "
                f"str(len(x) - {prefix}) + ' extra'"
            )
            code.fail("items", message, code.at("items"))
        return
    target = code.ctx.check(code.at("items"))
    if target == "accept":
        return
    loop = "for i, v in enumerate(x):" if not prefix else f"for i in range({prefix}, len(x)):"
    value = "v" if not prefix else "x[i]"
    with code.block(loop), code.block(f"if not {code.call(target, value, 'p + \"/\" + str(i)')}:"):
        code.line("ok = False")


def _emit_object(code: _Code, schema: dict[str, Any]) -> None:
    _emit_properties(code, schema)
    for name in schema.get("required", []):
        with code.block(f"if {py(name)} not in x:"):
            code.fail(
                "required", py(f"{name!r} is a required property"), code.at("required"), py(name)
            )
    for name, needed in schema.get("dependentRequired", {}).items():
        with code.block(f"if {py(name)} in x:"):
            for each in needed:
                with code.block(f"if {py(each)} not in x:"):
                    message = py(f"{each!r} is a dependency of {name!r}")
                    code.fail("dependentRequired", message, code.at("dependentRequired", name), py(each))
    if "minProperties" in schema:
        limit = schema["minProperties"]
        with code.block(f"if len(x) < {limit}:"):
            text = "' should be non-empty'" if limit == 1 else "' does not have enough properties'"
            code.fail("minProperties", f"show(x) + {text}", code.at("minProperties"))
    if "maxProperties" in schema:
        limit = schema["maxProperties"]
        with code.block(f"if len(x) > {limit}:"):
            text = "' is expected to be empty'" if limit == 0 else "' has too many properties'"
            code.fail("maxProperties", f"show(x) + {text}", code.at("maxProperties"))
    if "propertyNames" in schema:
        target = code.ctx.check(code.at("propertyNames"))
        if target != "accept":
            with code.block("for k in x:"), code.block(f"if not {code.call(target, 'k', 'p')}:"):
                code.line("ok = False")


def _emit_properties(code: _Code, schema: dict[str, Any]) -> None:
    """``properties``, ``patternProperties``, ``additionalProperties`` and the
    ``x-unknown-key`` / ``deprecated`` annotations, in one pass over the instance's keys."""
    ctx = code.ctx
    props: dict[str, Any] = schema.get("properties", {})
    patterns: dict[str, Any] = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties", None)
    unknown = "properties" in schema and "additionalProperties" not in schema
    entries = {name: ctx.check(code.at("properties", name)) for name in props}
    checked = any(target != "accept" for target in entries.values())
    handles_extra = unknown or extra not in (None, True)
    if checked or patterns or handles_extra:
        table = ""
        if props:
            items = ", ".join(
                f"{py(name)}: ({target}, {py('/' + _escape(name))})"
                for name, target in entries.items()
            )
            table = ctx.constant(f"{code.name}_properties", "{" + items + "}")
        with code.block("for k, v in x.items():"):
            if table:
                code.line(f"e = {table}.get(k)")
            if table and (checked or (handles_extra and not patterns)):
                with code.block("if e is not None:"):
                    if checked:
                        with code.block("if not e[0](v, p + e[1], out, sev):"):
                            code.line("ok = False")
                    if handles_extra and not patterns:
                        code.line("continue")
            if patterns:
                code.line("ks = key_text(k)")
                code.line("m = e is not None" if table else "m = False")
                for pattern in patterns:
                    with code.block(f"if {ctx.regex(pattern)}.search(ks):"):
                        code.line("m = True")
                        _apply_to_value(code, code.at("patternProperties", pattern))
                if handles_extra:
                    with code.block("if not m:"):
                        _emit_extra(code, extra, unknown)
            elif handles_extra:
                _emit_extra(code, extra, unknown)
    for name in props:
        if ctx.is_deprecated(code.at("properties", name)):
            with code.block(f"if {py(name)} in x:"):
                where = code.at("properties", name, "deprecated")
                code.annotate("deprecated", "warning", py(f"{name!r} is deprecated"), where, py(name))


def _emit_extra(code: _Code, extra: Any, unknown: bool) -> None:
    if unknown:
        message = "show(k) + ' is not a property the schema defines'"
        code.annotate("x-unknown-key", "info", message, code.at("properties"), "key_text(k)")
    elif extra is False:
        message = "'Additional properties are not allowed (' + show(k) + ' was unexpected)'"
        code.fail("additionalProperties", message, code.at("additionalProperties"), "key_text(k)")
    else:
        _apply_to_value(code, code.at("additionalProperties"))


def _apply_to_value(code: _Code, location: Location) -> None:
    code.apply(location, "v", "p + token(k)")
    if code.ctx.is_deprecated(location):
        message = "show(k) + ' is deprecated'"
        code.annotate("deprecated", "warning", message, location.child("deprecated"), "key_text(k)")


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _emit_applicators(code: _Code, schema: dict[str, Any]) -> None:
    ctx = code.ctx
    if "$ref" in schema:
        code.apply(ctx.ref_target(code.location))
    for index in range(len(schema.get("allOf", []))):
        code.apply(code.at("allOf", index))
    for keyword, helper in (("anyOf", "any_of"), ("oneOf", "one_of")):
        if keyword in schema:
            branches = ", ".join(
                ctx.branch(code.at(keyword, index)) for index in range(len(schema[keyword]))
            )
            table = ctx.constant(f"{code.name}_{keyword}", f"({branches},)")
            call = f"{helper}(x, p, out, sev, {table}, {py(str(code.at(keyword)))})"
            with code.block(f"if not {call}:"):
                code.line("ok = False")
    if "not" in schema:
        shown = json.dumps(schema["not"], sort_keys=True)
        if len(shown) > _NOT_SCHEMA_SHOWN:
            shown = shown[: _NOT_SCHEMA_SHOWN - 3] + "..."
        with code.block(f"if {code.call(ctx.check(code.at('not')), 'x', 'p', '[]')}:"):
            message = f"show(x) + {py(' should not be valid under ' + shown)}"
            code.fail("not", message, code.at("not"))
    if "if" in schema and ("then" in schema or "else" in schema):
        _emit_conditional(code, schema)


def _emit_conditional(code: _Code, schema: dict[str, Any]) -> None:
    code.line("b: list[SchemaIssue] = []")
    with code.block(f"if {code.call(code.ctx.check(code.at('if')), 'x', 'p', 'b')}:"):
        code.line("out.extend(b)")
        if "then" in schema:
            code.apply(code.at("then"))
    if "else" in schema and code.ctx.check(code.at("else")) != "accept":
        with code.block("else:"):
            code.apply(code.at("else"))
