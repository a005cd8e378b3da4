"""Which files of a model directory a loader would deserialise, and in which context.

Flavor keys first (sklearn ``pickled_model`` with its ``serialization_format``, lightgbm
``data``), then the ``python_function`` block (``python_model`` and ``artifacts`` of a custom
model, ``model_path``), then every other string of a flavor block that names a regular file
(sniffed: only pickles and skops archives are scanned). ``code/`` is listed, not scanned.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from ..context import ModelContext
from ..findings import join_pointer
from ..model_files import relative_inside
from ..records import record
from .allowlists import CUSTOM_MODEL

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

PYFUNC = "python_function"
MAX_CODE_FILES = 200
_PAYLOAD_KEYS = frozenset({"pickled_model", "data", "model_path", "python_model"})
#: keys naming environment files and other text MLflow reads as text, never deserialises
_NOT_PAYLOADS = frozenset({"env", "conda", "virtualenv", "python_env", "requirements"})
_NOT_PAYLOADS |= frozenset({"loader_module", "python_version", "code", "model_code_path"})


@record(frozen=True)
class Target:
    rel: str  # as MLmodel names it
    pointer: str  # the MLmodel key naming it
    context: str  # a flavor name or ``custom-model``
    skops: bool = False  # the flavor says skops


def _is_custom(pyfunc: dict[Any, Any]) -> bool:
    """``mlflow.pyfunc.model`` and ``mlflow.pyfunc.loaders.*`` load a cloudpickled
    PythonModel (as ``rules/loader_module.py`` says; not imported, to keep rules acyclic)."""
    loader = pyfunc.get("loader_module")
    return isinstance(loader, str) and (
        loader == "mlflow.pyfunc.model" or loader.startswith("mlflow.pyfunc.loaders.")
    )


def _flavor_targets(name: str, block: dict[Any, Any]) -> Iterator[Target]:
    fmt = block.get("serialization_format")
    skops = fmt == "skops"
    for key, value in block.items():
        if (
            isinstance(key, str)
            and key not in _NOT_PAYLOADS
            and isinstance(value, str)
            and value
            and (key in _PAYLOAD_KEYS or "." in value or "/" in value)
        ):
            yield Target(value, join_pointer("/flavors", name, key), name, skops)


def payload_targets(ctx: ModelContext) -> list[Target]:
    seen: dict[str, Target] = {}

    def add(target: Target) -> None:
        path = ctx.existing_file(target.rel)
        if path is not None:
            real = relative_inside(ctx.root_real, path)
            seen.setdefault(real, Target(real, target.pointer, target.context, target.skops))

    for name, block in ctx.flavors.items():
        if name != PYFUNC:
            for target in _flavor_targets(name, block):
                add(target)
    pyfunc = ctx.pyfunc
    if pyfunc is not None:
        custom = _is_custom(pyfunc)
        context = CUSTOM_MODEL if custom else PYFUNC
        model = pyfunc.get("python_model")
        if isinstance(model, str):
            add(Target(model, join_pointer("/flavors", PYFUNC, "python_model"), context))
        artifacts = pyfunc.get("artifacts")
        if isinstance(artifacts, dict):
            for key, spec in artifacts.items():
                path = spec.get("path") if isinstance(spec, dict) else None
                if isinstance(path, str):
                    pointer = join_pointer("/flavors", PYFUNC, "artifacts", str(key), "path")
                    add(Target(path, pointer, context))
        for target in _flavor_targets(PYFUNC, pyfunc):
            add(Target(target.rel, target.pointer, context, target.skops))
    return list(seen.values())


def code_files(ctx: ModelContext) -> list[str]:
    """The Python files under ``code/`` directories MLmodel names (imported at load time)."""
    found: list[str] = []
    for block in ctx.flavors.values():
        code = block.get("code")
        if not isinstance(code, str):
            continue
        resolved = ctx.resolve(code)
        if not resolved.ok or not resolved.is_dir or resolved.path is None:
            continue
        top = resolved.path
        for folder, dirs, names in os.walk(top):
            dirs.sort()
            for file_name in sorted(names):
                if file_name.endswith(".py") and len(found) < MAX_CODE_FILES:
                    found.append(os.path.relpath(os.path.join(folder, file_name), ctx.root_real))
    return sorted(set(found))
