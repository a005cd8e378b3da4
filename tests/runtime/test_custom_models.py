"""Custom Python models: save with artifacts and cloudpickle, load, MLflow class mapping."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import cloudpickle
import pandas as pd
import pytest
import yaml

import mlmodel_spec.pyfunc
from mlmodel_spec.models import ModelFormatError
from mlmodel_spec.pyfunc import PythonModel, PythonModelContext
from mlmodel_spec.pyfunc.unpickle import load_python_model
from mlmodel_spec.types import MlmodelSpecError


class AddConstant(PythonModel):
    def load_context(self, context: PythonModelContext) -> None:
        self.k = float(Path(context.artifacts["k"]).read_text())

    def predict(
        self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None
    ) -> Any:
        scale = (params or {}).get("scale", 1.0)
        return (model_input.sum(axis=1) + self.k) * scale


class NoContext(PythonModel):
    def predict(self, model_input: Any) -> Any:  # type: ignore[override]
        return [len(model_input)]


def test_save_and_load_with_artifacts_and_params(tmp_path: Path) -> None:
    (tmp_path / "k.txt").write_text("2.5")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [0.5, 0.5]})
    mlmodel_spec.pyfunc.save_model(
        tmp_path / "m",
        python_model=AddConstant(),
        artifacts={"k": str(tmp_path / "k.txt")},
        input_example=(frame, {"scale": 2.0}),
        metadata={"owner": "me"},
    )
    doc = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())
    block = doc["flavors"]["python_function"]
    assert block["loader_module"] == "mlflow.pyfunc.model"
    assert block["python_model"] == "python_model.pkl"
    assert block["cloudpickle_version"] == cloudpickle.__version__
    assert block["artifacts"] == {"k": {"path": "artifacts/k.txt", "uri": str(tmp_path / "k.txt")}}
    assert block["code"] is None
    assert block["streamable"] is False
    assert doc["signature"]["outputs"] == '[{"type": "double", "required": true}]'
    assert (
        doc["signature"]["params"]
        == '[{"name": "scale", "default": 2.0, "shape": null, "type": "double"}]'
    )
    assert doc["metadata"] == {"owner": "me"}
    reqs = (tmp_path / "m" / "requirements.txt").read_text().splitlines()
    assert any(r.startswith("mlmodel-spec==") for r in reqs)
    loaded = mlmodel_spec.pyfunc.load_model(tmp_path / "m")
    assert loaded.predict(frame).tolist() == [8.0, 10.0]  # default scale 2.0 from the signature
    assert loaded.predict(frame, params={"scale": 1.0}).tolist() == [4.0, 5.0]
    assert isinstance(loaded.unwrap_python_model(), AddConstant)
    assert loaded.metadata.load_input_example_params(tmp_path / "m") == {"scale": 2.0}


def test_predict_without_context_and_callables(tmp_path: Path) -> None:
    mlmodel_spec.pyfunc.save_model(tmp_path / "a", python_model=NoContext())
    assert mlmodel_spec.pyfunc.load_model(tmp_path / "a").predict([1, 2, 3]) == [3]
    mlmodel_spec.pyfunc.save_model(tmp_path / "b", python_model=lambda data: data * 2)
    assert mlmodel_spec.pyfunc.load_model(tmp_path / "b").predict(4) == 8


def test_loader_module_with_data_path(tmp_path: Path) -> None:
    module_dir = tmp_path / "src"
    module_dir.mkdir()
    (module_dir / "my_loader_xyz.py").write_text(
        "class M:\n"
        "    def __init__(self, path):\n"
        "        with open(path) as f:\n"
        "            self.v = f.read()\n"
        "    def predict(self, data):\n"
        "        return self.v\n"
        "def _load_pyfunc(path):\n"
        "    return M(path)\n"
    )
    (tmp_path / "weights.txt").write_text("w1")
    mlmodel_spec.pyfunc.save_model(
        tmp_path / "m",
        loader_module="my_loader_xyz",
        data_path=tmp_path / "weights.txt",
        code_paths=[module_dir / "my_loader_xyz.py"],
    )
    block = yaml.safe_load((tmp_path / "m" / "MLmodel").read_text())["flavors"]["python_function"]
    assert block["data"] == "data/weights.txt"
    assert block["code"] == "code"
    assert mlmodel_spec.pyfunc.load_model(tmp_path / "m").predict(None) == "w1"


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(MlmodelSpecError, match="exactly one"):
        mlmodel_spec.pyfunc.save_model(tmp_path / "m")
    with pytest.raises(MlmodelSpecError, match="PythonModel instance, a callable"):
        mlmodel_spec.pyfunc.save_model(tmp_path / "m", python_model=3)
    with pytest.raises(MlmodelSpecError, match="does not exist"):
        mlmodel_spec.pyfunc.save_model(
            tmp_path / "m", python_model=NoContext(), artifacts={"x": "/nope"}
        )
    assert not (tmp_path / "m").exists()


_WRITE_MLFLOW_STYLE_PICKLE = """
import sys, types, cloudpickle
def module(name):
    mod = types.ModuleType(name)
    mod.__file__ = "/nonexistent/" + name + ".py"  # not "dynamic": pickled by reference
    sys.modules[name] = mod
    return mod
for name in ("mlflow", "mlflow.pyfunc", "mlflow.models"):
    module(name)
base = types.new_class("PythonModel")
base.__module__ = "mlflow.pyfunc.model"
module("mlflow.pyfunc.model").PythonModel = base
hints = types.new_class("_TypeHints")
hints.__module__ = "mlflow.models.signature"
module("mlflow.models.signature")._TypeHints = hints
Doubler = types.new_class("Doubler", (base,))
Doubler.predict = lambda self, context, model_input: model_input * 2
instance = Doubler()
instance._predict_type_hints = hints()
with open(sys.argv[1], "wb") as out:
    cloudpickle.dump(instance, out)
"""


def test_unpickles_mlflow_class_names_without_mlflow(tmp_path: Path) -> None:
    # Written in another process, as MLflow would: names mlflow.pyfunc.model.PythonModel and
    # mlflow.models.signature._TypeHints, neither importable here.
    target = tmp_path / "python_model.pkl"
    subprocess.run([sys.executable, "-c", _WRITE_MLFLOW_STYLE_PICKLE, str(target)], check=True)
    assert b"mlflow.pyfunc.model" in target.read_bytes()
    loaded = load_python_model(target)
    assert isinstance(loaded, PythonModel)
    assert loaded.predict(None, 21) == 42
    assert loaded.predict_type_hints.input is None


def test_unknown_mlflow_reference_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(sys.modules, "mlflow", types.ModuleType("mlflow"))
        odd = types.new_class("Gateway")
        odd.__module__ = "mlflow.gateway"
        mod = types.ModuleType("mlflow.gateway")
        mod.Gateway = odd  # type: ignore[attr-defined]
        mod.__file__ = "/nonexistent/gateway.py"
        patch.setitem(sys.modules, "mlflow.gateway", mod)
        (tmp_path / "p.pkl").write_bytes(cloudpickle.dumps(odd()))
    monkeypatch.setitem(sys.modules, "mlflow", None)  # MLflow is not importable
    with pytest.raises(ModelFormatError, match=r"mlflow\.gateway\.Gateway"):
        load_python_model(tmp_path / "p.pkl")
    with pytest.raises(ModelFormatError, match="python_model_compression"):
        load_python_model(tmp_path / "p.pkl", "zstd")


class _BrokenOnLoad:
    """Unpickling calls int("not a number"): a stand-in for a code object that another
    Python minor version wrote (which fails with TypeError/ValueError the same way)."""

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (int, ("not a number",))


@pytest.mark.parametrize(("written_by", "explained"), [("3.4.1", True), (None, False)])
def test_a_pickle_from_another_python_is_explained(
    tmp_path: Path, written_by: str | None, explained: bool
) -> None:
    import platform

    model = tmp_path / "m"
    mlmodel_spec.pyfunc.save_model(model, python_model=NoContext())
    (model / "python_model.pkl").write_bytes(cloudpickle.dumps(_BrokenOnLoad()))
    document = yaml.safe_load((model / "MLmodel").read_text())
    document["flavors"]["python_function"]["python_version"] = (
        written_by or platform.python_version()
    )
    (model / "MLmodel").write_text(yaml.safe_dump(document))
    expected = ModelFormatError if explained else ValueError
    with pytest.raises(expected) as caught:
        mlmodel_spec.pyfunc.load_model(model, suppress_warnings=True)
    assert type(caught.value) is expected
    assert ("Python 3.4" in str(caught.value)) is explained


def test_mlflow_before_2_20_finds_the_type_hints_it_asks_for() -> None:
    """MLflow 2.9's pyfunc wrapper calls ``python_model._get_type_hints().input`` at predict."""

    class Plain(PythonModel):
        def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
            return model_input

    assert Plain()._get_type_hints().input is None
    assert Plain()._get_type_hints().output is None
