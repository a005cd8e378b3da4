"""Safety findings carry their category, ``safety``, in every report format and in ``rules``.

One tree holds a model whose pickle calls ``os.system`` (a safety error) and a model with
conformance findings only; every format must tell the two categories apart.
"""

from __future__ import annotations

import io
import json
import shutil
import xml.etree.ElementTree as ET
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from mlmodel_spec.cli import main

CASES = Path(__file__).resolve().parents[1] / "cases"
DANGEROUS = "safety-dangerous-global"


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tree")
    shutil.copytree(CASES / "invalid" / "safety-reduce-os-system", root / "evil")
    (root / "plain").mkdir()
    (root / "plain" / "MLmodel").write_text("flavors:\n  my_flavor:\n    a: 1\n")
    return root


def _run(*argv: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        main(list(argv))
    return out.getvalue()


def test_json_findings_name_their_category(tree: Path, report_validator: object) -> None:
    report = json.loads(_run("validate", str(tree), "--format", "json"))
    report_validator.validate(report)  # type: ignore[attr-defined]
    categories = {
        f["rule"]: f["category"] for target in report["targets"] for f in target["findings"]
    }
    assert categories[DANGEROUS] == "safety"
    others = {c for rule, c in categories.items() if not rule.startswith("safety-")}
    assert others == {"conformance"}


def test_sarif_rules_and_results_carry_the_category(tree: Path) -> None:
    run = json.loads(_run("validate", str(tree), "--format", "sarif"))["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    safety = rules[DANGEROUS]["properties"]
    assert safety["category"] == "safety" and "security" in safety["tags"]
    assert float(safety["security-severity"]) >= 7.0  # GitHub: a high security alert
    plain = [r for rid, r in rules.items() if not rid.startswith("safety-")]
    assert plain and all(r["properties"]["tags"] == ["conformance"] for r in plain)
    assert all("security-severity" not in r["properties"] for r in plain)
    by_rule = {r["ruleId"]: r["properties"]["category"] for r in run["results"]}
    assert by_rule[DANGEROUS] == "safety"
    assert {c for rid, c in by_rule.items() if not rid.startswith("safety-")} == {"conformance"}
    assert {c for rid, c in by_rule.items() if rid.startswith("safety-")} == {"safety"}


def test_text_junit_and_github_say_safety(tree: Path) -> None:
    text = _run("validate", str(tree))
    (line,) = [ln for ln in text.splitlines() if f"[{DANGEROUS}]" in ln]
    assert f": safety error [{DANGEROUS}]" in line
    assert all(
        "safety" not in ln.split("[")[0] for ln in text.splitlines() if "[unknown-flavor]" in ln
    )
    assert text.splitlines()[-1].count("(safety: 1 error, 0 warnings, 1 info)") == 1

    junit = ET.fromstring(_run("validate", str(tree), "--format", "junit"))
    failures = [f.text or "" for f in junit.iter("failure")]
    assert any(f"safety error [{DANGEROUS}]" in f for f in failures)

    github = _run("validate", str(tree), "--format", "github")
    (command,) = [ln for ln in github.splitlines() if ln.startswith("::error ") and DANGEROUS in ln]
    assert command.split("::")[2].startswith("safety: ")


def test_a_report_without_safety_findings_has_no_safety_summary(tree: Path) -> None:
    text = _run("validate", str(tree / "plain"))
    assert "safety" not in text


def test_rules_lists_the_category() -> None:
    rows = json.loads(_run("rules", "--format", "json"))
    categories = {row["id"]: row["category"] for row in rows}
    assert {rid for rid, c in categories.items() if c == "safety"} == {
        rid for rid in categories if rid.startswith("safety-")
    }
    assert len({rid for rid, c in categories.items() if c == "safety"}) >= 6
    text = _run("rules")
    (line,) = [ln for ln in text.splitlines() if ln.startswith(DANGEROUS)]
    assert "[safety]" in line
