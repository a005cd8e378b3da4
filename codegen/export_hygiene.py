"""What every schema we export for other tools needs beyond a faithful translation.

Ajv in strict mode (the validator SchemaStore's CI runs) refuses unknown keywords and a
``required`` name that the same schema object does not declare in ``properties``
(``strictRequired``), and a ``type`` with several non-null types (``strictTypes``). So
exports drop our own ``x-*`` annotations, declare each such name with the empty schema
(which constrains nothing), and split union types into ``anyOf``: the set of accepted
instances stays exactly the same.
"""

from __future__ import annotations

from typing import Any

from .schema_keywords import ARRAY_KEYWORDS, NUMBER_KEYWORDS, OBJECT_KEYWORDS, STRING_KEYWORDS


def is_vendor_keyword(keyword: str) -> bool:
    """Our own annotations (``x-severity``, ``x-rule``, ...): never exported."""
    return keyword.startswith("x-")


def strict_ready(node: dict[str, Any]) -> dict[str, Any]:
    """One exported schema object, with the fixes above applied."""
    return split_union_type(declare_required(node))


def declare_required(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with every ``required`` name present in its ``properties``."""
    required = node.get("required")
    if not isinstance(required, list):
        return node
    properties = node.get("properties", {})
    missing = [name for name in required if name not in properties]
    if not missing:
        return node
    declared = {**properties, **{name: {} for name in missing}}
    if "properties" in node:
        return {key: declared if key == "properties" else value for key, value in node.items()}
    result: dict[str, Any] = {}
    for key, value in node.items():
        result[key] = value
        if key == "required":
            result["properties"] = declared
    return result


_KEYWORDS_OF_TYPE = {
    "object": OBJECT_KEYWORDS,
    "array": ARRAY_KEYWORDS,
    "string": STRING_KEYWORDS,
    "number": NUMBER_KEYWORDS,
    "integer": NUMBER_KEYWORDS,
}


def split_union_type(node: dict[str, Any]) -> dict[str, Any]:
    """A ``type`` naming several types besides ``null`` (which Ajv's ``strictTypes``
    refuses without ``allowUnionTypes``) as an ``anyOf`` of one branch per type, each with
    the keywords that apply to its type. Type-specific keywords ignore instances of other
    types, so the split accepts exactly the same instances."""
    types = node.get("type")
    if not isinstance(types, list) or len([each for each in types if each != "null"]) < 2:
        return node
    specific = frozenset().union(*_KEYWORDS_OF_TYPE.values())
    branches = [
        {"type": each, **{k: v for k, v in node.items() if k in _KEYWORDS_OF_TYPE.get(each, ())}}
        for each in types
    ]
    result = {k: v for k, v in node.items() if k != "type" and k not in specific}
    if "anyOf" in result:
        return {**result, "allOf": [*result.get("allOf", []), {"anyOf": branches}]}
    return {**result, "anyOf": branches}
