"""Reporters: turn a validation :class:`Report` into text, JSON, SARIF, JUnit or GitHub lines.

Each reporter is a function ``(report, ReportStyle) -> str`` registered by name in
:data:`REPORTERS`. None of them decides the exit code; the CLI does.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlmodel_spec import __version__
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.validate import Report

REPORT_FORMAT_VERSION = "1"
INFORMATION_URI = "https://github.com/mlmodel-spec/mlmodel-spec"


@dataclass(frozen=True, slots=True)
class ReportStyle:
    color: bool = False
    fail_on: Severity = Severity.ERROR


def finding_path(target_path: str, finding: Finding) -> str:
    """The file of a finding as a path the user can open (relative paths stay relative)."""
    return os.path.join(target_path, finding.file) if target_path not in ("", ".") else finding.file


def summary_counts(report: Report) -> dict[str, int]:
    return {
        "targets": len(report.targets),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
    }


# -- text --------------------------------------------------------------------------------
_COLORS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def render_text(report: Report, style: ReportStyle) -> str:
    def paint(code: str, text: str) -> str:
        return f"{code}{text}{_RESET}" if style.color else text

    lines: list[str] = []
    for target in report.targets:
        for f in target.findings:
            where = finding_path(target.path, f)
            if f.line is not None:
                where += f":{f.line}" + (f":{f.column}" if f.column is not None else "")
            pointer = f" {paint(_DIM, f.pointer)}" if f.pointer else ""
            severity = paint(_COLORS[f.severity], f.severity.value)
            lines.append(f"{paint(_BOLD, where)}: {severity} [{f.rule}]{pointer} {f.message}")
            if f.hint and f.severity is not Severity.INFO:
                lines.append(f"    {paint(_DIM, 'hint:')} {f.hint}")
    counts = summary_counts(report)
    failing = sum(
        1 for t in report.targets if any(f.severity.rank >= style.fail_on.rank for f in t.findings)
    )
    summary = (
        f"{_plural(counts['targets'], 'model')} checked: {_plural(counts['errors'], 'error')}, "
        f"{_plural(counts['warnings'], 'warning')}, {_plural(counts['infos'], 'info')}"
    )
    if failing:
        summary += f"; {failing} failing at --fail-on {style.fail_on.value}"
    lines.append(paint(_BOLD, summary))
    return "\n".join(lines) + "\n"


# -- JSON --------------------------------------------------------------------------------
def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "version": REPORT_FORMAT_VERSION,
        "tool": {"name": "mlmodel-spec", "version": __version__},
        "targets": [
            {"path": t.path, "findings": [f.to_dict() for f in t.findings]} for t in report.targets
        ],
        "summary": summary_counts(report),
    }


def render_json(report: Report, style: ReportStyle) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"


# -- SARIF 2.1.0 -------------------------------------------------------------------------
_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def render_sarif(report: Report, style: ReportStyle) -> str:
    from mlmodel_spec.conformance.registry import RULES

    used = sorted({f.rule for t in report.targets for f in t.findings})
    index = {rule: i for i, rule in enumerate(used)}
    rules = [
        {
            "id": rule,
            "shortDescription": {"text": RULES[rule].summary},
            "help": {"text": RULES[rule].hint or RULES[rule].summary},
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[rule].severity]},
        }
        for rule in used
    ]
    results = []
    for target in report.targets:
        for f in target.findings:
            region = {}
            if f.line is not None:
                region["startLine"] = f.line
                if f.column is not None:
                    region["startColumn"] = f.column
            location: dict[str, Any] = {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding_path(target.path, f).replace(os.sep, "/")},
                    **({"region": region} if region else {}),
                }
            }
            if f.pointer:
                location["logicalLocations"] = [{"fullyQualifiedName": f.pointer}]
            results.append(
                {
                    "ruleId": f.rule,
                    "ruleIndex": index[f.rule],
                    "level": _SARIF_LEVEL[f.severity],
                    "message": {"text": f.message + (f" Hint: {f.hint}" if f.hint else "")},
                    "locations": [location],
                }
            )
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlmodel-spec",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"


# -- JUnit XML ---------------------------------------------------------------------------
# (xml.sax.saxutils would import urllib.request: 17 ms of start-up for two replace calls)
_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def xml_escape(text: str) -> str:
    return "".join(_XML_TEXT.get(char, char) for char in text)


def quoteattr(text: str) -> str:
    escaped = xml_escape(text).replace('"', "&quot;").replace("\n", "&#10;")
    return f'"{escaped}"'


def render_junit(report: Report, style: ReportStyle) -> str:
    cases = []
    failures = 0
    for target in report.targets:
        failing = [f for f in target.findings if f.severity.rank >= style.fail_on.rank]
        name = quoteattr(target.path)
        if not failing:
            cases.append(f'    <testcase classname="mlmodel-spec" name={name}/>')
            continue
        failures += 1
        body = "\n".join(
            f"{f.location}: {f.severity.value} [{f.rule}] {f.pointer} {f.message}" for f in failing
        )
        message = quoteattr(f"{len(failing)} finding(s) at or above {style.fail_on.value}")
        cases.append(
            f'    <testcase classname="mlmodel-spec" name={name}>\n'
            f"      <failure message={message}>{xml_escape(body)}</failure>\n"
            "    </testcase>"
        )
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        f'  <testsuite name="mlmodel-spec validate" tests="{len(report.targets)}" '
        f'failures="{failures}" errors="0">\n'
    )
    return head + "\n".join(cases) + ("\n" if cases else "") + "  </testsuite>\n</testsuites>\n"


# -- GitHub Actions workflow commands ----------------------------------------------------
_GITHUB_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report, style: ReportStyle) -> str:
    lines = []
    for target in report.targets:
        for f in target.findings:
            props = [f"file={_gh_property(finding_path(target.path, f))}"]
            if f.line is not None:
                props.append(f"line={f.line}")
                if f.column is not None:
                    props.append(f"col={f.column}")
            props.append(f"title={_gh_property(f.rule)}")
            message = f.message + (f" ({f.pointer})" if f.pointer else "")
            if f.hint:
                message += f"\nhint: {f.hint}"
            lines.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_gh_data(message)}")
    return "".join(line + "\n" for line in lines) + render_text(
        report, ReportStyle(fail_on=style.fail_on)
    )


REPORTERS: dict[str, Callable[[Report, ReportStyle], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
}
