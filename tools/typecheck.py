"""Type-check the package as it installs (``mlmodel_spec`` with spec/, codegen/, conformance/
mapped inside it). mypy cannot follow setuptools' editable finder, so build a tree of
symlinks in ``build/typecheck`` that has the installed layout, then run mypy on it.

Usage: python tools/typecheck.py [extra mypy args]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {"spec": "spec", "codegen": "codegen", "conformance": "conformance"}


def build_shadow() -> Path:
    shadow = ROOT / "build" / "typecheck"
    if shadow.exists():
        shutil.rmtree(shadow)
    package = shadow / "mlmodel_spec"
    package.mkdir(parents=True)
    for entry in (ROOT / "mlmodel_spec").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for name, source in MAPPED.items():
        (package / name).symlink_to(ROOT / source)
    return shadow


def main() -> int:
    shadow = build_shadow()
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(ROOT / "pyproject.toml"),
        "-p",
        "mlmodel_spec",
        *sys.argv[1:],
    ]
    return subprocess.call(command, cwd=shadow)


if __name__ == "__main__":
    sys.exit(main())
