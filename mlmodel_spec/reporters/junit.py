"""JUnit XML: one testcase per model directory (Jenkins ``junit-10.xsd``).

Findings at or above ``--fail-on`` make the testcase a ``failure``; the others are kept in
its ``system-out``. A path that could not be read is an ``error`` (the models below it did
not run at all).
"""

from __future__ import annotations

from mlmodel_spec.conformance.findings import Finding
from mlmodel_spec.conformance.validate import Report

from .common import CONFORMANCE, ReportStyle, category, failing, is_unreadable
from .escaping import visible, xml_attribute, xml_text


def _line(f: Finding) -> str:
    """One finding as one line (model text escaped: it cannot add lines of its own)."""
    pointer = f" {visible(f.pointer)}" if f.pointer else ""
    kind = category(f)
    severity = f.severity.value if kind == CONFORMANCE else f"{kind} {f.severity.value}"
    return f"{visible(f.location)}: {severity} [{f.rule}]{pointer} {visible(f.message)}"


def render_junit(report: Report, style: ReportStyle) -> str:
    cases = []
    failures = errors = 0
    for target in report.targets:
        bad = failing(target, style.fail_on)
        kept = [f for f in target.findings if f not in bad]
        name = xml_attribute(target.path)
        body = []
        if bad:
            element = "error" if is_unreadable(target) else "failure"
            if element == "error":
                errors += 1
            else:
                failures += 1
            message = xml_attribute(f"{len(bad)} finding(s) at or above {style.fail_on.value}")
            text = xml_text("\n".join(_line(f) for f in bad))
            body.append(f"      <{element} message={message}>{text}</{element}>")
        if kept:
            body.append(
                f"      <system-out>{xml_text(chr(10).join(_line(f) for f in kept))}</system-out>"
            )
        if body:
            cases.append(
                f'    <testcase classname="mlmodel-spec" name={name}>\n'
                + "\n".join(body)
                + "\n    </testcase>"
            )
        else:
            cases.append(f'    <testcase classname="mlmodel-spec" name={name}/>')
    counts = f'tests="{len(report.targets)}" failures="{failures}" errors="{errors}"'
    head = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<testsuites {counts}>\n'
        f'  <testsuite name="mlmodel-spec validate" {counts}>\n'
    )
    return head + "\n".join(cases) + ("\n" if cases else "") + "  </testsuite>\n</testsuites>\n"
