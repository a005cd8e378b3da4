"""API parity with the installed MLflow: every public name is covered with a compatible
signature, or listed in ``api_omissions.yaml`` with a reason.

The test walks the live MLflow and compares the walk with the committed snapshot
(``api_parity/mlflow-<major>.json``); ``MLMODEL_SPEC_WRITE_API_PARITY=1`` rewrites the snapshot,
``docs/api-parity.md`` and the README table instead:
``MLMODEL_SPEC_WRITE_API_PARITY=1 tox run -e mlflow2,mlflow3 -- tests/interop/test_api_parity.py``.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

HERE = Path(__file__).parent
WRITE = os.environ.get("MLMODEL_SPEC_WRITE_API_PARITY") == "1"

if importlib.util.find_spec("mlflow") is None:
    if os.environ.get("MLMODEL_SPEC_REQUIRE_MLFLOW") == "1":
        raise RuntimeError("MLMODEL_SPEC_REQUIRE_MLFLOW=1 but mlflow is not importable")
    pytest.skip("API parity needs real MLflow (tox -e mlflow2,mlflow3)", allow_module_level=True)


def _helper(name: str) -> ModuleType:
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


parity = _helper("api_parity")
REGISTRY = parity.Registry.load()

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import mlflow

    LIVE = parity.snapshot(mlflow.__version__, REGISTRY.documented)
MAJOR = mlflow.__version__.split(".")[0]


def test_snapshot_is_fresh() -> None:
    if WRITE:
        parity.write_snapshot(MAJOR, LIVE)
        parity.DOC.write_text(parity.render_doc(REGISTRY), encoding="utf-8")
        readme = parity.README.read_text(encoding="utf-8")
        table = parity.render_readme_table(REGISTRY)
        parity.README.write_text(parity.readme_with_table(readme, table), encoding="utf-8")
    stored = parity.load_snapshots().get(MAJOR)
    assert stored == LIVE, (
        f"tests/interop/api_parity/mlflow-{MAJOR}.json is not what MLflow {mlflow.__version__} "
        "has: rerun with MLMODEL_SPEC_WRITE_API_PARITY=1 and commit"
    )


def _statuses() -> list[Any]:
    return list(parity.compare(LIVE, REGISTRY))


def test_every_public_name_is_covered_or_omitted() -> None:
    statuses = _statuses()
    bad = parity.describe(statuses, ("missing", "mismatch"))
    assert not bad, "MLflow names neither covered nor in api_omissions.yaml:\n" + bad


def test_no_stale_omission() -> None:
    stale = [s for s in _statuses() if s.state == "stale-omission"]
    assert not stale, "covered now, remove from api_omissions.yaml:\n" + parity.describe(
        stale, ("stale-omission",)
    )
