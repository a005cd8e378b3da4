"""Pickles written by OLDER scikit-learn, numpy, pandas, LightGBM, joblib and cloudpickle
versions draw no safety finding above info.

The files are committed test data written by ``make_benign_corpus.py`` in throwaway venvs
(see its docstring); each folder's ``manifest.json`` names the versions and the context each
file is judged in. The installed versions are covered by ``test_reader.py`` at test time.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

import pytest
import yaml

from mlmodel_spec.conformance.findings import Severity
from mlmodel_spec.conformance.safety.payload import scan_payload
from mlmodel_spec.conformance.validate import validate_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
build_cases = importlib.import_module("build_cases")
CORPUS = HERE / "data" / "benign"
FOLDERS = sorted(p.parent for p in CORPUS.glob("*/manifest.json"))


def _model_dir(root: Path, payload: Path, context: str) -> Path:
    root.mkdir()
    if context == "custom-model":
        mlmodel, name = build_cases.custom_mlmodel(), "python_model.pkl"
    else:
        mlmodel, name = build_cases.sklearn_mlmodel("model.pkl", "pickle"), "model.pkl"
    (root / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    for env_name, text in build_cases.ENV.items():
        (root / env_name).write_text(text)
    (root / name).write_bytes(payload.read_bytes())
    return root


def test_the_corpus_spans_several_library_versions() -> None:
    versions = [json.loads((f / "manifest.json").read_text())["versions"] for f in FOLDERS]
    assert len({v["scikit-learn"] for v in versions}) >= 2, "run make_benign_corpus.py"
    assert len({v["numpy"].split(".")[0] for v in versions}) >= 1
    for folder in FOLDERS:
        files = json.loads((folder / "manifest.json").read_text())["files"]
        assert sorted(files) == sorted(p.name for p in folder.iterdir() if p.suffix != ".json")


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_older_versions_draw_nothing_above_info(tmp_path: Path, folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    loud: dict[str, list[str]] = {}
    customs = 0
    for index, (name, context) in enumerate(sorted(manifest["files"].items())):
        scan = scan_payload(str(folder), name)  # read to its end, globals seen
        assert scan.format == "pickle" and scan.broken is None and scan.globals, name
        root = _model_dir(tmp_path / str(index), folder / name, context)
        safety = [f for f in validate_model(root) if f.rule.startswith("safety-")]
        above = [f"{f.rule}: {f.message}" for f in safety if f.severity is not Severity.INFO]
        if above:
            loud[name] = above
        if context == "custom-model":
            customs += 1
            assert [f.rule for f in safety] == ["safety-carries-code"], name
            assert "ScaledSum" in safety[0].message and "predict" in safety[0].message
    assert not loud, json.dumps(loud, indent=1)
    assert customs == 1
