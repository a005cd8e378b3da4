"""The JSON report (``spec/schemas/v1/report.schema.json``)."""

from __future__ import annotations

import json
from typing import Any

from mlmodel_spec import __version__
from mlmodel_spec.conformance.findings import Finding
from mlmodel_spec.conformance.validate import Report

from .common import ReportStyle, category, summary_counts
from .escaping import json_text

REPORT_FORMAT_VERSION = "1"


def _finding(f: Finding) -> dict[str, Any]:
    fields = {k: json_text(v) if isinstance(v, str) else v for k, v in f.to_dict().items()}
    fields["category"] = category(f)
    return fields


def report_to_dict(report: Report) -> dict[str, Any]:
    return {
        "version": REPORT_FORMAT_VERSION,
        "tool": {"name": "mlmodel-spec", "version": __version__},
        "targets": [
            {
                "path": json_text(t.path),
                "findings": [_finding(f) for f in t.findings],
            }
            for t in report.targets
        ],
        "summary": summary_counts(report),
    }


def render_json(report: Report, style: ReportStyle) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
