"""The shapes of the files a matrix run writes (``spec/matrix/manifest.schema.json``,
``cells.schema.json``): what ``read`` and ``report`` accept, so a truncated or hand-edited
file is one clear line, not a traceback."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from .spec import SPEC_DIR

MANIFEST_SCHEMA = "manifest.schema.json"
CELLS_SCHEMA = "cells.schema.json"


@cache
def _validator(name: str) -> Any:
    import jsonschema

    schema = json.loads((SPEC_DIR / name).read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def problem(value: Any, schema: str) -> str | None:
    """Why ``value`` does not have the shape of ``schema`` (pointer: message), or ``None``."""
    errors = sorted(_validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    first = errors[0]
    where = "/" + "/".join(str(part) for part in first.absolute_path)
    return f"{where}: {first.message[:200]}"
