"""Read the types a skops archive names, from its ``schema.json``, without loading it.

A skops file is a zip holding ``schema.json`` (a tree of nodes, each naming the
``__module__`` and ``__class__`` skops would import, function nodes naming a module and a
function) and ``.npy`` files. ``skops.io.load`` refuses every type not trusted; MLflow passes
it the ``skops_trusted_types`` of MLmodel, so what those lists say matters.
"""

from __future__ import annotations

import json

from ..records import field, record
from .values import Global

MAX_SCHEMA = 64 << 20
MAX_NODES = 1_000_000


@record
class SkopsScan:
    types: set[Global] = field(default_factory=set)
    error: str = ""


def _node_types(node: dict[str, object], found: set[Global]) -> None:
    module, cls = node.get("__module__"), node.get("__class__")
    if isinstance(module, str) and isinstance(cls, str):
        found.add(Global(module, cls))
    content = node.get("content")
    if node.get("__loader__") == "FunctionNode" and isinstance(content, dict):
        fmodule, fname = content.get("module_path"), content.get("function")
        if isinstance(fmodule, str) and isinstance(fname, str):
            found.add(Global(fmodule, fname))


def scan_skops(path: str) -> SkopsScan:
    """The types ``path`` names; ``error`` says why they could not all be read."""
    import zipfile  # here: only models with a skops file pay for it (and for threading)

    scan = SkopsScan()
    try:
        with zipfile.ZipFile(path) as archive:
            info = archive.getinfo("schema.json")
            if info.file_size > MAX_SCHEMA:
                scan.error = f"its schema.json is {info.file_size} bytes, over {MAX_SCHEMA}"
                return scan
            with archive.open(info) as handle:
                data = handle.read(MAX_SCHEMA + 1)
        schema = json.loads(data)
    except KeyError:
        scan.error = "it has no schema.json"
        return scan
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RecursionError) as exc:
        scan.error = f"it cannot be read as a skops archive: {exc}"
        return scan
    pending: list[object] = [schema]
    seen = 0
    while pending and seen < MAX_NODES:
        item = pending.pop()
        seen += 1
        if isinstance(item, dict):
            _node_types(item, scan.types)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    if pending:
        scan.error = f"its schema has more than {MAX_NODES} nodes; the rest is not read"
    return scan
