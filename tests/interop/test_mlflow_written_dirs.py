"""Every model directory real MLflow writes passes the static validator without an error.

``make_mlflow_models.py`` runs in this interpreter's MLflow (the tox envs ``mlflow2`` and
``mlflow3``) and saves/logs a broad set of models into a temporary directory, including
SQLite and file tracking stores whose artifacts form an ``mlruns/``-like tree. The validator
must find exactly those models and report no error on any of them: an error here is a bug in
a rule or a schema. Warnings and infos are printed (``pytest -s``) for review.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.findings import Severity
from mlmodel_spec.conformance.validate import Report, validate_paths

mlflow = pytest.importorskip("mlflow")

GENERATOR = Path(__file__).with_name("make_mlflow_models.py")
#: saved with save_model besides one sklearn model per serialization format
SAVED_OTHERS = 11  # 4 sklearn variants, 2 lightgbm, 5 pyfunc
LOGGED_PER_STORE = 3
#: environment rules: on what MLflow writes they must stay silent, not only error-free
ENV_RULES = {
    "requirements-syntax",
    "requirements-option-ignored",
    "requirements-include-invalid",
    "requirements-conflict",
    "env-file-unreadable",
    "conda-schema",
    "python-env-schema",
    "conda-python-missing",
    "conda-python-unpinned",
    "conda-pip-section",
    "conda-deps-not-in-virtualenv",
    "flavor-version-mismatch",
    "python-version-mismatch",
    "mlflow-version-mismatch",
    "env-pins-disagree",
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("mlflow-written")
    result = subprocess.run(
        [sys.executable, str(GENERATOR), str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        cwd=out,
        check=False,
    )
    assert result.returncode == 0, f"{GENERATOR.name} failed:\n{result.stderr[-4000:]}"
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text())
    return out, manifest


def _summary(report: Report, root: Path) -> str:
    lines = []
    for target in report.targets:
        for f in target.findings:
            where = Path(target.path).relative_to(root)
            lines.append(f"{where}: {f.location} {f.severity.value} [{f.rule}] {f.message}")
    return "\n".join(lines)


def test_generator_wrote_the_expected_models(written: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = written
    paths = [m["path"] for m in manifest["models"]]
    saved = [p for p in paths if p.startswith("saved/")]
    logged = [p for p in paths if not p.startswith("saved/")]
    formats = len(mlflow.sklearn.SUPPORTED_SERIALIZATION_FORMATS)
    assert len(saved) == formats + SAVED_OTHERS
    assert logged, "no tracking store worked"
    assert len(logged) % LOGGED_PER_STORE == 0
    assert len(set(paths)) == len(paths)
    assert manifest["mlflow_version"] == mlflow.__version__


def test_validator_finds_exactly_the_written_models(written: tuple[Path, dict[str, Any]]) -> None:
    out, manifest = written
    report = validate_paths([out])
    found = {Path(t.path).resolve() for t in report.targets}
    expected = {(out / m["path"]).resolve() for m in manifest["models"]}
    assert not report.errors
    assert found == expected


@pytest.mark.parametrize("metadata_only", [False, True], ids=["full", "metadata-only"])
def test_no_errors_on_mlflow_written_models(
    written: tuple[Path, dict[str, Any]], metadata_only: bool
) -> None:
    out, manifest = written
    report = validate_paths([out], ValidationOptions(metadata_only=metadata_only))
    summary = _summary(report, out)
    print(f"\nMLflow {manifest['mlflow_version']}: {len(report.targets)} models")
    print(summary or "no findings")
    assert len(report.targets) == len(manifest["models"])
    errors = [f for t in report.targets for f in t.findings if f.severity is Severity.ERROR]
    assert not errors, f"errors on directories MLflow wrote:\n{summary}"


def test_environment_rules_are_silent_on_mlflow_written_models(
    written: tuple[Path, dict[str, Any]],
) -> None:
    out, _ = written
    report = validate_paths([out])
    env = [f for t in report.targets for f in t.findings if f.rule in ENV_RULES]
    assert not env, "\n".join(f"{f.location} [{f.rule}] {f.message}" for f in env)


def test_safety_scan_is_quiet_on_every_payload_mlflow_writes(
    written: tuple[Path, dict[str, Any]],
) -> None:
    """Every pickle, joblib, cloudpickle and skops file MLflow writes is read to its end and
    draws nothing above info; each cloudpickled custom model draws one code summary."""
    from mlmodel_spec.conformance.context import ModelContext
    from mlmodel_spec.conformance.safety.payload import scan_payload
    from mlmodel_spec.conformance.safety.targets import payload_targets
    from mlmodel_spec.conformance.yaml_source import load_yaml

    out, _ = written
    report = validate_paths([out])
    safety = [f for t in report.targets for f in t.findings if f.rule.startswith("safety-")]
    loud = [f for f in safety if f.severity is not Severity.INFO]
    assert not loud, "\n".join(f"{f.file} [{f.rule}] {f.severity.value} {f.message}" for f in loud)
    scanned = 0
    for target in report.targets:
        root = Path(target.path)
        ctx = ModelContext(root, load_yaml((root / "MLmodel").read_text()))
        for payload in payload_targets(ctx):
            scan = scan_payload(ctx.root_real, payload.rel)
            if scan.format in ("pickle", "zip"):
                scanned += 1
                assert scan.broken is None and not scan.error, (target.path, payload.rel)
    assert scanned >= len(report.targets) // 2, "the scan read too few payloads"
    custom = [
        t for t in report.targets if "pyfunc-artifacts" in t.path or "pyfunc-params" in t.path
    ]
    for target in custom:
        rules = [f.rule for f in target.findings if f.rule.startswith("safety-")]
        assert rules == ["safety-carries-code"], target.path


def test_every_yaml_file_mlflow_writes_is_read_without_pyyaml(
    written: tuple[Path, dict[str, Any]],
) -> None:
    """MLmodel, conda.yaml and python_env.yaml as this MLflow writes them stay on the
    PyYAML-free reader, and it reads each exactly as the libyaml path does."""
    from mlmodel_spec.conformance.yaml_block import read_block_yaml
    from mlmodel_spec.conformance.yaml_libyaml import load_with_libyaml

    out, _ = written
    names = ("MLmodel", "conda.yaml", "python_env.yaml")
    files = sorted(p for p in out.rglob("*") if p.name in names and p.is_file())
    assert len(files) > 3 * LOGGED_PER_STORE
    for path in files:
        text = path.read_text("utf-8")
        block = read_block_yaml(text)
        assert block is not None, f"{path} left the fast path"
        full = load_with_libyaml(text)
        assert (block.data, block.value_marks, block.key_marks, block.problems) == (
            full.data,
            full.value_marks,
            full.key_marks,
            full.problems,
        ), path
