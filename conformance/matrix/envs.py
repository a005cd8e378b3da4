"""Build a matrix environment with uv: ``<matrix dir>/.venvs/<env>``, the pins of
matrix.yaml and this checkout (editable). A venv whose pins are unchanged is reused.

Interpreters come from pyenv's tree called directly (``$PYENV_ROOT/versions/3.X.Y``, the
newest patch; no shims needed), else ``python3.X`` on ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .spec import Environment

PINS_FILE = ".matrix-pins"


class EnvironmentError_(RuntimeError):
    """An environment could not be built (one line saying why)."""


def find_python(minor: str) -> str:
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = []
    if root.is_dir():
        for entry in root.iterdir():
            parts = entry.name.split(".")
            if len(parts) == 3 and ".".join(parts[:2]) == minor and parts[2].isdigit():
                exe = entry / "bin" / f"python{minor}"
                if exe.is_file():
                    candidates.append((int(parts[2]), str(exe)))
    if candidates:
        return max(candidates)[1]
    found = shutil.which(f"python{minor}")
    if found:
        return found
    raise EnvironmentError_(f"no CPython {minor}: not in {root} and no python{minor} on PATH")


def find_uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    try:
        from uv import find_uv_bin  # the `uv` package from PyPI
    except ImportError:
        raise EnvironmentError_("uv is not installed: pip install uv") from None
    return str(find_uv_bin())


def venv_python(matrix_dir: Path, env: Environment) -> Path:
    return matrix_dir / ".venvs" / env.name / "bin" / "python"


def ensure(
    matrix_dir: Path, env: Environment, mlflow_package: str, source: Path, log: Path
) -> bool:
    """Create or update the venv; True if it had to install anything."""
    venv = matrix_dir / ".venvs" / env.name
    pins = "\n".join([*env.requirements(mlflow_package), f"-e {source}"]) + "\n"
    pins_file = venv / PINS_FILE
    if pins_file.is_file() and pins_file.read_text(encoding="utf-8") == pins:
        return False
    uv = find_uv()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as out:
        steps = [
            [uv, "venv", "--allow-existing", "--python", find_python(env.python), str(venv)],
            [
                uv,
                "pip",
                "install",
                "--python",
                str(venv / "bin" / "python"),
                *env.requirements(mlflow_package),
                "-e",
                str(source),
            ],
        ]
        for step in steps:
            done = subprocess.run(step, stdout=out, stderr=subprocess.STDOUT, check=False)
            if done.returncode != 0:
                raise EnvironmentError_(f"{env.name}: `{' '.join(step[:3])}` failed; see {log}")
    pins_file.write_text(pins, encoding="utf-8")
    return True
