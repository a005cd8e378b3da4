"""Behaviour parity with the installed MLflow, by differential tests: the same call on both
libraries gives equal JSON / frames, or both fail in the same built-in class family: where
MLflow raises ``TypeError`` ours is a ``TypeError``; where it raises ``MlflowException`` (or a
``ValueError``) ours raises an ``MlmodelSpecError`` with the same ``error_code``. Messages may
differ.

Runs in the tox envs mlflow2 and mlflow3 (``tests/interop``).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from hypothesis.extra import pandas as hpd
from sklearn.linear_model import LinearRegression

import mlmodel_spec.models as ours_models
import mlmodel_spec.pyfunc as ours_pyfunc
import mlmodel_spec.sklearn as ours_sklearn
import mlmodel_spec.types.schema as ours_schema
from mlmodel_spec.types.errors import MlmodelSpecError

pytest.importorskip("mlflow")
import mlflow
import mlflow.models
import mlflow.pyfunc
import mlflow.sklearn
import mlflow.types.schema as mlflow_schema
from mlflow.exceptions import MlflowException

MAJOR = int(mlflow.__version__.split(".")[0])


@contextmanager
def quiet() -> Iterator[None]:
    """MLflow warns freely (integer columns, pip inference); pytest makes warnings errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


@dataclasses.dataclass
class Outcome:
    value: Any = None
    error: BaseException | None = None

    @property
    def family(self) -> str:
        """``ok``, ``TypeError`` or ``error`` (a library error that is not a TypeError)."""
        if self.error is None:
            return "ok"
        return "TypeError" if isinstance(self.error, TypeError) else "error"


def run(call: Callable[[], Any]) -> Outcome:
    with quiet():
        try:
            return Outcome(call())
        except Exception as exc:  # recorded, then compared by assert_same
            return Outcome(error=exc)


def as_json(value: Any) -> Any:
    """What ``value`` is as JSON (objects of either library by their ``to_dict``)."""
    if hasattr(value, "to_dict") and not isinstance(value, (pd.DataFrame, pd.Series)):
        value = value.to_dict()
    return json.loads(json.dumps(value, default=repr, sort_keys=True))


def assert_same(
    theirs: Outcome, ours: Outcome, same: Callable[[Any, Any], Any] | None = None
) -> None:
    assert ours.family == theirs.family, (
        f"MLflow: {theirs.family} {theirs.error!r}; ours: {ours.family} {ours.error!r}"
    )
    if theirs.error is None:
        if same is not None:
            same(theirs.value, ours.value)
        else:
            assert as_json(ours.value) == as_json(theirs.value)
        return
    assert isinstance(ours.error, MlmodelSpecError), f"ours raised a bare {ours.error!r}"
    code = getattr(theirs.error, "error_code", None)
    if isinstance(theirs.error, MlflowException) and code not in (None, "INTERNAL_ERROR"):
        assert ours.error.error_code == code, (theirs.error, ours.error)


# -- types: from_json_dict / to_dict of every type ----------------------------------------------
COLUMN_TYPES: list[Any] = [
    *({"type": t} for t in ("boolean", "integer", "long", "float", "double", "string")),
    *({"type": t} for t in ("binary", "datetime")),
    {"type": "array", "items": {"type": "long"}},
    {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
    {"type": "object", "properties": {"a": {"type": "double"}, "b": {"type": "string"}}},
    {
        "type": "object",
        "properties": {"a": {"type": "array", "items": {"type": "boolean"}, "required": False}},
    },
    {"type": "map", "values": {"type": "long"}},
    {"type": "any"},
    {"type": "nope"},
    {"type": "array"},
    {"type": "object", "properties": {}},
]
COLSPECS = [
    {**t, **extra}
    for t in COLUMN_TYPES
    for extra in ({}, {"name": "c"}, {"name": "c", "required": False})
]
TENSORS = [
    {"type": "tensor", "tensor-spec": {"dtype": d, "shape": s}}
    for d in ("float64", "float32", "int8", "bool", "str", "object", "Unsupported")
    for s in ([-1], [-1, 3], [2, 2, 2])
] + [{"type": "tensor", "tensor-spec": {"dtype": "float64"}}, {"type": "tensor"}]
PARAMS = [
    {"name": "k", "type": "long", "default": 3, "shape": None},
    {"name": "k", "type": "double", "default": 1.5, "shape": None},
    {"name": "k", "type": "string", "default": "x", "shape": None},
    {"name": "k", "type": "boolean", "default": True, "shape": None},
    {"name": "k", "type": "long", "default": [1, 2], "shape": [-1]},
    {"name": "k", "type": "datetime", "default": "2024-01-01T00:00:00", "shape": None},
    {"name": "k", "type": "long", "default": "x", "shape": None},
    {"name": "k", "type": "long", "default": 1, "shape": [-1]},
    {"name": "k", "type": "nope", "default": 1, "shape": None},
]


def _schema_json(lib: Any, specs: list[Any]) -> Any:
    return lib.Schema.from_json(json.dumps(specs)).to_dict()


@pytest.mark.parametrize("spec", COLSPECS + TENSORS, ids=json.dumps)
def test_schema_from_json_and_to_dict(spec: dict[str, Any]) -> None:
    assert_same(
        run(lambda: _schema_json(mlflow_schema, [spec])),
        run(lambda: _schema_json(ours_schema, [spec])),
    )


NAMES = st.text(alphabet="abcxyz_", min_size=1, max_size=4)
PRIMITIVE_JSON = st.sampled_from(
    ["boolean", "integer", "long", "float", "double", "string", "binary", "datetime", "any"]
).map(lambda name: {"type": name})
TYPE_JSON = st.recursive(
    PRIMITIVE_JSON,
    lambda inner: st.one_of(
        st.builds(lambda items: {"type": "array", "items": items}, inner),
        st.builds(lambda values: {"type": "map", "values": values}, inner),
        st.dictionaries(NAMES, st.tuples(inner, st.booleans()), min_size=0, max_size=3).map(
            lambda props: {
                "type": "object",
                "properties": {k: {**v, "required": r} for k, (v, r) in props.items()},
            }
        ),
    ),
    max_leaves=5,
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(TYPE_JSON, st.booleans()), min_size=1, max_size=3))
def test_schema_json_of_generated_nested_types(columns: list[tuple[Any, bool]]) -> None:
    specs = [{**spec, "name": f"c{i}", "required": r} for i, (spec, r) in enumerate(columns)]
    assert_same(
        run(lambda: _schema_json(mlflow_schema, specs)),
        run(lambda: _schema_json(ours_schema, specs)),
    )


@pytest.mark.parametrize("spec", PARAMS, ids=json.dumps)
def test_param_schema_from_json_and_to_dict(spec: dict[str, Any]) -> None:
    def go(lib: Any) -> Any:
        param = lib.ParamSpec.from_json_dict(**spec)
        return lib.ParamSchema([param]).to_dict(), lib.ParamSchema.from_json(
            json.dumps([spec])
        ).to_dict()

    assert_same(run(lambda: go(mlflow_schema)), run(lambda: go(ours_schema)))


@pytest.mark.parametrize(
    "build",
    [
        lambda lib: lib.ColSpec("double", "x").to_dict(),
        lambda lib: lib.ColSpec(lib.DataType.string).to_dict(),
        lambda lib: lib.ColSpec("nope", "x"),
        lambda lib: lib.ColSpec(lib.Array(lib.DataType.long), "a", required=False).to_dict(),
        lambda lib: lib.TensorSpec(np.dtype("float32"), (-1, 4), "t").to_dict(),
        lambda lib: lib.TensorSpec("Unsupported", (-1,)),
        lambda lib: lib.TensorSpec(np.dtype("float32"), "not a shape"),
        lambda lib: lib.Array(lib.DataType.double).to_dict(),
        lambda lib: lib.Array("double"),
        lambda lib: lib.Object([lib.Property("p", lib.DataType.long)]).to_dict(),
        lambda lib: lib.Object([]),
        lambda lib: lib.Object([lib.Property("p", "long"), lib.Property("p", "long")]),
        lambda lib: lib.Property("p", lib.DataType.long, required=False).to_dict(),
        lambda lib: lib.Property("p", "nope"),
        lambda lib: lib.Map(lib.DataType.string).to_dict(),
        lambda lib: lib.Map("string"),
        lambda lib: lib.ParamSpec("k", lib.DataType.long, 1).to_dict(),
        lambda lib: lib.ParamSpec("k", lib.DataType.long, "x"),
        lambda lib: lib.ParamSpec("k", lib.DataType.long, [1], (-1,)).to_dict(),
        lambda lib: lib.Schema([]).to_dict(),
        lambda lib: lib.Schema([lib.ColSpec("long", "a"), lib.TensorSpec(np.dtype("int8"), (-1,))]),
        lambda lib: lib.Schema([lib.ColSpec("long", "a"), lib.ColSpec("long")]),
        lambda lib: lib.Schema([lib.ColSpec("long", "a"), lib.ColSpec("long", "b")]).input_names(),
        lambda lib: [str(t) for t in lib.Schema([lib.ColSpec("long", "a")]).numpy_types()],
        lambda lib: lib.Schema([lib.ColSpec("string", "a")]).has_input_names(),
    ],
)
def test_constructors(build: Callable[[Any], Any]) -> None:
    assert_same(run(lambda: build(mlflow_schema)), run(lambda: build(ours_schema)))


@pytest.mark.parametrize(
    "build",
    [
        lambda lib, s: lib.ModelSignature(inputs=1),
        lambda lib, s: lib.ModelSignature(outputs="x"),
        lambda lib, s: lib.ModelSignature(params=[1]),
        lambda lib, s: lib.ModelSignature(s.Schema([s.ColSpec("long", "a")])).to_dict(),
        lambda lib, s: lib.ModelSignature.from_dict(
            {"inputs": '[{"type": "long", "name": "a"}]', "outputs": None}
        ).to_dict(),
        lambda lib, s: lib.ModelSignature.from_dict({"inputs": "not json"}),
    ],
)
def test_signature_constructors(build: Callable[[Any, Any], Any]) -> None:
    assert_same(
        run(lambda: build(mlflow.models, mlflow_schema)),
        run(lambda: build(ours_models, ours_schema)),
    )


# -- infer_signature on generated inputs --------------------------------------------------------
def _infer(lib: Any, data: Any) -> Any:
    return lib.infer_signature(data).to_dict()


SCALAR_DTYPES = st.sampled_from(["int64", "int32", "float64", "float32", "bool", "uint8"])
frames = st.tuples(
    st.lists(NAMES, min_size=1, max_size=4, unique=True), SCALAR_DTYPES, st.integers(1, 4)
).flatmap(
    lambda t: hpd.data_frames(
        [hpd.column(name, dtype=t[1]) for name in t[0]],
        index=hpd.range_indexes(min_size=t[2], max_size=t[2]),
    )
)
string_frames = st.lists(st.text(max_size=3), min_size=1, max_size=3).map(
    lambda v: pd.DataFrame({"s": v, "n": range(len(v))})
)
mixed_frames = st.integers(1, 3).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "s": st.lists(st.one_of(st.none(), st.text(max_size=2)), min_size=n, max_size=n),
            "f": st.lists(st.one_of(st.floats(allow_infinity=False)), min_size=n, max_size=n),
            "t": st.lists(st.datetimes(), min_size=n, max_size=n),
            "l": st.lists(st.lists(st.integers(0, 3), max_size=2), min_size=n, max_size=n),
        }
    ).map(pd.DataFrame)
)
arrays = hnp.arrays(
    dtype=SCALAR_DTYPES.map(np.dtype),
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3),
)
json_scalars = st.one_of(
    st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=3)
)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
dicts = st.dictionaries(NAMES, json_values, min_size=1, max_size=3)
records = st.lists(
    st.dictionaries(NAMES, json_scalars, min_size=1, max_size=3), min_size=1, max_size=3
)
INPUTS = st.one_of(
    frames,
    string_frames,
    mixed_frames,
    arrays,
    st.dictionaries(NAMES, arrays, min_size=1, max_size=2),
    dicts,
    records,
    st.lists(json_scalars, min_size=1, max_size=4),
    json_scalars,
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(INPUTS)
def test_infer_signature_on_generated_inputs(data: Any) -> None:
    assert_same(run(lambda: _infer(mlflow.models, data)), run(lambda: _infer(ours_models, data)))


PARAM_VALUES = st.one_of(
    st.integers(-5, 5),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=3),
    st.booleans(),
    st.lists(st.integers(0, 3), min_size=1, max_size=3),
    st.none(),
    st.dictionaries(NAMES, st.integers(), max_size=1),
)


@settings(max_examples=60, deadline=None)
@given(frames, st.dictionaries(NAMES, PARAM_VALUES, min_size=1, max_size=3))
def test_infer_signature_with_params(data: Any, params: dict[str, Any]) -> None:
    def go(lib: Any) -> Any:
        return lib.infer_signature(data, np.zeros(len(data)), params=params).to_dict()

    assert_same(run(lambda: go(mlflow.models)), run(lambda: go(ours_models)))


# -- schema enforcement on good and bad inputs --------------------------------------------------
COLUMNS = [
    {"name": "x", "type": "double"},
    {"name": "n", "type": "long"},
    {"name": "s", "type": "string", "required": False},
]
ENFORCE_INPUTS: dict[str, Any] = {
    "good": pd.DataFrame({"x": [1.5], "n": [1], "s": ["a"]}),
    "optional-missing": pd.DataFrame({"x": [1.5], "n": [1]}),
    "int-to-double": pd.DataFrame({"x": [1], "n": [1]}),
    "double-to-long": pd.DataFrame({"x": [1.5], "n": [1.5]}),
    "missing-required": pd.DataFrame({"x": [1.5]}),
    "string-for-double": pd.DataFrame({"x": ["a"], "n": [1]}),
    "extra-column": pd.DataFrame({"x": [1.5], "n": [1], "z": [0]}),
    "dict": {"x": [1.5], "n": [1]},
    "records": [{"x": 1.5, "n": 1}],
    "ndarray": np.array([[1.5, 1.0]]),
}


@pytest.mark.parametrize("name", sorted(ENFORCE_INPUTS))
def test_validate_schema_good_and_bad(name: str) -> None:
    data = ENFORCE_INPUTS[name]

    def go(lib: Any, s: Any) -> Any:
        lib.validate_schema(data, s.Schema.from_json(json.dumps(COLUMNS)))

    assert_same(
        run(lambda: go(mlflow.models, mlflow_schema)), run(lambda: go(ours_models, ours_schema))
    )


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames, frames)
def test_validate_schema_on_generated_frames(declared: pd.DataFrame, data: pd.DataFrame) -> None:
    """A schema inferred from one generated frame, enforced on another."""
    with quiet():
        schema_json = mlflow.models.infer_signature(declared).inputs.to_json()

    def go(lib: Any, s: Any) -> None:
        lib.validate_schema(data, s.Schema.from_json(schema_json))

    assert_same(
        run(lambda: go(mlflow.models, mlflow_schema)), run(lambda: go(ours_models, ours_schema))
    )


class Echo(mlflow.pyfunc.PythonModel):  # type: ignore[misc,name-defined]
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input


class EchoOurs(ours_pyfunc.PythonModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input


def _frames_equal(theirs: Any, ours: Any) -> None:
    pd.testing.assert_frame_equal(ours, theirs, check_dtype=False)


@pytest.mark.parametrize("name", sorted(ENFORCE_INPUTS))
def test_pyfunc_predict_enforces_the_same(tmp_path: Path, name: str) -> None:
    """An MLflow-written model with a signature, predicted by both libraries."""
    signature = mlflow.models.ModelSignature(mlflow_schema.Schema.from_json(json.dumps(COLUMNS)))
    with quiet():
        mlflow.pyfunc.save_model(tmp_path / "m", python_model=Echo(), signature=signature)
    data = ENFORCE_INPUTS[name]
    theirs = run(lambda: mlflow.pyfunc.load_model(str(tmp_path / "m")).predict(data))
    ours = run(lambda: ours_pyfunc.load_model(tmp_path / "m").predict(data))
    assert_same(theirs, ours, _frames_equal)


# -- Model document: load / save / to_yaml -----------------------------------------------------
_VOLATILE = {"mlflow_version", "utc_time_created", "model_uuid", "mlmodel_spec_version"}


def _document(lib: Any, path: Path) -> Any:
    return {k: v for k, v in lib.Model.load(path).to_dict().items() if k not in _VOLATILE}


def test_model_load_to_dict_to_yaml(tmp_path: Path) -> None:
    x = pd.DataFrame({"a": [1.0, 2.0], "b": [0.0, 1.0]})
    with quiet():
        mlflow.sklearn.save_model(
            LinearRegression().fit(x, [0.0, 1.0]),
            tmp_path / "m",
            input_example=x,
            signature=mlflow.models.infer_signature(x, np.array([0.0, 1.0])),
            metadata={"k": "v"},
        )
    theirs, ours = mlflow.models.Model.load(tmp_path / "m"), ours_models.Model.load(tmp_path / "m")
    # ours follows 3.x's document (model_id: null, which 2.x loads as an extra attribute)
    only_ours = {"mlmodel_spec_version"} | ({"model_id"} if MAJOR == 2 else set())
    assert ours.to_dict() == {
        **theirs.to_dict(),
        **{k: v for k, v in ours.to_dict().items() if k in only_ours},
    }
    (tmp_path / "again").mkdir()
    ours.save(tmp_path / "again" / "MLmodel")
    assert _document(mlflow.models, tmp_path / "again") == _document(ours_models, tmp_path / "m")
    assert mlflow.models.Model.load(tmp_path / "again").to_yaml() == ours.to_yaml()
    pd.testing.assert_frame_equal(
        ours.load_input_example(tmp_path / "m"), theirs.load_input_example(tmp_path / "m")
    )


@pytest.mark.parametrize(
    "content", ["", "flavors: [1", "just a string", "flavors: {}\nsignature: 3\n"]
)
def test_model_load_bad_documents(tmp_path: Path, content: str) -> None:
    (tmp_path / "MLmodel").write_text(content)
    theirs = run(lambda: mlflow.models.Model.load(tmp_path).to_dict())
    ours = run(lambda: ours_models.Model.load(tmp_path).to_dict())
    if theirs.family == "ok":  # a document MLflow loads: ours loads the same keys
        assert ours.family == "ok", ours.error
    else:
        assert ours.family != "ok", f"MLflow fails ({theirs.error!r}); ours loads {ours.value}"


# -- input examples: every form saved by MLflow, loaded by ours ---------------------------------
EXAMPLES: dict[str, Any] = {
    "frame": pd.DataFrame({"a": [1.0, 2.0], "s": ["x", "y"]}),
    "ndarray": np.arange(4.0).reshape(2, 2),
    "dict-of-arrays": {"a": np.array([1.0, 2.0]), "b": np.array([3, 4])},
    "dict": {"a": 1, "b": "x"},
    "list": [1, 2, 3],
    "list-of-str": ["a", "b"],
    "scalar": "text",
    "with-params": (pd.DataFrame({"a": [1.0]}), {"k": 2}),
}


def _same_example(theirs: Any, ours: Any) -> None:
    if isinstance(theirs, pd.DataFrame):
        pd.testing.assert_frame_equal(ours, theirs)
    elif isinstance(theirs, np.ndarray):
        np.testing.assert_array_equal(ours, theirs)
        assert ours.dtype == theirs.dtype
    elif isinstance(theirs, dict) and any(isinstance(v, np.ndarray) for v in theirs.values()):
        assert sorted(ours) == sorted(theirs)
        for key, value in theirs.items():
            np.testing.assert_array_equal(ours[key], value)
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_input_example_saved_by_mlflow_loads_the_same(tmp_path: Path, name: str) -> None:
    with quiet():
        mlflow.pyfunc.save_model(tmp_path / "m", python_model=Echo(), input_example=EXAMPLES[name])
    theirs = run(
        lambda: mlflow.models.Model.load(tmp_path / "m").load_input_example(tmp_path / "m")
    )
    ours = run(lambda: ours_models.Model.load(tmp_path / "m").load_input_example(tmp_path / "m"))
    assert_same(theirs, ours, _same_example)
    theirs_serving = run(
        lambda: mlflow.models.Model.load(tmp_path / "m").get_serving_input(tmp_path / "m")
    )
    ours_serving = run(
        lambda: ours_models.Model.load(tmp_path / "m").get_serving_input(tmp_path / "m")
    )
    assert_same(theirs_serving, ours_serving)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_input_example_saved_by_both_is_the_same(tmp_path: Path, name: str) -> None:
    """Saved by each library, loaded by MLflow: the same example and the same serving input."""
    with quiet():
        mlflow.pyfunc.save_model(tmp_path / "t", python_model=Echo(), input_example=EXAMPLES[name])
    ours_pyfunc.save_model(tmp_path / "o", python_model=EchoOurs(), input_example=EXAMPLES[name])

    def load(path: Path) -> Any:
        return mlflow.models.Model.load(path).load_input_example(path)

    def serving(path: Path) -> Any:
        return json.loads(mlflow.models.Model.load(path).get_serving_input(path) or "null")

    assert_same(run(lambda: load(tmp_path / "t")), run(lambda: load(tmp_path / "o")), _same_example)
    assert serving(tmp_path / "o") == serving(tmp_path / "t")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_convert_input_example_to_serving_input(name: str) -> None:
    example = EXAMPLES[name]
    theirs = run(lambda: mlflow.models.convert_input_example_to_serving_input(example))
    ours = run(lambda: ours_models.convert_input_example_to_serving_input(example))
    assert_same(
        theirs, ours, lambda t, o: json.loads(o) == json.loads(t) or pytest.fail(f"{o} != {t}")
    )


# -- save_model into missing, empty and non-empty directories ----------------------------------
def _prepare(tmp_path: Path, state: str) -> Path:
    target = tmp_path / state / "m"
    target.parent.mkdir()
    if state in ("empty", "non-empty"):
        target.mkdir()
    if state == "non-empty":
        (target / "keep.txt").write_text("x")
    return target


@pytest.mark.parametrize("state", ["missing", "empty", "non-empty"])
@pytest.mark.parametrize("flavor", ["sklearn", "pyfunc"])
def test_save_model_target_directory(tmp_path: Path, state: str, flavor: str) -> None:
    def go(sklearn: Any, pyfunc: Any, root: Path) -> Any:
        target = _prepare(root, state)
        if flavor == "sklearn":
            sklearn.save_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]), target)
        else:
            pyfunc.save_model(
                target, python_model=Echo() if pyfunc is mlflow.pyfunc else EchoOurs()
            )
        return sorted(p.name for p in target.iterdir() if p.name != "keep.txt")

    (tmp_path / "theirs").mkdir()
    (tmp_path / "ours").mkdir()
    theirs = run(lambda: go(mlflow.sklearn, mlflow.pyfunc, tmp_path / "theirs"))
    ours = run(lambda: go(ours_sklearn, ours_pyfunc, tmp_path / "ours"))
    assert_same(theirs, ours, lambda t, o: {"MLmodel"} <= set(o) and {"MLmodel"} <= set(t))
    if state == "non-empty":
        assert (tmp_path / "ours" / state / "m" / "keep.txt").read_text() == "x"
