"""What every reporter shares: the style options, a finding's path, the summary counts."""

from __future__ import annotations

import os

from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.records import record
from mlmodel_spec.conformance.registry import RULES
from mlmodel_spec.conformance.validate import Report, TargetResult

UNREADABLE_RULE = "path-unreadable"
#: the category of most rules (will MLflow load and serve it); reports name the others
CONFORMANCE = "conformance"
SAFETY = "safety"


@record(frozen=True)
class ReportStyle:
    color: bool = False
    fail_on: Severity = Severity.ERROR
    #: SARIF: the directory ``%SRCROOT%`` stands for (default: the working directory)
    sarif_base: str | None = None
    #: SARIF: where the user serves docs/rules.md; each rule's ``helpUri`` is ``URL#rule-id``
    sarif_help_uri: str | None = None


def finding_path(target_path: str, finding: Finding) -> str:
    """The file of a finding as a path the user can open (relative paths stay relative).

    A finding with no file (``path-unreadable``) is about the target path itself."""
    if not finding.file:
        return target_path
    return os.path.join(target_path, finding.file) if target_path not in ("", ".") else finding.file


def category(finding: Finding) -> str:
    """The category of a finding's rule: ``conformance`` or ``safety`` (what loading a
    payload would execute; its severity speaks of danger)."""
    rule = RULES.get(finding.rule)
    return rule.category if rule is not None else CONFORMANCE


def category_counts(report: Report, name: str) -> dict[str, int]:
    """Errors, warnings and infos of one category over the whole report."""
    counts = {"errors": 0, "warnings": 0, "infos": 0}
    key = {Severity.ERROR: "errors", Severity.WARNING: "warnings", Severity.INFO: "infos"}
    for target in report.targets:
        for f in target.findings:
            if category(f) == name:
                counts[key[f.severity]] += 1
    return counts


def is_unreadable(target: TargetResult) -> bool:
    return any(f.rule == UNREADABLE_RULE for f in target.findings)


def failing(target: TargetResult, fail_on: Severity) -> list[Finding]:
    return [f for f in target.findings if f.severity.rank >= fail_on.rank]


def summary_counts(report: Report) -> dict[str, int]:
    unreadable = sum(1 for t in report.targets if is_unreadable(t))
    return {
        "targets": len(report.targets) - unreadable,
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
        "unreadable": unreadable,
    }
