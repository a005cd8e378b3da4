"""``mlmodel-spec codegen`` covers examples/flavors/: the committed outputs of both targets are
what ``codegen SPEC --out DIR`` writes, and ``--check`` reports them stale, missing or orphaned."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from mlmodel_spec.codegen import build
from mlmodel_spec.codegen.example_flavors import EXAMPLES_DIR, example_files, target_dirs
from mlmodel_spec.codegen.flavor_command import generate

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [g for g in build.GENERATORS if g.name == "example-flavors"]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A root holding a copy of examples/flavors/ (the committed specs and outputs)."""
    shutil.copytree(
        ROOT / EXAMPLES_DIR, tmp_path / EXAMPLES_DIR, ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def test_committed_examples_are_fresh(root: Path) -> None:
    result = build.plan(root, EXAMPLES)
    assert result.clean, (result.stale, result.missing, result.orphaned)
    assert sorted(result.write) == []
    names = {Path(p).name for p in example_files(root)}
    assert {"pyod.py", "test_statsmodels_native.py", "pyod.draft-07.schema.json"} <= names


@pytest.mark.parametrize("target", ["standalone", "mlflow"])
def test_the_generator_writes_what_codegen_spec_out_writes(
    root: Path, tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sub = "standalone" if target == "standalone" else "mlflow_target"
    out = f"{EXAMPLES_DIR}/flavor_examples/{sub}"
    fresh = tmp_path / "fresh"
    shutil.copytree(root / EXAMPLES_DIR, fresh / EXAMPLES_DIR, ignore=shutil.ignore_patterns(sub))
    (fresh / out).mkdir()
    (fresh / out / "__init__.py").write_text((root / out / "__init__.py").read_text())
    monkeypatch.chdir(fresh)
    specs = [Path(EXAMPLES_DIR) / n for n in ("pyod.yaml", "statsmodels_native.yaml")]
    assert (
        generate(specs, Path(out), target=target, stdout=io.StringIO(), stderr=io.StringIO()) == 0
    )
    for path, content in example_files(root).items():
        if path.startswith(out + "/"):
            assert (fresh / path).read_text(encoding="utf-8") == content, path


def test_check_reports_a_stale_a_missing_and_an_orphaned_example(root: Path) -> None:
    standalone, mlflow_target = target_dirs()
    spec = root / EXAMPLES_DIR / "pyod.yaml"
    spec.write_text(spec.read_text().replace("Relative path of the pickled", "Path of the"))
    (root / mlflow_target / "test_pyod.py").unlink()
    (root / standalone / "leftover.py").write_text("")
    result = build.plan(root, EXAMPLES)
    assert f"{standalone}/pyod.schema.json" in result.stale
    assert f"{mlflow_target}/pyod.py" in result.stale
    assert f"{standalone}/statsmodels_native.py" not in result.stale
    assert result.missing == [f"{mlflow_target}/test_pyod.py"]
    assert result.orphaned == [f"{standalone}/leftover.py"]


def test_a_root_without_examples_gets_nothing_and_owns_nothing(tmp_path: Path) -> None:
    (tmp_path / target_dirs()[0]).mkdir(parents=True)
    (tmp_path / target_dirs()[0] / "mine.py").write_text("")
    result = build.plan(tmp_path, EXAMPLES)
    assert result.clean
    assert result.notes == [f"example-flavors: skipped: no flavor specs in {EXAMPLES_DIR}"]
