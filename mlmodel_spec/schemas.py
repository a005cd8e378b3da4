"""The JSON Schemas of the spec, read from package data (``mlmodel_spec/spec``, data only).

Names are paths below ``schemas/v1`` without ``.schema.json``: ``mlmodel``, ``signature``,
``flavors/sklearn`` (or just ``sklearn``). ``draft="07"`` reads the generated draft-07 export.

:func:`read_schema` gives a source file as shipped (its ``$ref``s name other files);
:func:`bundled_schema` gives the self-contained document other tools need: every file it
references embedded under ``$defs`` (``definitions`` in draft-07), only local ``$ref``s,
and none of our ``x-*`` annotation keywords.
"""

from __future__ import annotations

import json
import sys
from importlib.resources import files
from typing import Any

if sys.version_info >= (3, 11):
    from importlib.resources.abc import Traversable
else:  # pragma: no cover - Python 3.10
    from importlib.abc import Traversable

SUFFIX = ".schema.json"
_DIRS = {"2020-12": "v1", "07": "draft-07"}


class SchemaNotFound(LookupError):
    pass


def _root(draft: str) -> Traversable:
    return files("mlmodel_spec").joinpath("spec").joinpath("schemas").joinpath(_DIRS[draft])


def _walk(node: Traversable, prefix: str = "") -> list[str]:
    names: list[str] = []
    for child in node.iterdir():
        if child.is_dir():
            names.extend(_walk(child, f"{prefix}{child.name}/"))
        elif child.name.endswith(SUFFIX):
            names.append(prefix + child.name[: -len(SUFFIX)])
    return names


def list_schemas(draft: str = "2020-12") -> list[str]:
    root = _root(draft)
    return sorted(_walk(root)) if root.is_dir() else []


def canonical_name(name: str, draft: str = "2020-12") -> str:
    """``name`` as :func:`list_schemas` spells it (``sklearn`` -> ``flavors/sklearn``)."""
    name = name.removesuffix(SUFFIX)
    known = list_schemas(draft)
    for candidate in (name, f"flavors/{name}"):
        if candidate in known:
            return candidate
    raise SchemaNotFound(f"no schema named {name!r}; known: {', '.join(known) or 'none'}")


def _resolve(name: str, draft: str) -> Traversable:
    node = _root(draft)
    for part in f"{canonical_name(name, draft)}{SUFFIX}".split("/"):
        node = node.joinpath(part)
    return node


def read_schema(name: str, draft: str = "2020-12") -> str:
    """The schema file's text, exactly as shipped."""
    text: str = _resolve(name, draft).read_text(encoding="utf-8")
    return text


def bundled_schema(name: str, draft: str = "2020-12") -> str:
    """The self-contained schema ``name`` as JSON text (see :mod:`mlmodel_spec.codegen.bundle`)."""
    from mlmodel_spec.codegen.bundle import bundle, bundle_draft07, dumps
    from mlmodel_spec.codegen.schema_registry import SchemaFile, SchemaSet

    wanted = canonical_name(name) + SUFFIX
    loaded = {}
    for each in list_schemas():
        raw = _resolve(each, "2020-12").read_bytes()
        loaded[f"{each}{SUFFIX}"] = SchemaFile(f"{each}{SUFFIX}", raw, json.loads(raw))
    schemas = SchemaSet(loaded)
    document = bundle_draft07(schemas, wanted) if draft == "07" else bundle(schemas, wanted)
    return dumps(document)


def load_schema(name: str, draft: str = "2020-12") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_schema(name, draft))
    return data
