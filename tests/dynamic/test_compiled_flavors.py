"""A flavor module ``mlmodel-spec codegen`` compiled gets the native checks (native-loads,
round-trip, resave-equivalent) like the built-ins; another loader module does not, and the
parent process finds out without importing what the model names."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.codegen.flavor_command import generate
from mlmodel_spec.conformance.dynamic.flavors import compiled_flavor_candidate, may_load_natively

ACME = Path(__file__).resolve().parents[1] / "codegen" / "acme"
NATIVE_CHECKS = ("native-loads", "round-trip", "resave-equivalent")

PLAIN_MODULE = '''
"""A hand-written loader module without a compiled FLAVOR table."""
import pickle
from pathlib import Path


class Wrapper:
    def __init__(self, model):
        self.model = model

    def predict(self, data, params=None):
        return self.model.predict(data)


def _load_pyfunc(path, model_config=None):
    path = Path(path)
    with open(path if path.is_file() else path / "model.pkl", "rb") as stream:
        return Wrapper(pickle.load(stream))
'''


def _flavors(loader: str, *blocks: str) -> dict[str, Any]:
    return {"python_function": {"loader_module": loader}, **{b: {} for b in blocks}}


@pytest.mark.parametrize(
    ("flavors", "expected"),
    [
        (_flavors("json.acme", "acme"), "json.acme"),  # findable package, block of its name
        (_flavors("json.acme"), None),  # no block named like the module
        (_flavors("mlflow.acme", "acme"), None),  # MLflow's modules are never compiled ones
        (_flavors("mlmodel_spec.acme", "acme"), None),
        (_flavors("no_such_package_e2.acme", "acme"), None),
        (_flavors("json.python_function"), None),
        (_flavors("not a module", "module"), None),
        ({"acme": {}}, None),
    ],
)
def test_compiled_flavor_candidate(flavors: dict[str, Any], expected: str | None) -> None:
    assert compiled_flavor_candidate(flavors) == expected


def test_deciding_the_capability_imports_nothing_the_model_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "e2_marker_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert may_load_natively(_flavors("e2_marker_pkg.acme", "acme"))
    assert "e2_marker_pkg" not in sys.modules
    assert not may_load_natively(_flavors("mlflow.sklearn"))


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(directory of the compiled acme_trees module, a model it saved with cloudpickle)."""
    base = tmp_path_factory.mktemp("compiled")
    out = base / "acme"
    shutil.copytree(ACME, out)
    assert generate([out / "acme_trees.yaml"], out, package="") == 0
    script = (
        "import sys, acme_trees, acme_testing\n"
        "model, sample = acme_testing.fitted_model()\n"
        "acme_trees.save_model(model, sys.argv[1], serialization_format='cloudpickle',"
        " input_example=sample)\n"
    )
    model = base / "model"
    subprocess.run(
        [sys.executable, "-c", script, str(model)],
        env={**os.environ, "PYTHONPATH": str(out)},
        check=True,
    )
    return out, model


def _check_statuses(model: Path, python_path: Path) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "mlmodel_spec", "check", "--format", "json", str(model)],
        env={**os.environ, "PYTHONPATH": str(python_path)},
        capture_output=True,
        text=True,
        check=False,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    (target,) = json.loads(done.stdout)["targets"]
    return {record["check"]: record["status"] for record in target["checks"]}


def test_a_compiled_flavor_module_gets_the_native_checks(saved: tuple[Path, Path]) -> None:
    out, model = saved
    statuses = _check_statuses(model, out)
    assert [statuses[c] for c in NATIVE_CHECKS] == ["passed"] * 3


def test_a_hand_written_loader_module_is_skipped_not_failed(
    saved: tuple[Path, Path], tmp_path: Path
) -> None:
    _, model = saved
    (tmp_path / "acme_trees.py").write_text(PLAIN_MODULE)
    statuses = _check_statuses(model, tmp_path)
    assert statuses["loads"] == "passed"
    assert [statuses[c] for c in NATIVE_CHECKS] == ["skipped"] * 3


def test_the_library_is_the_import_name_a_compiled_module_states() -> None:
    from types import ModuleType, SimpleNamespace

    from mlmodel_spec.conformance.dynamic.flavors import library_import_name

    compiled, built_in = ModuleType("compiled"), ModuleType("built_in")
    compiled.FLAVOR = SimpleNamespace(library="acme-trees-dist", library_import="acme_pkg.trees")  # type: ignore[attr-defined]
    built_in.FLAVOR = SimpleNamespace(library="scikit-learn")  # type: ignore[attr-defined]
    assert library_import_name(compiled) == "acme_pkg"
    assert library_import_name(built_in) == "sklearn"
