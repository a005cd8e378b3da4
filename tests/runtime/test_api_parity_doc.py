"""docs/api-parity.md and the README "Porting from MLflow" table are what the committed
MLflow snapshots, the omission registry and the runtime give (no MLflow needed).

``MLMODEL_SPEC_WRITE_API_PARITY=1`` rewrites both; new MLflow snapshots come from the interop
test (``tox run -e mlflow2,mlflow3 -- tests/interop/test_api_parity.py``).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

import pytest

HELPER = Path(__file__).parent.parent / "interop" / "api_parity.py"
WRITE = os.environ.get("MLMODEL_SPEC_WRITE_API_PARITY") == "1"


def _parity() -> ModuleType:
    if "api_parity" not in sys.modules:
        spec = importlib.util.spec_from_file_location("api_parity", HELPER)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules["api_parity"] = module
        spec.loader.exec_module(module)
    return sys.modules["api_parity"]


@pytest.fixture(scope="module")
def parity() -> ModuleType:
    return _parity()


def test_both_snapshots_are_committed(parity: ModuleType) -> None:
    assert sorted(parity.load_snapshots()) == list(parity.MAJORS)


def test_doc_is_fresh(parity: ModuleType) -> None:
    expected = parity.render_doc(parity.Registry.load())
    if WRITE:
        parity.DOC.write_text(expected, encoding="utf-8")
    assert parity.DOC.read_text(encoding="utf-8") == expected, (
        "docs/api-parity.md is stale: rerun with MLMODEL_SPEC_WRITE_API_PARITY=1"
    )


def test_readme_table_is_fresh(parity: ModuleType) -> None:
    readme = parity.README.read_text(encoding="utf-8")
    expected = parity.readme_with_table(readme, parity.render_readme_table(parity.Registry.load()))
    if WRITE:
        parity.README.write_text(expected, encoding="utf-8")
    assert readme == expected or WRITE, (
        "README 'Porting from MLflow' table is stale: rerun with MLMODEL_SPEC_WRITE_API_PARITY=1"
    )


def test_every_registry_entry_names_an_mlflow_name(parity: ModuleType) -> None:
    registry = parity.Registry.load()
    known = {e["name"] for snap in parity.load_snapshots().values() for e in snap["names"]}
    listed = set(registry.omitted) | set(registry.pending) | set(registry.differences)
    assert sorted(listed - known) == []
    assert all(reason.strip() for _, reason in registry.omitted.values())


def test_no_unexplained_name_in_the_snapshots(parity: ModuleType) -> None:
    bad = {
        major: parity.describe(rows, ("missing", "mismatch", "stale-omission"))
        for major, rows in parity.all_statuses(parity.Registry.load()).items()
    }
    assert not any(bad.values()), bad


def test_signature_comparison_fires_and_stays_silent(parity: ModuleType) -> None:
    def params(*spec: tuple[str, str, object]) -> list[dict[str, object]]:
        return [{"name": n, "kind": k, "default": d} for n, k, d in spec]

    req = parity.NO_DEFAULT
    mlflow = params(("path", "POSITIONAL_OR_KEYWORD", req), ("flag", "POSITIONAL_OR_KEYWORD", None))
    ours_ok = [*mlflow, *params(("extra", "KEYWORD_ONLY", 1))]
    assert parity.signature_problems(mlflow, ours_ok) == []
    renamed = params(("p", "POSITIONAL_OR_KEYWORD", req), ("flag", "POSITIONAL_OR_KEYWORD", None))
    assert parity.signature_problems(mlflow, renamed)
    new_default = params(
        ("path", "POSITIONAL_OR_KEYWORD", req), ("flag", "POSITIONAL_OR_KEYWORD", 0)
    )
    assert [p for p, _ in parity.signature_problems(mlflow, new_default)] == ["flag"]
    required_extra = [*mlflow, *params(("extra", "KEYWORD_ONLY", req))]
    assert parity.signature_problems(mlflow, required_extra)
    no_kwargs = params(("kwargs", "VAR_KEYWORD", req))
    assert parity.signature_problems(no_kwargs, params())
    assert parity.signature_problems(no_kwargs, no_kwargs) == []
