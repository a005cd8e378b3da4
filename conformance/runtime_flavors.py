"""Third-party flavor specs given at run time: ``mlmodel-spec validate --flavor-spec FILE``.

A flavor spec (the format of ``spec/flavors/``, read by ``codegen/flavor_spec.py`` exactly as
``codegen`` reads it) teaches the validator a flavor it does not ship:

- the flavor block is checked against the schema compiled from the spec, by the compiler of
  the built-in schemas (``codegen/schema_compiler.py``), in memory: the same issues, turned
  into the same ``schema`` / ``unknown-key`` / ``deprecated-key`` findings, located in MLmodel;
- ``unknown-flavor`` is silent for it; its path keys (``keys.*.path``) and version key
  (``library.version_key``) are checked like a built-in flavor's;
- its ``safety.allow`` entries admit globals of the payloads it loads (context: the flavor
  name), after the deny list, which still wins.

Only runs that give a spec pay for this module's imports (the compiler, jsonschema, jinja2);
nothing imports the flavor's library. Specs are compiled once a process (forked workers
inherit them).
"""

from __future__ import annotations

import json
from pathlib import Path

from .findings import join_pointer
from .records import record, replace
from .safety.allowlists import Entry, denylist

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from .schema_validation import SchemaIssue

#: the schema file of shared key types the compiled flavor schemas refer to
_DEFS = "flavors/_defs.schema.json"


@record(frozen=True, eq=False)
class RuntimeFlavor:
    """What the validator knows of one flavor from a spec given at run time."""

    name: str
    source: str  # the spec file as given
    validate: Callable[[Any], list[SchemaIssue]]  # the flavor block's compiled schema
    path_keys: dict[str, str]  # key -> file | directory | either
    version: tuple[str, tuple[str, ...]] | None  # (version key, pip distributions)
    allow: tuple[Entry, ...]  # the spec's safety.allow entries

    def block_issues(self, block: Any) -> list[SchemaIssue]:
        """The schema issues of the flavor block, with pointers into MLmodel."""
        base = join_pointer("/flavors", self.name)
        return [replace(i, pointer=base + i.pointer) for i in self.validate(block)]


_LOADED: dict[tuple[str, ...], dict[str, RuntimeFlavor]] = {}


def load_flavors(paths: Sequence[str]) -> dict[str, RuntimeFlavor]:
    """The flavors of the specs at ``paths``, by flavor key (compiled once a process).

    Raises ``FlavorSpecError`` (``codegen/flavor_spec.py``), whose findings are located in
    the spec as ``codegen`` locates them, when a spec is broken, takes one of MLflow's flavor
    keys, or two specs name one flavor.
    """
    key = tuple(paths)
    loaded = _LOADED.get(key)
    if loaded is None:
        from mlmodel_spec.codegen.flavor_spec import load_specs

        specs = load_specs([Path(p) for p in key], third_party=True)
        loaded = _LOADED[key] = {spec.name: _compile(spec) for spec in specs}
    return loaded


def _compile(spec: Any) -> RuntimeFlavor:
    from mlmodel_spec import __version__
    from mlmodel_spec.codegen.flavor_facts import path_table, version_table
    from mlmodel_spec.codegen.flavor_schema import flavor_schema
    from mlmodel_spec.codegen.schema_compiler import EntryPoint, render_validators
    from mlmodel_spec.codegen.schema_registry import SchemaFile, SchemaSet
    from mlmodel_spec.schemas import load_schema

    name = f"flavors/{spec.name}.schema.json"
    documents = {_DEFS: load_schema(_DEFS), name: flavor_schema(spec, source=str(spec.path))}
    schemas = SchemaSet(
        {path: SchemaFile(path, json.dumps(doc).encode(), doc) for path, doc in documents.items()}
    )
    source = render_validators(
        schemas, [EntryPoint(spec.name, name)], source_label=str(spec.path), version=__version__
    )
    namespace: dict[str, Any] = {"__name__": f"{__package__}._flavor_{spec.name}"}
    namespace["__package__"] = __package__
    # our compiler's output: spec values enter it only as repr() literals and sanitised names
    exec(compile(source, f"<schema of {spec.path}>", "exec"), namespace)
    allow = tuple(
        Entry(
            str(item["match"]),
            str(item["reason"]),
            f"flavor spec {spec.path}",
            unless_state_has=tuple(item.get("unless_state_has", ())),
        )
        for item in spec.data.get("safety", {}).get("allow", ())
    )
    return RuntimeFlavor(
        name=spec.name,
        source=str(spec.path),
        validate=namespace["VALIDATORS"][spec.name],
        path_keys=path_table([spec]).get(spec.name, {}),
        version=version_table([spec]).get(spec.name),
        allow=allow,
    )


def denied_by(pattern: str) -> Entry | None:
    """A deny-list entry naming something the allow-list ``pattern`` would admit."""
    module, _, name = pattern.rpartition(".")
    for safety_list in denylist():
        for entry in safety_list.entries:
            if _overlaps(module, name, entry.match):
                return entry
    return None


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _overlaps(module: str, name: str, deny: str) -> bool:
    from fnmatch import fnmatchcase

    deny_module, _, deny_name = deny.rpartition(".")
    if name == "**":
        return _within(deny_module, module) or (deny_name == "**" and _within(module, deny_module))
    if deny_name == "**":
        return _within(module, deny_module)
    return module == deny_module and (fnmatchcase(deny_name, name) or fnmatchcase(name, deny_name))
