"""Format generated Python in memory with ``ruff format`` and prove it parses.

Only the compiled validators go through ruff; the flavor compiler lays its code out itself.
Without ruff (a core install), :func:`format_python` returns the source unformatted and
``codegen --check`` compares such files by :func:`equivalent` (same header comments, same
syntax tree), so checking needs no ruff; writing them still does.
"""

from __future__ import annotations

import ast
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path


class FormatError(RuntimeError):
    """The generated source does not parse, or ruff could not format it."""


def ruff_available() -> bool:
    return importlib.util.find_spec("ruff") is not None or shutil.which("ruff") is not None


def equivalent(one: str, two: str) -> bool:
    """Same leading comment lines (the do-not-edit header with its input hash) and the
    same syntax tree: the two differ at most in layout."""

    def header(text: str) -> list[str]:
        return [line for line in text.splitlines()[:8] if line.startswith("#")]

    try:
        return header(one) == header(two) and ast.dump(ast.parse(one)) == ast.dump(ast.parse(two))
    except SyntaxError:
        return False


def ruff_command() -> list[str]:
    """The ruff of this environment (``python -m ruff``), else the one on ``PATH``."""
    if importlib.util.find_spec("ruff") is not None:
        return [sys.executable, "-m", "ruff"]
    found = shutil.which("ruff")
    if found is None:
        raise FormatError("ruff is needed to format generated code: pip install ruff")
    return [found]


def format_python(source: str, *, filename: Path) -> str:
    """``source`` formatted as ruff would format ``filename`` (its pyproject settings apply);
    unformatted when ruff is not installed (see :func:`equivalent`)."""
    _parse(source, filename)
    if not ruff_available():
        return source
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
