"""Turn one schema node into a *check*: a function that reports issues.

``def name(x, p, out, sev) -> bool`` (see ``conformance/schema_validation.py``): ``x`` is
the instance, ``p`` its JSON pointer, ``out`` collects issues, ``sev`` is the severity
failures get. Each keyword becomes a few plain statements; subschemas are calls to the
functions of their own nodes, which the :class:`~.emit_support.Context` names (and
compiles once).
"""

from __future__ import annotations

import json
from typing import Any

from .emit_support import (
    ACCEPT,
    NUMBER_LIMITS,
    Code,
    Context,
    Knowledge,
    const_failure,
    declared_type_names,
    emit_groups,
    enum_test,
    escape_token,
    known_types,
    py,
    type_failure,
)
from .schema_registry import Location

SIGNATURE = "(x: Any, p: str, out: list[SchemaIssue], sev: str) -> bool"
_NOT_SCHEMA_SHOWN = 100


class _Check(Code):
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
            f"out.append(SchemaIssue(p, {py(keyword)}, {message}, sev, {py(str(where))}{extra}))"
        )

    def annotate(
        self,
        keyword: str,
        severity: str,
        message: str,
        where: Location,
        prop: str,
        *,
        rule: str | None = None,
    ) -> None:
        extra = f", rule={py(rule)}" if rule is not None else ""
        self.line(
            f"out.append(SchemaIssue(p, {py(keyword)}, {message}, {py(severity)}, "
            f"{py(str(where))}, {prop}{extra}))"
        )

    def call(self, target: str, instance: str, pointer: str) -> str:
        return f"{target}({instance}, {pointer}, out, sev)"

    def apply(self, location: Location, instance: str = "x", pointer: str = "p") -> None:
        target = self.ctx.check(location)
        if target != ACCEPT:
            with self.block(f"if not {self.call(target, instance, pointer)}:"):
                self.line("ok = False")


def emit_check(ctx: Context, location: Location, name: str) -> str:
    """The check of the node at ``location``; a node with ``x-rule`` gets a wrapper that
    tags every issue found below it with that rule id (see ``tag_rule``)."""
    schema = ctx.node(location)
    rule = schema.get("x-rule") if isinstance(schema, dict) else None
    if rule is None:
        return _emit_body(ctx, location, name, name)
    inner = name + "__tagged"
    wrapper = _Check(ctx, location, name, SIGNATURE, base=name)
    wrapper.line("n = len(out)")
    wrapper.line(f"ok = {inner}(x, p, out, sev)")
    with wrapper.block("if len(out) > n:"):
        wrapper.line(f"tag_rule(out, n, {py(rule)})")
    wrapper.line("return ok")
    return _emit_body(ctx, location, inner, name) + "\n\n" + wrapper.source()


def _emit_body(ctx: Context, location: Location, name: str, base: str) -> str:
    schema = ctx.node(location)
    code = _Check(ctx, location, name, SIGNATURE, base=base)
    if schema is False:
        code.fail("false", "'False schema does not allow ' + show(x)", location, set_ok=False)
        code.line("return False")
        return code.source()
    if "x-severity" in schema:
        code.line(f"sev = {py(schema['x-severity'])}")
    code.line("ok = True")
    knowledge = ctx.knowledge(location)
    if knowledge is not None:
        code.line("start = len(out)")
    names = declared_type_names(schema)
    if names is not None:
        expected = ", ".join(repr(each) for each in _as_list(schema["type"]))
        with code.block(f"if {type_failure(names)}:"):
            message = f"show(x) + {py(' is not of type ' + expected)}"
            code.fail("type", message, code.at("type"), set_ok=False)
            code.line("return False")
    if "enum" in schema:
        with code.block(f"if not ({enum_test(code, schema['enum'])}):"):
            message = f"show(x) + {py(' is not one of ' + repr(schema['enum']))}"
            code.fail("enum", message, code.at("enum"))
    if "const" in schema:
        with code.block(f"if {const_failure(schema['const'])}:"):
            code.fail("const", py(f"{schema['const']!r} was expected"), code.at("const"))
    emit_groups(code, schema, known_types(names), _emit_group)
    _emit_applicators(code, schema)
    if knowledge is not None:
        _emit_prune(code, knowledge)
    code.line("return ok")
    return code.source()


def _as_list(declared: str | list[str]) -> list[str]:
    return [declared] if isinstance(declared, str) else declared


def _emit_prune(code: _Check, knowledge: Knowledge) -> None:
    """Drop ``x-unknown-key`` annotations for keys another in-place subschema defines."""
    if knowledge.everything:
        code.line("prune_unknown(out, start, p)")
        return
    names = code.ctx.constant(f"{code.base}_known", f"frozenset({py(knowledge.names)})")
    patterns = "".join(f"{code.ctx.regex(each)}, " for each in knowledge.patterns)
    code.line(f"prune_unknown(out, start, p, {names}, ({patterns}))")


def _emit_group(code: Code, schema: dict[str, Any], types: frozenset[str]) -> None:
    assert isinstance(code, _Check)
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


def _emit_string(code: _Check, schema: dict[str, Any]) -> None:
    if "minLength" in schema:
        limit = schema["minLength"]
        with code.block(f"if len(x) < {limit}:"):
            code.fail("minLength", f"show(x) + {_too_few(limit)}", code.at("minLength"))
    if "maxLength" in schema:
        limit = schema["maxLength"]
        with code.block(f"if len(x) > {limit}:"):
            code.fail("maxLength", f"show(x) + {_too_many(limit)}", code.at("maxLength"))
    if "pattern" in schema:
        with code.block(f"if not {code.ctx.regex(schema['pattern'])}.found(x):"):
            message = f"show(x) + {py(' does not match ' + repr(schema['pattern']))}"
            code.fail("pattern", message, code.at("pattern"))


def _emit_number(code: _Check, schema: dict[str, Any]) -> None:
    for keyword, operator, text in NUMBER_LIMITS:
        if keyword in schema:
            limit = schema[keyword]
            with code.block(f"if x {operator} {py(limit)}:"):
                code.fail(keyword, f"show(x) + {py(text + repr(limit))}", code.at(keyword))


def _emit_array(code: _Check, schema: dict[str, Any]) -> None:
    prefix = schema.get("prefixItems", [])
    for index in range(len(prefix)):
        target = code.ctx.check(code.at("prefixItems", index))
        if target != ACCEPT:
            call = code.call(target, f"x[{index}]", f"p + {py(f'/{index}')}")
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


def _emit_items(code: _Check, items: Any, prefix: int) -> None:
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
    if target == ACCEPT:
        return
    loop = "for i, v in enumerate(x):" if not prefix else f"for i in range({prefix}, len(x)):"
    call = code.call(target, "v" if not prefix else "x[i]", 'p + "/" + str(i)')
    with code.block(loop), code.block(f"if not {call}:"):
        code.line("ok = False")


def _emit_object(code: _Check, schema: dict[str, Any]) -> None:
    _emit_properties(code, schema)
    for name in schema.get("required", []):
        with code.block(f"if {py(name)} not in x:"):
            message = py(f"{name!r} is a required property")
            code.fail("required", message, code.at("required"), py(name))
    for name, needed in schema.get("dependentRequired", {}).items():
        with code.block(f"if {py(name)} in x:"):
            for each in needed:
                with code.block(f"if {py(each)} not in x:"):
                    message = py(f"{each!r} is a dependency of {name!r}")
                    where = code.at("dependentRequired", name)
                    code.fail("dependentRequired", message, where, py(each))
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
        if target != ACCEPT:
            # YAML may have non-string keys: the name a key is checked as is its text.
            call = code.call(target, "key_text(k)", "p")
            with code.block("for k in x:"):
                code.line("n = len(out)")
                with code.block(f"if not {call}:"):
                    code.line("ok = False")
                    code.line("name_key(out, n, k)")


def _emit_properties(code: _Check, schema: dict[str, Any]) -> None:
    """``properties``, ``patternProperties``, ``additionalProperties`` and the
    ``x-unknown-key`` / ``deprecated`` annotations, in one pass over the instance's keys."""
    ctx = code.ctx
    props: dict[str, Any] = schema.get("properties", {})
    patterns: dict[str, Any] = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties")
    unknown = "properties" in schema and "additionalProperties" not in schema
    entries = {name: ctx.check(code.at("properties", name)) for name in props}
    checked = any(target != ACCEPT for target in entries.values())
    handles_extra = unknown or extra not in (None, True)
    if checked or patterns or handles_extra:
        table = ""
        if props:
            items = ", ".join(
                f"{py(name)}: ({target}, {py('/' + escape_token(name))})"
                for name, target in entries.items()
            )
            table = ctx.constant(f"{code.base}_properties", "{" + items + "}")
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
                    with code.block(f"if {ctx.regex(pattern)}.found(ks):"):
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
                message = py(f"{name!r} is deprecated")
                rule = _rule_of(ctx.node(code.at("properties", name)))
                code.annotate("deprecated", "warning", message, where, py(name), rule=rule)


def _emit_extra(code: _Check, extra: Any, unknown: bool) -> None:
    if unknown:
        message = "show(k) + ' is not a property the schema defines'"
        code.annotate("x-unknown-key", "info", message, code.at("properties"), "key_text(k)")
    elif extra is False:
        message = "'Additional properties are not allowed (' + show(k) + ' was unexpected)'"
        code.fail("additionalProperties", message, code.at("additionalProperties"), "key_text(k)")
    else:
        _apply_to_value(code, code.at("additionalProperties"))


def _rule_of(schema: Any) -> str | None:
    """The ``x-rule`` of a property's own node: a ``deprecated`` annotation about the
    property belongs to it, though the object's node reports it."""
    rule = schema.get("x-rule") if isinstance(schema, dict) else None
    return rule if isinstance(rule, str) else None


def _apply_to_value(code: _Check, location: Location) -> None:
    code.apply(location, "v", "p + token(k)")
    if code.ctx.is_deprecated(location):
        message = "show(k) + ' is deprecated'"
        where = location.child("deprecated")
        rule = _rule_of(code.ctx.node(location))
        code.annotate("deprecated", "warning", message, where, "key_text(k)", rule=rule)


def _emit_applicators(code: _Check, schema: dict[str, Any]) -> None:
    ctx = code.ctx
    if "$ref" in schema:
        code.apply(ctx.ref_target(code.location))
    for index in range(len(schema.get("allOf", []))):
        code.apply(code.at("allOf", index))
    for keyword, helper in (("anyOf", "any_of"), ("oneOf", "one_of")):
        if keyword in schema:
            branches = [ctx.branch(code.at(keyword, i)) for i in range(len(schema[keyword]))]
            where = py(str(code.at(keyword)))
            alternatives = f"Alternatives({keyword!r}, {where}, ({', '.join(branches)},))"
            table = ctx.constant(f"{code.base}_{keyword}", alternatives)
            call = f"{helper}(x, p, out, sev, {table})"
            with code.block(f"if not {call}:"):
                code.line("ok = False")
    if "not" in schema:
        shown = json.dumps(schema["not"], sort_keys=True)
        if len(shown) > _NOT_SCHEMA_SHOWN:
            shown = shown[: _NOT_SCHEMA_SHOWN - 3] + "..."
        with code.block(f"if {ctx.predicate(code.at('not'))}(x):"):
            message = f"show(x) + {py(' should not be valid under ' + shown)}"
            code.fail("not", message, code.at("not"))
    if "if" in schema and ("then" in schema or "else" in schema):
        _emit_conditional(code, schema)


def _emit_conditional(code: _Check, schema: dict[str, Any]) -> None:
    """``if`` only decides (its annotations are dropped: a condition declares nothing)."""
    ctx = code.ctx
    condition = ctx.predicate(code.at("if"))
    then = ctx.check(code.at("then")) if "then" in schema else ACCEPT
    otherwise = ctx.check(code.at("else")) if "else" in schema else ACCEPT
    if then != ACCEPT:
        with code.block(f"if {condition}(x):"), code.block(f"if not {code.call(then, 'x', 'p')}:"):
            code.line("ok = False")
        if otherwise != ACCEPT:
            with code.block(f"elif not {code.call(otherwise, 'x', 'p')}:"):
                code.line("ok = False")
    elif otherwise != ACCEPT:
        with code.block(f"if not {condition}(x) and not {code.call(otherwise, 'x', 'p')}:"):
            code.line("ok = False")
