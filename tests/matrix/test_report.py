"""The report: JSON valid against its schema, Markdown table and findings, a
self-contained HTML page, and the `matrix report` command's errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.matrix import read, report
from mlmodel_spec.conformance.matrix.html import to_html
from mlmodel_spec.conformance.matrix.spec import SPEC_DIR

SCHEMA = json.loads((SPEC_DIR / "report.schema.json").read_text(encoding="utf-8"))


def validate(doc: dict) -> None:  # type: ignore[type-arg]
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    jsonschema.Draft202012Validator(SCHEMA).validate(doc)


def test_build_collects_every_cell(fake_matrix: Path) -> None:
    doc = report.build(fake_matrix)
    validate(doc)
    assert doc["summary"] == {"cells": 6, "ok": 2, "warning": 1, "different": 1, "error": 2}
    assert doc["cases"] == ["lgb-booster", "sk-pickle", "sk-skops"]
    assert doc["not_written"] == [
        {
            "writer": "py311-b-mlflow",
            "case": "mlflow-sk-skops",
            "by": "mlflow",
            "reason": "mlflow 2.22.5 cannot write skops",
        }
    ]
    error = next(c for c in doc["cells"] if c["exception"] == "AttributeError")
    assert error["failed_checks"] == ["loads"]
    booster = {c["loader"]: c["predicted"] for c in doc["cells"] if c["case"] == "lgb-booster"}
    assert booster == {
        "mlflow": ["reader-mlflow-format", "reader-sklearn-version"],
        "mlmodel-spec": ["reader-sklearn-version"],  # our runtime reads every format
    }
    assert {c["written_by"] for c in doc["cells"] if c["writer"] == "py311-b-mlflow"} == {
        "mlmodel-spec",
        "mlflow",
    }


def test_schema_rejects_a_cell_without_status(fake_matrix: Path) -> None:
    doc = report.build(fake_matrix)
    del doc["cells"][0]["status"]
    with pytest.raises(jsonschema.ValidationError):
        validate(doc)


def test_markdown_table_and_findings(fake_matrix: Path) -> None:
    text = report.to_markdown(report.build(fake_matrix))
    assert "6 cells: 2 ok, 1 ok with a warning, 1 different predictions, 2 errors." in text
    assert "MLflow as the reader failed in 1 cells; `mlmodel-spec validate" in text
    assert "--reader-mlflow` predicts 1 of them statically" in text
    assert "`py311-b-mlflow`: py3.11.7, sklearn 1.6.1" in text
    assert "mlflow 2.22.5" in text
    header = (
        "| writer \\ reader | py310-a (ours) | py311-b-mlflow (ours) | py311-b-mlflow (mlflow) |"
    )
    assert header in text
    assert "| py310-a (ours) |  | warn 1/2 | FAIL 1/2 |" in text
    assert "| py311-b-mlflow (ours) | FAIL 1/1 |  |  |" in text
    assert "| py311-b-mlflow (mlflow) | DIFF 1/1 |  |  |" in text
    found = text.split("## What it found", 1)[1].split("## Not written")[0].strip().splitlines()
    assert found == [
        "- **error** AttributeError: 'LogisticRegression' object has no attribute 'multi_class'"
        " — 1 cell(s); cases sk-pickle; written in py311-b-mlflow (by mlmodel-spec); read in"
        " py310-a (with mlmodel-spec)",
        "- **error** MlflowException: Unrecognized serialization format: skops. — 1 cell(s);"
        " cases lgb-booster; written in py310-a (by mlmodel-spec); read in py311-b-mlflow (with"
        " mlflow); predicted statically in 1 of them (reader-mlflow-format,"
        " reader-sklearn-version)",
        "- **different** different predictions (max abs difference 0.15) — 1 cell(s); cases"
        " sk-pickle; written in py311-b-mlflow (by mlflow); read in py310-a (with mlmodel-spec)",
        "- **warning** InconsistentVersionWarning — 1 cell(s); cases sk-pickle; written in"
        " py310-a (by mlmodel-spec); read in py311-b-mlflow (with mlmodel-spec)",
    ]
    assert (
        "- `mlflow-sk-skops` in py311-b-mlflow (mlflow): mlflow 2.22.5 cannot write skops" in text
    )


def test_findings_group_the_same_failure_across_cases(fake_matrix: Path) -> None:
    doc = report.build(fake_matrix)
    for c in doc["cells"]:
        if c["status"] == "ok":
            c.update(status="error", exception="LightGBMError", message="unordered_map::at")
    groups = report.findings(doc)
    assert [(g["status"], g["count"]) for g in groups] == [
        ("error", 2),
        ("error", 1),
        ("error", 1),
        ("different", 1),
        ("warning", 1),
    ]
    assert groups[0]["what"] == "LightGBMError: unordered_map::at"
    assert groups[0]["cases"] == ["lgb-booster", "sk-pickle"]
    assert groups[0]["loaders"] == ["mlflow", "mlmodel-spec"]


def test_one_case(fake_matrix: Path) -> None:
    doc = report.only_case(report.build(fake_matrix), "lgb-booster")
    validate(doc)
    assert doc["summary"] == {"cells": 2, "ok": 1, "warning": 0, "different": 0, "error": 1}
    assert {c["case"] for c in doc["cells"]} == {"lgb-booster"}


def test_html_is_self_contained_and_escapes_the_data(fake_matrix: Path) -> None:
    doc = report.build(fake_matrix)
    doc["cells"][0]["message"] = "</script><script>alert(1)</script>"
    page = to_html(doc)
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert page.count("</script>") == 2  # the data block and the page's script, nothing injected
    embedded = page.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded) == json.loads(json.dumps(doc))
    assert '<select id="case">' in page


def test_empty_matrix_dir_is_a_report_error(tmp_path: Path) -> None:
    with pytest.raises(report.ReportError, match="no golden models"):
        report.build(tmp_path)


def test_command_writes_each_format(
    fake_matrix: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["matrix", "report", "--matrix-dir", str(fake_matrix)]) == 0
    assert capsys.readouterr().out.startswith("# Version matrix: writer \u00d7 reader")
    out = tmp_path / "r.json"
    assert (
        main(
            [
                "matrix",
                "report",
                "--matrix-dir",
                str(fake_matrix),
                "--format",
                "json",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    validate(json.loads(out.read_text()))
    page = tmp_path / "r.html"
    assert (
        main(
            [
                "matrix",
                "report",
                "--matrix-dir",
                str(fake_matrix),
                "--format",
                "html",
                "-o",
                str(page),
            ]
        )
        == 0
    )
    assert page.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--case", "nope"], "unknown case 'nope'"),
        (["-o", "/nonexistent-dir/r.md"], "cannot write /nonexistent-dir/r.md"),
    ],
)
def test_command_errors_are_one_line_exit_2(
    fake_matrix: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    assert main(["matrix", "report", "--matrix-dir", str(fake_matrix), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_command_on_an_empty_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "report", "--matrix-dir", str(tmp_path)]) == 2
    assert "run `mlmodel-spec matrix run` first" in capsys.readouterr().err


def test_report_of_real_golden_models(golden_copy: Path) -> None:
    read.read_all(golden_copy, "reader")
    doc = report.build(golden_copy)
    validate(doc)
    assert doc["summary"]["cells"] >= 7
    assert doc["summary"]["error"] == 0
    assert "reader" in doc["environments"]  # a reader that wrote nothing is still described


@pytest.mark.parametrize(
    ("relpath", "text", "message"),
    [
        ("golden/py310-a/manifest.json", "[]", "golden/py310-a/manifest.json: not a matrix"),
        (
            "golden/py310-a/manifest.json",
            "{",
            "manifest.json: not a matrix manifest file: not JSON",
        ),
        ("cells/py310-a/py311-b-mlflow.json", '{"sk-pickle": {"key": "k"}}', "/sk-pickle: "),
        (
            "cells/py310-a/py311-b-mlflow.json",
            '{"x": {"key": "k", "cells": {"mlflow": {"status": "fine"}}}}',
            "/x/cells/mlflow/status: 'fine' is not one of",
        ),
    ],
)
def test_a_malformed_file_is_one_error_line(
    fake_matrix: Path,
    capsys: pytest.CaptureFixture[str],
    relpath: str,
    text: str,
    message: str,
) -> None:
    (fake_matrix / relpath).write_text(text)
    with pytest.raises(report.ReportError, match=re.escape(message)):
        report.build(fake_matrix)
    assert main(["matrix", "report", "--matrix-dir", str(fake_matrix)]) == 2
    assert capsys.readouterr().err.count("\n") == 1
