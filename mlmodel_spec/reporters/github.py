"""GitHub Actions workflow commands (``::error file=...::message``), then the text report."""

from __future__ import annotations

from mlmodel_spec.conformance.findings import Severity
from mlmodel_spec.conformance.validate import Report

from .common import CONFORMANCE, ReportStyle, category, finding_path
from .escaping import github_data, github_property, visible
from .text import render_text

_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def render_github(report: Report, style: ReportStyle) -> str:
    lines = []
    for target in report.targets:
        for f in target.findings:
            props = [f"file={github_property(visible(finding_path(target.path, f)))}"]
            props.append(f"line={f.line or 1}")  # whole-file findings: the first line
            if f.column is not None:
                props.append(f"col={f.column}")
            props.append(f"title={github_property(f.rule)}")
            message = visible(f.message) + (f" ({visible(f.pointer)})" if f.pointer else "")
            if category(f) != CONFORMANCE:
                message = f"{category(f)}: {message}"
            if f.hint:
                message += f"\nhint: {visible(f.hint)}"
            lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{github_data(message)}")
    return "".join(line + "\n" for line in lines) + render_text(
        report, ReportStyle(fail_on=style.fail_on)
    )
