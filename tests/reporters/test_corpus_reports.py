"""Reports on the whole case corpus, read by the real consumers: the SARIF 2.1.0 schema and
Microsoft's SARIF Multitool (its SARIF and GitHub rule sets: zero results), the report
schema, the Jenkins junit-10.xsd, junitparser and junit2html. And one source of severity:
registry, docs/rules.md, `mlmodel-spec rules`, SARIF and the corpus agree."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.registry import RULES
from mlmodel_spec.conformance.validate import Report, TargetResult, validate_model
from mlmodel_spec.reporters import REPORTERS, ReportStyle

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "cases"
RULES_DOC = ROOT / "docs" / "rules.md"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _corpus_report() -> Report:
    targets = []
    for directory in sorted(CASES.glob("*/*/")):
        case = yaml.safe_load((directory / "case.yaml").read_text(encoding="utf-8"))
        options = ValidationOptions(**case.get("options", {}))
        path = str(directory.relative_to(ROOT))
        targets.append(TargetResult(path, validate_model(directory, options=options)))
    return Report(targets)


@pytest.fixture(scope="module")
def corpus() -> Report:
    return _corpus_report()


def _outputs(report: Report, **style: Any) -> dict[str, str]:
    return {name: render(report, ReportStyle(**style)) for name, render in REPORTERS.items()}


def test_the_corpus_is_large_and_has_every_severity(corpus: Report) -> None:
    severities = {f.severity.value for t in corpus.targets for f in t.findings}
    assert len(corpus.targets) > 100 and severities == {"error", "warning", "info"}


def test_every_consumer_reads_the_corpus_reports(
    corpus: Report, check_all_formats: Callable[[dict[str, str], Report], None]
) -> None:
    check_all_formats(_outputs(corpus, sarif_base=str(ROOT)), corpus)
    check_all_formats(_outputs(corpus, sarif_base=str(ROOT / "docs")), corpus)  # file:// URIs


HELP_URI = "https://docs.example.internal/mlmodel-spec/rules.html"


def _old_defects(sarif_text: str) -> str:
    """The log with the defects of the old reporter put back (to prove the run can fail)."""
    sarif = json.loads(sarif_text)
    run = sarif["runs"][0]
    del run["originalUriBaseIds"]
    for rule in run["tool"]["driver"]["rules"]:
        del rule["fullDescription"]
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        location["artifactLocation"] = {"uri": "/abs/h#sh q?x y/MLmodel"}
        del location["region"]
    return json.dumps(sarif)


@pytest.fixture(scope="module")
def multitool_verdicts(
    corpus: Report,
    tmp_path_factory: pytest.TempPathFactory,
    multitool: Callable[[list[Path], Path], list[dict[str, Any]]],
) -> dict[str, set[str]]:
    """One Multitool run (it takes seconds to start) over three logs: file name -> rule ids."""
    work = tmp_path_factory.mktemp("multitool")
    docs = ReportStyle(sarif_base=str(ROOT), sarif_help_uri=HELP_URI)
    relative = REPORTERS["sarif"](corpus, docs)
    logs = {
        "relative.sarif": relative,  # every path below %SRCROOT%, rules linked to their docs
        "absolute.sarif": REPORTERS["sarif"](corpus, ReportStyle(sarif_base=str(work))),
        "broken.sarif": _old_defects(relative),
    }
    for name, text in logs.items():
        (work / name).write_text(text, encoding="utf-8")
    verdicts: dict[str, set[str]] = {name: set() for name in logs}
    for result in multitool([work / name for name in logs], work):
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        verdicts[uri.rsplit("/", 1)[-1]].add(result["ruleId"])
    return verdicts


def test_the_sarif_multitool_reports_nothing_on_the_corpus(
    multitool_verdicts: dict[str, set[str]],
) -> None:
    assert multitool_verdicts["relative.sarif"] == set()
    # without --sarif-help-uri there is no informationUri to give (we publish no URL): the
    # Multitool's note asking for one is the only thing it says
    assert multitool_verdicts["absolute.sarif"] == {"SARIF2005"}


def test_the_multitool_finds_the_defects_of_the_old_sarif(
    multitool_verdicts: dict[str, set[str]],
) -> None:
    assert {"SARIF1004", "SARIF2017", "GH2012"} <= multitool_verdicts["broken.sarif"]


def test_junitparser_and_junit2html_read_the_corpus_report(corpus: Report) -> None:
    from junit2htmlreport import parser as junit2html
    from junitparser import Error, Failure, JUnitXml

    text = REPORTERS["junit"](corpus, ReportStyle())
    xml = JUnitXml.fromstring(text)
    cases = [case for suite in xml for case in suite]
    assert [case.name for case in cases] == [t.path for t in corpus.targets]
    failing = {
        case.name for case in cases if any(isinstance(r, Failure | Error) for r in case.result)
    }
    assert failing == {
        t.path for t in corpus.targets if any(f.severity.value == "error" for f in t.findings)
    }
    kept = {case.name for case in cases if case.system_out}
    assert kept == {
        t.path for t in corpus.targets if any(f.severity.value != "error" for f in t.findings)
    }
    html = junit2html.Junit(xmlstring=text).html()
    assert all(t.path in html for t in corpus.targets[:5])


# -- one source of severity ----------------------------------------------------------------------
def test_every_reported_severity_is_declared_by_its_rule(corpus: Report) -> None:
    undeclared = {
        (f.rule, f.severity.value, t.path)
        for t in corpus.targets
        for f in t.findings
        if f.severity not in RULES[f.rule].allowed_severities()
    }
    assert not undeclared, "declare the case with define_rule(..., severities=...)"


def test_path_missing_severities_agree_everywhere(corpus: Report) -> None:
    rule = RULES["path-missing"]
    reported = {f.severity.value for t in corpus.targets for f in t.findings if f.rule == rule.id}
    assert reported == {"error", "warning"}  # a payload / an input example or extra file
    assert {s.value for s in rule.allowed_severities()} == reported


def test_docs_list_each_severity_with_when_it_applies() -> None:
    page = RULES_DOC.read_text(encoding="utf-8")
    for rule in RULES.values():
        (row,) = re.findall(rf"^\| `{re.escape(rule.id)}` \| ([^|]*) \|", page, flags=re.M)
        assert row.startswith(rule.severity.value), (rule.id, row)
        for level, when in rule.severities:
            assert f"**{level.value}** when {when}" in row, (rule.id, row)
        assert f'<a id="{rule.id}"></a>' in page


def test_rules_command_lists_each_severity() -> None:
    out = io.StringIO()
    with redirect_stdout(out):
        assert main(["rules", "--format", "json"]) == 0
    listed = {row["id"]: row for row in json.loads(out.getvalue())}
    for rule in RULES.values():
        assert listed[rule.id]["severity"] == rule.severity.value
        assert listed[rule.id]["severities"] == [
            {"severity": level.value, "when": when} for level, when in rule.severities
        ]
    text = io.StringIO()
    with redirect_stdout(text):
        main(["rules"])
    assert re.search(
        r"^ +warning +when it is the \(serving\) input example", text.getvalue(), flags=re.M
    )


def test_sarif_levels_agree_with_the_registry(corpus: Report) -> None:
    sarif = json.loads(REPORTERS["sarif"](corpus, ReportStyle(sarif_base=str(ROOT))))
    run = sarif["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    for described in rules:
        rule = RULES[described["id"]]
        assert described["defaultConfiguration"]["level"] == SARIF_LEVEL[rule.severity.value]
        assert "helpUri" not in described  # no URL we do not serve
        assert described["fullDescription"]["text"]
    for result in run["results"]:
        allowed = {SARIF_LEVEL[s.value] for s in RULES[result["ruleId"]].allowed_severities()}
        assert result["level"] in allowed
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
