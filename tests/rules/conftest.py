"""Helpers shared by the rule tests, handed out as fixtures.

The tests run with ``--import-mode=importlib``, where test modules cannot import one another
(or this file), so what several modules need lives here: writing a model directory, keeping
the findings of some rules, the MLmodel MLflow 3.17.2 writes for a scikit-learn model, and
running an MLflow interpreter as the oracle.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance.context import ModelContext, ValidationOptions
from mlmodel_spec.conformance.findings import Finding
from mlmodel_spec.conformance.validate import validate_model
from mlmodel_spec.conformance.yaml_source import load_yaml

#: scikit-learn model as MLflow 3.17.2 writes it; the env files it names are up to each test.
SKLEARN_MLMODEL = """\
flavors:
  python_function:
    cloudpickle_version: 3.1.3
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    python_version: 3.11.7
  sklearn:
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 1.9.1
mlflow_version: 3.17.2
utc_time_created: '2026-11-26 20:54:05.773815'
"""


def _write_files(root: Path, files: Mapping[str, str | bytes | None]) -> Path:
    """Write ``{relative path: text | bytes}`` below ``root`` (``None``: leave it out)."""
    for rel, content in files.items():
        if content is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return root


def _rule_findings(
    root: Path, rules: Collection[str] | Callable[[str], bool], **options: Any
) -> list[Finding]:
    """The findings of ``validate_model`` whose rule is in ``rules`` (or passes it)."""
    wanted = rules if callable(rules) else rules.__contains__
    found = validate_model(root, options=ValidationOptions(**options))
    return [f for f in found if wanted(f.rule)]


def _model_context(root: Path) -> ModelContext:
    """The context the rules see for the model directory ``root``."""
    return ModelContext(root, load_yaml((root / "MLmodel").read_text()))


@pytest.fixture(scope="session")
def sklearn_mlmodel() -> str:
    return SKLEARN_MLMODEL


@pytest.fixture(scope="session")
def write_files() -> Callable[[Path, Mapping[str, str | bytes | None]], Path]:
    return _write_files


@pytest.fixture(scope="session")
def rule_findings() -> Callable[..., list[Finding]]:
    return _rule_findings


@pytest.fixture(scope="session")
def model_context() -> Callable[[Path], ModelContext]:
    return _model_context


# -- MLflow as the oracle ------------------------------------------------------------------


def _oracle_pythons() -> list[str]:
    """Interpreters with MLflow: $MLFLOW_ORACLE_PYTHON (os.pathsep-separated), else this
    interpreter when it has mlflow (the interop tox envs ``mlflow2``/``mlflow3`` run these
    tests with ``-m mlflow_oracle``)."""
    configured = os.environ.get("MLFLOW_ORACLE_PYTHON", "")
    pythons = [p for p in configured.split(os.pathsep) if p and Path(p).exists()]
    if not pythons and importlib.util.find_spec("mlflow") is not None:
        pythons = [sys.executable]
    return pythons


#: set by the interop tox envs: there, an oracle test that cannot run is a failure
REQUIRE_ORACLE = os.environ.get("MLMODEL_SPEC_REQUIRE_MLFLOW") == "1"


def _no_oracle() -> Any:
    if REQUIRE_ORACLE:
        return pytest.param("", id="no-mlflow")  # the fixture fails it
    return pytest.param("", marks=pytest.mark.skip(reason="no MLflow interpreter"))


@pytest.fixture(params=_oracle_pythons() or [_no_oracle()])
def oracle_python(request: pytest.FixtureRequest) -> str:
    """Each interpreter with MLflow in turn (skipped when there is none, failed when the
    interop envs require one)."""
    if not request.param:
        pytest.fail("MLMODEL_SPEC_REQUIRE_MLFLOW=1 but mlflow is not importable")
    return str(request.param)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that ask MLflow for a verdict carry the ``mlflow_oracle`` marker."""
    for item in items:
        if "oracle_python" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.mlflow_oracle)


def _run_oracle(python: str, script: str, dirs: Iterable[Path], workdir: Path) -> Any:
    """Run ``script`` under ``python`` with a JSON file listing ``dirs`` and the path of the
    JSON file it writes its verdicts to; return that JSON."""
    listing, output, path = workdir / "dirs.json", workdir / "out.json", workdir / "oracle.py"
    listing.write_text(json.dumps([str(d) for d in dirs]))
    path.write_text(script)
    subprocess.run([python, str(path), str(listing), str(output)], check=True, timeout=600)
    return json.loads(output.read_text())


@pytest.fixture(scope="session")
def run_oracle() -> Callable[[str, str, Iterable[Path], Path], Any]:
    return _run_oracle
