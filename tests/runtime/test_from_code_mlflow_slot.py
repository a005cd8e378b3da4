"""A models-from-code script written for MLflow calls ``mlflow.models.set_model``; where
MLflow is imported, our loader takes the model from MLflow's slot."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlmodel_spec.models.from_code import load_model_from_code
from mlmodel_spec.types.errors import ModelFormatError

SCRIPT = """\
import mlflow.models.model as mlflow_model


class Echo:
    def predict(self, context, model_input, params=None):
        return model_input


mlflow_model.set_model(Echo())
"""


@pytest.fixture
def mlflow_models_model() -> Iterator[types.ModuleType]:
    """A stand-in for ``mlflow.models.model``: ``set_model`` fills ``__mlflow_model__``."""
    names = ["mlflow", "mlflow.models", "mlflow.models.model"]
    saved = {name: sys.modules.get(name) for name in names}
    modules = {name: types.ModuleType(name) for name in names}
    module = modules["mlflow.models.model"]
    exec(
        "__mlflow_model__ = None\n"
        "def set_model(model):\n"
        "    globals()['__mlflow_model__'] = model\n",
        module.__dict__,
    )
    modules["mlflow"].models = modules["mlflow.models"]  # type: ignore[attr-defined]
    modules["mlflow.models"].model = module  # type: ignore[attr-defined]
    sys.modules.update(modules)
    try:
        yield module
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def test_a_script_that_calls_mlflow_set_model_loads(
    tmp_path: Path, mlflow_models_model: types.ModuleType
) -> None:
    script = tmp_path / "model.py"
    script.write_text(SCRIPT)
    mlflow_models_model.__mlflow_model__ = "stale, from an earlier script"  # type: ignore[attr-defined]
    model = load_model_from_code(script)
    assert type(model).__name__ == "Echo" and model.predict(None, [1]) == [1]


def test_a_script_that_sets_no_model_is_refused(
    tmp_path: Path, mlflow_models_model: types.ModuleType
) -> None:
    script = tmp_path / "model.py"
    script.write_text("x = 1\n")
    mlflow_models_model.__mlflow_model__ = "stale, from an earlier script"  # type: ignore[attr-defined]
    with pytest.raises(ModelFormatError, match="did not call"):
        load_model_from_code(script)
