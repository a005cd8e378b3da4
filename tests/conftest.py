"""Shared test configuration.

``tests/interop`` talks to real MLflow; it runs only where mlflow is installed (the tox
envs ``mlflow2`` and ``mlflow3``), and is not collected elsewhere.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("mlflow") is None:
    collect_ignore_glob.append("interop/*")


@pytest.fixture
def unlistable(monkeypatch: pytest.MonkeyPatch) -> Callable[[Path], Path]:
    """``unlistable(directory)``: discovery's ``os.scandir`` refuses to list that directory
    (tests run as root, who lists a mode-000 directory anyway)."""

    def make(directory: Path) -> Path:
        real = os.scandir

        def scandir(path: Any) -> Any:
            if os.fspath(path) == str(directory):
                raise PermissionError(13, "Permission denied", str(path))
            return real(path)

        monkeypatch.setattr("mlmodel_spec.conformance.discover.os.scandir", scandir)
        return directory

    return make
