"""Compile JSON Schemas ahead of time into a plain Python validator module.

``compile_validators(schema_dir, entries)`` returns the source of a module exposing
``validate_<entry>(instance) -> list[SchemaIssue]`` per entry point and ``VALIDATORS``.
Every schema node reachable from an entry point becomes one function (compiled once, so
recursive ``$ref`` works); a node that only carries a ``$ref`` is an alias for its target.
The output is deterministic: names derive from schema locations, everything is sorted,
and there are no timestamps — compiling twice gives identical bytes.

``compile_validator_package`` splits the same code into the modules of a package, so that
an import loads only what a model needs: ``part_of`` names the module each node's code
goes to. The core (``__init__``) holds the entry points and what ``part_of`` leaves in it;
a name another module needs is imported from the core (``from . import``), or — when it
lives outside the core — reached through a ``lazy`` stand-in that imports its module on
the first call. The core never imports another part until a call needs it.

Semantics follow JSON Schema 2020-12 as the ``jsonschema`` library implements it, plus
our own keywords ``x-severity`` (the severity of failures below a node) and ``x-rule``
(the id of the precise rule that reports failures below a node: every issue found there
carries it, see ``SchemaIssue.rule``), and two annotations, which never affect validity and
are dropped with the branches that fail (``oneOf``/``anyOf``) or only decide (``if``, ``not``):

* ``deprecated``: a present property whose subschema says ``deprecated: true``;
* ``x-unknown-key``: a key of an object whose schema node declares ``properties`` but no
  ``additionalProperties``, that those ``properties``/``patternProperties`` do not match —
  unless another subschema applying in place to the same object (``allOf``, ``$ref``,
  ``anyOf``/``oneOf`` branches, ``if``/``then``/``else``) names it, so composed schemas do
  not flag each other's keys. ``if`` conditions themselves never flag keys.

Each node may also get a *predicate* (validity only, no issues) where that is all that
is needed: ``if``, ``not``, and the first pass over ``oneOf``/``anyOf`` branches. See
``conformance/schema_validation.py`` for the run-time half.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from keyword import iskeyword
from pathlib import Path
from typing import Any

from ..conformance.findings import split_pointer
from .check_emitter import emit_check
from .emit_support import ACCEPT, ALWAYS, Knowledge, py
from .predicate_emitter import emit_predicate
from .python_format import format_python
from .rendering import render
from .schema_keywords import (
    ANNOTATION_KEYWORDS,
    SCHEMA_LIST_KEYWORDS,
    VENDOR_KEYWORDS,
    declared_types,
    walk_schemas,
)
from .schema_registry import Location, SchemaCompileError, SchemaSet, vet_schemas

__all__ = [
    "CORE",
    "EntryPoint",
    "SchemaCompileError",
    "compile_validator_package",
    "compile_validators",
    "render_validator_package",
    "render_validators",
]

CORE = "__init__"
"""The module name of the core of a validator package (``part_of`` gives it as ``""``)."""

PartOf = Callable[[Location], str]
"""The module (a part name, ``""`` for the core) the code of a schema node goes to."""

_DEFINING = frozenset({"properties", "patternProperties", "additionalProperties"})
_INERT = ANNOTATION_KEYWORDS | {"$defs"}
"""Keywords that assert nothing: a node with only these accepts everything."""
_SHORT = {
    "additionalProperties": "additional",
    "propertyNames": "names",
    "prefixItems": "prefix",
    "allOf": "all",
    "anyOf": "any",
    "oneOf": "one",
}
_RUNTIME_HELPERS = (
    "Alternatives",
    "Branch",
    "Pattern",
    "SchemaIssue",
    "accept",
    "always",
    "any_of",
    "has_unique_items",
    "in_enum",
    "is_integer",
    "is_number",
    "json_equal",
    "key_text",
    "lazy",
    "name_key",
    "one_of",
    "prune_unknown",
    "run",
    "show",
    "tag_rule",
    "token",
    "type_check",
    "type_test",
)


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """``validate_<name>`` checks instances against the schema at ``ref``
    (``file.schema.json`` or ``file.schema.json#/json/pointer``)."""

    name: str
    ref: str

    @property
    def function(self) -> str:
        return "validate_" + re.sub(r"\W+", "_", self.name).strip("_").lower()

    def location(self) -> Location:
        file, _, pointer = self.ref.partition("#")
        return Location(file, pointer)


def compile_validators(
    schema_dir: Path,
    entries: Sequence[EntryPoint],
    *,
    output_path: Path,
    source_label: str,
    version: str,
    name_exports: Mapping[str, str] | None = None,
    with_predicates: bool = False,
) -> str:
    """The formatted source of the validator module for ``entries``.

    ``output_path`` is where the module will live (ruff reads its settings from there);
    ``name_exports`` maps a constant name to a schema ref whose ``properties`` names it
    lists (e.g. ``KNOWN_FLAVORS``). ``with_predicates`` adds ``PREDICATES``, the
    validity-only function of each entry point (the tests compare them with the checks).
    """
    source = render_validators(
        SchemaSet.load(schema_dir),
        entries,
        source_label=source_label,
        version=version,
        name_exports=name_exports,
        with_predicates=with_predicates,
    )
    return format_python(source, filename=output_path)


def compile_validator_package(
    schema_dir: Path,
    entries: Sequence[EntryPoint],
    *,
    part_of: PartOf,
    output_dir: Path,
    source_label: str,
    version: str,
    name_exports: Mapping[str, str] | None = None,
    with_predicates: bool = False,
) -> dict[str, str]:
    """The formatted modules of the validator package for ``entries``, by file name in
    ``output_dir`` (``__init__.py``, the core, and ``<part>.py`` for each other part that
    holds code); the options are those of :func:`compile_validators`."""
    modules = render_validator_package(
        SchemaSet.load(schema_dir),
        entries,
        part_of=part_of,
        source_label=source_label,
        version=version,
        name_exports=name_exports,
        with_predicates=with_predicates,
    )
    return {
        f"{name}.py": format_python(source, filename=output_dir / f"{name}.py")
        for name, source in modules.items()
    }


def render_validators(
    schemas: SchemaSet,
    entries: Sequence[EntryPoint],
    *,
    source_label: str,
    version: str,
    name_exports: Mapping[str, str] | None = None,
    with_predicates: bool = False,
) -> str:
    """The unformatted source of the validator module for ``entries`` of ``schemas``: what
    :func:`compile_validators` formats, and what ``validate --flavor-spec`` compiles and runs
    in memory (``conformance/runtime_flavors.py``)."""
    modules = _render(
        schemas,
        entries,
        None,
        source_label=source_label,
        version=version,
        name_exports=name_exports,
        with_predicates=with_predicates,
    )
    return modules[""]


def render_validator_package(
    schemas: SchemaSet,
    entries: Sequence[EntryPoint],
    *,
    part_of: PartOf,
    source_label: str,
    version: str,
    name_exports: Mapping[str, str] | None = None,
    with_predicates: bool = False,
) -> dict[str, str]:
    """The unformatted modules of the validator package, by module name (:data:`CORE`
    first, then the other parts in name order)."""
    modules = _render(
        schemas,
        entries,
        part_of,
        source_label=source_label,
        version=version,
        name_exports=name_exports,
        with_predicates=with_predicates,
    )
    return {part or CORE: source for part, source in modules.items()}


def _render(
    schemas: SchemaSet,
    entries: Sequence[EntryPoint],
    part_of: PartOf | None,
    *,
    source_label: str,
    version: str,
    name_exports: Mapping[str, str] | None,
    with_predicates: bool,
) -> dict[str, str]:
    """The source of each part (``""``: the core, the only one without ``part_of``)."""
    vet_schemas(schemas)
    builder = _ModuleBuilder(schemas, part_of)
    entry_rows = []
    for entry in entries:
        location = entry.location()
        schemas.node(location)
        test = builder.predicate(location) if with_predicates else ""
        entry_rows.append(
            (entry.name, entry.function, builder.check(location), str(location), test)
        )
    builder.drain()
    exports = {
        name: builder.property_names(Location(*_split_ref(ref)))
        for name, ref in sorted((name_exports or {}).items())
    }
    parts = sorted({"", *builder.owners.values(), *builder.constant_parts.values()})
    context = {
        "version": version,
        "source_label": source_label,
        "digest": schemas.digest(),
        "parts": [part for part in parts if part],
        "runtime": ".schema_validation" if part_of is None else "..schema_validation",
        "with_predicates": with_predicates,
    }
    return {
        part: _render_part(builder, part, entry_rows if not part else [], exports, context)
        for part in parts
    }


def _render_part(
    builder: _ModuleBuilder,
    part: str,
    entry_rows: list[tuple[str, str, str, str, str]],
    exports: dict[str, tuple[str, ...]],
    context: dict[str, Any],
) -> str:
    """The source of one module: the code of ``part``'s nodes, the names it takes from the
    core (imports) and from other parts (``lazy`` stand-ins); the core adds the entries."""
    functions = [
        builder.functions[key]
        for key in sorted(builder.functions)
        if builder.part_of(key[0]) == part
    ]
    mine = sorted(name for name, owner in builder.owners.items() if owner == part)
    leaves = [builder.leaves[name] for name in mine if name in builder.leaves]
    constants = [
        builder.constants[name]
        for name in sorted(builder.constants)
        if builder.constant_parts[name] == part
    ]
    elsewhere = sorted(builder.references.get(part, ()))
    stubs = [(name, builder.owners[name]) for name in elsewhere if builder.owners[name]]
    regexes = sorted(builder.regex_uses.get(part, ()))
    used = "\n".join([*functions, *leaves, *constants])
    if stubs:
        used += " lazy"
    if regexes:
        used += " Pattern"
    if not part:
        used += " run SchemaIssue " + " ".join(f"{row[2]} {row[4]}" for row in entry_rows)
    return render(
        "validators_module.py.jinja2",
        **context,
        part=part,
        part_files=sorted({builder.defined[name].file for name in mine}),
        helpers=[name for name in _RUNTIME_HELPERS if re.search(rf"\b{name}\b", used)],
        imports=[name for name in elsewhere if not builder.owners[name]],
        needs_any=not part or "Any" in used,
        regexes=[(name, builder.regexes[name]) for name in regexes],
        functions=functions,
        leaves=leaves,
        stubs=stubs,
        constants=constants,
        entries=entry_rows,
        exports=exports if not part else {},
    )


def _split_ref(ref: str) -> tuple[str, str]:
    file, _, pointer = ref.partition("#")
    return file, pointer


class _ModuleBuilder:
    """Names every schema node, compiles the reachable ones once, collects constants."""

    def __init__(self, schemas: SchemaSet, part_of: PartOf | None = None) -> None:
        self.schemas = schemas
        self._part_of = part_of
        self.part = ""
        """The part of the node being compiled (entry points are the core's)."""
        self.owners: dict[str, str] = {}
        """Name of a check or predicate (function or leaf) → the part defining it."""
        self.defined: dict[str, Location] = {}
        """Name of a check or predicate → the node it compiles."""
        self._parts: dict[Location, str] = {}
        self.references: dict[str, set[str]] = {}
        """Part → the names of other parts its code uses."""
        self.constant_parts: dict[str, str] = {}
        self.regex_uses: dict[str, set[str]] = {}
        """Part → the names of the patterns its code uses (each part compiles its own)."""
        self.names = _assign_names(schemas)
        self.functions: dict[tuple[Location, bool], str] = {}
        """(location, is predicate) → source of the function."""
        self.constants: dict[str, str] = {}
        self.leaves: dict[str, str] = {}
        """Nodes that check nothing but ``type``: one call of a run-time factory each."""
        self.regexes: dict[str, str] = {}
        self._pending: list[tuple[Location, bool]] = []
        self._queued: set[tuple[Location, bool]] = set()

    # -- the Context protocol of emit_support (used by check_emitter, predicate_emitter) ---

    def node(self, location: Location) -> Any:
        return self.schemas.node(location)

    def check(self, location: Location) -> str:
        """The name of the check for the schema at ``location`` (compiled on first use)."""
        target = self._unalias(location)
        schema = self.node(target)
        if _accepts_everything(schema):
            return ACCEPT
        name = self.names[target]
        if (target, False) not in self._queued:
            self._queued.add((target, False))
            if _is_type_only(schema):
                path = py(str(target.child("type")))
                self.leaves[name] = f"{name} = type_check({py(_types(schema))}, {path})\n"
            else:
                self._pending.append((target, False))
        return self._refer(name, target)

    def predicate(self, location: Location) -> str:
        """The name of the predicate for the schema at ``location`` (compiled on first use)."""
        target = self._unalias(location)
        schema = self.node(target)
        if _accepts_everything(schema):
            return ALWAYS
        name = self.names[target] + "__ok"
        if (target, True) not in self._queued:
            self._queued.add((target, True))
            if _is_type_only(schema):
                self.leaves[name] = f"{name} = type_test({py(_types(schema))})\n"
            else:
                self._pending.append((target, True))
        return self._refer(name, target)

    def _refer(self, name: str, target: Location) -> str:
        """``name`` (of the node at ``target``), noting its use by the current part."""
        owner = self.owners.setdefault(name, self.part_of(target))
        self.defined.setdefault(name, target)
        if owner != self.part:
            self.references.setdefault(self.part, set()).add(name)
        return name

    def part_of(self, location: Location) -> str:
        """The part whose module compiles the node at ``location`` (``""``: the core)."""
        if self._part_of is None:
            return ""
        part = self._parts.get(location)
        if part is None:
            part = self._parts[location] = self._part_of(location)
            if part and (not part.isidentifier() or iskeyword(part) or part == CORE):
                raise SchemaCompileError(
                    f"{part!r} cannot name a generated module", schema_path=str(location)
                )
        return part

    def ref_target(self, location: Location) -> Location:
        return self.schemas.resolve(self.node(location)["$ref"], location)

    def regex(self, pattern: str) -> str:
        name = "_RE_" + hashlib.sha256(pattern.encode()).hexdigest()[:10].upper()
        self.regexes[name] = pattern
        self.regex_uses.setdefault(self.part, set()).add(name)
        return name

    def constant(self, name: str, expression: str) -> str:
        name = name.upper()
        line = f"{name} = {expression}\n"
        if self.constants.setdefault(name, line) != line:
            raise SchemaCompileError(f"two tables named {name}", schema_path=name)
        if self.constant_parts.setdefault(name, self.part) != self.part:
            raise SchemaCompileError(f"table {name} is needed by two modules", schema_path=name)
        return name

    def is_deprecated(self, location: Location) -> bool:
        seen: set[Location] = set()
        while location not in seen:
            seen.add(location)
            schema = self.node(location)
            if not isinstance(schema, dict):
                return False
            if schema.get("deprecated") is True:
                return True
            if not _is_alias(schema):
                return False
            location = self.ref_target(location)
        return False

    def branch(self, location: Location) -> str:
        types = self._types(location, set())
        shown_types = "None" if types is None else f"frozenset({py(tuple(sorted(types)))})"
        discriminators = py(self._discriminators(location))
        check, test = self.check(location), self.predicate(location)
        return f"Branch({check}, {test}, {shown_types}, {discriminators})"

    def knowledge(self, location: Location) -> Knowledge | None:
        """What the node at ``location`` and its in-place subschemas (``$ref``, ``allOf``,
        ``anyOf``, ``oneOf``, ``if``/``then``/``else``) define — or ``None`` when there is
        nothing to reconcile: no node there flags unknown keys (``if`` conditions never
        do), or no subschema defines keys beyond the node itself."""
        names: set[str] = set()
        patterns: set[str] = set()
        everything = flags = informative = False
        stack = [(location, False)]
        seen = set(stack)
        while stack:
            here, in_condition = stack.pop()
            schema = self.node(here)
            if not isinstance(schema, dict):
                continue
            defines = bool(_DEFINING & set(schema))
            informative = informative or (defines and here != location)
            flags = flags or (
                not in_condition and "properties" in schema and "additionalProperties" not in schema
            )
            names.update(schema.get("properties", {}))
            patterns.update(schema.get("patternProperties", {}))
            everything = everything or schema.get("additionalProperties", False) is not False
            for child in self._in_place(here, schema):
                visit = (child, in_condition or child == here.child("if"))
                if visit not in seen:
                    seen.add(visit)
                    stack.append(visit)
        if not (flags and informative):
            return None
        return Knowledge(tuple(sorted(names)), tuple(sorted(patterns)), everything)

    def _in_place(self, location: Location, schema: dict[str, Any]) -> list[Location]:
        children = [
            location.child(keyword, index)
            for keyword in ("allOf", "anyOf", "oneOf")
            for index in range(len(schema.get(keyword, [])))
        ]
        children += [
            location.child(keyword) for keyword in ("if", "then", "else") if keyword in schema
        ]
        if "$ref" in schema:
            children.append(self.ref_target(location))
        return children

    # -- building --------------------------------------------------------------------------

    def drain(self) -> None:
        while self._pending:
            location, is_predicate = self._pending.pop(0)
            name = self.names[location]
            self.part = self.part_of(location)
            self.functions[location, is_predicate] = (
                emit_predicate(self, location, name + "__ok", name)
                if is_predicate
                else emit_check(self, location, name)
            )
        self.part = ""

    def property_names(self, location: Location) -> tuple[str, ...]:
        schema = self.node(self._unalias(location))
        names = schema.get("properties", {}) if isinstance(schema, dict) else {}
        return tuple(sorted(names))

    def _unalias(self, location: Location) -> Location:
        seen = [location]
        while _is_alias(self.node(location)):
            location = self.ref_target(location)
            if location in seen:
                raise SchemaCompileError(
                    "$ref cycle with nothing but references in it",
                    schema_path=str(seen[0]),
                    keyword="$ref",
                )
            seen.append(location)
        return location

    def _types(self, location: Location, seen: set[Location]) -> frozenset[str] | None:
        if location in seen:
            return None
        seen.add(location)
        schema = self.node(location)
        found = declared_types(schema)
        if found is None and isinstance(schema, dict) and "$ref" in schema:
            found = self._types(self.ref_target(location), seen)
        if found is None and isinstance(schema, dict):
            for index in range(len(schema.get("allOf", []))):
                found = self._types(location.child("allOf", index), seen)
                if found is not None:
                    break
        return found

    def _discriminators(self, location: Location) -> tuple[tuple[str, tuple[Any, ...]], ...]:
        target = self._unalias(location)
        schema = self.node(target)
        if not isinstance(schema, dict):
            return ()
        found = []
        for name in schema.get("properties", {}):
            prop = self.node(self._unalias(target.child("properties", name)))
            if isinstance(prop, dict) and "const" in prop:
                found.append((name, (prop["const"],)))
            elif isinstance(prop, dict) and isinstance(prop.get("enum"), list):
                found.append((name, tuple(prop["enum"])))
        return tuple(found)


def _accepts_everything(schema: Any) -> bool:
    return schema is True or (isinstance(schema, dict) and set(schema) <= _INERT | VENDOR_KEYWORDS)


def _is_type_only(schema: Any) -> bool:
    return isinstance(schema, dict) and "type" in schema and set(schema) - {"type"} <= _INERT


def _types(schema: dict[str, Any]) -> tuple[str, ...]:
    declared = schema["type"]
    return (declared,) if isinstance(declared, str) else tuple(declared)


def _is_alias(schema: Any) -> bool:
    return isinstance(schema, dict) and "$ref" in schema and set(schema) - {"$ref"} <= _INERT


def _assign_names(schemas: SchemaSet) -> dict[Location, str]:
    """A unique, readable Python name for every schema position, independent of which
    positions end up compiled (so unrelated schema edits do not rename functions)."""
    positions = sorted(
        Location(relpath, pointer)
        for relpath, schema_file in schemas.files.items()
        for pointer, _ in walk_schemas(schema_file.document)
    )
    names: dict[Location, str] = {}
    used: set[str] = set()
    for location in positions:
        base = _readable_name(location)
        name, counter = base, 1
        while name in used:
            counter += 1
            name = f"{base}_{counter}"
        used.add(name)
        names[location] = name
    return names


def _readable_name(location: Location) -> str:
    stem = location.file.removesuffix(".json").removesuffix(".schema")
    parts = [stem]
    tokens = split_pointer(location.pointer)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token in ("properties", "$defs") and index + 1 < len(tokens):
            parts.append(tokens[index + 1])
            index += 2
        elif token == "patternProperties":
            parts.append("pattern")
            index += 2
        elif token in SCHEMA_LIST_KEYWORDS and index + 1 < len(tokens):
            parts.append(_SHORT[token] + tokens[index + 1])
            index += 2
        else:
            parts.append(_SHORT.get(token, token))
            index += 1
    return "_" + re.sub(r"[^0-9a-z]+", "_", "_".join(parts).lower()).strip("_")
