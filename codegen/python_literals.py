"""Python literals laid out the way ``ruff format`` lays them out, so generated code comes
out formatted without running ruff (a test proves ``ruff format`` leaves it unchanged).

Dicts are exploded one item per line with a trailing comma; tuples and lists of scalars
stay on one line when it fits within ``LINE_LENGTH``; strings are double-quoted.
"""

from __future__ import annotations

import json
from typing import Any

INDENT = "    "
LINE_LENGTH = 100


def string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def literal(value: Any, level: int = 0, used: int = 0) -> str:
    """``value`` as source; ``level`` is the indentation depth and ``used`` the columns the
    line already holds before the literal (plus what follows it, such as a comma)."""
    if isinstance(value, str):
        return string(value)
    if value is None or isinstance(value, (bool, int)):
        return repr(value)
    if isinstance(value, dict):
        items = [
            f"{key}: {literal(item, level + 1, len(INDENT) * (level + 1) + len(key) + 3)}"
            for key, item in ((literal(k), v) for k, v in value.items())
        ]
        return _exploded("{", items, "}", level)
    if isinstance(value, (tuple, list)):
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        flat = _flat(value, opening, closing)
        if flat is not None and used + len(flat) <= LINE_LENGTH:
            return flat
        width = len(INDENT) * (level + 1) + 1
        return _exploded(opening, [literal(v, level + 1, width) for v in value], closing, level)
    raise TypeError(f"no literal for {type(value).__name__}")


def _flat(value: tuple[Any, ...] | list[Any], opening: str, closing: str) -> str | None:
    """One-line form, or ``None`` when an element is a dict (always exploded)."""
    parts = []
    for item in value:
        if isinstance(item, dict):
            return None
        if isinstance(item, tuple):
            part = _flat(item, "(", ")")
        elif isinstance(item, list):
            part = _flat(item, "[", "]")
        else:
            part = literal(item)
        if part is None:
            return None
        parts.append(part)
    if isinstance(value, tuple) and len(parts) == 1:
        return f"({parts[0]},)"
    return opening + ", ".join(parts) + closing


def _exploded(opening: str, items: list[str], closing: str, level: int) -> str:
    if not items:
        return opening + closing
    inner = INDENT * (level + 1)
    body = "".join(f"{inner}{item},\n" for item in items)
    return f"{opening}\n{body}{INDENT * level}{closing}"
