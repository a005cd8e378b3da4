"""Bundle one schema of the spec into a self-contained document, for tools outside ours.

Every schema file a ``$ref`` reaches from the entry file is embedded under the root's
``$defs`` (key: its path without ``.schema.json``, ``/`` turned into ``.``, for example
``flavors.sklearn``), without its ``$id`` and ``$schema``, and every ``$ref`` is rewritten to
a JSON pointer into the one resulting document (``#/$defs/flavors.sklearn``). So the bundle
has exactly one resource and only local references: no validator resolves anything over the
network, whatever it does with embedded ``$id``s. Our own annotation keywords (``x-*``,
such as ``x-severity``) are left out and ``required`` names declared (see
:mod:`.export_hygiene`): Ajv in strict mode demands both.

:func:`bundle_draft07` converts the bundle with the draft-07 exporter (``definitions``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from .draft07_export import export_draft07
from .export_hygiene import is_vendor_keyword, strict_ready
from .schema_keywords import SCHEMA_LIST_KEYWORDS, SCHEMA_MAP_KEYWORDS, SINGLE_SCHEMA_KEYWORDS
from .schema_registry import Location, SchemaCompileError, SchemaFile, SchemaSet

SUFFIX = ".schema.json"
_POINTER_SAFE = "/~$-_.!*'()+,;=:@"
_BUNDLE_FILE = "bundle.schema.json"


def defs_key(relpath: str) -> str:
    return relpath.removesuffix(SUFFIX).replace("/", ".")


def bundle(schemas: SchemaSet, relpath: str, *, schema_id: str | None = None) -> dict[str, Any]:
    """The self-contained 2020-12 document of ``relpath`` (``$id`` replaced if given)."""
    if relpath not in schemas.files:
        raise SchemaCompileError("no such schema file", schema_path=relpath)
    embedded = _reachable_files(schemas, relpath)
    root_document = schemas.files[relpath].document
    own_defs = root_document.get("$defs", {}) if isinstance(root_document, dict) else {}
    prefixes = {relpath: ""}
    for other in embedded:
        key = defs_key(other)
        if key in own_defs:
            raise SchemaCompileError(
                f"cannot bundle {other}: {relpath} already has $defs/{key}",
                schema_path=f"{relpath}#/$defs/{key}",
            )
        prefixes[other] = "/$defs/" + key.replace("~", "~0").replace("/", "~1")
    rewriter = _Rewriter(schemas, prefixes)
    result = rewriter.schema(root_document, Location(relpath))
    if not isinstance(result, dict):
        raise SchemaCompileError("the root of a schema must be an object", schema_path=relpath)
    if schema_id is not None:
        result["$id"] = schema_id
    if embedded:
        defs = dict(result.get("$defs", {}))
        for other in embedded:
            document = rewriter.schema(schemas.files[other].document, Location(other))
            if isinstance(document, dict):
                document.pop("$id", None)
                document.pop("$schema", None)
                note = f"Bundled from {other}."
                original = document.get("$comment")
                document = {"$comment": f"{note} {original}" if original else note, **document}
            defs[defs_key(other)] = document
        result["$defs"] = defs
    return result


def bundle_draft07(
    schemas: SchemaSet, relpath: str, *, schema_id: str | None = None
) -> dict[str, Any]:
    """:func:`bundle` converted to draft-07 (``$defs`` → ``definitions``, ...)."""
    document = bundle(schemas, relpath)
    single = SchemaSet({_BUNDLE_FILE: SchemaFile(_BUNDLE_FILE, b"", document)})
    text = export_draft07(single, source_label="", comment=False)[_BUNDLE_FILE]
    converted: dict[str, Any] = json.loads(text)
    if schema_id is not None:
        converted["$id"] = schema_id
    return converted


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _reachable_files(schemas: SchemaSet, relpath: str) -> list[str]:
    """Every other file a ``$ref`` chain from ``relpath`` reaches, in path order."""
    seen, queue = {relpath}, [relpath]
    while queue:
        current = queue.pop()
        for pointer, ref in _refs(schemas.files[current].document, ""):
            target = schemas.resolve(ref, Location(current, pointer)).file
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return sorted(seen - {relpath})


def _refs(node: Any, pointer: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    if not isinstance(node, dict):
        return found
    if isinstance(node.get("$ref"), str):
        found.append((pointer, node["$ref"]))
    for child_pointer, child in _children(node, pointer):
        found.extend(_refs(child, child_pointer))
    return found


def _children(node: dict[str, Any], pointer: str) -> list[tuple[str, Any]]:
    children: list[tuple[str, Any]] = []
    for keyword, value in node.items():
        here = f"{pointer}/{_escape(keyword)}"
        if keyword in SINGLE_SCHEMA_KEYWORDS:
            children.append((here, value))
        elif keyword in SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
            children += [(f"{here}/{_escape(name)}", sub) for name, sub in value.items()]
        elif keyword in SCHEMA_LIST_KEYWORDS and isinstance(value, list):
            children += [(f"{here}/{index}", sub) for index, sub in enumerate(value)]
    return children


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


class _Rewriter:
    """Copies schema documents with ``x-*`` removed and ``$ref``s made local to the bundle."""

    def __init__(self, schemas: SchemaSet, prefixes: dict[str, str]) -> None:
        self.schemas = schemas
        self.prefixes = prefixes

    def schema(self, node: Any, location: Location) -> Any:
        if not isinstance(node, dict):
            return node
        copied: dict[str, Any] = {}
        for keyword, value in node.items():
            here = location.child(keyword)
            if is_vendor_keyword(keyword):
                continue
            if keyword == "$ref":
                copied[keyword] = self.ref(value, location)
            elif keyword in SINGLE_SCHEMA_KEYWORDS:
                copied[keyword] = self.schema(value, here)
            elif keyword in SCHEMA_MAP_KEYWORDS and isinstance(value, dict):
                copied[keyword] = {
                    name: self.schema(sub, here.child(name)) for name, sub in value.items()
                }
            elif keyword in SCHEMA_LIST_KEYWORDS and isinstance(value, list):
                copied[keyword] = [
                    self.schema(sub, here.child(index)) for index, sub in enumerate(value)
                ]
            elif keyword == "$id" and location.pointer:
                continue  # embedded resources lose their $id: every $ref is a pointer now
            else:
                copied[keyword] = value
        return strict_ready(copied)

    def ref(self, ref: str, referrer: Location) -> str:
        target = self.schemas.resolve(ref, referrer)
        pointer = self.prefixes[target.file] + target.pointer
        return "#" + quote(pointer, safe=_POINTER_SAFE)
