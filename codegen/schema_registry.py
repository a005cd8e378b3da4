"""Load a directory of JSON Schema files, vet them, and resolve ``$ref`` between them.

A schema position is a :class:`Location`: the file (path relative to the schema
directory, ``/``-separated) and a JSON pointer inside it. ``$ref`` values are resolved
like JSON Schema 2020-12 does: against the base URI of the referring resource (its
``$id``, or the file's location when it has none), with JSON pointer fragments.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin

from ..conformance.findings import join_pointer, split_pointer
from .schema_keywords import DRAFT_2020_12, SEVERITIES, SUPPORTED_KEYWORDS, walk_schemas

LOCATION_BASE = "https://mlmodel-spec.invalid/schemas/"
"""Base URI of files that have no ``$id`` (``urljoin`` only joins well-known schemes)."""


class SchemaCompileError(Exception):
    """A schema the compiler cannot (or refuses to) compile."""

    def __init__(self, message: str, *, schema_path: str, keyword: str | None = None) -> None:
        super().__init__(f"{schema_path}: {message}")
        self.message = message
        self.schema_path = schema_path
        self.keyword = keyword


@dataclass(frozen=True, order=True, slots=True)
class Location:
    """A schema position: file (relative, ``/``-separated) and JSON pointer inside it."""

    file: str
    pointer: str = ""

    def child(self, *tokens: str | int) -> Location:
        return Location(self.file, join_pointer(self.pointer, *tokens))

    def __str__(self) -> str:
        return f"{self.file}#{self.pointer}"


@dataclass
class SchemaFile:
    relpath: str
    raw: bytes
    document: Any
    resources: dict[str, str] = field(default_factory=dict)
    """pointer of every resource root in the file (``""`` and embedded ``$id``s) → URI."""


class SchemaSet:
    """Every schema file below one directory, indexed by URI."""

    def __init__(self, files: dict[str, SchemaFile]) -> None:
        self.files = dict(sorted(files.items()))
        self._by_uri: dict[str, Location] = {}
        for schema_file in self.files.values():
            self._index(schema_file)

    @classmethod
    def load(cls, directory: Path) -> SchemaSet:
        files: dict[str, SchemaFile] = {}
        for path in sorted(directory.rglob("*.json")):
            relpath = path.relative_to(directory).as_posix()
            raw = path.read_bytes()
            try:
                document = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise SchemaCompileError(f"not valid JSON: {exc}", schema_path=relpath) from exc
            files[relpath] = SchemaFile(relpath, raw, document)
        return cls(files)

    def digest(self) -> str:
        """sha256 over every file's path and bytes, in path order."""
        hasher = hashlib.sha256()
        for relpath, schema_file in self.files.items():
            hasher.update(relpath.encode() + b"\0" + schema_file.raw + b"\0")
        return hasher.hexdigest()

    def node(self, location: Location) -> Any:
        schema_file = self.files.get(location.file)
        if schema_file is None:
            raise SchemaCompileError("no such schema file", schema_path=str(location))
        node = schema_file.document
        for token in split_pointer(location.pointer):
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                raise SchemaCompileError("JSON pointer does not resolve", schema_path=str(location))
        return node

    def base_uri(self, location: Location) -> str:
        """The base URI in effect at ``location`` (innermost enclosing ``$id``)."""
        resources = self.files[location.file].resources
        best = ""
        for pointer in resources:
            if _is_prefix(pointer, location.pointer) and len(pointer) >= len(best):
                best = pointer
        return resources[best]

    def resolve(self, ref: str, referrer: Location) -> Location:
        """The location a ``$ref`` found at ``referrer`` points to."""
        uri, fragment = urldefrag(urljoin(self.base_uri(referrer), ref))
        target = self._by_uri.get(uri)
        if target is None:
            where = str(referrer.child("$ref"))
            raise SchemaCompileError(
                f"$ref {ref!r} names no known schema ({uri})", schema_path=where
            )
        fragment = unquote(fragment)
        if fragment and not fragment.startswith("/"):
            raise SchemaCompileError(
                f"$ref {ref!r}: only JSON pointer fragments are supported (no anchors)",
                schema_path=str(referrer.child("$ref")),
                keyword="$ref",
            )
        location = Location(target.file, target.pointer + fragment)
        self.node(location)  # raises when the pointer leads nowhere
        return location

    def _index(self, schema_file: SchemaFile) -> None:
        location_uri = LOCATION_BASE + schema_file.relpath
        self._by_uri.setdefault(location_uri, Location(schema_file.relpath))
        for pointer, node in walk_schemas(schema_file.document):
            if not isinstance(node, dict) or not isinstance(node.get("$id"), str):
                continue
            base = self.base_uri_hint(schema_file, pointer, location_uri)
            uri = urldefrag(urljoin(base, node["$id"]))[0]
            schema_file.resources[pointer] = uri
            self._by_uri[uri] = Location(schema_file.relpath, pointer)
        schema_file.resources.setdefault("", location_uri)

    @staticmethod
    def base_uri_hint(schema_file: SchemaFile, pointer: str, default: str) -> str:
        best, uri = "", default
        for prefix, known in schema_file.resources.items():
            if _is_prefix(prefix, pointer) and prefix != pointer and len(prefix) >= len(best):
                best, uri = prefix, known
        return uri


_RULE_ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def _is_prefix(prefix: str, pointer: str) -> bool:
    return pointer == prefix or pointer.startswith(prefix + "/")


def vet_schemas(schemas: SchemaSet) -> None:
    """Refuse anything the compiler would not faithfully implement.

    Checks each file against the 2020-12 meta-schema (``jsonschema`` is fine here: this
    runs at build time only), then every schema position for unsupported keywords,
    ``x-severity`` values and regular expressions Python cannot compile.
    """
    from jsonschema import Draft202012Validator

    meta = Draft202012Validator(
        Draft202012Validator.META_SCHEMA, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    for relpath, schema_file in schemas.files.items():
        document = schema_file.document
        if isinstance(document, dict) and document.get("$schema", DRAFT_2020_12) != DRAFT_2020_12:
            raise SchemaCompileError(
                f"$schema must be {DRAFT_2020_12!r}",
                schema_path=f"{relpath}#/$schema",
                keyword="$schema",
            )
        for error in sorted(meta.iter_errors(document), key=lambda e: list(map(str, e.path))):
            pointer = join_pointer("", *error.path)
            raise SchemaCompileError(
                f"not a valid JSON Schema: {error.message}",
                schema_path=f"{relpath}#{pointer}",
                keyword=str(error.path[-1]) if error.path else None,
            )
        for pointer, node in walk_schemas(document):
            _vet_node(node, Location(relpath, pointer))


def _vet_node(node: Any, location: Location) -> None:
    if isinstance(node, bool):
        return
    if not isinstance(node, dict):
        raise SchemaCompileError(
            "a schema must be an object or a boolean", schema_path=str(location)
        )
    for keyword in node:
        if keyword not in SUPPORTED_KEYWORDS:
            raise SchemaCompileError(
                f"unsupported keyword {keyword!r}",
                schema_path=str(location.child(keyword)),
                keyword=keyword,
            )
    if "x-severity" in node and node["x-severity"] not in SEVERITIES:
        raise SchemaCompileError(
            f"x-severity must be one of {list(SEVERITIES)}, not {node['x-severity']!r}",
            schema_path=str(location.child("x-severity")),
            keyword="x-severity",
        )
    rule = node.get("x-rule")
    if rule is not None and not (isinstance(rule, str) and _RULE_ID.fullmatch(rule)):
        raise SchemaCompileError(
            f"x-rule must be a rule id (lower-case words joined by '-'), not {rule!r}",
            schema_path=str(location.child("x-rule")),
            keyword="x-rule",
        )
    patterns = (
        [("pattern", location.child("pattern"), node["pattern"])] if "pattern" in node else []
    )
    patterns += [
        ("patternProperties", location.child("patternProperties", each), each)
        for each in node.get("patternProperties", {})
    ]
    for keyword, where, pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise SchemaCompileError(
                f"regular expression {pattern!r} does not compile in Python: {exc}",
                schema_path=str(where),
                keyword=keyword,
            ) from exc
