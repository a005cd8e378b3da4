"""MLflow 3.x pickles a type-hinted ``PythonModel.predict`` as a closure of
``mlflow.pyfunc.utils.data_validation`` that names ``FuncInfo``, ``_validate_model_input``
and ``MlflowException``; such a pickle loads and predicts without MLflow.

The pickle is made here the way MLflow makes it: stand-in ``mlflow.*`` modules hold the
wrapper while cloudpickle writes the model, and are gone when it is loaded. (The interop
envs load the pickles real MLflow 3.x writes: tests/interop/test_runtime_models.py.)
"""

from __future__ import annotations

import io
import sys
import textwrap
import types
from collections.abc import Iterator
from typing import Any

import cloudpickle
import pandas as pd
import pytest

from mlmodel_spec.pyfunc.mlflow_compat import convert_to_hint
from mlmodel_spec.pyfunc.unpickle import MlflowRequiredError, load_pickle

cloudpickle.register_pickle_by_value(sys.modules[__name__])

DATA_VALIDATION = textwrap.dedent(
    """
    from functools import wraps
    from typing import Any, NamedTuple
    from mlflow.exceptions import MlflowException

    class FuncInfo(NamedTuple):
        input_type_hint: Any
        input_param_name: str

    def _validate_model_input(args, kwargs, index, type_hint, name):
        raise AssertionError("MLflow's own function must not run at load time")

    def wrap(func, func_info):
        index = 1

        @wraps(func)
        def wrapper(*args, **kwargs):
            try:
                args, kwargs = _validate_model_input(
                    args, kwargs, index, func_info.input_type_hint, func_info.input_param_name
                )
            except Exception as e:
                if isinstance(e, MlflowException):
                    raise e
                raise MlflowException(f"Failed to validate the input data: {e}")
            return func(*args, **kwargs)

        return wrapper
    """
)


@pytest.fixture
def fake_mlflow() -> Iterator[types.ModuleType]:
    names = ["mlflow", "mlflow.exceptions", "mlflow.pyfunc", "mlflow.pyfunc.utils"]
    modules = {name: types.ModuleType(name) for name in names}
    exceptions = modules["mlflow.exceptions"]
    exec("class MlflowException(Exception):\n    pass\n", exceptions.__dict__)
    exceptions.MlflowException.__module__ = "mlflow.exceptions"
    sys.modules.update(modules)
    validation = types.ModuleType("mlflow.pyfunc.utils.data_validation")
    sys.modules[validation.__name__] = validation
    try:
        exec(DATA_VALIDATION, validation.__dict__)
        yield validation
    finally:
        for name in [*names, validation.__name__]:
            sys.modules.pop(name, None)


class Upper:
    def predict(self, model_input: list[str], params: Any = None) -> list[str]:
        return [text.upper() for text in model_input]


def _pickled_like_mlflow(validation: types.ModuleType, extra: object = None) -> bytes:
    model = Upper()
    info = validation.FuncInfo(list[str], "model_input")
    model.predict = types.MethodType(validation.wrap(Upper.predict, info), model)  # type: ignore[method-assign]
    data: bytes = cloudpickle.dumps((model, extra))
    return data


def test_a_type_hinted_predict_pickled_by_mlflow_loads_and_converts_its_input(
    fake_mlflow: types.ModuleType,
) -> None:
    data = _pickled_like_mlflow(fake_mlflow)
    for name in [n for n in sys.modules if n == "mlflow" or n.startswith("mlflow.")]:
        del sys.modules[name]
    model, _ = load_pickle(io.BytesIO(data))
    assert model.predict(pd.DataFrame({"text": ["a", "b"]})) == ["A", "B"]
    assert model.predict(model_input=["c"]) == ["C"]


def test_another_mlflow_name_needs_mlflow(fake_mlflow: types.ModuleType) -> None:
    exec("def helper():\n    return 1\n", fake_mlflow.__dict__)
    fake_mlflow.helper.__module__ = fake_mlflow.__name__
    data = _pickled_like_mlflow(fake_mlflow, extra=fake_mlflow.helper)
    for name in [n for n in sys.modules if n == "mlflow" or n.startswith("mlflow.")]:
        del sys.modules[name]
    with pytest.raises(MlflowRequiredError, match=r"data_validation\.helper"):
        load_pickle(io.BytesIO(data))


@pytest.mark.parametrize(
    ("data", "hint", "expected"),
    [
        (pd.DataFrame({"t": ["a", "b"]}), list[str], ["a", "b"]),
        (pd.DataFrame({"t": ["a"], "n": [1]}), list[dict[str, Any]], [{"t": "a", "n": 1}]),
        (pd.DataFrame({"t": ["a"]}), list[dict[str, str]], [{"t": "a"}]),
        (pd.Series([1, 2]), list[int], [1, 2]),
        (["x"], list[str], ["x"]),
        (pd.DataFrame({"t": ["a"]}), pd.DataFrame, None),  # not a list hint: unchanged
    ],
)
def test_conversion_to_the_hint(data: Any, hint: Any, expected: Any) -> None:
    converted = convert_to_hint(data, hint)
    assert (converted is data) if expected is None else converted == expected
