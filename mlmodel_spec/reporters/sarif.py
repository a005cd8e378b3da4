"""SARIF 2.1.0 for code-scanning tools (GitHub code scanning, the SARIF Multitool).

Paths below ``--sarif-base`` (default: the working directory) are URIs relative to the
``%SRCROOT%`` base id, which ``originalUriBaseIds`` maps to that directory; paths outside
it are absolute ``file://`` URIs. Every result has a region (line 1 for a whole file) and a
``partialFingerprints`` entry from its rule, file and pointer, so the same finding keeps
its identity across runs and checkouts.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from mlmodel_spec import __version__
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.registry import Rule
from mlmodel_spec.conformance.validate import Report

from .common import ReportStyle, finding_path
from .escaping import json_text, uri_path

SRCROOT = "%SRCROOT%"
FINGERPRINT = "mlmodelSpecFinding/v1"
_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
#: GitHub code scanning files a rule tagged ``security`` with a ``security-severity`` (a CVSS
#: score as a string) as a security alert: high, medium, low
_SECURITY_SEVERITY = {Severity.ERROR: "8.0", Severity.WARNING: "5.0", Severity.INFO: "2.0"}


def _properties(rule: Rule) -> dict[str, Any]:
    """The rule's category as a property and a tag; safety rules also as security rules."""
    properties: dict[str, Any] = {"category": rule.category, "tags": [rule.category]}
    if rule.category == "safety":
        properties["tags"].append("security")
        properties["security-severity"] = _SECURITY_SEVERITY[rule.severity]
    return properties


def _full_description(rule: Rule) -> str:
    text = rule.summary.rstrip(".") + "."
    for severity, when in rule.severities:
        text += f" Reported as {severity.value} when {when}."
    return text


def _rule(rule: Rule, help_uri: str | None) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": rule.id,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _full_description(rule)},
        "help": {"text": rule.hint or rule.summary},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": _properties(rule),
    }
    if help_uri:  # only a place the user says serves docs/rules.md: we publish no URL
        described["helpUri"] = f"{help_uri}#{rule.id}"
    return described


class _Locator:
    """Artifact locations relative to ``%SRCROOT%`` where possible."""

    def __init__(self, base: str | None) -> None:
        self.base = os.path.abspath(base if base is not None else os.getcwd())

    def base_uri(self) -> str:
        uri = Path(self.base).as_uri()
        return uri if uri.endswith("/") else uri + "/"

    def artifact(self, path: str) -> dict[str, str]:
        absolute = os.path.abspath(path)
        try:
            inside = os.path.commonpath([self.base, absolute]) == self.base
        except ValueError:  # another drive on Windows
            inside = False
        if inside:
            relative = os.path.relpath(absolute, self.base).replace(os.sep, "/")
            return {"uri": uri_path(relative), "uriBaseId": SRCROOT}
        return {"uri": Path(absolute).as_uri()}


def _fingerprint(f: Finding, uri: str) -> str:
    key = "\0".join((f.rule, uri, f.pointer))
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()


def _result(f: Finding, path: str, index: int, locator: _Locator, category: str) -> dict[str, Any]:
    artifact = locator.artifact(path)
    region: dict[str, int] = {"startLine": f.line or 1}
    if f.column is not None:
        region["startColumn"] = f.column
    location: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": artifact, "region": region}
    }
    if f.pointer:
        location["logicalLocations"] = [{"fullyQualifiedName": json_text(f.pointer)}]
    text = f.message.rstrip() + (f" Hint: {f.hint}" if f.hint else "")
    return {
        "ruleId": f.rule,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": json_text(text)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: _fingerprint(f, artifact["uri"])},
        "properties": {"category": category},
    }


def render_sarif(report: Report, style: ReportStyle) -> str:
    from mlmodel_spec.conformance.registry import RULES

    used = sorted({f.rule for t in report.targets for f in t.findings})
    index = {rule: i for i, rule in enumerate(used)}
    locator = _Locator(style.sarif_base)
    results = [
        _result(f, finding_path(t.path, f), index[f.rule], locator, RULES[f.rule].category)
        for t in report.targets
        for f in t.findings
    ]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "mlmodel-spec",
                        "version": __version__,
                        "rules": [_rule(RULES[rule], style.sarif_help_uri) for rule in used],
                        # the Multitool asks for it (SARIF2005); only a URL the user serves
                        **(
                            {"informationUri": style.sarif_help_uri} if style.sarif_help_uri else {}
                        ),
                    }
                },
                "originalUriBaseIds": {SRCROOT: {"uri": locator.base_uri()}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(sarif, indent=2, ensure_ascii=False) + "\n"
