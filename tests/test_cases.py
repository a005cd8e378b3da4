"""Cases as data: every directory under tests/cases/{valid,invalid} is one test.

Each case holds a model directory plus ``case.yaml`` (format: tests/cases/README.md). The
set of rule ids a case raises must equal its ``expect`` list exactly, so a case fails both
when a rule stops firing and when an unrelated rule starts to.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.registry import RULES
from mlmodel_spec.conformance.validate import validate_model

CASES = Path(__file__).parent / "cases"
KINDS = ("valid", "invalid")
CASE_KEYS = {"description", "expect", "locations", "exercises", "options"}


def _load_case(directory: Path) -> dict[str, Any]:
    with (directory / "case.yaml").open(encoding="utf-8") as handle:
        case: dict[str, Any] = yaml.safe_load(handle)
    return case


def _all_cases() -> list[tuple[str, Path]]:
    return [
        (kind, directory)
        for kind in KINDS
        for directory in sorted((CASES / kind).iterdir())
        if directory.is_dir()
    ]


ALL_CASES = _all_cases()


def _run(directory: Path, case: dict[str, Any]) -> list[Finding]:
    options = ValidationOptions(**case.get("options", {}))
    return validate_model(directory, options=options)


def _describe(findings: list[Finding]) -> str:
    return "\n".join(
        f"  {f.location} {f.severity.value} [{f.rule}] {f.pointer} {f.message}" for f in findings
    )


@pytest.mark.parametrize(
    ("kind", "directory"), ALL_CASES, ids=[f"{k}/{d.name}" for k, d in ALL_CASES]
)
def test_case(kind: str, directory: Path) -> None:
    case = _load_case(directory)
    findings = _run(directory, case)
    raised = {f.rule for f in findings}
    expected = set(case.get("expect") or [])
    assert raised == expected, (
        f"{case['description']}\nexpected rules {sorted(expected)}, got:\n{_describe(findings)}"
    )
    if kind == "valid":
        errors = [f for f in findings if f.severity is Severity.ERROR]
        assert not errors, f"a valid case has errors:\n{_describe(errors)}"
    else:
        assert findings, "an invalid case must raise something"
    for location in case.get("locations") or []:
        matching = [
            f
            for f in findings
            if f.rule == location["rule"]
            and all(getattr(f, key) == value for key, value in location.items() if key != "rule")
        ]
        assert matching, f"no {location} among:\n{_describe(findings)}"


def test_case_files_are_well_formed() -> None:
    descriptions: Counter[str] = Counter()
    for kind, directory in ALL_CASES:
        case = _load_case(directory)
        assert set(case) <= CASE_KEYS, f"{directory}: unknown keys {set(case) - CASE_KEYS}"
        assert isinstance(case.get("description"), str), f"{directory}: needs a description"
        descriptions[case["description"]] += 1
        for rule in [*(case.get("expect") or []), *(case.get("exercises") or [])]:
            assert rule in RULES, f"{directory}: unknown rule {rule!r}"
        if kind == "invalid":
            assert case.get("expect"), f"{directory}: an invalid case must expect rules"
            assert "exercises" not in case, f"{directory}: only valid cases exercise rules"
    duplicates = [d for d, n in descriptions.items() if n > 1]
    assert not duplicates, f"duplicate case descriptions: {duplicates}"


# Rules that no on-disk case can trigger (they need a FIFO, a crash, ...): tested elsewhere.
NOT_CASE_TESTABLE = {
    "internal-error": "needs a crashing check; tests/test_validate.py",
    "path-unreadable": "needs an unlistable directory; tests/reporters/test_unreadable.py",
}


def test_every_rule_fires_in_an_invalid_case_and_is_silent_in_a_valid_one() -> None:
    fired: set[str] = set()
    silent: set[str] = set()
    for kind, directory in ALL_CASES:
        case = _load_case(directory)
        if kind == "invalid":
            fired.update(case["expect"])
        else:
            exercised = set(case.get("exercises") or [])
            silent.update(exercised - set(case.get("expect") or []))
    static = {rule.id for rule in RULES.values() if rule.kind == "static"}  # dynamic: tests/dynamic
    missing_fire = sorted(static - fired - set(NOT_CASE_TESTABLE))
    missing_silent = sorted(static - silent - set(NOT_CASE_TESTABLE))
    assert not missing_fire, f"rules with no invalid case: {missing_fire}"
    assert not missing_silent, f"rules no valid case exercises: {missing_silent}"
