"""The flavors our runtime loads and saves natively, found through their FLAVOR tables.

A model has the ``native-loader`` capability when one of its flavors is in this table; the
checks then use the module's ``load_model`` / ``save_model`` without naming the flavor.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

FLAVOR_MODULES = ("mlmodel_spec.sklearn", "mlmodel_spec.lightgbm")
#: distribution name -> import name, where they differ
IMPORT_NAMES = {"scikit-learn": "sklearn"}


def native_flavor(flavors: dict[str, Any]) -> tuple[str, ModuleType] | None:
    """(flavor name, runtime module) for the first flavor of ``flavors`` we load natively."""
    for module_name in FLAVOR_MODULES:
        module = importlib.import_module(module_name)
        if module.FLAVOR.name in flavors:
            return module.FLAVOR.name, module
    return None


def library_import_name(module: ModuleType) -> str:
    library: str = module.FLAVOR.library
    return IMPORT_NAMES.get(library, library.replace("-", "_"))


def is_library_object(obj: object, module: ModuleType) -> bool:
    """Whether ``obj`` is (a subclass of) a class of the flavor's library."""
    package = library_import_name(module)
    return any(cls.__module__.split(".")[0] == package for cls in type(obj).__mro__)
