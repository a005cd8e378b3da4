"""The text report: one line per finding (and its hint), then a summary line."""

from __future__ import annotations

from mlmodel_spec.conformance.findings import Severity
from mlmodel_spec.conformance.validate import Report

from .common import (
    CONFORMANCE,
    SAFETY,
    ReportStyle,
    category,
    category_counts,
    failing,
    finding_path,
    summary_counts,
)
from .escaping import safe_line_start, visible

_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summary_line(report: Report, fail_on: Severity) -> str:
    counts = summary_counts(report)
    summary = (
        f"{_plural(counts['targets'], 'model')} checked: {_plural(counts['errors'], 'error')}, "
        f"{_plural(counts['warnings'], 'warning')}, {_plural(counts['infos'], 'info')}"
    )
    safety = category_counts(report, SAFETY)
    if any(safety.values()):
        summary += (
            f" (safety: {_plural(safety['errors'], 'error')}, "
            f"{_plural(safety['warnings'], 'warning')}, {_plural(safety['infos'], 'info')})"
        )
    if counts["unreadable"]:
        summary += f"; {_plural(counts['unreadable'], 'path')} could not be read"
    failing_count = sum(1 for t in report.targets if failing(t, fail_on))
    if failing_count:
        summary += f"; {failing_count} failing at --fail-on {fail_on.value}"
    return summary


def render_text(report: Report, style: ReportStyle) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if style.color else text

    lines: list[str] = []
    for target in report.targets:
        for f in target.findings:
            where = safe_line_start(visible(finding_path(target.path, f)))
            if f.line is not None:
                where += f":{f.line}" + (f":{f.column}" if f.column is not None else "")
            pointer = f" {paint(_DIM, visible(f.pointer))}" if f.pointer else ""
            severity = paint(_COLORS[f.severity], f.severity.value)
            kind = category(f)
            if kind != CONFORMANCE:  # "safety error": the severity speaks of danger
                severity = f"{kind} {severity}"
            message = visible(f.message)
            lines.append(f"{paint(_BOLD, where)}: {severity} [{f.rule}]{pointer} {message}")
            if f.hint and f.severity is not Severity.INFO:
                lines.append(f"    {paint(_DIM, 'hint:')} {visible(f.hint)}")
    lines.append(paint(_BOLD, summary_line(report, style.fail_on)))
    return "\n".join(lines) + "\n"
