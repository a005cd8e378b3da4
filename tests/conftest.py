"""Shared test configuration.

``tests/interop`` talks to real MLflow; it runs only where mlflow is installed (the tox
envs ``mlflow2`` and ``mlflow3``), and is not collected elsewhere.
"""

from __future__ import annotations

import importlib.util

collect_ignore_glob: list[str] = []
if importlib.util.find_spec("mlflow") is None:
    collect_ignore_glob.append("interop/*")
