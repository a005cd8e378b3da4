"""``python_function.loader_module``: a module name, and one that fits the flavors.

MLflow imports ``loader_module`` with ``importlib.import_module`` and calls its
``_load_pyfunc``; we only read the name, never import it. MLflow's own flavor modules
``mlflow.<name>`` read their ``<name>`` flavor block; the custom-model loaders
(``mlflow.pyfunc.model`` and ``mlflow.pyfunc.loaders.*``) read ``python_model`` or
``model_code_path`` from the python_function block.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..registry import Problem, check, define_rule

LOADER_MODULE_INVALID = define_rule(
    "loader-module-invalid",
    Severity.ERROR,
    "loader_module is not a dotted Python module name",
    "Write the module as Python imports it, e.g. `mlflow.sklearn` or `my_package.loader` "
    "(no slashes, no `.py`).",
)
LOADER_MODULE_FLAVOR_MISMATCH = define_rule(
    "loader-module-flavor-mismatch",
    Severity.ERROR,
    "loader_module is an MLflow flavor module but the model has no block for that flavor",
    "MLflow's `mlflow.<flavor>` loader reads the `<flavor>` block of MLmodel: add it or use "
    "the loader of the flavor the model has.",
    severities=(
        (
            Severity.WARNING,
            "the loader is mlflow.sklearn and the file it reads is a pickle: MLflow 2.x and 3.x "
            "unpickle it without the block, but mlflow.sklearn.load_model cannot load the model",
        ),
    ),
)
PYTHON_MODEL_MISSING = define_rule(
    "python-model-missing",
    Severity.ERROR,
    "A custom pyfunc model names neither python_model nor model_code_path",
    "`mlflow.pyfunc.save_model` writes `python_model: python_model.pkl` (a pickled "
    "PythonModel) or `model_code_path` (models from code); MLflow cannot load the model "
    "without one of them.",
)
NO_PYFUNC_FLAVOR = define_rule(
    "no-pyfunc-flavor",
    Severity.INFO,
    "The model has no python_function flavor: only its own flavor's load_model can load it",
    "That is normal for some flavors; `mlflow.pyfunc.load_model` and `mlflow models serve` "
    "need a python_function block.",
)

PYFUNC = "python_function"
POINTER = join_pointer("/flavors", PYFUNC, "loader_module")
#: loaders that read a PythonModel from python_model / model_code_path
_CUSTOM_MODEL_LOADERS = frozenset({"mlflow.pyfunc.model"})
_CUSTOM_MODEL_LOADER_PACKAGE = "mlflow.pyfunc.loaders."


def module_name_problem(name: str) -> str | None:
    """Why ``name`` is not something ``importlib.import_module`` can import, or ``None``."""
    if not name:
        return "is empty"
    if name != name.strip():
        return "has leading or trailing white space"
    if "/" in name or "\\" in name:
        return "is a file path; Python modules are named with dots"
    if name.endswith((".py", ".pyc")):
        return "ends with a file extension; name the module without it"
    if name.startswith("."):
        return "is a relative module name; MLflow imports it without a package"
    for part in name.split("."):
        if not part:
            return "has an empty component (two dots in a row, or a trailing dot)"
        if not part.isidentifier():
            return f"has the component {part!r}, which is not a Python identifier"
    return None


def is_custom_model_loader(name: str) -> bool:
    return name in _CUSTOM_MODEL_LOADERS or name.startswith(_CUSTOM_MODEL_LOADER_PACKAGE)


def _flavor_problem(ctx: ModelContext, name: str) -> Problem | None:
    parts = name.split(".")
    if parts[0] != "mlflow" or len(parts) != 2:
        return None  # third-party loaders, and MLflow helpers such as mlflow.prompt.*
    flavor = parts[1]
    if flavor == "pyfunc":
        return Problem(
            LOADER_MODULE_FLAVOR_MISMATCH,
            POINTER,
            "loader_module 'mlflow.pyfunc' has no _load_pyfunc; custom Python models use "
            "'mlflow.pyfunc.model'",
        )
    if flavor in ctx.flavors:
        return None
    message = (
        f"loader_module {name!r} reads the {flavor!r} flavor block, but the model's flavors "
        f"are {sorted(ctx.flavors)}"
    )
    if flavor == "sklearn" and _pyfunc_file_is_pickle(ctx):
        return Problem(
            LOADER_MODULE_FLAVOR_MISMATCH,
            POINTER,
            message + "; MLflow's pyfunc loader unpickles the file without it (the "
            "serialization format is assumed to be pickle), mlflow.sklearn.load_model fails",
            severity=Severity.WARNING,
        )
    return Problem(LOADER_MODULE_FLAVOR_MISMATCH, POINTER, message)


def _pyfunc_file_is_pickle(ctx: ModelContext) -> bool:
    """Whether the file ``mlflow.sklearn._load_pyfunc`` reads without a sklearn block is a
    pickle (protocol 2 or later): python_function's ``data`` if given, else its
    ``model_path``. Only the first byte is read; nothing is unpickled."""
    pyfunc = ctx.pyfunc or {}
    if ctx.options.metadata_only:
        return False
    real = ctx.existing_file(pyfunc["data"] if "data" in pyfunc else pyfunc.get("model_path"))
    if real is None:
        return False
    try:
        with open(real, "rb") as payload:
            return payload.read(1) == b"\x80"
    except OSError:
        return False


@check(LOADER_MODULE_INVALID, LOADER_MODULE_FLAVOR_MISMATCH, PYTHON_MODEL_MISSING)
def loader_module_fits(ctx: ModelContext) -> Iterator[Problem]:
    pyfunc = ctx.pyfunc
    if pyfunc is None:
        return
    name = pyfunc.get("loader_module")
    if not isinstance(name, str):
        return  # missing or not a string: the schema check reports it
    reason = module_name_problem(name)
    if reason is not None:
        yield Problem(LOADER_MODULE_INVALID, POINTER, f"loader_module {name!r} {reason}")
        return
    problem = _flavor_problem(ctx, name)
    if problem is not None:
        yield problem
    if is_custom_model_loader(name) and not (
        pyfunc.get("python_model") or pyfunc.get("model_code_path")
    ):
        yield Problem(
            PYTHON_MODEL_MISSING,
            POINTER,
            f"loader_module {name!r} loads a custom Python model, but the python_function "
            "block has neither python_model nor model_code_path",
        )


@check(NO_PYFUNC_FLAVOR)
def has_pyfunc_flavor(ctx: ModelContext) -> Iterator[Problem]:
    flavors = ctx.data.get("flavors")
    if not isinstance(flavors, dict) or not flavors or PYFUNC in flavors:
        return
    names = ", ".join(repr(str(name)) for name in flavors)
    yield Problem(
        NO_PYFUNC_FLAVOR,
        "/flavors",
        f"no python_function flavor: mlflow.pyfunc.load_model cannot load this model, only "
        f"the load_model of its flavor ({names}) can",
        at_key=True,
    )
