"""``mlmodel-spec check`` against real MLflow (tox envs mlflow2, mlflow3).

Every directory MLflow writes (sklearn in each format, LightGBM Booster and sklearn API,
custom models) passes every dynamic check that applies, and ``mlflow-predicts-equal`` runs
on each one with an input example. ``mlflow-loads`` / ``mlflow-predicts-equal`` fire on
models broken for MLflow and stay silent on good ones written by our runtime.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest

from mlmodel_spec import pyfunc
from mlmodel_spec.cli import main
from mlmodel_spec.conformance.dynamic.run import run_checks
from mlmodel_spec.models import infer_signature

mlflow = pytest.importorskip("mlflow")
cloudpickle.register_pickle_by_value(sys.modules[__name__])

GENERATOR = Path(__file__).with_name("make_mlflow_models.py")
MLFLOW_CHECKS = ["mlflow-loads", "mlflow-predicts-equal"]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mlflow-written-check")
    result = subprocess.run(
        [sys.executable, str(GENERATOR), str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=out,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


def test_check_passes_on_every_directory_mlflow_writes(
    written: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report_file = tmp_path / "report.json"
    code = main(["check", str(written), "--jobs", "2", "--format", "json", "-o", str(report_file)])
    report = json.loads(report_file.read_text())
    bad = [
        f"{t['path']}: {f['severity']} [{f['rule']}] {f['message']}"
        for t in report["targets"]
        for f in t["findings"]
        if f["severity"] != "info"
    ]
    assert code == 0 and not bad, "\n".join(bad)
    manifest = json.loads((written / "manifest.json").read_text())
    assert len(report["targets"]) == len(manifest["models"])
    statuses = [{c["check"]: c["status"] for c in t["checks"]} for t in report["targets"]]
    assert all(s["mlflow-loads"] == "passed" for s in statuses)
    compared = [s for s in statuses if s["mlflow-predicts-equal"] == "passed"]
    with_example = [s for s in statuses if s["predicts-on-example"] == "passed"]
    assert compared == with_example and len(compared) >= 8
    assert sum(s["round-trip"] == "passed" for s in statuses) >= 8
    capsys.readouterr()


class SumModel(pyfunc.PythonModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input.sum(axis=1).to_numpy()


class TellsRuntimesApart(SumModel):
    """Predicts 1 under MLflow's runtime, 0 under ours."""

    def load_context(self, context: Any) -> None:
        self.under_mlflow = type(context).__module__.startswith("mlflow")

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return np.full(len(model_input), float(self.under_mlflow))


def _save(path: Path, model: pyfunc.PythonModel) -> Path:
    x = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.5, 0.5, 0.5]})
    pyfunc.save_model(
        path, python_model=model, signature=infer_signature(x, np.zeros(3)), input_example=x
    )
    return path


def _statuses(path: Path) -> dict[str, Any]:
    return {r.check: r for r in run_checks(path, select=MLFLOW_CHECKS, timeout=120)}


def test_mlflow_checks_are_silent_on_a_good_model(tmp_path: Path) -> None:
    results = _statuses(_save(tmp_path / "good", SumModel()))
    assert [results[c].status for c in MLFLOW_CHECKS] == ["passed", "passed"]


def test_mlflow_predicts_equal_fires_when_the_runtimes_disagree(tmp_path: Path) -> None:
    result = _statuses(_save(tmp_path / "apart", TellsRuntimesApart()))["mlflow-predicts-equal"]
    assert result.status == "failed"
    assert "MLflow and mlmodel-spec predict differently" in result.findings[0].message


def test_mlflow_loads_fires_on_a_model_mlflow_cannot_load(tmp_path: Path) -> None:
    path = _save(tmp_path / "missing-class", SumModel())
    (path / "python_model.pkl").write_bytes(b"cno_such_module_anywhere\nModel\n.")
    results = _statuses(path)
    assert results["mlflow-loads"].status == "failed"
    assert "no_such_module_anywhere" in results["mlflow-loads"].findings[0].message
    assert results["mlflow-predicts-equal"].status == "skipped"
