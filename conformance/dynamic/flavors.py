"""The flavors our runtime loads and saves natively, found through their FLAVOR tables.

A model has the ``native-loader`` capability when one of its flavors is in this table; the
checks then use the module's ``load_model`` / ``save_model`` without naming the flavor.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType
from typing import Any

FLAVOR_MODULES = ("mlmodel_spec.sklearn", "mlmodel_spec.lightgbm")
#: distribution name -> import name, where they differ
IMPORT_NAMES = {"scikit-learn": "sklearn"}


def native_flavor(flavors: dict[str, Any]) -> tuple[str, ModuleType] | None:
    """(flavor name, runtime module) for the first flavor of ``flavors`` we load natively:
    a built-in, or a module ``mlmodel-spec codegen`` compiled that the model names as its
    ``python_function.loader_module`` (this imports that module: call it in a check worker)."""
    for module_name in FLAVOR_MODULES:
        module = importlib.import_module(module_name)
        if module.FLAVOR.name in flavors:
            return module.FLAVOR.name, module
    candidate = compiled_flavor_candidate(flavors)
    if candidate is None:
        return None
    try:
        module = importlib.import_module(candidate)
    except ImportError:
        return None
    definition = getattr(module, "FLAVOR", None)
    name = getattr(definition, "name", None)
    compiled = callable(getattr(module, "load_model", None)) and callable(
        getattr(module, "save_model", None)
    )
    return (name, module) if compiled and name in flavors else None


def compiled_flavor_candidate(flavors: dict[str, Any]) -> str | None:
    """The loader module that may be a compiled flavor module, found without importing it.

    A compiled module is ``<package>.<flavor>`` and its models name it as their
    ``python_function.loader_module`` beside a ``<flavor>`` block; MLflow's and our own
    modules are never one (the built-ins are in :data:`FLAVOR_MODULES`).
    """
    pyfunc = flavors.get("python_function")
    loader = pyfunc.get("loader_module") if isinstance(pyfunc, dict) else None
    if not isinstance(loader, str) or not all(p.isidentifier() for p in loader.split(".")):
        return None
    top, _, _ = loader.partition(".")
    flavor = loader.rpartition(".")[2]
    if top in {"mlflow", "mlmodel_spec"} or flavor == "python_function" or flavor not in flavors:
        return None
    try:
        found = importlib.util.find_spec(top)  # a top-level name: found without running it
    except (ImportError, ValueError):
        return None
    return loader if found is not None else None


def may_load_natively(flavors: dict[str, Any]) -> bool:
    """Whether :func:`native_flavor` may find a module, decided without importing a module
    the model names (the parent process of the checks never runs model code)."""
    for module_name in FLAVOR_MODULES:
        if importlib.import_module(module_name).FLAVOR.name in flavors:
            return True
    return compiled_flavor_candidate(flavors) is not None


def library_import_name(module: ModuleType) -> str:
    """The library's import name: a compiled module's spec states it (``library.import``)."""
    stated = getattr(module.FLAVOR, "library_import", None)
    if isinstance(stated, str) and stated:
        return stated.partition(".")[0]
    library: str = module.FLAVOR.library
    return IMPORT_NAMES.get(library, library.replace("-", "_"))


def is_library_object(obj: object, module: ModuleType) -> bool:
    """Whether ``obj`` is (a subclass of) a class of the flavor's library."""
    package = library_import_name(module)
    return any(cls.__module__.split(".")[0] == package for cls in type(obj).__mro__)
