"""The JSON Schema keywords the compiler supports, and where subschemas sit in a schema.

Only the subset below is compiled; anything else is refused with a
:class:`~.schema_registry.SchemaCompileError`, so a schema can never silently mean more
than the generated validator checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..conformance.findings import join_pointer

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

SINGLE_SCHEMA_KEYWORDS = frozenset(
    {"additionalProperties", "propertyNames", "items", "not", "if", "then", "else"}
)
"""Keywords whose value is one subschema."""
SCHEMA_MAP_KEYWORDS = frozenset({"properties", "patternProperties", "$defs"})
"""Keywords whose value maps names to subschemas."""
SCHEMA_LIST_KEYWORDS = frozenset({"prefixItems", "allOf", "anyOf", "oneOf"})
"""Keywords whose value is a list of subschemas."""

ANNOTATION_KEYWORDS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "format",
    }
)
"""Keywords that never assert anything (``deprecated`` yields an annotation issue)."""

ASSERTION_KEYWORDS = frozenset(
    {
        "type",
        "enum",
        "const",
        "required",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "minItems",
        "maxItems",
        "uniqueItems",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    }
)

VENDOR_KEYWORDS = frozenset({"x-severity", "x-rule"})
"""Our own keywords: ``x-severity`` (see ``SEVERITIES``) and ``x-rule`` (a rule id)."""
SEVERITIES = ("warning", "info")
"""Values ``x-severity`` may take (failures default to ``error``)."""

SUPPORTED_KEYWORDS = (
    SINGLE_SCHEMA_KEYWORDS
    | SCHEMA_MAP_KEYWORDS
    | SCHEMA_LIST_KEYWORDS
    | ANNOTATION_KEYWORDS
    | ASSERTION_KEYWORDS
    | VENDOR_KEYWORDS
    | {"$ref"}
)

OBJECT_KEYWORDS = frozenset(
    {
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "required",
        "minProperties",
        "maxProperties",
        "dependentRequired",
    }
)
ARRAY_KEYWORDS = frozenset({"prefixItems", "items", "minItems", "maxItems", "uniqueItems"})
STRING_KEYWORDS = frozenset({"pattern", "minLength", "maxLength"})
NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"})

TYPE_NAMES = ("null", "boolean", "integer", "number", "string", "array", "object")


def child_schemas(schema: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    """``(pointer, subschema)`` for every direct subschema of ``schema`` at ``pointer``.

    Values of data keywords (``enum``, ``const``, ``default``, ``examples`` …) are not
    schemas and are never visited.
    """
    if not isinstance(schema, dict):
        return
    for keyword, value in schema.items():
        if keyword in SINGLE_SCHEMA_KEYWORDS:
            yield join_pointer(pointer, keyword), value
        elif keyword in SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            for name, sub in value.items():
                yield join_pointer(pointer, keyword, name), sub
        elif keyword in SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            for index, sub in enumerate(value):
                yield join_pointer(pointer, keyword, index), sub


def walk_schemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Every schema position below and including ``schema``, parents first, in file order."""
    stack = [(pointer, schema)]
    while stack:
        here, node = stack.pop()
        yield here, node
        stack.extend(reversed(list(child_schemas(node, here))))


def json_type_of(value: Any) -> str:
    """The JSON type name of a JSON value taken from a schema (``const``/``enum``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def declared_types(schema: Any) -> frozenset[str] | None:
    """The JSON types a schema admits, as far as its own keywords say; ``None`` = any."""
    if schema is False:
        return frozenset()
    if not isinstance(schema, dict):
        return None
    found: frozenset[str] | None = None
    declared = schema.get("type")
    if isinstance(declared, str):
        found = frozenset({declared})
    elif isinstance(declared, list):
        found = frozenset(declared)
    if "const" in schema:
        found = _narrow(found, frozenset({json_type_of(schema["const"])}))
    if isinstance(schema.get("enum"), list):
        found = _narrow(found, frozenset(json_type_of(each) for each in schema["enum"]))
    return found


def _narrow(found: frozenset[str] | None, extra: frozenset[str]) -> frozenset[str]:
    if "integer" in extra:
        extra |= {"number"}
    if found is None:
        return extra
    widened = found | ({"integer"} if "number" in found else set())
    return frozenset(widened & extra)
