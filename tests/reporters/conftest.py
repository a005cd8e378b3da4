"""Shared fixtures of the reporter tests: the consumers that read our reports.

The consumers are real: the report JSON Schema, the SARIF 2.1.0 JSON Schema as Microsoft's
SARIF Multitool ships it, the Multitool itself, the Jenkins ``junit-10.xsd``, GitHub's
workflow-command syntax. The npm tools come from ``npm ci --prefix tools/node``: a missing
one skips a test locally and FAILS it in CI (the ``CI`` environment variable is set).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance.validate import Report

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
NODE_TOOLS = ROOT / "tools" / "node" / "node_modules"
MULTITOOL = NODE_TOOLS / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool"
SARIF_SCHEMA = NODE_TOOLS / "@microsoft" / "sarif-multitool-linux" / "sarif-2.1.0.json"
JUNIT_XSD = HERE / "data" / "junit-10.xsd"
REPORT_SCHEMA = ROOT / "spec" / "schemas" / "v1" / "report.schema.json"

#: a workflow command as the github reporter writes it: property values and the message
#: carry GitHub's escapes, so none holds a raw ``:``/``,`` (properties) or line break
GITHUB_COMMAND = re.compile(
    r"::(error|warning|notice) file=[^:,\r\n]*,line=[1-9][0-9]*(,col=[1-9][0-9]*)?"
    r",title=[a-z0-9-]+::[^\r\n]*"
)
#: characters that must never reach a terminal raw: C0 (but the line feed), DEL, C1,
#: line/paragraph separators, bidi overrides, lone surrogates
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def need_tool(path: Path) -> Path:
    """``path`` if the npm tool is installed; else skip locally, fail in CI."""
    if path.exists():
        return path
    message = f"{path.relative_to(ROOT)} is missing: run `npm ci --prefix tools/node`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def sarif_validator() -> Any:
    import jsonschema

    schema = json.loads(need_tool(SARIF_SCHEMA).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.fixture(scope="session")
def report_validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(REPORT_SCHEMA.read_text(encoding="utf-8")))


@pytest.fixture(scope="session")
def junit_schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema10(str(JUNIT_XSD))


def run_multitool(sarif_files: list[Path], workdir: Path) -> list[dict[str, Any]]:
    """Every result the Multitool's SARIF and GitHub rules report on ``sarif_files``."""
    tool = need_tool(MULTITOOL)
    out = workdir / "multitool-output.sarif"
    command = [str(tool), "validate", "--rule-kind", "Sarif;Gh", "--log", "ForceOverwrite"]
    proc = subprocess.run(
        [*command, "--output", str(out), *map(str, sarif_files)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"},
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    log = json.loads(out.read_text(encoding="utf-8-sig"))
    results: list[dict[str, Any]] = []
    for run in log["runs"]:
        results.extend(run.get("results") or [])
    return results


@pytest.fixture
def check_all_formats(
    sarif_validator: Any, report_validator: Any, junit_schema: Any
) -> Callable[[dict[str, str], Report], None]:
    """Assert what every consumer needs of the five outputs of one report."""

    def check(outputs: dict[str, str], report: Report) -> None:
        for name, text in outputs.items():
            text.encode("utf-8")  # strict: no lone surrogate reaches a file or a pipe
            assert "\r" not in text, f"{name}: raw carriage return"
        findings = sum(len(t.findings) for t in report.targets)

        data = json.loads(outputs["json"])
        report_validator.validate(data)
        assert sum(len(t["findings"]) for t in data["targets"]) == findings

        sarif = json.loads(outputs["sarif"])
        sarif_validator.validate(sarif)
        results = sarif["runs"][0]["results"]
        assert len(results) == findings
        for result in results:
            location = result["locations"][0]["physicalLocation"]
            assert location["region"]["startLine"] >= 1
            assert_uri_reference(location["artifactLocation"]["uri"])

        root = ET.fromstring(outputs["junit"].encode("utf-8"))  # well-formed XML 1.0
        junit_schema.validate(outputs["junit"])
        assert len(root.findall("./testsuite/testcase")) == len(report.targets)

        for line in outputs["github"].splitlines():
            if line.lstrip().startswith("::"):
                assert GITHUB_COMMAND.fullmatch(line), (
                    f"a workflow command we did not write: {line!r}"
                )
        commands = [line for line in outputs["github"].splitlines() if line.startswith("::")]
        assert len(commands) == findings

        for line in outputs["text"].splitlines():
            assert not line.lstrip().startswith("::"), f"text line runs as a command: {line!r}"
        raw = RAW_CONTROL.search(outputs["text"])
        assert raw is None, f"raw control character {raw[0]!r} in the text report"

    return check


_URI_REFERENCE = re.compile(r"([A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


def assert_uri_reference(uri: str) -> None:
    """RFC 3986: only unreserved and reserved characters, and well-formed %XX escapes."""
    assert _URI_REFERENCE.fullmatch(uri), f"not an RFC 3986 URI reference: {uri!r}"
    assert "#" not in uri and "?" not in uri, f"a path URI with a query or fragment: {uri!r}"


@pytest.fixture
def uri_reference() -> Callable[[str], None]:
    return assert_uri_reference


@pytest.fixture
def github_command() -> re.Pattern[str]:
    return GITHUB_COMMAND


@pytest.fixture(scope="session")
def multitool() -> Callable[[list[Path], Path], list[dict[str, Any]]]:
    return run_multitool
