"""Render the Jinja2 templates in ``codegen/templates`` (thin: all logic is in Python)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).parent / "templates"


@cache
def _environment() -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    environment.filters["pyrepr"] = repr
    environment.filters["pystr"] = _double_quoted
    return environment


def _double_quoted(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)


def render(template: str, **context: Any) -> str:
    return str(_environment().get_template(template).render(**context))
