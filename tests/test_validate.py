"""The walker: a crashing or misbehaving check becomes a finding; options apply everywhere."""

from __future__ import annotations

import shutil
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


def test_conflict_markers_are_looked_for_in_the_mlmodel_file_given(tmp_path: Path) -> None:
    """A parsable MLmodel under another name: its markers are found in that file (not in a
    sibling ``MLmodel``) and reported by its name; with no markers, nothing is reported."""
    model = tmp_path / "m"
    shutil.copytree(GOOD, model)  # payload and environment files, so only markers differ
    good = (GOOD / "MLmodel").read_text()
    (model / "MLmodel").write_text(good)  # a clean sibling that must not be read instead
    # a multi-line quoted scalar keeps a marker line at column 1 and still parses
    marked = good + "metadata:\n  note: 'first half\n<<<<<<< HEAD\n  second half'\n"
    (model / "MLmodel.draft").write_text(marked)
    findings = validate_model(model, model / "MLmodel.draft")
    conflicts = [f for f in findings if f.rule == "merge-conflict-marker"]
    assert [(f.file, f.line) for f in conflicts] == [("MLmodel.draft", marked.count("\n") - 1)]
    assert "in MLmodel.draft" in conflicts[0].message
    (model / "MLmodel.clean").write_text(good)
    (model / "MLmodel").write_text(marked)
    assert validate_model(model, model / "MLmodel.clean") == []


def test_an_unparsable_mlmodel_under_another_name_names_its_conflict(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    text = "flavors:\n<<<<<<< HEAD\n  a: 1\n=======\n  b: 2\n>>>>>>> x\n"
    (model / "MLmodel.orig").write_text(text)
    findings = validate_model(model, model / "MLmodel.orig")
    conflicts = [f for f in findings if f.rule == "merge-conflict-marker"]
    assert [(f.file, f.line, "in MLmodel.orig" in f.message) for f in conflicts] == [
        ("MLmodel.orig", 2, True)
    ]
