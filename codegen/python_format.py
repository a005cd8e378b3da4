"""Format generated Python in memory with ``ruff format`` and prove it parses."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path


class FormatError(RuntimeError):
    """The generated source does not parse, or ruff could not format it."""


def ruff_command() -> list[str]:
    """The ruff of this environment (``python -m ruff``), else the one on ``PATH``."""
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff")
    if found is None:
        raise FormatError("ruff is needed to format generated code: pip install ruff")
    return [found]


def format_python(source: str, *, filename: Path) -> str:
    """``source`` formatted as ruff would format ``filename`` (its pyproject settings apply)."""
    _parse(source, filename)
    result = subprocess.run(
        [*ruff_command(), "format", "--quiet", "--stdin-filename", str(filename), "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=_existing_parent(filename),
        check=False,
    )
    if result.returncode != 0:
        raise FormatError(f"ruff format failed for {filename}: {result.stderr.strip()}")
    _parse(result.stdout, filename)
    return result.stdout


def _existing_parent(path: Path) -> Path:
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return Path.cwd()


def _parse(source: str, filename: Path) -> None:
    try:
        ast.parse(source, filename=str(filename))
    except SyntaxError as exc:
        raise FormatError(f"generated code for {filename} does not parse: {exc}") from exc
