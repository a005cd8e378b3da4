"""A model that needs MLflow to load, checked where MLflow is absent: the checks that need the
loaded model are skipped with that reason, and nothing is reported against the model."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from mlmodel_spec.conformance.dynamic.run import run_checks

from .conftest import SumModel, save_custom

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("mlflow") is not None, reason="MLflow is installed here"
)
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class ImportsMlflow(SumModel):
    """Like a models-from-code script or a load_context written for MLflow."""

    armed = False  # set in the saved copy only: saving calls load_context too

    def load_context(self, context: Any) -> None:
        if self.armed:
            import mlflow  # type: ignore[import-not-found]  # noqa: F401


class ImportsAMissingLibrary(ImportsMlflow):
    def load_context(self, context: Any) -> None:
        if self.armed:
            import mlmodel_spec_no_such_library  # type: ignore[import-not-found]  # noqa: F401


def _saved(path: Path, model: ImportsMlflow) -> Path:
    save_custom(path, model)
    model.armed = True
    (path / "python_model.pkl").write_bytes(cloudpickle.dumps(model))
    return path


def _statuses(path: Path) -> dict[str, Any]:
    return {r.check: r for r in run_checks(path)}


def test_a_model_that_imports_mlflow_is_skipped_not_failed(tmp_path: Path) -> None:
    results = _statuses(_saved(tmp_path / "m", ImportsMlflow()))
    assert results["loads"].status == "skipped"
    assert results["loads"].reason.startswith("the model needs MLflow to load")
    assert "No module named 'mlflow'" in results["loads"].reason
    assert results["predicts-on-example"].status == "skipped"
    assert results["predicts-on-example"].reason.startswith("the model needs MLflow")
    assert not [f for r in results.values() for f in r.findings]


def test_a_model_missing_another_library_still_fails_to_load(tmp_path: Path) -> None:
    results = _statuses(_saved(tmp_path / "m", ImportsAMissingLibrary()))
    assert results["loads"].status == "failed"
    (finding,) = results["loads"].findings
    assert "mlmodel_spec_no_such_library" in finding.message
    assert results["predicts-on-example"].reason == "not run: loads failed"
