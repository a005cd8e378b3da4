"""What the fork server does once so that no model's child pays for it.

- :func:`single_threaded`: library thread pools default to one thread. A check predicts on
  a few rows, ``--jobs N`` workers run side by side, and an OpenMP pool on a five-row input
  costs far more than it brings (LightGBM: about 6 ms a predict with its pool on a busy
  machine, 0.02 ms single-threaded). A value the user set is kept.
- :func:`warm`: import the modules the checks import lazily, snapshot the installed
  distributions' versions, and use them: the runtime's ``installed_version`` (called for
  every pin when a model is re-saved) answers from the snapshot, and ``yaml.safe_load``
  (how the runtime reads MLmodel) uses libyaml where PyYAML has it — the same documents,
  about ten times faster. Both only in the fork server and its children.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
import os
from functools import lru_cache
from typing import Any

import yaml

#: libyaml's safe loader where PyYAML has it (10x faster), else the pure-Python one
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
#: thread-count variables of OpenMP (LightGBM, scikit-learn), OpenBLAS and MKL (numpy)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: imported by the fork server when installed (a missing one is skipped)
HOT_MODULES = (
    "numpy",
    "pandas",
    "scipy.sparse",
    "sklearn",
    "sklearn.linear_model",
    "sklearn.ensemble",
    "sklearn.tree",
    "lightgbm",
    "skops.io",
    "cloudpickle",
    "packaging.requirements",
    "mlmodel_spec.sklearn",
    "mlmodel_spec.lightgbm",
    "mlmodel_spec.pyfunc",
    "mlmodel_spec.models.input_example",
    "mlmodel_spec.types.enforce",
    "mlmodel_spec.types.infer",
    "mlmodel_spec.conformance.validate",
)


@lru_cache(maxsize=1)
def installed_versions() -> dict[str, str]:
    """``{canonical distribution name: version}`` of everything installed (first one wins)."""
    from packaging.utils import canonicalize_name

    versions: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(canonicalize_name(name), dist.version)
    return versions


def snapshot_version(distribution: str) -> str | None:
    """The installed version of ``distribution`` from the snapshot (None: not installed)."""
    from packaging.utils import canonicalize_name

    return installed_versions().get(canonicalize_name(distribution))


def _safe_load(stream: Any) -> Any:
    return yaml.load(stream, Loader=SAFE_LOADER)


def single_threaded() -> None:
    """Default library thread pools to one thread (before numpy or LightGBM is imported)."""
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


def warm() -> None:
    for module in HOT_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    installed_versions()
    import mlmodel_spec.environment

    mlmodel_spec.environment.installed_version = snapshot_version
    yaml.safe_load = _safe_load
