"""Every dynamic check fires on a model broken in its way and stays silent on a good one.

The models run isolated, as ``mlmodel-spec check`` runs them; each model's checks run once
a session (``results``). mlflow-loads / mlflow-predicts-equal: tests/interop.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.dynamic.catalogue import CHECK_SPECS, HARNESS_IDS
from mlmodel_spec.conformance.dynamic.run import CheckResult, run_checks
from mlmodel_spec.conformance.findings import Severity

Results = Callable[[str], dict[str, CheckResult]]

#: (model, check, words the finding's message holds)
FIRES = [
    ("raises-on-import", "loads", "refusing to be imported"),
    ("not-sklearn", "native-loads", "not a scikit-learn object"),
    ("raises", "predicts-on-example", "this model cannot predict"),
    ("wrong-shape", "output-matches-signature", "does not fit signature.outputs"),
    ("too-few-rows", "output-matches-signature", "4 rows for 5 input rows"),
    ("type-hint-signature", "input-enforcement", "instead of the signature error"),
    ("changes-when-reloaded", "round-trip", "predicts differently"),
    ("extra-key", "resave-equivalent", "/custom_field dropped"),
    ("nondeterministic", "deterministic", "differ"),
    ("batch-dependent", "row-invariant", "row-by-row predictions differ"),
    ("stale-pins", "environment-satisfied", "scikit-learn==0.20.0"),
]
#: (good model, checks that must pass on it)
SILENT = {
    "iris": [
        "loads", "native-loads", "predicts-on-example", "output-matches-signature",
        "input-enforcement", "round-trip", "resave-equivalent", "deterministic",
        "row-invariant", "environment-satisfied",
    ],
    "iris-cloudpickle": ["native-loads", "round-trip", "resave-equivalent"],
    # env as a file name, specs without `required`, a tf-serving example: forms, not losses
    "mlflow-1x-forms": ["loads", "predicts-on-example", "round-trip", "resave-equivalent"],
    "mlflow-1x-tensor-example": ["predicts-on-example", "round-trip", "resave-equivalent"],
    "booster": [
        "loads", "native-loads", "predicts-on-example", "output-matches-signature",
        "input-enforcement", "round-trip", "resave-equivalent", "deterministic", "row-invariant",
    ],
    "sum": [
        "loads", "predicts-on-example", "output-matches-signature", "input-enforcement",
        "round-trip", "resave-equivalent", "deterministic", "row-invariant",
        "environment-satisfied",
    ],
}  # fmt: skip


@pytest.fixture(scope="session")
def results(model_dir: Callable[[str], Path]) -> Results:
    cache: dict[str, dict[str, CheckResult]] = {}

    def get(name: str) -> dict[str, CheckResult]:
        if name not in cache:
            ran = run_checks(model_dir(name), timeout=30, max_memory=4 * 2**30)
            cache[name] = {r.check: r for r in ran}
        return cache[name]

    return get


@pytest.mark.parametrize(("model", "check", "words"), FIRES, ids=[f"{m}::{c}" for m, c, _ in FIRES])
def test_check_fires_on_broken_model(results: Results, model: str, check: str, words: str) -> None:
    result = results(model)[check]
    assert result.status == "failed", result
    assert [f.rule for f in result.findings] == [check] * len(result.findings)
    assert any(words in f.message for f in result.findings), result.findings
    assert {f.severity for f in result.findings} == {CHECK_SPECS[check].severity}


@pytest.mark.parametrize(
    ("model", "check"),
    [(m, c) for m, checks in SILENT.items() for c in checks],
    ids=[f"{m}::{c}" for m, checks in SILENT.items() for c in checks],
)
def test_check_is_silent_on_good_model(results: Results, model: str, check: str) -> None:
    result = results(model)[check]
    assert result.status == "passed", result


def test_every_check_has_a_firing_and_a_silent_case() -> None:
    fired = {check for _, check, _ in FIRES}
    silent = {check for checks in SILENT.values() for check in checks}
    interop = {"mlflow-loads", "mlflow-predicts-equal"}  # tests/interop/test_check_mlflow_dirs.py
    assert set(CHECK_SPECS) - interop <= fired & silent
    assert HARNESS_IDS  # crash/timeout/memory: test_isolation.py


def test_severities_follow_the_contract() -> None:
    warnings = {c for c, s in CHECK_SPECS.items() if s.severity is Severity.WARNING}
    assert warnings == {
        "deterministic",
        "row-invariant",
        "environment-satisfied",
        "resave-equivalent",
    }


def test_dependent_checks_are_skipped_with_the_reason(results: Results) -> None:
    broken = results("raises-on-import")
    assert broken["predicts-on-example"].status == "skipped"
    assert broken["predicts-on-example"].reason == "not run: loads failed"


def test_checks_not_applicable_say_which_capability_is_missing(results: Results) -> None:
    custom = results("sum")
    assert custom["native-loads"].status == "skipped"
    assert "native-loader" in custom["native-loads"].reason
