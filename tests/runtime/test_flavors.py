"""sklearn and lightgbm flavors: save, load through pyfunc and natively, as MLflow 3.x writes."""

from __future__ import annotations

from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import mlmodel_spec.lightgbm
import mlmodel_spec.pyfunc
import mlmodel_spec.sklearn
from mlmodel_spec._flavor_atomic import TargetExistsError
from mlmodel_spec.models import Model, ModelFormatError, infer_signature
from mlmodel_spec.types import MissingDependencyError, MlmodelSpecWarning, SchemaEnforcementError


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, pd.Series]:
    x, y = load_iris(return_X_y=True, as_frame=True)
    return x, y


@pytest.mark.parametrize("fmt", ["skops", "cloudpickle", "pickle"])
def test_sklearn_each_format(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series], fmt: str
) -> None:
    x, y = iris
    clf = LogisticRegression(max_iter=300).fit(x, y)
    path = tmp_path / "m"
    mlmodel_spec.sklearn.save_model(clf, path, serialization_format=fmt, input_example=x[:3])
    doc = yaml.safe_load((path / "MLmodel").read_text())
    payload = "model.skops" if fmt == "skops" else "model.pkl"
    assert doc["flavors"]["sklearn"] == {
        "code": None,
        "pickled_model": payload,
        "serialization_format": fmt,
        "sklearn_version": __import__("sklearn").__version__,
        "skops_trusted_types": None,
    }
    assert doc["flavors"]["python_function"]["model_path"] == payload
    assert doc["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
    # signature inferred from the example: inputs from the frame, outputs from predict()
    assert doc["signature"]["outputs"] == '[{"type": "long", "required": true}]'
    assert doc["model_size_bytes"] > 0
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert any(r.startswith("scikit-learn==") for r in requirements)
    assert any(r.startswith(f"{fmt}==") for r in requirements) == (fmt != "pickle")
    loaded = mlmodel_spec.pyfunc.load_model(path)
    assert np.array_equal(loaded.predict(x), clf.predict(x))
    assert np.array_equal(mlmodel_spec.sklearn.load_model(path).predict(x), clf.predict(x))
    assert isinstance(loaded.get_raw_model(), LogisticRegression)


def test_pipeline_on_numpy_with_predict_proba(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    x = iris[0].to_numpy()
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=300)).fit(x, iris[1])
    sig = infer_signature(x, pipe.predict_proba(x))
    mlmodel_spec.sklearn.save_model(
        pipe, tmp_path / "m", signature=sig, pyfunc_predict_fn="predict_proba"
    )
    loaded = mlmodel_spec.pyfunc.load_model(tmp_path / "m")
    assert np.allclose(loaded.predict(x), pipe.predict_proba(x))
    with pytest.raises(SchemaEnforcementError, match="Shape of input"):
        loaded.predict(x[:, :2])


def test_lightgbm_classifier_and_booster(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    x, y = iris
    clf = lgb.LGBMClassifier(n_estimators=5, verbose=-1).fit(x, y)
    mlmodel_spec.lightgbm.save_model(clf, tmp_path / "clf", input_example=x[:3])
    conf = Model.load(tmp_path / "clf").get_flavor("lightgbm")
    assert conf["model_class"] == "lightgbm.sklearn.LGBMClassifier"
    assert conf["data"] == "model.skops"
    assert "lightgbm.basic.Booster" in conf["skops_trusted_types"]
    assert np.array_equal(
        mlmodel_spec.pyfunc.load_model(tmp_path / "clf").predict(x), clf.predict(x)
    )

    booster = lgb.train(
        {"objective": "multiclass", "num_class": 3, "verbose": -1}, lgb.Dataset(x, y), 3
    )
    mlmodel_spec.lightgbm.save_model(booster, tmp_path / "b", input_example=x[:3])
    meta = Model.load(tmp_path / "b")
    assert meta.get_flavor("lightgbm")["data"] == "model.lgb"
    assert (tmp_path / "b" / "model.lgb").read_text().startswith("tree")
    assert meta.signature is not None
    assert meta.signature.to_dict()["outputs"] == (
        '[{"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 3]}}]'
    )
    assert np.allclose(
        mlmodel_spec.pyfunc.load_model(tmp_path / "b").predict(x), booster.predict(x)
    )
    assert isinstance(mlmodel_spec.lightgbm.load_model(tmp_path / "b"), lgb.Booster)


def test_schema_enforced_on_predict(tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]) -> None:
    x, y = iris
    clf = LogisticRegression(max_iter=300).fit(x, y)
    mlmodel_spec.sklearn.save_model(clf, tmp_path / "m", signature=infer_signature(x, y))
    loaded = mlmodel_spec.pyfunc.load_model(tmp_path / "m")
    with pytest.raises(SchemaEnforcementError, match="missing inputs"):
        loaded.predict(x.drop(columns=[x.columns[0]]))
    ints = x.astype("int32")
    assert np.array_equal(loaded.predict(ints), clf.predict(ints.astype("float64")))


def test_existing_target_refused_and_nothing_left_behind(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "x").write_text("")  # an empty directory is accepted, as in MLflow
    with pytest.raises(TargetExistsError, match="already exists"):
        mlmodel_spec.sklearn.save_model(LogisticRegression(), tmp_path / "m")
    with pytest.raises(ModelFormatError, match="Unrecognized serialization format"):
        mlmodel_spec.sklearn.save_model(
            LogisticRegression(), tmp_path / "n", serialization_format="json"
        )
    with pytest.raises(ModelFormatError):  # skops refuses a lambda: the failed save leaves nothing
        mlmodel_spec.sklearn.save_model(lambda v: v, tmp_path / "n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


def test_code_paths_are_copied_and_importable(
    tmp_path: Path, iris: tuple[pd.DataFrame, pd.Series]
) -> None:
    helper = tmp_path / "my_helper_mod_xyz.py"
    helper.write_text("VALUE = 42\n")
    clf = LogisticRegression(max_iter=300).fit(*iris)
    mlmodel_spec.sklearn.save_model(clf, tmp_path / "m", code_paths=[helper])
    assert (tmp_path / "m" / "code" / helper.name).is_file()
    assert Model.load(tmp_path / "m").get_flavor("sklearn")["code"] == "code"


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelFormatError, match="Could not find"):
        mlmodel_spec.pyfunc.load_model(tmp_path)
    with pytest.raises(ModelFormatError, match="Only local"):
        mlmodel_spec.pyfunc.load_model("runs:/abc/model")
    Model().add_flavor("python_function", loader_module="mlflow.tensorflow").save(
        tmp_path / "MLmodel"
    )
    with (
        pytest.warns(MlmodelSpecWarning, match="no python_version"),
        pytest.raises(ModelFormatError, match="no mlmodel-spec equivalent"),
    ):
        mlmodel_spec.pyfunc.load_model(tmp_path)


def test_log_model_needs_mlflow(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "mlflow", None)
    with pytest.raises(MissingDependencyError, match="needs mlflow"):
        mlmodel_spec.sklearn.log_model(LogisticRegression(), name="m")


def test_replace_file_keeps_the_mode_and_gives_a_new_file_the_umasks(tmp_path: Path) -> None:
    import os

    from mlmodel_spec._flavor_atomic import replace_file

    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    replace_file(kept, "new")
    assert (kept.read_text(), kept.stat().st_mode & 0o777) == ("new", 0o640)
    umask = os.umask(0o022)
    try:
        replace_file(tmp_path / "new.txt", b"x")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt", "new.txt"]  # no temp left
