"""``mlmodel-spec check``: validate's discovery, formats and exit codes, plus dynamic findings."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.schemas import load_schema

ModelDir = Callable[[str], Path]
FAST = ("--timeout", "20", "--max-memory", "2G")


@pytest.fixture(scope="module")
def tree(model_dir: ModelDir, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("check-tree")
    for name in ("iris", "segfaults", "wrong-shape"):
        shutil.copytree(model_dir(name), root / name)
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_good_model_passes(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    # the static safety inventory of its payload (an info) is left out: nothing else may show
    ignore = ("--ignore", "safety-payload-globals")
    code, out, _ = run(capsys, "check", str(tree / "iris"), *FAST, *ignore)
    assert code == 0, out
    assert out == "1 model checked: 0 errors, 0 warnings, 0 infos\n"


def test_dynamic_findings_are_reported_with_location(
    capsys: pytest.CaptureFixture[str], tree: Path
) -> None:
    code, out, _ = run(capsys, "check", str(tree), "--jobs", "2", *FAST)
    assert code == 1
    assert (
        "segfaults/MLmodel: error [check-crashed] the model's process was killed by SIGSEGV" in out
    )
    assert "wrong-shape/MLmodel:" in out and "[output-matches-signature] /signature/outputs" in out
    assert "3 models checked: " in out and "; 2 failing at --fail-on error" in out


def test_static_only_is_validate(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    checked = run(capsys, "check", "--static-only", str(tree), "--format", "json")
    validated = run(capsys, "validate", str(tree), "--format", "json")
    document = json.loads(checked[1])
    assert all(t.pop("checks") == [] for t in document["targets"])
    assert (checked[0], document) == (validated[0], json.loads(validated[1]))


def test_json_report_has_status_records_and_fits_the_report_schema(
    capsys: pytest.CaptureFixture[str], tree: Path
) -> None:
    code, out, _ = run(capsys, "check", str(tree / "segfaults"), "--format", "json", *FAST)
    document = json.loads(out)
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    records = {r["check"]: r for r in document["targets"][0]["checks"]}
    assert records["loads"]["status"] == "passed"
    assert records["predicts-on-example"]["status"] == "failed"
    assert records["native-loads"] == {
        "check": "native-loads",
        "status": "skipped",
        "reason": "the model has no native-loader",
        "seconds": 0.0,
    }
    assert code == 1


@pytest.mark.parametrize("fmt", ["sarif", "junit", "github"])
def test_every_format_renders_dynamic_findings(
    capsys: pytest.CaptureFixture[str], tree: Path, fmt: str
) -> None:
    code, out, _ = run(capsys, "check", str(tree / "wrong-shape"), "--format", fmt, *FAST)
    assert code == 1
    assert "output-matches-signature" in out
    if fmt == "sarif":
        rules = json.loads(out)["runs"][0]["tool"]["driver"]["rules"]
        assert "output-matches-signature" in [r["id"] for r in rules]
    if fmt == "junit":
        ET.fromstring(out)


def test_select_and_ignore_take_dynamic_ids(capsys: pytest.CaptureFixture[str], tree: Path) -> None:
    code, out, _ = run(
        capsys, "check", str(tree / "wrong-shape"), "--select", "loads", "--format", "json", *FAST
    )
    assert code == 0
    assert [r["check"] for r in json.loads(out)["targets"][0]["checks"]] == ["loads"]
    code, out, _ = run(
        capsys, "check", str(tree / "wrong-shape"), "--ignore", "output-matches-signature", *FAST
    )
    assert code == 0, out


def test_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "check", str(tmp_path), "--select", "no-such-check")
    assert code == 2 and "unknown rule id(s) no-such-check" in err
    code, _, err = run(capsys, "check", str(tmp_path))
    assert code == 3 and "nothing to check" in err
    code, _, err = run(capsys, "check", str(tmp_path / "missing"))
    assert code == 2
    with pytest.raises(SystemExit) as exc:
        main(["check", str(tmp_path), "--max-memory", "lots"])
    assert exc.value.code == 2
    assert "not a size: 'lots'" in capsys.readouterr().err


def test_help_says_check_runs_model_code(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "THIS EXECUTES MODEL CODE" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "executes model code" in capsys.readouterr().out


def test_rules_lists_dynamic_checks_by_kind(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rules", "--format", "json")
    kinds = {r["id"]: r["kind"] for r in json.loads(out)}
    assert code == 0
    assert kinds["loads"] == kinds["check-crashed"] == "dynamic"
    assert kinds["yaml-syntax"] == "static"


def test_the_report_schema_holds_check_records_to_their_form() -> None:
    validator = jsonschema.Draft202012Validator(load_schema("report"))
    record = {"check": "loads", "status": "passed", "reason": "", "seconds": 0.5}
    target = {"path": "m", "findings": [], "checks": [record]}
    summary = {"targets": 1, "errors": 0, "warnings": 0, "infos": 0}
    report = {"version": "1", "tool": {"name": "t", "version": "0"}, "summary": summary}
    assert validator.is_valid({**report, "targets": [target]})
    for broken in (
        {**record, "status": "ok"},
        {**record, "seconds": -1},
        {key: value for key, value in record.items() if key != "reason"},
    ):
        assert not validator.is_valid({**report, "targets": [{**target, "checks": [broken]}]})


def test_an_unreadable_directory_is_a_finding_like_in_validate(
    capsys: pytest.CaptureFixture[str],
    model_dir: ModelDir,
    tmp_path: Path,
    unlistable: Callable[[Path], Path],
) -> None:
    shutil.copytree(model_dir("iris"), tmp_path / "iris")
    locked = tmp_path / "locked"
    locked.mkdir()
    unlistable(locked)
    code, out, err = run(capsys, "check", str(tmp_path), "--format", "json", *FAST)
    assert code == 2
    assert f"{locked}: cannot list directory: Permission denied" in err
    document = json.loads(out)
    jsonschema.Draft202012Validator(load_schema("report")).validate(document)
    entry = {t["path"]: t for t in document["targets"]}[str(locked)]
    assert [f["rule"] for f in entry["findings"]] == ["path-unreadable"]
    assert entry["checks"] == []
    assert document["summary"]["unreadable"] == 1
    assert run(capsys, "check", str(locked), *FAST)[0] == 2
    code, out, _ = run(capsys, "check", str(tmp_path), "--ignore", "path-unreadable", *FAST)
    assert code == 2 and "path-unreadable" not in out


def test_sarif_takes_the_base_and_help_uri_options(
    capsys: pytest.CaptureFixture[str], tree: Path
) -> None:
    argv = ("check", str(tree / "wrong-shape"), "--format", "sarif", *FAST)
    extra = ("--sarif-base", str(tree), "--sarif-help-uri", "https://docs.example.test/rules")
    _, out, _ = run(capsys, *argv, *extra)
    sarif = json.loads(out)["runs"][0]
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["results"]
    }
    assert "wrong-shape/MLmodel" in uris
    rules = sarif["tool"]["driver"]["rules"]
    assert all(r["helpUri"].startswith("https://docs.example.test/rules#") for r in rules)
    _, out, _ = run(capsys, *argv)
    assert all("helpUri" not in r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"])


def test_a_check_needing_mlflow_is_skipped_for_the_machine_not_the_model() -> None:
    from mlmodel_spec.conformance.dynamic.catalogue import CHECK_SPECS, Capability

    spec = CHECK_SPECS["mlflow-loads"]
    everything = frozenset(Capability)
    assert spec.missing(everything) is None
    assert spec.missing(everything - {Capability.MLFLOW}) == (
        "MLflow cannot be imported in this environment"
    )
