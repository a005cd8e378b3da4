"""Turn one schema node into a *predicate*: ``def name__ok(x) -> bool``.

A predicate answers "is ``x`` valid?" and nothing else: it builds no issue, ignores
annotations and ``x-severity``, and returns at the first failure. It must agree with the
node's check on every instance (the tests compare them).
"""

from __future__ import annotations

from typing import Any

from .emit_support import (
    ALWAYS,
    NUMBER_LIMITS,
    Code,
    Context,
    const_failure,
    declared_type_names,
    emit_groups,
    enum_test,
    known_types,
    type_failure,
)
from .schema_registry import Location

SIGNATURE = "(x: Any) -> bool"


class _Predicate(Code):
    def reject_if(self, condition: str) -> None:
        with self.block(f"if {condition}:"):
            self.line("return False")

    def require(self, location: Location, instance: str = "x") -> None:
        target = self.ctx.predicate(location)
        if target != ALWAYS:
            self.reject_if(f"not {target}({instance})")


def emit_predicate(ctx: Context, location: Location, name: str, base: str) -> str:
    schema = ctx.node(location)
    code = _Predicate(ctx, location, name, SIGNATURE, base=base)
    if schema is False:
        code.line("return False")
        return code.source()
    names = declared_type_names(schema)
    if names is not None:
        code.reject_if(type_failure(names))
    if "enum" in schema:
        code.reject_if(f"not ({enum_test(code, schema['enum'])})")
    if "const" in schema:
        code.reject_if(const_failure(schema["const"]))
    emit_groups(code, schema, known_types(names), _emit_group)
    _emit_applicators(code, schema)
    code.line("return True")
    return code.source()


def _emit_group(code: Code, schema: dict[str, Any], types: frozenset[str]) -> None:
    assert isinstance(code, _Predicate)
    if "object" in types:
        _emit_object(code, schema)
    elif "array" in types:
        _emit_array(code, schema)
    elif "string" in types:
        if "minLength" in schema:
            code.reject_if(f"len(x) < {schema['minLength']}")
        if "maxLength" in schema:
            code.reject_if(f"len(x) > {schema['maxLength']}")
        if "pattern" in schema:
            code.reject_if(f"not {code.ctx.regex(schema['pattern'])}.found(x)")
    else:
        for keyword, operator, _ in NUMBER_LIMITS:
            if keyword in schema:
                code.reject_if(f"x {operator} {schema[keyword]!r}")


def _emit_array(code: _Predicate, schema: dict[str, Any]) -> None:
    prefix = schema.get("prefixItems", [])
    for index in range(len(prefix)):
        target = code.ctx.predicate(code.at("prefixItems", index))
        if target != ALWAYS:
            code.reject_if(f"len(x) > {index} and not {target}(x[{index}])")
    items = schema.get("items", True)
    if items is False:
        code.reject_if(f"len(x) > {len(prefix)}")
    elif "items" in schema:
        target = code.ctx.predicate(code.at("items"))
        if target != ALWAYS:
            values = f"x[{len(prefix)}:]" if prefix else "x"
            with code.block(f"for v in {values}:"):
                code.reject_if(f"not {target}(v)")
    if "minItems" in schema:
        code.reject_if(f"len(x) < {schema['minItems']}")
    if "maxItems" in schema:
        code.reject_if(f"len(x) > {schema['maxItems']}")
    if schema.get("uniqueItems") is True:
        code.reject_if("not has_unique_items(x)")


def _emit_object(code: _Predicate, schema: dict[str, Any]) -> None:
    _emit_properties(code, schema)
    required = schema.get("required", [])
    if required:
        code.reject_if(" or ".join(f"{name!r} not in x" for name in required))
    for name, needed in schema.get("dependentRequired", {}).items():
        if needed:
            missing = " or ".join(f"{each!r} not in x" for each in needed)
            code.reject_if(f"{name!r} in x and ({missing})")
    if "minProperties" in schema:
        code.reject_if(f"len(x) < {schema['minProperties']}")
    if "maxProperties" in schema:
        code.reject_if(f"len(x) > {schema['maxProperties']}")
    if "propertyNames" in schema:
        target = code.ctx.predicate(code.at("propertyNames"))
        if target != ALWAYS:
            with code.block("for k in x:"):
                code.reject_if(f"not {target}(key_text(k))")


def _emit_properties(code: _Predicate, schema: dict[str, Any]) -> None:
    ctx = code.ctx
    props: dict[str, Any] = schema.get("properties", {})
    patterns: dict[str, Any] = schema.get("patternProperties", {})
    extra = schema.get("additionalProperties", True)
    entries = {name: ctx.predicate(code.at("properties", name)) for name in props}
    checked = {name: target for name, target in entries.items() if target != ALWAYS}
    if not patterns and extra is True:
        for name, target in checked.items():
            code.reject_if(f"{name!r} in x and not {target}(x[{name!r}])")
        return
    if not props and not patterns:
        if extra is False:
            code.reject_if("x")
            return
        target = ctx.predicate(code.at("additionalProperties"))
        if target != ALWAYS:
            with code.block("for v in x.values():"):
                code.reject_if(f"not {target}(v)")
        return
    table = ""
    if props:
        items = ", ".join(f"{name!r}: {target}" for name, target in entries.items())
        table = ctx.constant(f"{code.base}_property_tests", "{" + items + "}")
    with code.block("for k, v in x.items():"):
        if table:
            code.line(f"f = {table}.get(k)")
            if checked:
                code.reject_if("f is not None and not f(v)")
        if patterns:
            code.line("ks = key_text(k)")
            code.line("m = f is not None" if table else "m = False")
            for pattern in patterns:
                with code.block(f"if {ctx.regex(pattern)}.found(ks):"):
                    code.line("m = True")
                    code.require(code.at("patternProperties", pattern), "v")
            condition = "not m"
        else:
            condition = "f is None"
        _emit_extra(code, extra, condition)


def _emit_extra(code: _Predicate, extra: Any, condition: str) -> None:
    """``additionalProperties`` for keys that matched nothing (``condition`` says so)."""
    if extra is True:
        return
    if extra is False:
        code.reject_if(condition)
        return
    target = code.ctx.predicate(code.at("additionalProperties"))
    if target != ALWAYS:
        code.reject_if(f"{condition} and not {target}(v)")


def _emit_applicators(code: _Predicate, schema: dict[str, Any]) -> None:
    ctx = code.ctx
    if "$ref" in schema:
        code.require(ctx.ref_target(code.location))
    for index in range(len(schema.get("allOf", []))):
        code.require(code.at("allOf", index))
    if "anyOf" in schema:
        tests = [ctx.predicate(code.at("anyOf", i)) for i in range(len(schema["anyOf"]))]
        if ALWAYS not in tests:
            code.reject_if("not (" + " or ".join(f"{test}(x)" for test in tests) + ")")
    if "oneOf" in schema:
        tests = [ctx.predicate(code.at("oneOf", i)) for i in range(len(schema["oneOf"]))]
        code.reject_if("(" + " + ".join(f"{test}(x)" for test in tests) + ") != 1")
    if "not" in schema:
        code.reject_if(f"{ctx.predicate(code.at('not'))}(x)")
    if "if" in schema and ("then" in schema or "else" in schema):
        condition = ctx.predicate(code.at("if"))
        then = ctx.predicate(code.at("then")) if "then" in schema else ALWAYS
        otherwise = ctx.predicate(code.at("else")) if "else" in schema else ALWAYS
        if then != ALWAYS:
            code.reject_if(f"{condition}(x) and not {then}(x)")
        if otherwise != ALWAYS:
            code.reject_if(f"not {condition}(x) and not {otherwise}(x)")
