"""Generated third-party flavors under real MLflow: the ``mlflow`` target is a working MLflow
custom flavor (save, log, load through ``runs:/``, pyfunc) with no private MLflow import,
and what the ``standalone`` target saves loads in MLflow too."""

from __future__ import annotations

import ast
import importlib
import shutil
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from mlmodel_spec.codegen.flavor_command import generate
from mlmodel_spec.conformance.validate import validate_paths

mlflow = pytest.importorskip("mlflow")

ACME = Path(__file__).resolve().parents[1] / "codegen" / "acme"


@pytest.fixture
def quiet() -> Iterator[None]:
    with warnings.catch_warnings():  # MLflow warns freely (pickle safety, integer columns)
        warnings.simplefilter("ignore")
        yield


def generated(tmp_path: Path, target: str, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The acme_trees module for ``target``, importable as ``acme_<target>.acme_trees``."""
    package = tmp_path / f"acme_{target}"
    shutil.copytree(ACME, package)
    (package / "__init__.py").write_text("")
    assert generate([package / "acme_trees.yaml"], package, target=target) == 0
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.syspath_prepend(str(package))  # the factory module
    importlib.invalidate_caches()
    for name in [n for n in sys.modules if n.startswith(f"acme_{target}")]:
        del sys.modules[name]
    return importlib.import_module(f"acme_{target}.acme_trees")


def no_findings(path: Path) -> list[str]:
    report = validate_paths([path])
    # a third-party flavor is unknown to the specification (an info), and every pickle gets
    # its safety inventory (an info): nothing else
    return [
        f"{f.rule}: {f.message}"
        for t in report.targets
        for f in t.findings
        if f.rule not in ("unknown-flavor", "safety-payload-globals")
    ]


@pytest.mark.usefixtures("quiet")
def test_the_mlflow_target_is_an_mlflow_custom_flavor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tracking_uri: str
) -> None:
    module = generated(tmp_path, "mlflow", monkeypatch)
    source = Path(module.__file__ or "").read_text()
    imported = [
        n.module for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom) and n.module
    ]
    assert [m for m in imported if m.startswith("mlflow")] == ["mlflow.models"]
    model, sample = importlib.import_module("acme_testing").fitted_model()
    expected = model.predict(sample)

    path = tmp_path / "saved"
    module.save_model(model, path, input_example=sample)
    assert no_findings(path) == []
    assert np.array_equal(mlflow.pyfunc.load_model(str(path)).predict(sample), expected)
    assert np.array_equal(module.load_model(str(path)).predict(sample), expected)
    requirements = (path / "requirements.txt").read_text().splitlines()
    assert any(line.startswith("mlflow==") for line in requirements)

    with mlflow.start_run():
        info = module.log_model(model, name="acme", input_example=sample)
    assert np.array_equal(mlflow.pyfunc.load_model(info.model_uri).predict(sample), expected)
    assert np.array_equal(module.load_model(info.model_uri).predict(sample), expected)
    assert info.flavors["acme_trees"]["serialization_format"] == "joblib"


@pytest.mark.usefixtures("quiet")
def test_what_the_standalone_target_saves_loads_in_mlflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    module = generated(tmp_path, "standalone", monkeypatch)
    model, sample = importlib.import_module("acme_testing").fitted_model()
    path = tmp_path / "saved"
    module.save_model(model, path, serialization_format="cloudpickle", input_example=sample)
    assert no_findings(path) == []
    loaded = mlflow.pyfunc.load_model(str(path))
    assert np.array_equal(loaded.predict(sample), model.predict(sample))
