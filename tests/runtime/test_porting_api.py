"""Names added for porting from MLflow (issue 11), without MLflow: each one works on a good
input and fails with our error (never a traceback from deep inside) on a bad one."""

from __future__ import annotations

import dataclasses
import io
import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

import mlmodel_spec.pyfunc
import mlmodel_spec.sklearn
from mlmodel_spec._flavor_atomic import TargetExistsError
from mlmodel_spec.models import (
    Model,
    ModelSignature,
    convert_input_example_to_serving_input,
    get_model_info,
    set_signature,
    update_model_requirements,
    validate_schema,
    validate_serving_input,
)
from mlmodel_spec.types import ColSpec, DataType, ParamSchema, ParamSpec, Schema, TensorSpec
from mlmodel_spec.types.dataclass_schema import convert_dataclass_to_schema
from mlmodel_spec.types.datatypes import Array, Object, Property
from mlmodel_spec.types.errors import (
    BAD_REQUEST,
    INVALID_PARAMETER_VALUE,
    MlmodelSpecError,
    SchemaEnforcementError,
    SchemaError,
)
from mlmodel_spec.types.type_hints import signature_from_predict


class Doubler(mlmodel_spec.pyfunc.PythonModel):
    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        return model_input * 2


def _saved(tmp_path: Path, **kwargs: Any) -> Path:
    path = tmp_path / "m"
    mlmodel_spec.pyfunc.save_model(path, python_model=Doubler(), **kwargs)
    return path


# -- errors ------------------------------------------------------------------------------------
def test_type_errors_are_type_errors_and_carry_error_code() -> None:
    with pytest.raises(TypeError) as info:
        ModelSignature(inputs=1)  # type: ignore[arg-type]
    assert isinstance(info.value, MlmodelSpecError)
    assert info.value.error_code == INVALID_PARAMETER_VALUE
    with pytest.raises(TypeError):
        TensorSpec("Unsupported", (-1,))  # type: ignore[arg-type]
    assert MlmodelSpecError("x", BAD_REQUEST).error_code == BAD_REQUEST
    assert not isinstance(SchemaError("x"), TypeError)


# -- Model document ----------------------------------------------------------------------------
def test_model_to_yaml_stream_and_to_json(tmp_path: Path) -> None:
    model = Model.load(_saved(tmp_path))
    stream = io.StringIO()
    assert model.to_yaml(stream) is None
    assert stream.getvalue() == model.to_yaml()
    assert yaml.safe_load(model.to_yaml()) == json.loads(model.to_json()) == model.to_dict()


def test_get_model_info_of_a_local_directory(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    info = get_model_info(path)
    assert "python_function" in info.flavors
    assert info.model_uuid == Model.load(path).model_uuid
    assert info.signature is None and info.signature_dict is None
    assert info.metrics is None  # tracking field: no logged_model here
    with pytest.raises(MlmodelSpecError):
        get_model_info(tmp_path / "absent")


def test_set_signature_rewrites_mlmodel(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    signature = ModelSignature(Schema([ColSpec(DataType.double, "x")]))
    (path / "MLmodel").chmod(0o644)
    set_signature(path, signature)
    assert Model.load(path).signature == signature
    assert (path / "MLmodel").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    with pytest.raises(TypeError):
        set_signature(path, {"inputs": "[]"})  # type: ignore[arg-type]


# -- save_model into an existing directory -----------------------------------------------------
def test_save_model_accepts_empty_dir_refuses_non_empty(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    _saved(tmp_path)  # empty: accepted, as MLflow does
    assert (tmp_path / "m" / "MLmodel").is_file()
    with pytest.raises(TargetExistsError):
        _saved(tmp_path)


# -- schemas -----------------------------------------------------------------------------------
def test_validate_schema_good_and_bad() -> None:
    schema = Schema([ColSpec(DataType.long, "a")])
    validate_schema(pd.DataFrame({"a": [1, 2]}), schema)
    with pytest.raises(SchemaEnforcementError):
        validate_schema(pd.DataFrame({"b": [1]}), schema)
    with pytest.raises(TypeError):
        validate_schema(pd.DataFrame({"a": [1]}), {"a": "long"})  # type: ignore[arg-type]


def test_schema_numpy_and_pandas_types() -> None:
    schema = Schema([ColSpec(DataType.long, "a"), ColSpec(DataType.string, "b")])
    assert schema.numpy_types() == [np.dtype("int64"), np.dtype(str)]  # as MLflow
    assert schema.pandas_types() == [np.dtype("int64"), object]


def test_keyword_from_json_dict_forms() -> None:
    spec = {"dtype": "float64", "shape": [-1, 2]}
    assert TensorSpec.from_json_dict(type="tensor", **{"tensor-spec": spec}) == TensorSpec(
        np.dtype("float64"), (-1, 2)
    )
    assert ParamSpec.from_json_dict(name="k", type="long", default=3) == ParamSpec(
        "k", DataType.long, 3
    )
    prop = Property.from_json_dict(a={"type": "string", "required": False})
    assert prop == Property("a", DataType.string, required=False)
    assert Array.from_json_dict(type="array", items={"type": "long"}) == Array(DataType.long)
    obj = Object.from_json_dict(type="object", properties={"a": {"type": "double"}})
    assert obj == Object([Property("a", DataType.double)])
    with pytest.raises(MlmodelSpecError):
        TensorSpec.from_json_dict(shape=[-1])


@dataclasses.dataclass
class Inner:
    score: float


@dataclasses.dataclass
class Record:
    name: str
    tags: list[str]
    inner: Inner
    note: str | None = None


def test_convert_dataclass_to_schema() -> None:
    schema = convert_dataclass_to_schema(Record)
    assert schema == Schema(
        [
            ColSpec(DataType.string, "name"),
            ColSpec(Array(DataType.string), "tags"),
            ColSpec(Object([Property("score", DataType.float)]), "inner"),
            ColSpec(DataType.string, "note", required=False),
        ]
    )
    with pytest.raises(TypeError):
        convert_dataclass_to_schema(dict)


# -- type-hint signatures ----------------------------------------------------------------------
class Hinted(mlmodel_spec.pyfunc.PythonModel):
    def predict(self, model_input: list[str], params: dict[str, Any] | None = None) -> list[int]:  # type: ignore[override]
        return [len(s) for s in model_input]


def test_type_hint_signature_inferred_and_enforced(tmp_path: Path) -> None:
    signature = signature_from_predict(Hinted().predict)
    assert signature is not None and signature.is_signature_from_type_hint
    assert signature.inputs == Schema([ColSpec(DataType.string)])
    assert signature.outputs == Schema([ColSpec(DataType.long)])
    path = tmp_path / "hinted"
    mlmodel_spec.pyfunc.save_model(path, python_model=Hinted())
    loaded = mlmodel_spec.pyfunc.load_model(path)
    assert loaded.metadata.signature == signature
    assert loaded.predict(["ab", "c"]) == [2, 1]
    assert loaded.predict(pd.DataFrame({"s": ["abc"]})) == [3]  # first column, as MLflow
    for bad in ([1, 2], "ab", [["a"]]):
        with pytest.raises(SchemaEnforcementError, match="type hint") as info:
            loaded.predict(bad)
        assert info.value.error_code == INVALID_PARAMETER_VALUE
    assert signature_from_predict(Doubler().predict) is None  # no hints: no signature


# -- models from code --------------------------------------------------------------------------
def test_python_model_from_code(tmp_path: Path) -> None:
    script = tmp_path / "model.py"
    script.write_text(
        textwrap.dedent(
            """
            from mlmodel_spec.models import ModelConfig, set_model
            from mlmodel_spec.pyfunc import PythonModel

            factor = ModelConfig(development_config={"factor": 1}).get("factor")

            class Scale(PythonModel):
                def predict(self, context, model_input, params=None):
                    return [x * factor for x in model_input]

            set_model(Scale())
            """
        )
    )
    path = tmp_path / "m"
    mlmodel_spec.pyfunc.save_model(path, python_model=str(script), model_config={"factor": 3})
    assert mlmodel_spec.pyfunc.load_model(path).predict([1, 2]) == [3, 6]
    override = mlmodel_spec.pyfunc.load_model(path, model_config={"factor": 10})
    assert override.predict([1]) == [10]
    silent = tmp_path / "silent.py"
    silent.write_text("x = 1\n")
    with pytest.raises(MlmodelSpecError, match="set_model"):
        mlmodel_spec.pyfunc.save_model(tmp_path / "bad", python_model=str(silent))
    with pytest.raises(MlmodelSpecError):
        mlmodel_spec.models.set_model("not a model")


# -- serving -----------------------------------------------------------------------------------
def test_serving_input_round_trip(tmp_path: Path) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0]})
    path = _saved(tmp_path, input_example=frame)
    payload = convert_input_example_to_serving_input(frame)
    assert payload is not None and json.loads(payload)["dataframe_split"]["columns"] == ["x"]
    result = validate_serving_input(path, payload)
    pd.testing.assert_frame_equal(result, frame * 2)
    assert convert_input_example_to_serving_input(None) is None
    for bad in ("not json", "[1]", '{"dataframe_split": {}, "inputs": []}'):
        with pytest.raises(MlmodelSpecError) as info:
            validate_serving_input(path, bad)
        assert info.value.error_code == BAD_REQUEST


# -- requirements ------------------------------------------------------------------------------
def test_update_model_requirements_add_and_remove(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    for name in ("requirements.txt", "conda.yaml"):
        (path / name).chmod(0o644)
    update_model_requirements(path, "add", ["pandas>=1", "Zzz-Pkg==1.0"])
    assert {(path / n).stat().st_mode & 0o777 for n in ("requirements.txt", "conda.yaml")} == {
        0o644
    }
    pip_lines = (path / "requirements.txt").read_text().splitlines()
    conda = yaml.safe_load((path / "conda.yaml").read_text())
    pip_section = next(d["pip"] for d in conda["dependencies"] if isinstance(d, dict))
    assert "zzz-pkg==1.0" in pip_lines and "zzz-pkg==1.0" in pip_section
    update_model_requirements(path, "remove", ["zzz-pkg"])
    assert "zzz-pkg==1.0" not in (path / "requirements.txt").read_text()
    with pytest.warns(UserWarning, match="not found"):
        update_model_requirements(path, "remove", ["never-there"])
    with pytest.raises(MlmodelSpecError, match="invalid requirements"):
        update_model_requirements(path, "add", ["=="])
    with pytest.raises(MlmodelSpecError, match="operation"):
        update_model_requirements(path, "replace", ["x"])


def test_pyfunc_environment_helpers(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    assert Path(mlmodel_spec.pyfunc.get_model_dependencies(path)).name == "requirements.txt"
    conda = mlmodel_spec.pyfunc.get_model_dependencies(path, format="conda")
    assert Path(conda).name == "conda.yaml"
    (path / "requirements.txt").unlink()
    with pytest.warns(UserWarning, match="Conda dependencies excluded"):
        from_conda = Path(mlmodel_spec.pyfunc.get_model_dependencies(path)).read_text()
    assert "cloudpickle" in from_conda
    with pytest.raises(MlmodelSpecError):
        mlmodel_spec.pyfunc.get_model_dependencies(path, format="docker")
    pins = mlmodel_spec.pyfunc.get_default_pip_requirements()
    assert any(p.startswith("cloudpickle==") for p in pins)
    env = mlmodel_spec.pyfunc.get_default_conda_env()
    assert {"pip": pins} in env["dependencies"]


def test_add_to_model() -> None:
    model = mlmodel_spec.pyfunc.add_to_model(
        Model(), loader_module="my_loader", data="data", conda_env="conda.yaml"
    )
    conf = model.flavors["python_function"]
    assert conf["loader_module"] == "my_loader" and conf["env"] == {"conda": "conda.yaml"}
    with pytest.raises(MlmodelSpecError):
        mlmodel_spec.pyfunc.add_to_model({}, loader_module="x")  # type: ignore[arg-type]


def test_params_schema_kept_through_serving(tmp_path: Path) -> None:
    params = ParamSchema([ParamSpec("k", DataType.long, 1)])
    signature = ModelSignature(Schema([ColSpec(DataType.double, "x")]), None, params)
    path = _saved(tmp_path, signature=signature)
    payload = {"dataframe_records": [{"x": 1.0}], "params": {"k": 2}}
    pd.testing.assert_frame_equal(validate_serving_input(path, payload), pd.DataFrame({"x": [2.0]}))


@pytest.mark.parametrize(
    ("hint", "good", "bad"),
    [
        (list[float], [1.5], [1]),  # MLflow 3.x: no int -> float
        (list[int], [1, True], [1.0]),
        (list[dict[str, int]], [{"a": 1}], [{"a": "x"}]),
        (list[list[str]], [["a"]], [["a"], "b"]),
        (list[Any], [1, "a"], "not a list"),
    ],
)
def test_check_input_against_type_hint(hint: Any, good: Any, bad: Any) -> None:
    from mlmodel_spec.types.type_hints import check_input

    assert check_input(good, hint) == good
    with pytest.raises(SchemaEnforcementError):
        check_input(bad, hint)


def test_empty_dict_param_is_refused_like_mlflow() -> None:
    from mlmodel_spec.types.infer import infer_param_schema

    with pytest.raises(SchemaError, match="Failed to infer schema for parameters"):
        infer_param_schema({"a": {}})
    assert infer_param_schema({"a": {"k": 1}}).params[0].name == "a"


def test_infer_pip_requirements_by_loading_in_a_subprocess(tmp_path: Path) -> None:
    import sklearn
    from sklearn.linear_model import LinearRegression

    from mlmodel_spec.models import infer_pip_requirements

    path = tmp_path / "sk"
    mlmodel_spec.sklearn.save_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), path)
    found = infer_pip_requirements(path, "sklearn")
    # skops (the default format) requires scikit-learn, so pruning keeps skops, as MLflow prunes
    assert f"scikit-learn=={sklearn.__version__}" in found or any(
        r.startswith("skops==") for r in found
    )
    assert not any(r.startswith(("mlmodel", "mlflow")) for r in found)
    broken = _saved(tmp_path)
    for pickled in broken.rglob("*.pkl"):
        pickled.write_bytes(b"not a pickle")  # loading fails in the subprocess
    with pytest.warns(UserWarning, match="Could not infer"):
        assert infer_pip_requirements(broken, "python_function", fallback=["x"]) == ["x"]
    with pytest.raises(MlmodelSpecError, match="failed"):
        infer_pip_requirements(broken, "python_function")
