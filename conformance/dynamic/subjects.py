"""What the checks run on, and the one generator of (subject, check) pairs.

A *subject* is a model directory, or a :class:`ModelFactory` that builds (fitted model,
flavor module, sample input) and is saved into a temporary directory first. Capabilities
come from the MLmodel text and the files beside it (read safely; nothing is executed), so
collecting pairs is cheap and safe; only running a check executes model code.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any, Union

from .catalogue import CHECK_SPECS, Capability, CheckSpec
from .flavors import may_load_natively

C = Capability
ENVIRONMENT_FILES = ("requirements.txt", "python_env.yaml")


@dataclass(frozen=True)
class ModelFactory:
    """A subject built in code: ``build()`` returns ``(model, flavor_module, sample_input)``
    or ``(model, flavor_module, sample_input, signature)``.

    ``flavor_module`` is a module with MLflow's ``save_model`` (``mlmodel_spec.sklearn``,
    ``mlmodel_spec.lightgbm``, ``mlmodel_spec.pyfunc`` for a ``PythonModel``, or your own
    flavor). The sample is saved as the input example. Without a signature, only the input
    signature is inferred from the sample: building the subject never calls ``predict``.
    """

    name: str
    build: Callable[[], tuple[Any, ...]]

    def save(self, path: Path) -> Path:
        from mlmodel_spec.models.signature import infer_signature

        built = self.build()
        model, flavor, sample = built[:3]
        signature = built[3] if len(built) > 3 else infer_signature(sample)
        _save(flavor, model, path, signature, sample)
        return path


def _save(flavor: ModuleType, model: Any, path: Path, signature: Any, sample: Any) -> None:
    from mlmodel_spec.pyfunc import PythonModel

    if isinstance(model, PythonModel) or flavor.__name__ == "mlmodel_spec.pyfunc":
        flavor.save_model(path, python_model=model, signature=signature, input_example=sample)
    else:
        flavor.save_model(model, path, signature=signature, input_example=sample)


Subject = Union[str, "os.PathLike[str]", ModelFactory]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A subject ready to check: its display name, directory and capabilities."""

    name: str
    directory: Path
    capabilities: frozenset[Capability]
    unreadable: str | None = None  # why the MLmodel could not be read


@dataclass(frozen=True, slots=True)
class Pair:
    subject: Prepared
    check: CheckSpec
    skip_reason: str | None  # None: the check applies


def read_capabilities(directory: Path) -> tuple[frozenset[Capability], str | None]:
    """The capabilities of the model in ``directory`` (or why its MLmodel cannot be read)."""
    import yaml

    from .warm import SAFE_LOADER

    try:
        text = (directory / "MLmodel").read_text(encoding="utf-8")
        document = yaml.load(text, Loader=SAFE_LOADER)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return (
            frozenset(),
            f"MLmodel cannot be read ({type(exc).__name__}; see the static findings)",
        )
    if not isinstance(document, dict):
        return frozenset(), "MLmodel is not a mapping (see the static findings)"
    found: set[Capability] = set()
    raw_flavors = document.get("flavors")
    flavors: dict[str, Any] = raw_flavors if isinstance(raw_flavors, dict) else {}
    pyfunc = flavors.get("python_function")
    if isinstance(pyfunc, dict):
        found.add(C.PYFUNC_FLAVOR)
        if _runtime_loads(pyfunc.get("loader_module")):
            found.add(C.PYFUNC)
        if pyfunc.get("python_model"):
            found.add(C.PYTHON_MODEL)
    info = document.get("saved_input_example_info")
    if isinstance(info, dict) and info.get("artifact_path"):
        found.add(C.INPUT_EXAMPLE)
    signature = document.get("signature")
    if isinstance(signature, dict):
        if signature.get("inputs"):
            found.add(C.INPUT_SIGNATURE)
        if signature.get("outputs"):
            found.add(C.OUTPUT_SIGNATURE)
    if may_load_natively(flavors):
        found.add(C.NATIVE_LOADER)
    if any((directory / name).is_file() for name in ENVIRONMENT_FILES):
        found.add(C.ENVIRONMENT)
    if mlflow_importable():
        found.add(C.MLFLOW)
    return frozenset(found), None


def _runtime_loads(loader_module: object) -> bool:
    """Whether our runtime runs this loader (MLflow-only loaders such as models-from-code
    are MLflow's to check)."""
    from mlmodel_spec.pyfunc.loaded_model import resolve_loader_module
    from mlmodel_spec.types.errors import ModelFormatError

    try:
        resolve_loader_module(loader_module)
    except ModelFormatError:
        return False
    return True


def mlflow_importable() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def prepare(subject: Subject, workdir: Path | None = None, name: str | None = None) -> Prepared:
    """Resolve a subject to a directory (saving a factory's model into ``workdir``)."""
    if isinstance(subject, ModelFactory):
        if workdir is None:
            raise ValueError("a ModelFactory needs a workdir to be saved into")
        directory = subject.save(workdir / subject.name)
        display = name or subject.name
    else:
        directory = Path(subject)
        if directory.name == "MLmodel" and directory.is_file():
            directory = directory.parent
        display = name or os.fspath(directory)
    capabilities, unreadable = read_capabilities(directory)
    return Prepared(display, directory, capabilities, unreadable)


def selected_checks(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[CheckSpec]:
    chosen, left_out = set(select), set(ignore)
    return [
        spec
        for spec in CHECK_SPECS.values()
        if spec.id not in left_out and (not chosen or spec.id in chosen)
    ]


def iter_pairs(
    subjects: Iterable[Prepared], select: Iterable[str] = (), ignore: Iterable[str] = ()
) -> Iterator[Pair]:
    """Every (subject, check) pair, with the reason when a check does not apply."""
    checks = selected_checks(select, ignore)
    for subject in subjects:
        for spec in checks:
            reason = subject.unreadable or spec.missing(subject.capabilities)
            yield Pair(subject, spec, reason)
