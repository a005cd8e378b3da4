"""A cell's classification: ok / warning (the classes) / different (max abs diff) / error."""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance.matrix import cells
from mlmodel_spec.conformance.matrix.golden import CASES_BY_NAME, as_floats, case_input


class InconsistentVersionWarning(UserWarning):
    """Stands in for scikit-learn's (the cell records the class name)."""


class FakeModel:
    def __init__(self, values: list[float], warn: type[Warning] | None = None) -> None:
        self.values, self.warn = values, warn

    def predict(self, data: Any, params: Any = None) -> list[float]:
        if self.warn is not None:
            warnings.warn(
                "Trying to unpickle estimator from version 1.6.1", self.warn, stacklevel=1
            )
        return self.values


def entry(predictions: list[float], case: str = "sk-pickle") -> dict[str, Any]:
    return {"case": case, "writer": "mlmodel-spec", "predictions": predictions}


def loader_of(model: Any) -> cells.Loader:
    def load(path: Path) -> Any:
        return model

    return load


@pytest.mark.parametrize(
    ("expected", "got", "status"),
    [
        ([1.0, 2.0], [1.0, 2.0], cells.OK),
        ([1.0, 2.0], [1.0, 2.0 + 1e-9], cells.OK),
        ([1.0, 2.0], [1.0, 2.15], cells.DIFFERENT),
        ([1.0], [math.nan], cells.DIFFERENT),
        ([1.0, 2.0], [1.0], cells.DIFFERENT),
    ],
)
def test_compare(expected: list[float], got: list[float], status: str) -> None:
    assert cells.compare(expected, got)[0] == status


def test_same_predictions_no_warning_is_ok(tmp_path: Path) -> None:
    result = cells.run_cell(loader_of(FakeModel([0.5, 0.25])), tmp_path, entry([0.5, 0.25]))
    assert result["status"] == cells.OK
    assert result["warnings"] == []


def test_a_visible_warning_makes_it_warning_with_the_class(tmp_path: Path) -> None:
    model = FakeModel([0.5], warn=InconsistentVersionWarning)
    result = cells.run_cell(loader_of(model), tmp_path, entry([0.5]))
    assert result["status"] == cells.WARNING
    assert result["warnings"] == [
        {
            "class": "InconsistentVersionWarning",
            "message": "Trying to unpickle estimator from version 1.6.1",
        }
    ]


def test_warnings_python_hides_by_default_do_not_count(tmp_path: Path) -> None:
    model = FakeModel([0.5], warn=DeprecationWarning)
    assert cells.run_cell(loader_of(model), tmp_path, entry([0.5]))["status"] == cells.OK


def test_different_predictions_give_the_max_abs_diff(tmp_path: Path) -> None:
    result = cells.run_cell(loader_of(FakeModel([0.5, 0.9])), tmp_path, entry([0.5, 0.75]))
    assert result["status"] == cells.DIFFERENT
    assert result["max_abs_diff"] == pytest.approx(0.15)
    assert result["message"] == "max abs difference 0.15"


def test_an_exception_is_an_error_with_class_and_first_line(tmp_path: Path) -> None:
    def load(path: Path) -> Any:
        raise AttributeError("'LogisticRegression' object has no attribute 'multi_class'\nmore")

    result = cells.run_cell(load, tmp_path, entry([0.5]))
    assert result["status"] == cells.ERROR
    assert result["exception"] == "AttributeError"
    assert result["message"] == "'LogisticRegression' object has no attribute 'multi_class'"


def test_the_model_path_is_left_out_of_the_message(tmp_path: Path) -> None:
    def load(path: Path) -> Any:
        raise ModuleNotFoundError(f"Loading {path}/model.pkl needs the module 'numpy._core'")

    result = cells.run_cell(load, tmp_path, entry([0.5]))
    assert result["message"] == "Loading <model dir>/model.pkl needs the module 'numpy._core'"


def test_an_exception_without_message_still_says_what(tmp_path: Path) -> None:
    class Broken:
        def predict(self, data: Any, params: Any = None) -> Any:
            raise KeyError

    result = cells.run_cell(loader_of(Broken()), tmp_path, entry([0.5]))
    assert (result["status"], result["message"]) == (cells.ERROR, "KeyError")


def test_params_reach_predict_for_the_params_case(tmp_path: Path) -> None:
    seen: list[Any] = []

    class Model:
        def predict(self, data: Any, params: Any = None) -> list[float]:
            seen.append(params)
            return [1.0]

    cells.run_cell(loader_of(Model()), tmp_path, entry([1.0], "signature-example-params"))
    cells.run_cell(loader_of(Model()), tmp_path, entry([1.0], "sk-pickle"))
    assert seen == [{"scale": 2.0}, None]


def test_inputs_and_flattening() -> None:
    assert list(case_input(CASES_BY_NAME["sk-pickle"]).columns) == ["f0", "f1", "f2", "f3"]
    assert case_input(CASES_BY_NAME["sk-pipeline"]).shape == (12, 4)
    assert as_floats([[1, 2], [3, 4]]) == [1.0, 2.0, 3.0, 4.0]
