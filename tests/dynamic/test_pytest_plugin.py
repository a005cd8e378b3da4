"""The pytest plugin, run as a user runs it: a separate ``pytest`` with the entry point."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from importlib.metadata import entry_points
from pathlib import Path

import pytest

ModelDir = Callable[[str], Path]
RunPytest = Callable[..., subprocess.CompletedProcess[str]]
PLUGIN = "mlmodel_spec.conformance.dynamic.pytest_plugin"


@pytest.fixture(scope="module")
def models(model_dir: ModelDir, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("plugin-models")
    for name in ("iris", "wrong-shape"):
        shutil.copytree(model_dir(name), root / "mlruns" / name)
    return root


def test_the_plugin_is_registered_for_pytest() -> None:
    assert PLUGIN in {e.value for e in entry_points(group="pytest11")}


def test_inactive_without_the_option(run_pytest: RunPytest, tmp_path: Path) -> None:
    (tmp_path / "test_other.py").write_text(
        "import sys\n\n"
        "def test_nothing_of_ours_was_imported():\n"
        "    assert 'mlmodel_spec.conformance.registry' not in sys.modules\n"
        "    assert 'numpy' not in sys.modules\n"
    )
    done = run_pytest(tmp_path, "-q")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def test_one_item_per_model_and_check_and_findings_not_tracebacks(
    run_pytest: RunPytest, models: Path
) -> None:
    done = run_pytest(models, "-v", "--mlmodel-dir", "mlruns", "--mlmodel-timeout", "30")
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "mlruns/iris::static PASSED" not in out  # ids are relative to --mlmodel-dir
    assert "iris::static PASSED" in out
    assert "iris::predicts-on-example PASSED" in out
    assert "wrong-shape::output-matches-signature FAILED" in out
    assert "error [output-matches-signature] the prediction (ndarray of shape (5, 2)" in out
    assert "Traceback" not in out and "pytest_plugin.py" not in out


def test_k_selects_items(run_pytest: RunPytest, models: Path) -> None:
    done = run_pytest(models, "-q", "--mlmodel-dir", "mlruns", "-k", "iris and predicts")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout and "deselected" in done.stdout


def test_a_missing_directory_is_a_usage_error(run_pytest: RunPytest, tmp_path: Path) -> None:
    done = run_pytest(tmp_path, "-q", "--mlmodel-dir", "nope")
    assert done.returncode == 4  # pytest's usage-error exit code
    assert "--mlmodel-dir: nope" in done.stderr


def test_a_flavor_spec_teaches_the_static_item(run_pytest: RunPytest, tmp_path: Path) -> None:
    spec = tmp_path / "acme_trees.yaml"
    shutil.copy(Path(__file__).parents[1] / "codegen" / "acme" / "acme_trees.yaml", spec)
    model = tmp_path / "mlruns" / "trees"
    model.mkdir(parents=True)
    (model / "model.pkl").write_bytes(b"")
    (model / "MLmodel").write_text(
        "flavors:\n  acme_trees:\n    data: model.pkl\n    serialization_format: parquet\n"
    )
    plain = run_pytest(tmp_path, "-q", "--mlmodel-dir", "mlruns", "-k", "static")
    assert plain.returncode == 0, plain.stdout + plain.stderr  # unknown-flavor is an info
    given = ("--mlmodel-flavor-spec", str(spec))
    taught = run_pytest(tmp_path, "-q", "--mlmodel-dir", "mlruns", *given, "-k", "static")
    assert taught.returncode == 1, taught.stdout + taught.stderr
    assert "error [schema]" in taught.stdout and "'parquet' is not one of" in taught.stdout
    spec.write_text("flavor: [\n")
    broken = run_pytest(tmp_path, "-q", "--mlmodel-dir", "mlruns", *given)
    assert broken.returncode == 4 and "--mlmodel-flavor-spec:" in broken.stderr
