"""The CLI layer: options, exit codes, every output format, discovery of trees."""

from __future__ import annotations

import json
import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.discover import discover
from mlmodel_spec.schemas import list_schemas, load_schema

CASES = Path(__file__).parent / "cases"
BROKEN = "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  python_function: {}\n"


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """An mlruns-like tree: two clean models (one nested deep) and one broken model."""
    root = tmp_path / "mlruns"
    for name in ("0/aaa/artifacts/model", "1/bbb/artifacts/nested/deeper/model"):
        shutil.copytree(CASES / "valid" / "core-minimal-pyfunc", root / name)
        (root / name / "case.yaml").unlink()
    broken = root / "2" / "ccc" / "artifacts" / "model"
    broken.mkdir(parents=True)
    (broken / "MLmodel").write_text(BROKEN)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_discovery_finds_every_model_below_a_tree(tree: Path) -> None:
    found = discover([tree])
    assert [Path(t.root).relative_to(tree).as_posix() for t in found.targets] == [
        "0/aaa/artifacts/model",
        "1/bbb/artifacts/nested/deeper/model",
        "2/ccc/artifacts/model",
    ]
    # the same model named twice (as dir and as file) is validated once
    again = discover([tree / "0/aaa/artifacts/model", tree / "0/aaa/artifacts/model/MLmodel"])
    assert len(again.targets) == 1


def test_discovery_skips_the_metadata_copies_of_a_model(tree: Path) -> None:
    model = tree / "0/aaa/artifacts/model"
    (model / "metadata").mkdir()
    shutil.copy(model / "MLmodel", model / "metadata" / "MLmodel")  # what Databricks keeps
    assert len(discover([tree]).targets) == 3
    (tree / "metadata").mkdir()  # a directory of that name elsewhere is searched as usual
    shutil.copytree(model, tree / "metadata" / "model")
    assert len(discover([tree]).targets) == 4


def test_discovery_does_not_follow_symlinked_dirs(tree: Path) -> None:
    os.symlink(tree, tree / "0" / "loop")
    assert len(discover([tree]).targets) == 3


def test_text_output_and_exit_code(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(tree), "--color", "never")
    assert code == 1
    assert "yaml-duplicate-key" in out
    # MLflow keeps the last value and loads: a warning (the schema error fails the run)
    assert f"{tree}/2/ccc/artifacts/model/MLmodel:4:3: warning [yaml-duplicate-key]" in out
    assert out.rstrip().endswith("1 failing at --fail-on error")


def test_clean_model_exits_zero(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "validate", str(CASES / "valid" / "core-minimal-pyfunc"))
    assert code == 0, out
    assert "1 model checked: 0 errors" in out


def test_json_output_matches_the_report_schema(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import jsonschema

    code, out, _ = run(capsys, "validate", str(tree), "--format", "json", "--jobs", "2")
    assert code == 1
    report = json.loads(out)
    jsonschema.Draft202012Validator(load_schema("report")).validate(report)
    assert report["summary"]["targets"] == 3
    paths = [t["path"] for t in report["targets"]]
    assert paths == sorted(paths)
    (finding,) = [
        f for t in report["targets"] for f in t["findings"] if f["rule"] == "yaml-duplicate-key"
    ]
    assert finding["pointer"] == "/flavors/python_function"
    assert (finding["line"], finding["column"]) == (4, 3)


def test_jobs_give_the_same_report_as_one_process(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, one, _ = run(capsys, "validate", str(tree), "--format", "json", "--jobs", "1")
    _, two, _ = run(capsys, "validate", str(tree), "--format", "json", "--jobs", "2")
    assert one == two


def test_sarif_output(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "validate", str(tree), "--format", "sarif")
    sarif = json.loads(out)
    run_ = sarif["runs"][0]
    rule_ids = [r["id"] for r in run_["tool"]["driver"]["rules"]]
    (result,) = [r for r in run_["results"] if r["ruleId"] == "yaml-duplicate-key"]
    assert rule_ids[result["ruleIndex"]] == "yaml-duplicate-key"
    assert result["level"] == "warning"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"].endswith("2/ccc/artifacts/model/MLmodel")
    assert location["region"] == {"startLine": 4, "startColumn": 3}


def test_junit_output(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "validate", str(tree), "--format", "junit")
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures")) == ("3", "1")
    failed = [case for case in suite if case.find("failure") is not None]
    assert len(failed) == 1 and failed[0].get("name", "").endswith("2/ccc/artifacts/model")


def test_github_output(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "validate", str(tree), "--format", "github")
    line = next(x for x in out.splitlines() if "yaml-duplicate-key" in x)
    assert line.startswith("::warning file=")
    assert ",line=4,col=3,title=yaml-duplicate-key::" in line


def test_fail_on_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = tmp_path / "m"
    shutil.copytree(CASES / "valid" / "core-minimal-pyfunc", model)
    text = (model / "MLmodel").read_text()
    (model / "MLmodel").write_text(
        text.replace(
            "utc_time_created: '2026-11-26 20:54:05.773815'",
            "utc_time_created: '2026-11-26T20:54:05Z'",
        )
    )
    assert main(["validate", str(model)]) == 0
    assert main(["validate", str(model), "--fail-on", "warning"]) == 1
    capsys.readouterr()


def test_output_file_is_written_atomically(
    tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.json"
    assert main(["validate", str(tree), "--format", "json", "-o", str(out)]) == 1
    assert json.loads(out.read_text())["summary"]["targets"] == 3
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    assert capsys.readouterr().out == ""


def test_schema_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema")
    assert code == 0 and "mlmodel" in out.split() and "flavors/sklearn" in out.split()
    code, out, _ = run(capsys, "schema", "sklearn")
    assert code == 0 and json.loads(out)["$id"].endswith("flavors/sklearn.schema.json")
    code, out, _ = run(capsys, "schema", "mlmodel", "--draft", "07")
    assert code == 0 and "draft-07" in json.loads(out)["$schema"]
    code, _, err = run(capsys, "schema", "nope")
    assert code == 2 and "no schema named 'nope'" in err
    assert set(list_schemas()) >= {"mlmodel", "signature", "conda", "python-env", "report"}


def test_rules_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    rows = json.loads(out)
    assert code == 0
    assert {"yaml-syntax", "schema", "unknown-key"} <= {r["id"] for r in rows}
    assert all(r["severity"] in ("error", "warning", "info") and r["summary"] for r in rows)


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["validate", "x", "--format", "yaml"])
    assert exc.value.code == 2
    capsys.readouterr()


def test_metadata_only_skips_the_file_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = tmp_path / "m"
    shutil.copytree(CASES / "valid" / "core-minimal-pyfunc", model)
    (model / "model.skops").unlink()
    code, out, _ = run(capsys, "validate", str(model), "--format", "json")
    assert code == 1
    assert "path-missing" in {f["rule"] for t in json.loads(out)["targets"] for f in t["findings"]}
    code, out, _ = run(capsys, "validate", str(model), "--format", "json", "--metadata-only")
    assert code == 0
    assert json.loads(out)["summary"]["errors"] == 0


def test_progress_bar_counts_to_the_end() -> None:
    import io

    from mlmodel_spec.cli import _progress_bar

    stream = io.StringIO()
    show = _progress_bar(stream)
    for done in range(1, 101):
        show(done, 100)
    text = stream.getvalue()
    assert "50/100" in text
    assert "100/100" in text
    assert text.endswith("\r")  # the bar erases itself so the report starts on a clean line


def test_ignore_and_select_filter_the_report(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def rules_in(out: str) -> set[str]:
        return {f["rule"] for t in json.loads(out)["targets"] for f in t["findings"]}

    _, everything, _ = run(capsys, "validate", str(tree), "--format", "json")
    assert "yaml-duplicate-key" in rules_in(everything)
    _, out, _ = run(
        capsys, "validate", str(tree), "--format", "json", "--ignore", "yaml-duplicate-key"
    )
    assert rules_in(out) == rules_in(everything) - {"yaml-duplicate-key"}
    ignore_all = ",".join(rules_in(everything))
    code, out, _ = run(capsys, "validate", str(tree), "--format", "json", "--ignore", ignore_all)
    assert code == 0
    assert json.loads(out)["summary"]["errors"] == 0
    code, out, _ = run(
        capsys,
        "validate",
        str(tree),
        "--format",
        "json",
        "--select",
        "unknown-key,yaml-duplicate-key",
    )
    assert code == 0  # yaml-duplicate-key is a warning; --fail-on error
    assert rules_in(out) == {"yaml-duplicate-key"}
    code, _, err = run(capsys, "validate", str(tree), "--ignore", "no-such-rule")
    assert code == 2
    assert "unknown rule id(s) no-such-rule" in err


def test_sarif_base_makes_uris_relative_to_srcroot(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, out, _ = run(capsys, "validate", str(tree), "--format", "sarif", "--sarif-base", str(tree))
    run_ = json.loads(out)["runs"][0]
    assert run_["originalUriBaseIds"] == {"%SRCROOT%": {"uri": tree.as_uri() + "/"}}
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run_["results"]
    }
    assert "2/ccc/artifacts/model/MLmodel" in uris
    monkeypatch.chdir(tree / "0")  # the default base: the working directory; tree is outside
    _, out, _ = run(capsys, "validate", str(tree), "--format", "sarif")
    (result,) = [
        r for r in json.loads(out)["runs"][0]["results"] if r["ruleId"] == "yaml-duplicate-key"
    ]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": (tree / "2/ccc/artifacts/model/MLmodel").as_uri()}


def test_rules_command_lists_case_dependent_severities(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules")
    assert code == 0
    lines = out.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith("path-missing "))
    assert lines[index].split()[1] == "error"
    assert lines[index + 1].split()[:2] == ["warning", "when"]


def test_an_unreadable_directory_exits_2_with_a_finding(
    tree: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = tree / "1"
    real = os.scandir
    monkeypatch.setattr(
        "mlmodel_spec.conformance.discover.os.scandir",
        lambda path: _refuse(path) if os.fspath(path) == str(locked) else real(path),
    )
    code, out, err = run(capsys, "validate", str(tree))
    assert code == 2
    assert f"{locked}: error [path-unreadable]" in out
    assert "2 models checked" in out and "1 path could not be read" in out
    assert "cannot list directory" in err


def _refuse(path: object) -> None:
    raise PermissionError(13, "Permission denied", str(path))
