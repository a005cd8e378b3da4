"""A model each example flavor saves passes ``mlmodel-spec validate`` and ``mlmodel-spec check``.

Runs in the tox envs ``examples`` (standalone target) and ``examples-mlflow2`` /
``examples-mlflow3`` (mlflow target); ``MLMODEL_SPEC_EXAMPLES_TARGET`` picks the generated
package. Both commands run as a user runs them, in a child process, and their JSON reports are
read back.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

TARGET_PACKAGES = {"standalone": "standalone", "mlflow": "mlflow_target"}
TARGET = os.environ.get("MLMODEL_SPEC_EXAMPLES_TARGET", "standalone")
EXAMPLES = {"pyod": "pyod_detector", "statsmodels_native": "statsmodels_ols"}

#: findings a third-party flavor's model still gets, and why (none is an error):
KNOWN_GAPS = {
    # the validator ships schemas for the flavors in spec/flavors/ only; it cannot be given
    # a third-party spec yet
    "unknown-flavor": "info",
    # the inventory of what the pickle payload imports: listed for every pickle
    "safety-payload-globals": "info",
    # no allow-list admits the library's own classes (spec/safety/allowlists/ ships none
    # for pyod or statsmodels, and a flavor spec cannot carry one)
    "safety-unknown-global": "warning",
}


def _save(name: str, directory: Path) -> Path:
    factories = importlib.import_module("flavor_examples.factories")
    module = importlib.import_module(f"flavor_examples.{TARGET_PACKAGES[TARGET]}.{name}")
    model, sample, signature = getattr(factories, EXAMPLES[name])()
    path = directory / name
    module.save_model(model, path, signature=signature, input_example=sample)
    return path


def _run(command: str, path: Path) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "mlmodel_spec", command, "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, Any] = json.loads(done.stdout)
    return report


@pytest.fixture(scope="module", params=sorted(EXAMPLES))
def reports(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """The validate and check reports of a model the example flavor saved."""
    pytest.importorskip(request.param.partition("_")[0])
    saved = _save(request.param, tmp_path_factory.mktemp(TARGET))
    return {command: _run(command, saved) for command in ("validate", "check")}


@pytest.mark.parametrize("command", ["validate", "check"])
def test_saved_model_has_no_findings_beyond_the_known_gaps(
    reports: dict[str, dict[str, Any]], command: str
) -> None:
    report = reports[command]
    (target,) = report["targets"]
    assert report["summary"]["errors"] == 0
    unexpected = [
        finding
        for finding in target["findings"]
        if KNOWN_GAPS.get(finding["rule"]) != finding["severity"]
    ]
    assert unexpected == []


def test_check_runs_every_dynamic_check_without_a_failure(
    reports: dict[str, dict[str, Any]],
) -> None:
    (target,) = reports["check"]["targets"]
    statuses = {record["check"]: record["status"] for record in target["checks"]}
    assert "failed" not in statuses.values(), statuses
    assert statuses["loads"] == statuses["predicts-on-example"] == "passed"
    # the generated module's own load_model, and a re-save with its save_model
    assert statuses["native-loads"] == statuses["round-trip"] == "passed"
    assert statuses["resave-equivalent"] == "passed"
    if TARGET == "mlflow":  # real MLflow loads the model and predicts what we predict
        assert statuses["mlflow-loads"] == statuses["mlflow-predicts-equal"] == "passed"
