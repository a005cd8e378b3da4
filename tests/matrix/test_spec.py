"""spec/matrix/matrix.yaml: the shipped file is valid; malformed ones fail with one line."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from mlmodel_spec.conformance.matrix import spec


def shipped() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(spec.MATRIX_FILE.read_text(encoding="utf-8"))
    return data


def test_shipped_matrix_covers_the_issue_axes() -> None:
    matrix = spec.load()
    pins = [dict(env.packages) for env in matrix.environments]
    minors = {
        dist: {".".join(p[dist].split(".")[:2]) for p in pins}
        for dist in ("scikit-learn", "lightgbm", "numpy")
    }
    assert {env.python for env in matrix.environments} == {"3.10", "3.11", "3.12", "3.13"}
    assert len(minors["scikit-learn"]) >= 5
    assert "3.3" in minors["lightgbm"]
    assert len({m for m in minors["lightgbm"] if m.startswith("4.")}) >= 3
    assert "1.26" in minors["numpy"]
    assert any(m.startswith("2.") for m in minors["numpy"])
    mlflows = {env.mlflow for env in matrix.environments if env.mlflow}
    assert any(v.startswith("2.22.") for v in mlflows)
    assert any(v.startswith("3.17.") for v in mlflows)
    assert len([env for env in matrix.environments if env.slice]) == 2


def test_names_are_computed_from_the_pins() -> None:
    env = spec.Environment(
        python="3.11",
        packages=(("lightgbm", "4.5.0"), ("scikit-learn", "1.6.1")),
        mlflow="2.22.5",
    )
    assert env.name == "py311-sk16-lgb45-mlflow222"
    assert env.requirements("mlflow-skinny") == [
        "lightgbm==4.5.0",
        "mlflow-skinny==2.22.5",
        "scikit-learn==1.6.1",
    ]


def _broken(edit: str) -> dict[str, Any]:
    data = copy.deepcopy(shipped())
    env = data["environments"][0]
    if edit == "missing-package":
        del env["packages"]["skops"]
    elif edit == "bad-version":
        env["packages"]["numpy"] = "2.x"
    elif edit == "unknown-key":
        env["pythn"] = "3.11"
    elif edit == "duplicate":
        data["environments"].append(copy.deepcopy(env))
    elif edit == "off-axis":
        env["packages"]["scikit-learn"] = "1.2.2"
    elif edit == "bad-mlflow-package":
        data["mlflow_package"] = "mlflow-lite"
    return data


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("missing-package", "/environments/0/packages: 'skops' is a required property"),
        ("bad-version", "/environments/0/packages/numpy: '2.x' does not match"),
        ("unknown-key", "/environments/0: Additional properties are not allowed"),
        ("duplicate", "duplicate name py310-sk13-lgb33"),
        ("off-axis", "scikit-learn 1.2.2 is not on the scikit-learn axis"),
        ("bad-mlflow-package", "/mlflow_package: 'mlflow-lite' is not one of"),
    ],
)
def test_malformed_matrix_fails_with_a_location(edit: str, expected: str) -> None:
    with pytest.raises(spec.MatrixSpecError) as caught:
        spec.parse(_broken(edit), "m.yaml")
    message = str(caught.value)
    assert message.startswith("m.yaml: ")
    assert expected in message
    assert "\n" not in message


def test_unreadable_yaml_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "matrix.yaml"
    path.write_text("environments: [\n", encoding="utf-8")
    with pytest.raises(spec.MatrixSpecError, match="cannot read"):
        spec.load(path)
    with pytest.raises(spec.MatrixSpecError, match="cannot read"):
        spec.load(tmp_path / "absent.yaml")


def test_select_by_name_slice_and_unknown() -> None:
    matrix = spec.load()
    first = matrix.environments[0].name
    assert [e.name for e in matrix.select([first])] == [first]
    assert all(e.slice for e in matrix.select(None, slice_only=True))
    assert len(matrix.select(None)) == len(matrix.environments)
    with pytest.raises(spec.MatrixSpecError, match="unknown environment"):
        matrix.select(["py27-sk01-lgb01"])
