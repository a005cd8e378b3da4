"""Golden models written here and read back: the manifest, the cache and the resume."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from mlmodel_spec.conformance.matrix import golden, read, shapes
from mlmodel_spec.conformance.matrix.cells import DIFFERENT, ERROR, run_static
from mlmodel_spec.conformance.matrix.data import PREDICT_ROWS


def manifest(root: Path, env: str = "here") -> dict:  # type: ignore[type-arg]
    data: dict = json.loads((root / "golden" / env / golden.MANIFEST).read_text())  # type: ignore[type-arg]
    return data


def test_manifest_records_versions_hashes_and_predictions(golden_once: Path) -> None:
    data = manifest(golden_once)
    env = data["environment"]
    assert env["name"] == "here"
    assert {"numpy", "pandas", "scikit-learn", "lightgbm", "mlmodel-spec"} <= set(env["packages"])
    ours = {k: v for k, v in data["cases"].items() if v["writer"] == "mlmodel-spec"}
    assert set(ours) == {case.name for case in golden.CASES}
    for case_id, entry in ours.items():
        if "write_error" in entry:
            continue  # a finding of the matrix, reported as "not written"
        assert len(entry["predictions"]) >= PREDICT_ROWS, case_id
        assert "MLmodel" in entry["files"]
        for relpath, digest in entry["files"].items():
            path = golden_once / "golden" / "here" / case_id / relpath
            assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    written = [k for k, v in ours.items() if "write_error" not in v]
    assert len(written) >= len(golden.CASES) - 1, ours


def test_golden_models_are_not_overwritten_unless_forced(golden_copy: Path) -> None:
    path = golden_copy / "golden" / "here" / golden.MANIFEST
    before = path.read_text()
    assert golden.write_golden(golden_copy, "here") is None
    assert path.read_text() == before
    assert not list((golden_copy / "golden").glob(".here.*"))  # no staging dir left


def test_a_writer_failure_is_recorded_not_raised(tmp_path: Path) -> None:
    def save(case: golden.Case, path: Path, scratch: Path) -> None:
        raise ValueError(f"cannot write into {path}\nsecond line")

    def predict(case: golden.Case, path: Path) -> list[float]:
        raise AssertionError("not reached")

    case = golden.CASES[0]
    entry = golden._record(case, "mlmodel-spec", tmp_path / "x" / case.name, save, predict)
    assert entry["write_error"] == "ValueError: cannot write into <model dir>"

    def unsupported(case: golden.Case, path: Path, scratch: Path) -> None:
        raise golden.CaseUnsupported("mlflow 2.9.2 cannot write skops")

    entry = golden._record(case, "mlflow", tmp_path / "y", unsupported, predict)
    assert entry["unsupported"] == "mlflow 2.9.2 cannot write skops"


def test_read_computes_then_reuses_then_recomputes_what_changed(golden_copy: Path) -> None:
    first = read.read_all(golden_copy, "reader")
    cases = len(manifest(golden_copy)["cases"])
    assert (first.computed, first.reused) == (
        len([e for e in manifest(golden_copy)["cases"].values() if "predictions" in e]),
        0,
    )
    results = json.loads((golden_copy / "cells" / "reader" / "here.json").read_text())
    assert len(results) == cases
    statuses = {
        case_id: r["cells"]["mlmodel-spec"]["status"]
        for case_id, r in results.items()
        if "cells" in r
    }
    assert set(statuses.values()) <= {"ok", "warning"}, statuses  # same environment
    second = read.read_all(golden_copy, "reader")
    assert (second.computed, second.reused) == (0, cases)

    # the writer's predictions for one case change: only that case is read again
    path = golden_copy / "golden" / "here" / golden.MANIFEST
    data = manifest(golden_copy)
    data["cases"]["lgb-booster"]["predictions"][0] += 1.0
    path.write_text(json.dumps(data))
    third = read.read_all(golden_copy, "reader")
    assert (third.computed, third.reused) == (1, cases - 1)
    results = json.loads((golden_copy / "cells" / "reader" / "here.json").read_text())
    assert results["lgb-booster"]["cells"]["mlmodel-spec"]["status"] == DIFFERENT


def test_a_reader_that_died_in_a_cell_records_it_and_moves_on(golden_copy: Path) -> None:
    marker = golden_copy / "cells" / "reader" / read.INPROGRESS
    read.write_json_atomic(
        marker, {"writer": "here", "case": "lgb-booster", "loader": "mlmodel-spec"}
    )
    stats = read.read_all(golden_copy, "reader")
    assert stats.crashed == ["here/lgb-booster (mlmodel-spec)"]
    results = json.loads((golden_copy / "cells" / "reader" / "here.json").read_text())
    crashed = results["lgb-booster"]["cells"]["mlmodel-spec"]
    assert (crashed["status"], crashed["exception"]) == (ERROR, "ReaderCrashed")
    assert results["sk-pickle"]["cells"]["mlmodel-spec"]["status"] in {"ok", "warning"}
    assert not marker.exists()


@pytest.mark.parametrize("broken", ["not json", "[]", '{"version": 1, "environment": {}}'])
def test_a_broken_manifest_is_skipped(golden_copy: Path, broken: str) -> None:
    (golden_copy / "golden" / "bad").mkdir()
    (golden_copy / "golden" / "bad" / golden.MANIFEST).write_text(broken)
    read.read_all(golden_copy, "reader", writers=["bad"])
    assert not (golden_copy / "cells" / "reader" / "bad.json").exists()


def test_each_case_records_what_the_reader_rules_predict(golden_copy: Path) -> None:
    skops = golden_copy / "golden" / "here" / "sk-skops"
    here = golden.installed_versions()["scikit-learn"]
    assert run_static(skops, {"mlflow": "2.9.2", "scikit-learn": here}) == ["reader-mlflow-format"]
    assert run_static(skops, {"mlflow-skinny": "3.17.2", "scikit-learn": "1.3.2"}) == (
        [] if here.startswith("1.3.") else ["reader-sklearn-version"]
    )
    assert run_static(skops, {}) == []
    read.read_all(golden_copy, "reader")
    results = json.loads((golden_copy / "cells" / "reader" / "here.json").read_text())
    assert all(r["static"] == [] for r in results.values() if "cells" in r)  # same versions


def test_cases_not_written_are_neither_read_nor_counted(golden_copy: Path) -> None:
    path = golden_copy / "golden" / "here" / golden.MANIFEST
    data = manifest(golden_copy)
    data["cases"]["sk-skops"] = {"case": "sk-skops", "writer": "mlflow", "unsupported": "no"}
    path.write_text(json.dumps(data))
    cases = len(data["cases"])
    first = read.read_all(golden_copy, "reader")
    assert (first.computed, first.reused) == (cases - 1, 0)
    second = read.read_all(golden_copy, "reader")
    assert (second.computed, second.reused) == (0, cases - 1)
    results = json.loads((golden_copy / "cells" / "reader" / "here.json").read_text())
    assert results["sk-skops"]["not_written"] == "no"


def test_the_written_manifest_and_cells_have_their_schemas_shape(golden_copy: Path) -> None:
    assert shapes.problem(manifest(golden_copy), shapes.MANIFEST_SCHEMA) is None
    read.read_all(golden_copy, "reader")
    cells = json.loads((golden_copy / "cells" / "reader" / "here.json").read_text())
    assert shapes.problem(cells, shapes.CELLS_SCHEMA) is None
    cells["sk-pickle"].pop("cells")
    assert shapes.problem(cells, shapes.CELLS_SCHEMA) is not None


def test_unreadable_earlier_results_are_read_again(golden_copy: Path) -> None:
    first = read.read_all(golden_copy, "reader")
    (golden_copy / "cells" / "reader" / "here.json").write_text('["truncated"')
    again = read.read_all(golden_copy, "reader")
    assert (again.computed, again.reused) == (first.computed, 0)
