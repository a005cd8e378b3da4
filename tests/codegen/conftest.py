"""Fixtures of the compiler tests: the acme_trees third-party spec copied into a temp dir."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ACME = Path(__file__).parent / "acme"


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    """A directory holding acme_trees.yaml and the factory module its tests name."""
    directory = tmp_path / "acme"
    shutil.copytree(ACME, directory)
    return directory / "acme_trees.yaml"
