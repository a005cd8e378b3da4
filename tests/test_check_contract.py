"""The check contract (conformance/README.md): checks give a file and a pointer, the walker
alone turns pointers into line:column, and a check names the MLmodel by the name given."""

from __future__ import annotations

import json
from pathlib import Path

from mlmodel_spec.conformance.validate import validate_model

PYFUNC = (
    "flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n"
    "    python_model: python_model.pkl\n    python_version: 3.11.7\n"
)


def test_a_missing_env_file_is_named_in_the_mlmodel_given(tmp_path: Path) -> None:
    (tmp_path / "python_model.pkl").write_bytes(b"placeholder")
    text = PYFUNC + "    env:\n      conda: conda.yaml\n"
    (tmp_path / "MLmodel.draft").write_text(text)
    findings = validate_model(tmp_path, tmp_path / "MLmodel.draft")
    (missing,) = [f for f in findings if f.rule == "env-file-missing" and f.line == 7]
    assert missing.file == "MLmodel.draft"
    assert "named in MLmodel.draft does not exist" in missing.message
    (tmp_path / "MLmodel").write_text(text)
    plain = [f for f in validate_model(tmp_path) if f.rule == "env-file-missing" and f.line == 7]
    assert ["named in MLmodel does" in f.message for f in plain] == [True]


def test_the_walker_locates_pointers_into_json_files(tmp_path: Path) -> None:
    """The input-example check yields pointers only; line:column come from the walker."""
    (tmp_path / "python_model.pkl").write_bytes(b"placeholder")
    inputs = json.dumps(json.dumps([{"type": "long", "name": "a", "required": True}]))
    (tmp_path / "MLmodel").write_text(
        PYFUNC
        + f"signature:\n  inputs: {inputs}\n  outputs: null\n"
        + "saved_input_example_info:\n  artifact_path: input_example.json\n"
        + "  type: dataframe\n  pandas_orient: split\n"
    )
    (tmp_path / "input_example.json").write_text(
        '{"columns": ["a"],\n "data": [[1],\n          ["x"]]}'
    )
    (finding,) = [f for f in validate_model(tmp_path) if f.file == "input_example.json"]
    assert (finding.rule, finding.pointer) == ("input-example-value-type", "/data/1/0")
    assert (finding.line, finding.column) == (3, 12)
