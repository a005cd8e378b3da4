"""The JSON Schemas of the spec, read from package data (``mlmodel_spec/spec``, data only).

Names are paths below ``schemas/v1`` without ``.schema.json``: ``mlmodel``, ``signature``,
``flavors/sklearn`` (or just ``sklearn``). ``draft="07"`` reads the generated draft-07 export.
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


def _resolve(name: str, draft: str) -> Traversable:
    name = name.removesuffix(SUFFIX)
    known = list_schemas(draft)
    for candidate in (name, f"flavors/{name}"):
        if candidate in known:
            node = _root(draft)
            for part in f"{candidate}{SUFFIX}".split("/"):
                node = node.joinpath(part)
            return node
    raise SchemaNotFound(f"no schema named {name!r}; known: {', '.join(known) or 'none'}")


def read_schema(name: str, draft: str = "2020-12") -> str:
    """The schema file's text, exactly as shipped."""
    text: str = _resolve(name, draft).read_text(encoding="utf-8")
    return text


def load_schema(name: str, draft: str = "2020-12") -> dict[str, Any]:
    data: dict[str, Any] = json.loads(read_schema(name, draft))
    return data
