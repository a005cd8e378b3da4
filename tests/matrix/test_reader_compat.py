"""The reader-* rules beyond tests/cases: each version boundary, fired and silent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.rules.reader_compat import minor_version
from mlmodel_spec.conformance.validate import validate_model

READER_RULES = {
    "reader-mlflow-keys",
    "reader-mlflow-signature",
    "reader-mlflow-format",
    "reader-sklearn-version",
}


def model(tmp_path: Path, doc: dict[str, Any]) -> Path:
    root = tmp_path / "m"
    root.mkdir()
    (root / "MLmodel").write_text(yaml.safe_dump(doc), encoding="utf-8")
    return root


def reader_findings(
    root: Path, reader_mlflow: str | None = None, reader_sklearn: str | None = None
) -> list[tuple[str, str]]:
    options = ValidationOptions(
        metadata_only=True, reader_mlflow=reader_mlflow, reader_sklearn=reader_sklearn
    )
    found = validate_model(root, options=options)
    return sorted((f.rule, f.pointer) for f in found if f.rule in READER_RULES)


def with_inputs(specs: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "flavors": {"python_function": {"loader_module": "mlflow.pyfunc.model"}},
        "signature": {"inputs": json.dumps(specs), "outputs": None, "params": None},
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [("2.9", (2, 9)), ("2.9.2", (2, 9)), (" 3.17.2 ", (3, 17)), ("2.x", None), (None, None)],
)
def test_minor_version(text: str | None, expected: tuple[int, int] | None) -> None:
    assert minor_version(text) == expected


@pytest.mark.parametrize(
    ("spec", "fires_before", "silent_from"),
    [
        ({"type": "double", "name": "a", "required": True}, "2.9.2", "2.10"),
        ({"type": "array", "name": "a", "items": {"type": "double"}}, "2.9", "2.10.0"),
        ({"type": "map", "name": "a", "values": {"type": "double"}}, "2.11", "2.12"),
        ({"type": "sparkml_vector", "name": "a"}, "2.15.1", "2.16"),
        ({"type": "any", "name": "a"}, "2.18", "2.19"),
    ],
)
def test_signature_boundaries(
    tmp_path: Path, spec: dict[str, Any], fires_before: str, silent_from: str
) -> None:
    root = model(tmp_path, with_inputs([spec]))
    assert [rule for rule, _ in reader_findings(root, reader_mlflow=fires_before)] == [
        "reader-mlflow-signature"
    ]
    assert reader_findings(root, reader_mlflow=silent_from) == []


def test_optional_is_read_by_2_4_to_2_17_only(tmp_path: Path) -> None:
    root = model(tmp_path, with_inputs([{"type": "double", "name": "a", "optional": True}]))
    pointer = "/signature/inputs/0/optional"
    assert reader_findings(root, reader_mlflow="2.3") == [("reader-mlflow-signature", pointer)]
    assert reader_findings(root, reader_mlflow="2.9.2") == []
    assert reader_findings(root, reader_mlflow="2.17") == []
    assert reader_findings(root, reader_mlflow="2.18") == [("reader-mlflow-signature", pointer)]


def test_one_finding_per_field_and_reason(tmp_path: Path) -> None:
    specs = [{"type": "double", "name": n, "required": True} for n in "abc"]
    found = validate_model(
        model(tmp_path, with_inputs(specs)),
        options=ValidationOptions(metadata_only=True, reader_mlflow="2.9.2"),
    )
    [finding] = [f for f in found if f.rule == "reader-mlflow-signature"]
    assert finding.message.endswith("(column specs 0, 1, 2)")


def test_tensor_specs_load_everywhere(tmp_path: Path) -> None:
    tensor = {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 4]}}
    assert reader_findings(model(tmp_path, with_inputs([tensor])), reader_mlflow="1.30") == []


def lightgbm(model_class: str, data: str, fmt: str | None) -> dict[str, Any]:
    block: dict[str, Any] = {"model_class": model_class, "data": data, "lgb_version": "4.6.0"}
    if fmt:
        block["serialization_format"] = fmt
    return {"flavors": {"lightgbm": block}}


@pytest.mark.parametrize(
    ("doc", "reader", "expected"),
    [
        (lightgbm("lightgbm.sklearn.LGBMClassifier", "model.skops", "skops"), "3.8", True),
        (lightgbm("lightgbm.sklearn.LGBMClassifier", "model.skops", "skops"), "3.9.0", False),
        (lightgbm("lightgbm.sklearn.LGBMClassifier", "model.skops", None), "2.22.5", True),
        (lightgbm("lightgbm.sklearn.LGBMClassifier", "model.pkl", "cloudpickle"), "2.9", False),
        (lightgbm("lightgbm.basic.Booster", "model.lgb", "skops"), "2.9", False),
        ({"flavors": {"sklearn": {"serialization_format": "skops"}}}, "2.22.5", True),
        ({"flavors": {"sklearn": {"serialization_format": "skops"}}}, "3.17", False),
        ({"flavors": {"sklearn": {"serialization_format": "cloudpickle"}}}, "2.9", False),
    ],
)
def test_serialization_format(
    tmp_path: Path, doc: dict[str, Any], reader: str, expected: bool
) -> None:
    found = reader_findings(model(tmp_path, doc), reader_mlflow=reader)
    assert bool(found) is expected, found


def test_keys_before_1_7(tmp_path: Path) -> None:
    root = model(tmp_path, {"flavors": {}, "run_id": "x", "model_uuid": "y", "mlflow_version": "2"})
    assert reader_findings(root, reader_mlflow="1.6") == [
        ("reader-mlflow-keys", "/mlflow_version"),
        ("reader-mlflow-keys", "/model_uuid"),
    ]
    assert reader_findings(root, reader_mlflow="1.7") == []


@pytest.mark.parametrize(
    ("reader", "fires", "says"),
    [
        ("1.3", True, "1.8+ failing to predict"),
        ("1.6.1", False, ""),
        ("1.9", True, "same predictions"),
    ],
)
def test_sklearn_version(tmp_path: Path, reader: str, fires: bool, says: str) -> None:
    root = model(tmp_path, {"flavors": {"sklearn": {"sklearn_version": "1.6.1"}}})
    found = [
        f
        for f in validate_model(
            root, options=ValidationOptions(metadata_only=True, reader_sklearn=reader)
        )
        if f.rule == "reader-sklearn-version"
    ]
    assert bool(found) is fires
    if fires:
        assert says in found[0].message


def test_silent_without_a_reader(tmp_path: Path) -> None:
    doc = lightgbm("lightgbm.sklearn.LGBMClassifier", "model.skops", "skops")
    doc["signature"] = with_inputs([{"type": "any", "name": "a", "required": True}])["signature"]
    doc["model_uuid"] = "x"
    assert reader_findings(model(tmp_path, doc)) == []


def test_cli_rejects_a_version_that_is_not_a_release(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = model(tmp_path, {"flavors": {}})
    with pytest.raises(SystemExit) as caught:
        main(["validate", str(root), "--reader-mlflow", "latest"])
    assert caught.value.code == 2
    assert "not a release like 2.9 or 2.9.2: 'latest'" in capsys.readouterr().err


def test_cli_passes_the_readers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = model(tmp_path, {"flavors": {"sklearn": {"serialization_format": "skops"}}})
    main(["validate", str(root), "--reader-mlflow", "2.22.5", "--select", "reader-mlflow-format"])
    assert "[reader-mlflow-format]" in capsys.readouterr().out


#: the MLflow-reader failures the version matrix found for MLmodel-level reasons (exception
#: class, a part of its message); the others come from what the payload holds
MLMODEL_LEVEL = (
    ("MlflowException", "Unrecognized serialization format"),
    ("TypeError", "ColSpec.__init__()"),
    ("UnpicklingError", "persistent id"),
)
REAL_RUN = Path(__file__).resolve().parents[2] / "docs" / "matrix.html"


def real_cells() -> list[dict[str, Any]]:
    page = REAL_RUN.read_text(encoding="utf-8")
    embedded = page.split('type="application/json">', 1)[1].split("</script>", 1)[0]
    cells: list[dict[str, Any]] = json.loads(embedded.replace("<\\/", "</"))["cells"]
    return cells


def test_every_mlmodel_level_mlflow_error_of_the_real_run_is_predicted() -> None:
    cells = real_cells()
    mlflow_errors = [c for c in cells if c["loader"] == "mlflow" and c["status"] == "error"]
    level = [
        c
        for c in mlflow_errors
        if any(c["exception"] == kind and part in c["message"] for kind, part in MLMODEL_LEVEL)
    ]
    assert len(level) >= 40, "the committed run lost its MLflow-reader errors"
    missed = [c for c in level if not any(r.startswith("reader-mlflow-") for r in c["predicted"])]
    assert missed == []


def test_the_reader_rules_raise_no_false_alarm_in_the_real_run() -> None:
    alarms = [
        c
        for c in real_cells()
        if any(r.startswith("reader-mlflow-") for r in c["predicted"])
        and not (c["loader"] == "mlflow" and c["status"] == "error")
    ]
    assert alarms == []
