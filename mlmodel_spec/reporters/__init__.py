"""Reporters: turn a validation :class:`Report` into text, JSON, SARIF, JUnit or GitHub lines.

Each reporter is a function ``(report, ReportStyle) -> str`` registered by name in
:data:`REPORTERS`, one module per format. Everything a model supplied (keys, values, file
and directory names) goes through the format's escaping in :mod:`.escaping`. None of them
decides the exit code; the CLI does.
"""

from __future__ import annotations

from collections.abc import Callable

from mlmodel_spec.conformance.validate import Report

from .common import ReportStyle, finding_path, summary_counts
from .github import render_github
from .json_report import REPORT_FORMAT_VERSION, render_json, report_to_dict
from .junit import render_junit
from .sarif import render_sarif
from .text import render_text

REPORTERS: dict[str, Callable[[Report, ReportStyle], str]] = {
    "text": render_text,
    "json": render_json,
    "sarif": render_sarif,
    "junit": render_junit,
    "github": render_github,
}

__all__ = [
    "REPORTERS",
    "REPORT_FORMAT_VERSION",
    "ReportStyle",
    "finding_path",
    "render_github",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_text",
    "report_to_dict",
    "summary_counts",
]
