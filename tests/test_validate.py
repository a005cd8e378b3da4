"""The walker: a crashing or misbehaving check becomes a finding; options apply everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mlmodel_spec.conformance import registry
from mlmodel_spec.conformance.context import ModelContext, ValidationOptions
from mlmodel_spec.conformance.registry import Check, Problem
from mlmodel_spec.conformance.validate import validate_model

CASES = Path(__file__).parent / "cases"
GOOD = CASES / "valid" / "core-minimal-pyfunc"


def _crashes(ctx: ModelContext) -> Iterator[Problem]:
    yield Problem("schema", "", "first")
    raise KeyError("boom")


def _raises_undeclared(ctx: ModelContext) -> Iterator[Problem]:
    yield Problem("yaml-syntax", "", "not mine to raise")


@pytest.mark.parametrize(
    ("fn", "message"),
    [(_crashes, "crashed: KeyError: 'boom'"), (_raises_undeclared, "undeclared rules")],
)
def test_a_broken_check_is_an_internal_error_finding(
    monkeypatch: pytest.MonkeyPatch, fn: registry.CheckFn, message: str
) -> None:
    monkeypatch.setattr(registry, "CHECKS", [*registry.CHECKS, Check(fn, ("schema",), False)])
    monkeypatch.setattr("mlmodel_spec.conformance.validate.CHECKS", registry.CHECKS)
    findings = validate_model(GOOD)
    (crash,) = [f for f in findings if f.rule == "internal-error"]
    assert message in crash.message
    assert crash.severity == "error"
    assert [f for f in findings if f.rule != "internal-error"] == []


def test_a_good_model_has_no_findings_and_other_checks_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert validate_model(GOOD) == []
    monkeypatch.setattr(
        "mlmodel_spec.conformance.validate.CHECKS",
        [Check(_crashes, ("schema",), False), *registry.CHECKS],
    )
    broken = GOOD.parent.parent / "invalid" / "core-unknown-flavor"
    rules = {f.rule for f in validate_model(broken)}
    assert rules == {"internal-error", "unknown-flavor"}


def test_metadata_only_skips_checks_that_need_files(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def records(ctx: ModelContext) -> Iterator[Problem]:
        seen.append("ran")
        yield from ()

    monkeypatch.setattr(
        "mlmodel_spec.conformance.validate.CHECKS", [Check(records, ("schema",), True)]
    )
    validate_model(GOOD, options=ValidationOptions(metadata_only=True))
    assert seen == []
    validate_model(GOOD)
    assert seen == ["ran"]


def test_an_mlmodel_file_under_another_name_is_reported_by_that_name(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    text = (CASES / "invalid" / "core-duplicate-key" / "MLmodel").read_text()
    (model / "MLmodel.draft").write_text(text)
    findings = validate_model(model, model / "MLmodel.draft", ValidationOptions(metadata_only=True))
    assert {(f.rule, f.file, f.line) for f in findings} == {
        ("yaml-duplicate-key", "MLmodel.draft", 9)
    }
