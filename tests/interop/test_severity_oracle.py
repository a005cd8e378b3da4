"""Severity is a promise about real MLflow: check it against MLflow itself.

Every case of tests/cases, a seeded sample of the mutation classes of tests/test_mutations.py
and a few probes (``oracle_subjects.py``) are copied into a temporary directory, validated by
us, rehydrated with real payloads and run through real MLflow in ONE subprocess
(``oracle_runner.py``). Then, per subject: our ``error`` ⇔ MLflow fails (``Model.load``,
``pyfunc.load_model``, predict on the input example, the serving example), unless
``severity_differences.yaml`` explains the difference. Rules of category ``safety`` are
left out: the safety scan's severity is a security promise, not a load promise.

Each env writes what it saw to ``docs/oracle/mlflow-<major>.json``; ``docs/severity-oracle.md``
is rendered from both envs' files. Both are committed: the test fails when they are stale,
and ``MLMODEL_SPEC_WRITE_ORACLE_DOC=1`` rewrites them (run ``tox run -e mlflow2,mlflow3``).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.findings import Severity
from mlmodel_spec.conformance.registry import RULES
from mlmodel_spec.conformance.validate import validate_model

HERE = Path(__file__).parent
DOCS = HERE.parent.parent / "docs"
ORACLE_DIR = DOCS / "oracle"
DOC = DOCS / "severity-oracle.md"
REGISTRY = HERE / "severity_differences.yaml"
WRITE = os.environ.get("MLMODEL_SPEC_WRITE_ORACLE_DOC") == "1"
RUNNER_BUDGET_SECONDS = 120

if importlib.util.find_spec("mlflow") is None:
    if os.environ.get("MLMODEL_SPEC_REQUIRE_MLFLOW") == "1":
        raise RuntimeError("MLMODEL_SPEC_REQUIRE_MLFLOW=1 but mlflow is not importable")
    pytest.skip(
        "the severity oracle needs real MLflow (tox -e mlflow2,mlflow3)", allow_module_level=True
    )


def _helper(name: str) -> ModuleType:
    """A helper module beside this file (test modules cannot import each other here)."""
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HERE / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


subjects_mod = _helper("oracle_subjects")
compare = _helper("oracle_compare")


def _registry() -> list[Any]:
    entries = yaml.safe_load(REGISTRY.read_text(encoding="utf-8"))["differences"] or []
    return [compare.Difference(**entry) for entry in entries]


def _ours(root: Path, options: dict[str, Any]) -> dict[str, list[str]]:
    """Our rules by severity, the safety scan's left out: its severities promise what loading
    would execute (a danger), not whether MLflow loads (docs/severity-oracle.md)."""
    findings = validate_model(root, options=ValidationOptions(**options))
    findings = [f for f in findings if RULES[f.rule].category != "safety"]
    return {
        level.value: sorted({f.rule for f in findings if f.severity is level})
        for level in (Severity.ERROR, Severity.WARNING, Severity.INFO)
    }


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("oracle")
    jobs, ours = [], {}
    for number, subject in enumerate(subjects_mod.all_subjects()):
        # one level below `work`, so `../x` paths land inside it (oracle_rehydrate.py)
        root = subject.materialize(work / "models" / f"m{number:03d}")
        ours[subject.name] = _ours(root, subject.options)
        jobs.append({"name": subject.name, "dir": str(root)})
    listing, output = work / "jobs.json", work / "results.json"
    listing.write_text(json.dumps({"workdir": str(work), "models": jobs}))
    started = time.monotonic()
    run = subprocess.run(
        [sys.executable, str(HERE / "oracle_runner.py"), str(listing), str(output)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=work,
        check=False,
        # MLflow's messages print sets of strings: a fixed hash seed keeps them in one order,
        # so the committed results do not change from run to run (tox randomizes the seed)
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    seconds = time.monotonic() - started
    assert run.returncode == 0, f"oracle_runner.py failed:\n{run.stderr[-4000:]}"
    raw = json.loads(output.read_text())
    paths = [j["dir"] for j in jobs] + [str(work)]
    records = {}
    for job in jobs:
        mlflow = {
            key: compare.sanitize(value, paths) if isinstance(value, str) else value
            for key, value in raw["results"][job["name"]].items()
        }
        records[job["name"]] = {"ours": ours[job["name"]], "mlflow": mlflow}
    return {"mlflow_version": raw["mlflow_version"], "subjects": records, "seconds": seconds}


def _major(oracle: dict[str, Any]) -> int:
    return int(oracle["mlflow_version"].split(".")[0])


def test_runner_is_quick_and_complete(oracle: dict[str, Any]) -> None:
    broken = {
        n: r["mlflow"]["oracle_error"]
        for n, r in oracle["subjects"].items()
        if "oracle_error" in r["mlflow"]
    }
    assert not broken, "the oracle itself failed on:\n" + "\n".join(
        f"{n}: {e}" for n, e in broken.items()
    )
    assert oracle["seconds"] < RUNNER_BUDGET_SECONDS, (
        f"the MLflow run took {oracle['seconds']:.0f} s"
    )


def test_every_difference_is_explained(oracle: dict[str, Any]) -> None:
    registry, major = _registry(), _major(oracle)
    unexplained = [
        f"{compare.outcome(record)}: {name}\n    ours: {record['ours']}\n    MLflow: "
        f"{compare.failure(record['mlflow']) or 'loads and predicts'}"
        for name, record in oracle["subjects"].items()
        if compare.explain(name, record, major, registry) is None
    ]
    assert not unexplained, f"MLflow {oracle['mlflow_version']}:\n" + "\n".join(unexplained)


def test_registry_has_no_stale_entry(oracle: dict[str, Any]) -> None:
    registry, major = _registry(), _major(oracle)
    used = {
        entry.key()
        for name, record in oracle["subjects"].items()
        for entry in compare.explain(name, record, major, registry) or []
    }
    stale = [e.key() for e in registry if e.mlflow in (None, major) and e.key() not in used]
    assert not stale, f"entries that explain nothing under MLflow {major}: {stale}"


def test_no_error_on_valid_cases_mlflow_runs(oracle: dict[str, Any]) -> None:
    """The zero-false-error promise, stated on its own: a valid case MLflow loads and
    predicts with draws no error (no registry entry can excuse this)."""
    wrong = [
        f"{name}: {record['ours']['error']}"
        for name, record in oracle["subjects"].items()
        if name.startswith("valid/") and compare.outcome(record) == "false-error"
    ]
    assert not wrong, "\n".join(wrong)


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    temporary.replace(path)


def test_committed_results_and_doc_are_current(oracle: dict[str, Any]) -> None:
    major = _major(oracle)
    results = {"mlflow_version": oracle["mlflow_version"], "subjects": oracle["subjects"]}
    fresh = json.dumps(results, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    own = ORACLE_DIR / f"mlflow-{major}.json"
    envs = {
        int(p.stem.split("-")[1]): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(ORACLE_DIR.glob("mlflow-*.json"))
        if p != own
    }
    envs[major] = results
    doc = compare.render(envs, _registry())
    if WRITE:
        _write_atomic(own, fresh)
        _write_atomic(DOC, doc)
    stale = [
        p.name
        for p, text in ((own, fresh), (DOC, doc))
        if not p.is_file() or p.read_text(encoding="utf-8") != text
    ]
    assert not stale, (
        f"{stale} out of date for MLflow {oracle['mlflow_version']}: run "
        "MLMODEL_SPEC_WRITE_ORACLE_DOC=1 tox run -e mlflow2,mlflow3 and commit docs/"
    )
