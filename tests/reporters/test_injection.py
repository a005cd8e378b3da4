"""The defects of issue 13 one by one, each on the smallest model that shows it."""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from functools import partial
from pathlib import Path

import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.validate import Report, validate_paths
from mlmodel_spec.reporters import REPORTERS, ReportStyle
from mlmodel_spec.reporters.escaping import (
    safe_line_start,
    uri_path,
    visible,
    xml_attribute,
    xml_text,
)

FORGED = "zz\n::error file=evil.py,line=1::INJECTED"
#: a model with info findings only (no-pyfunc-flavor, unknown-flavor)
MINIMAL = "flavors:\n  my_flavor:\n    a: 1\n"


def validate(*argv: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["validate", *argv])
    return code, out.getvalue()


def write_model(directory: Path, extra: str = "") -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "MLmodel").write_text(MINIMAL + extra, encoding="utf-8")
    return directory


def test_a_key_cannot_forge_a_workflow_command(
    tmp_path: Path, github_command: re.Pattern[str]
) -> None:
    model = write_model(tmp_path / "m", f"{json.dumps(FORGED)}: 1\n")
    for fmt in ("github", "text"):
        code, out = validate(str(model), "--format", fmt)
        assert code == 0
        assert "INJECTED" in out  # reported, escaped
        for line in out.splitlines():
            assert not line.lstrip().startswith("::error file=evil.py"), (fmt, line)
            assert not line.lstrip().startswith("::") or github_command.fullmatch(line), line
            assert not line.lstrip().startswith("::") or line.startswith("::notice file="), line


@pytest.mark.parametrize("command", ["::stop-commands::tok", "::add-mask::secret", "  ::error::x"])
def test_no_line_starts_a_command_from_a_directory_name(
    tmp_path: Path, command: str, github_command: re.Pattern[str]
) -> None:
    write_model(tmp_path / command, "custom: 1\n")
    for fmt in ("github", "text"):
        _, out = _in(tmp_path, partial(validate, command, "--format", fmt))
        assert "::" in out
        for line in out.splitlines():
            if line.lstrip().startswith("::"):
                assert fmt == "github" and github_command.fullmatch(line), line
                assert line.startswith("::notice file=%3A%3A") or "file=  %3A" in line, line


def _in(directory: Path, call: Callable[[], tuple[int, str]]) -> tuple[int, str]:
    cwd = os.getcwd()
    os.chdir(directory)
    try:
        return call()
    finally:
        os.chdir(cwd)


def test_text_escapes_terminal_controls(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m", '"\\e[2J\\rkey\\x9b\\u202e": 1\n')
    _, out = validate(str(model), "--format", "text", "--color", "never")
    assert "\x1b" not in out and "\r" not in out and "\x9b" not in out and "\u202e" not in out
    assert "\\x1b[2J\\rkey\\x9b\\u202e" in out


def test_junit_with_a_control_character_and_cr_is_well_formed(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m", '"bad\\x01key": 1\n"cr\\rkey": 2\n')
    code, out = validate(str(model), "--format", "junit", "--fail-on", "warning")
    assert code == 0
    root = ET.fromstring(out)
    (case,) = root.iter("testcase")
    kept = case.findtext("system-out") or ""
    assert "bad\\x01key" in kept and "cr\\rkey" in kept  # infos below --fail-on are kept
    assert "\r" not in out and "\x01" not in out


def test_junit_keeps_findings_below_fail_on(tmp_path: Path) -> None:
    write_model(tmp_path / "a", "custom: 1\n")  # an info
    write_model(tmp_path / "b", "flavors: 3\n")  # an error
    code, out = validate(str(tmp_path), "--format", "junit")
    assert code == 1
    cases = {c.get("name", ""): c for c in ET.fromstring(out).iter("testcase")}
    assert sorted(cases) == [str(tmp_path / "a"), str(tmp_path / "b")]  # one per model
    assert cases[str(tmp_path / "a")].find("failure") is None
    assert "unknown-key" in (cases[str(tmp_path / "a")].findtext("system-out") or "")
    assert cases[str(tmp_path / "b")].find("failure") is not None


def test_escaping_units() -> None:
    assert visible("a\nb\x1b\u2028\udcff") == "a\\nb\\x1b\\u2028\\xff"
    assert safe_line_start("::x") == "./::x" and safe_line_start(" :x") == "./ :x"
    assert safe_line_start("a::x") == "a::x"
    assert xml_text("<&\r\x01\ud800>") == "&lt;&amp;&#13;\\x01\\ud800&gt;"
    assert xml_attribute('"\n\t') == '"&quot;&#10;&#9;"'
    assert uri_path("h#sh q?x y/MLmodel") == "h%23sh%20q%3Fx%20y/MLmodel"
    assert uri_path("caf\u00e9/\udcff") == "caf%C3%A9/%FF"


def test_sarif_uris_are_percent_encoded_and_relative_to_srcroot(tmp_path: Path) -> None:
    model = write_model(tmp_path / "h#sh q?x y", "custom: 1\n")
    _, out = validate(str(model), "--format", "sarif", "--sarif-base", str(tmp_path))
    run = json.loads(out)["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    location = run["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {
        "uri": "h%23sh%20q%3Fx%20y/MLmodel",
        "uriBaseId": "%SRCROOT%",
    }


def test_sarif_links_rules_only_to_a_url_the_user_serves(tmp_path: Path) -> None:
    model = write_model(tmp_path / "m")
    _, out = validate(str(model), "--format", "sarif")
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert rules and all("helpUri" not in rule for rule in rules)
    base = "https://docs.example.internal/mlmodel-spec/rules.html"
    _, out = validate(str(model), "--format", "sarif", "--sarif-help-uri", base)
    rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["helpUri"] for rule in rules] == [f"{base}#{rule['id']}" for rule in rules]


def test_sarif_paths_outside_the_base_are_file_uris(tmp_path: Path) -> None:
    model = write_model(tmp_path / "out side", "custom: 1\n")
    base = tmp_path / "repo"
    base.mkdir()
    _, out = validate(str(model), "--format", "sarif", "--sarif-base", str(base))
    location = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": (model / "MLmodel").as_uri()}
    assert "%20" in location["artifactLocation"]["uri"]


@pytest.mark.parametrize(
    ("text", "rule"), [("", "mlmodel-empty"), ("- a\n", "mlmodel-not-mapping")]
)
def test_whole_file_findings_have_a_region_and_a_github_line(
    tmp_path: Path, text: str, rule: str
) -> None:
    (tmp_path / "MLmodel").write_text(text, encoding="utf-8")
    report = validate_paths([tmp_path])
    sarif = json.loads(REPORTERS["sarif"](report, ReportStyle()))
    (result,) = sarif["runs"][0]["results"]
    assert result["ruleId"] == rule
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    github = REPORTERS["github"](report, ReportStyle()).splitlines()[0]
    assert ",line=1," in github


def test_fingerprints_are_stable_and_distinct(tmp_path: Path) -> None:
    write_model(tmp_path / "a", "custom: 1\nother: 2\n")
    elsewhere = tmp_path / "copy"
    write_model(elsewhere / "a", "custom: 1\nother: 2\n")

    def prints(base: Path) -> list[str]:
        report = validate_paths([base / "a"])
        sarif = json.loads(REPORTERS["sarif"](report, ReportStyle(sarif_base=str(base))))
        return [
            r["partialFingerprints"]["mlmodelSpecFinding/v1"] for r in sarif["runs"][0]["results"]
        ]

    first = prints(tmp_path)
    assert len(set(first)) == len(first) >= 3
    assert prints(elsewhere) == first  # same finding, another checkout: same fingerprint


def test_undecodable_file_names_reach_every_format_as_valid_utf8(
    tmp_path: Path, check_all_formats: Callable[[dict[str, str], Report], None]
) -> None:
    name = os.fsdecode(b"bad-\xff-name")
    write_model(tmp_path / name, "custom: 1\n")
    report = validate_paths([tmp_path])
    outputs = {n: r(report, ReportStyle(sarif_base=str(tmp_path))) for n, r in REPORTERS.items()}
    check_all_formats(outputs, report)
    uri = json.loads(outputs["sarif"])["runs"][0]["results"][0]["locations"][0]
    assert uri["physicalLocation"]["artifactLocation"]["uri"] == "bad-%FF-name/MLmodel"
