"""Compile the safety lists of ``spec/safety/`` into ``conformance/safety/_generated_lists.py``.

The lists stay YAML in ``spec/`` (data other tools read); the validator reads this module,
because constructing 20 KB of YAML costs a cold ``validate`` of a pickled model about 16 ms
even with libyaml, and importing a cached module of literals well under one.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import yaml

from .flavor_facts import header
from .python_literals import literal
from .rendering import render

LISTS_MODULE = "conformance/safety/_generated_lists.py"
SAFETY_DIR = "spec/safety"
FORMAT_VERSION = 1
KINDS = ("allowlists", "denylist")


def list_paths(root: Path, kind: str) -> list[Path]:
    folder = root / SAFETY_DIR / kind / f"v{FORMAT_VERSION}"
    return sorted(folder.glob("*.yaml"), key=lambda path: path.name)


def _compiled(data: dict[str, Any]) -> tuple[str, tuple[str, ...], tuple[Any, ...]]:
    """``(list, select, ((match, reason, exempt[, unless_state_has]), ...))`` of one list file
    (the fourth item only where an entry has one, so the table stays as short as the YAML)."""
    entries = tuple(
        (str(entry["match"]), str(entry["reason"]), tuple(entry.get("exempt", ())))
        + ((tuple(entry["unless_state_has"]),) if "unless_state_has" in entry else ())
        for entry in data["entries"]
    )
    return str(data["list"]), tuple(str(name) for name in data["select"]), entries


def lists_module(root: Path) -> str:
    hasher = hashlib.sha256()
    tables = {}
    for kind in KINDS:
        compiled = []
        for path in list_paths(root, kind):
            text = path.read_text(encoding="utf-8")
            hasher.update(f"{kind}/{path.name}".encode() + b"\0" + text.encode() + b"\0")
            compiled.append(_compiled(yaml.load(text, Loader=yaml.SafeLoader)))
        tables[kind.upper()] = tuple(compiled)
    source = f"{SAFETY_DIR}/{{{','.join(KINDS)}}}/v{FORMAT_VERSION}"
    return render(
        "safety_lists.py.jinja2",
        header=header(source, hasher.hexdigest()),
        source=source,
        tables=[
            {"name": name, "literal": literal(value, 0, len(name) + 40)}
            for name, value in tables.items()
        ],
    )
