"""Model: the MLmodel document, written as MLflow 3.x writes it and read back losslessly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mlmodel_spec import __version__
from mlmodel_spec.models import Model, ModelFormatError, ModelSignature
from mlmodel_spec.types import ColSpec, DataType, Schema

UTC_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


def test_new_model_writes_mlflow3_keys_with_explicit_nulls() -> None:
    doc = yaml.safe_load(Model().to_yaml())
    assert doc["model_id"] is None
    assert doc["prompts"] is None
    assert re.fullmatch(r"[0-9a-f]{32}", doc["model_uuid"])
    assert UTC_FORMAT.match(doc["utc_time_created"])
    assert "run_id" not in doc
    assert "artifact_path" not in doc
    assert doc["flavors"] == {}


def test_provenance_is_honest() -> None:
    doc = yaml.safe_load(Model().to_yaml())
    assert "mlflow_version" not in doc
    assert doc["mlmodel_spec_version"] == __version__


def test_yaml_is_block_style_with_sorted_keys() -> None:
    model = Model(utc_time_created="2026-01-02 03:04:05.000006")
    model.add_flavor("zeta", b=1, a=2)
    text = model.to_yaml()
    top_keys = [line.split(":")[0] for line in text.splitlines() if not line.startswith(" ")]
    assert top_keys == sorted(top_keys)
    assert "{" not in text
    assert "utc_time_created: '2026-01-02 03:04:05.000006'" in text
    assert "  zeta:\n    a: 2\n    b: 1\n" in text


def test_signature_block_and_flags() -> None:
    sig = ModelSignature(Schema([ColSpec(DataType.double, "a")]))
    doc = yaml.safe_load(Model(signature=sig).to_yaml())
    assert doc["signature"] == {
        "inputs": '[{"type": "double", "name": "a", "required": true}]',
        "outputs": None,
        "params": None,
    }
    assert doc["is_signature_from_type_hint"] is False
    assert doc["type_hint_from_example"] is False


def test_round_trip_keeps_unknown_keys_and_mlflow_version(tmp_path: Path) -> None:
    source = {
        "flavors": {"python_function": {"loader_module": "m", "custom": [1, 2]}},
        "utc_time_created": "2025-05-05 05:05:05",
        "mlflow_version": "2.9.2",
        "model_uuid": "0" * 32,
        "foo_custom": {"nested": True},
        "_private": 1,
        "resources": None,
        "signature": {"inputs": '[{"type": "long", "name": "x", "required": false}]'},
        "is_signature_from_type_hint": True,
    }
    (tmp_path / "MLmodel").write_text(yaml.safe_dump(source))
    model = Model.load(tmp_path)
    assert model.extra == {"foo_custom": {"nested": True}, "_private": 1}
    assert model.resources is None  # a known key now; null is dropped on write, as MLflow does
    assert model.signature is not None
    assert model.signature.is_signature_from_type_hint
    model.save(tmp_path / "again")
    again = yaml.safe_load((tmp_path / "again").read_text())
    assert again["foo_custom"] == {"nested": True}
    assert again["mlflow_version"] == "2.9.2"
    assert "mlmodel_spec_version" not in again  # not ours: we did not write the original
    assert again["utc_time_created"] == "2025-05-05 05:05:05"
    assert again["is_signature_from_type_hint"] is True
    assert Model.load(tmp_path / "again") == model


def test_missing_model_uuid_is_written_back_as_null() -> None:
    model = Model.from_dict({"flavors": {}})
    assert yaml.safe_load(model.to_yaml())["model_uuid"] is None
    assert "utc_time_created" not in model.to_dict()


def test_unquoted_yaml_timestamp_is_kept_as_string(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text("flavors: {}\nutc_time_created: 2025-05-05 05:05:05\n")
    assert Model.load(tmp_path / "MLmodel").utc_time_created == "2025-05-05 05:05:05"


def test_add_and_get_flavor() -> None:
    model = Model().add_flavor("sklearn", pickled_model="model.pkl")
    assert model.get_flavor("sklearn") == {"pickled_model": "model.pkl"}
    with pytest.raises(ModelFormatError, match='does not have the "lightgbm" flavor'):
        model.get_flavor("lightgbm")
    with pytest.raises(ModelFormatError, match="non-empty string"):
        model.add_flavor("")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "is empty"),
        ("[1, 2]", "must be a mapping"),
        ("flavors: [1]", "flavors must be a mapping"),
        ("flavors: {a: 1}", "flavors must be a mapping"),
        ("flavors: {}\nsignature: 3", "signature must be a mapping"),
        ("flavors: {\n", "Cannot parse"),
        ("flavors: {}\nsignature: {inputs: 'not json'}", "not valid JSON"),
    ],
)
def test_bad_documents_raise_clear_errors(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "MLmodel").write_text(content)
    with pytest.raises(ModelFormatError, match=message):
        Model.load(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match='Could not find an "MLmodel"'):
        Model.load(tmp_path / "nope")
