"""Fixtures of the matrix tests: a hand-made matrix directory (manifests and cells as the
workers write them) and, once per session, real golden models written by this environment."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance.matrix.golden import MANIFEST, write_golden

ENV_A = {"name": "py310-a", "python": "3.10.13", "packages": {"scikit-learn": "1.3.2"}}
ENV_B = {
    "name": "py311-b-mlflow",
    "python": "3.11.7",
    "packages": {"scikit-learn": "1.6.1", "mlflow-skinny": "2.22.5"},
}


def _manifest(env: dict[str, Any], cases: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "environment": env, "cases": cases}


def ok_entry(case: str, writer: str = "mlmodel-spec") -> dict[str, Any]:
    return {"case": case, "writer": writer, "files": {"MLmodel": "0" * 64}, "predictions": [1.0]}


def cell(status: str, **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"status": status, "message": "", "warnings": [], "max_abs_diff": 0.0}
    return base | extra


def write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), encoding="utf-8")


@pytest.fixture
def fake_matrix(tmp_path: Path) -> Path:
    """Two environments: A (our runtime) and B (with MLflow, writes ``mlflow-`` cases too).

    Cells: A's models read in B (sk-pickle warns; lgb-booster fails with MLflow, which the
    reader-* rules predicted), B's in A (sk-pickle errors, the MLflow-written one differs),
    and B's skops case was not written by MLflow.
    """
    root = tmp_path / "matrix"
    write_json(
        root / "golden" / "py310-a" / MANIFEST,
        _manifest(
            ENV_A, {"sk-pickle": ok_entry("sk-pickle"), "lgb-booster": ok_entry("lgb-booster")}
        ),
    )
    write_json(
        root / "golden" / "py311-b-mlflow" / MANIFEST,
        _manifest(
            ENV_B,
            {
                "sk-pickle": ok_entry("sk-pickle"),
                "mlflow-sk-pickle": ok_entry("sk-pickle", "mlflow"),
                "mlflow-sk-skops": {
                    "case": "sk-skops",
                    "writer": "mlflow",
                    "unsupported": "mlflow 2.22.5 cannot write skops",
                },
            },
        ),
    )
    warned = cell(
        "warning",
        message="InconsistentVersionWarning",
        warnings=[{"class": "InconsistentVersionWarning", "message": "Trying to unpickle"}],
    )
    write_json(
        root / "cells" / "py311-b-mlflow" / "py310-a.json",
        {
            "sk-pickle": {
                "key": "k1",
                "cells": {"mlmodel-spec": warned, "mlflow": cell("ok")},
                "checks": {"passed": 3, "failed": []},
            },
            "lgb-booster": {
                "key": "k2",
                "cells": {
                    "mlmodel-spec": cell("ok"),
                    "mlflow": cell(
                        "error",
                        exception="MlflowException",
                        message="Unrecognized serialization format: skops.",
                        max_abs_diff=None,
                    ),
                },
                "checks": {"passed": 3, "failed": []},
                "static": ["reader-mlflow-format", "reader-sklearn-version"],
            },
        },
    )
    write_json(
        root / "cells" / "py310-a" / "py311-b-mlflow.json",
        {
            "sk-pickle": {
                "key": "k3",
                "cells": {
                    "mlmodel-spec": cell(
                        "error",
                        exception="AttributeError",
                        message="'LogisticRegression' object has no attribute 'multi_class'",
                        max_abs_diff=None,
                    )
                },
                "checks": {
                    "passed": 1,
                    "failed": [{"check": "loads", "severity": "error", "message": "boom"}],
                },
            },
            "mlflow-sk-pickle": {
                "key": "k4",
                "cells": {
                    "mlmodel-spec": cell(
                        "different", max_abs_diff=0.15, message="max abs difference 0.15"
                    )
                },
                "checks": {"passed": 3, "failed": []},
            },
            "mlflow-sk-skops": {"key": "k5", "not_written": "mlflow 2.22.5 cannot write skops"},
        },
    )
    return root


@pytest.fixture(scope="session")
def golden_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This environment's real golden models (our writer; MLflow's too where installed)."""
    root = tmp_path_factory.mktemp("golden-once")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libraries' own warnings while fitting and saving
        assert write_golden(root, "here") is not None
    return root


@pytest.fixture
def golden_copy(golden_once: Path, tmp_path: Path) -> Path:
    """A private copy of the session's golden models (tests may edit or read it)."""
    root = tmp_path / "matrix"
    shutil.copytree(golden_once, root)
    return root
