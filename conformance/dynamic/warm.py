"""What the fork server computes once so that no model's child pays for it: the modules the
checks import lazily, and a snapshot of the installed distributions' versions."""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
from functools import lru_cache

import yaml

#: libyaml's safe loader where PyYAML has it (10x faster), else the pure-Python one
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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


def warm() -> None:
    for module in HOT_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    installed_versions()
