"""Fixtures for interop tests against a real MLflow (run in the tox envs mlflow2 / mlflow3)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

try:
    with warnings.catch_warnings():  # MLflow warns while importing some submodules
        warnings.simplefilter("ignore")
        import mlflow
        import mlflow.lightgbm
        import mlflow.models
        import mlflow.pyfunc
        import mlflow.sklearn
except ImportError:  # interop tests need a real MLflow: run them in the tox envs mlflow2/3
    collect_ignore_glob = ["test_runtime_*.py"]


@pytest.fixture
def tracking_uri(tmp_path: Path) -> Iterator[str]:
    # MLflow 3 prefers a database store; the 2.x venv's sqlalchemy is too new for its sqlite
    # store, and 2.x's file store works.
    if int(mlflow.__version__.split(".")[0]) >= 3:
        uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    else:
        uri = (tmp_path / "mlruns").as_uri()
    mlflow.set_tracking_uri(uri)
    try:
        yield uri
    finally:
        if mlflow.active_run():
            mlflow.end_run()
