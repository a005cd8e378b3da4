"""Fixtures for interop tests against a real MLflow (run in the tox envs mlflow2 / mlflow3)."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

mlflow = pytest.importorskip("mlflow")

with warnings.catch_warnings():  # MLflow warns while importing some submodules
    warnings.simplefilter("ignore")
    import mlflow.lightgbm
    import mlflow.models
    import mlflow.pyfunc
    import mlflow.sklearn

# Prepended to scripts run "without MLflow": any import of mlflow fails.
BLOCK_MLFLOW = """
import sys
class _NoMlflow:
    def find_spec(self, name, path=None, target=None):
        if name == "mlflow" or name.startswith("mlflow."):
            raise ImportError("mlflow is blocked in this process")
        return None
sys.meta_path.insert(0, _NoMlflow())
"""


@contextmanager
def quiet() -> Iterator[None]:
    """MLflow warns freely (integer columns, pickle safety); pytest turns warnings into errors."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def mlflow_version() -> tuple[int, int]:
    major, minor = mlflow.__version__.split(".")[:2]
    return int(major), int(minor)


def run_without_mlflow(script: str, *args: str) -> Any:
    """Run ``script`` in a fresh interpreter where mlflow cannot be imported; it must print
    one JSON document on its last stdout line."""
    proc = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", BLOCK_MLFLOW + script, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture
def no_mlflow_runner() -> Any:
    return run_without_mlflow


@pytest.fixture
def tracking_uri(tmp_path: Path) -> Iterator[str]:
    # MLflow 3 prefers a database store; the 2.x venv's sqlalchemy is too new for its sqlite
    # store, and 2.x's file store works.
    if mlflow_version() >= (3, 0):
        uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    else:
        uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        if mlflow.active_run():
            mlflow.end_run()
