"""The rule catalogue as a Markdown page (``docs/rules.md``), generated from the registry.

Rules are defined in code (``conformance/rules/``); this page is their user-facing list, so
it is generated and ``mlmodel-spec codegen --check`` fails when it falls behind.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from .rendering import render

RULES_DOC = "docs/rules.md"

#: rule-id prefix -> the area heading it is listed under (first match wins; order matters)
AREAS = (
    (("yaml-", "mlmodel-", "internal-"), "The MLmodel document"),
    (("schema", "unknown-", "deprecated-"), "Structure (JSON Schema)"),
    (("path-", "loader-module-", "python-model-", "no-pyfunc-"), "Paths and loading"),
    (("model-size-", "merge-conflict-", "placeholder-"), "Size and hygiene"),
    (("env-", "conda-", "python-env-", "requirements-"), "Environment files"),
    (("flavor-version-", "python-version-", "mlflow-version-"), "Versions"),
    (("signature-",), "Signatures"),
    (("input-example-", "serving-example-"), "Input examples"),
    (("reader-",), "Reader compatibility (`--reader-mlflow`, `--reader-sklearn`)"),
    (("safety-",), "Safety (what loading a payload would execute; category `safety`)"),
)
#: rules of ``kind="dynamic"`` (conformance/dynamic/) are listed under this area
DYNAMIC_AREA = "Dynamic checks (`mlmodel-spec check`: runs the model)"


@dataclass(frozen=True)
class RuleRow:
    id: str
    severity: str  # the default, then each other severity with when it applies
    summary: str
    hint: str


def _area(rule_id: str) -> str:
    for prefixes, title in AREAS:
        if rule_id.startswith(prefixes):
            return title
    return "Other"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def rules_doc() -> str:
    """The page for the rules registered right now (every rule module imported)."""
    from mlmodel_spec import __version__
    from mlmodel_spec.conformance import validate  # noqa: F401  (registers every rule)
    from mlmodel_spec.conformance.dynamic import catalogue  # noqa: F401  (and every check)
    from mlmodel_spec.conformance.registry import RULES

    areas: dict[str, list[RuleRow]] = {title: [] for _, title in AREAS}
    areas[DYNAMIC_AREA] = []
    areas["Other"] = []
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        severity = rule.severity.value + "".join(
            f"; **{level.value}** when {_cell(when)}" for level, when in rule.severities
        )
        row = RuleRow(rule.id, severity, _cell(rule.summary), _cell(rule.hint))
        areas[DYNAMIC_AREA if rule.kind == "dynamic" else _area(rule.id)].append(row)
    sections = [(title, rows) for title, rows in areas.items() if rows]
    digest = hashlib.sha256(
        "\n".join(
            f"{r.id}|{r.severity}|{r.summary}|{r.hint}" for _, rows in sections for r in rows
        ).encode()
    ).hexdigest()
    return render(
        "rules.md.jinja2",
        version=__version__,
        digest=digest,
        static=sum(rule.kind != "dynamic" for rule in RULES.values()),
        dynamic=sum(rule.kind == "dynamic" for rule in RULES.values()),
        sections=sections,
    )
