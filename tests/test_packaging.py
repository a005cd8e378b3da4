"""Every Python package directory ships under the single import name ``mlmodel_spec``."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
MAPPED = {
    "spec": "mlmodel_spec.spec",
    "codegen": "mlmodel_spec.codegen",
    "conformance": "mlmodel_spec.conformance",
    "mlmodel_spec": "mlmodel_spec",
}


def test_every_package_dir_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert {v: k for k, v in config["package-dir"].items()} == dict(MAPPED.items())
    found = set()
    for directory, name in MAPPED.items():
        for init in (ROOT / directory).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / directory).parts
            found.add(".".join((name, *rel)))
    assert found == set(config["packages"])
