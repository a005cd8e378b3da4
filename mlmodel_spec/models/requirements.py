"""The requirement files of a local model directory: read, update and infer them.

Mirrors ``mlflow.models.update_model_requirements``, ``get_model_requirements_files`` and
``infer_pip_requirements``. MLflow also resolves ``runs:/`` and ``models:/`` URIs and uploads
the result back through a tracking server; here the model is a local directory, updated in
place (each file replaced atomically).
"""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from packaging.requirements import InvalidRequirement, Requirement

from mlmodel_spec import environment
from mlmodel_spec.types.errors import MlmodelSpecError, MlmodelSpecWarning

DEFAULT_INFERENCE_TIMEOUT = 120  # seconds, MLflow's MLFLOW_REQUIREMENTS_INFERENCE_TIMEOUT


class Files(NamedTuple):
    requirements: Path
    conda: Path


def _local_directory(model_uri: str | Path) -> Path:
    from mlmodel_spec._flavor import model_directory

    directory = model_directory(model_uri)
    if not directory.is_dir():
        raise MlmodelSpecError(f"Model directory {directory} does not exist (local paths only)")
    return directory


def get_model_requirements_files(resolved_uri: str | Path) -> Files:
    """``requirements.txt`` and ``conda.yaml`` of a local model directory (both must exist)."""
    directory = _local_directory(resolved_uri)
    files = Files(
        directory / environment.REQUIREMENTS_FILE_NAME,
        directory / environment.CONDA_ENV_FILE_NAME,
    )
    for path in files:
        if not path.is_file():
            raise MlmodelSpecError(f"The model has no {path.name} ({path})")
    return files


def _pip_section(conda_env: Any) -> list[Any]:
    deps = conda_env.get("dependencies") if isinstance(conda_env, dict) else None
    for dep in deps or []:
        if isinstance(dep, dict) and isinstance(dep.get("pip"), list):
            return list(dep["pip"])
    return []


def _read_requirements(path: Path) -> list[Requirement]:
    text = path.read_text(encoding="utf-8")
    if path.name == environment.CONDA_ENV_FILE_NAME:
        lines = [str(x) for x in _pip_section(yaml.safe_load(text))]
    else:
        lines = text.splitlines()
    try:
        return [Requirement(line) for line in lines if line.strip()]
    except InvalidRequirement as exc:
        raise MlmodelSpecError(f"{path} has a requirement pip cannot parse: {exc}") from None


def _replace_atomically(path: Path, text: str) -> None:
    from mlmodel_spec._flavor_atomic import replace_file

    replace_file(path, text)


def _write_requirements(path: Path, requirements: list[str]) -> None:
    if path.name != environment.CONDA_ENV_FILE_NAME:
        _replace_atomically(path, "\n".join(requirements))
        return
    conda_env = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    deps = [d for d in conda_env.get("dependencies") or [] if not isinstance(d, dict)]
    conda_env["dependencies"] = [*deps, {"pip": requirements}]
    _replace_atomically(path, yaml.safe_dump(conda_env, default_flow_style=False))


def _merge(old: list[Requirement], new: list[Requirement], operation: str) -> list[str]:
    merged = {req.name: str(req) for req in old}
    for req in new:
        if operation == "add":
            merged[req.name] = str(req)
        elif merged.pop(req.name, None) is None:
            warnings.warn(
                f'"{req.name}" not found in requirements, ignoring',
                MlmodelSpecWarning,
                stacklevel=3,
            )
    return list(merged.values())


def update_model_requirements(
    model_uri: str | Path, operation: str, requirement_list: list[str]
) -> None:
    """Add (or overwrite by name) or remove requirements in ``requirements.txt`` and the pip
    section of ``conda.yaml`` of a local model directory."""
    if operation not in ("add", "remove"):
        raise MlmodelSpecError(f'operation must be "add" or "remove", got {operation!r}')
    if not isinstance(requirement_list, list) or not all(
        isinstance(r, str) for r in requirement_list
    ):
        raise MlmodelSpecError("requirement_list must be a list of requirement strings")
    invalid: dict[str, str] = {}
    parsed = []
    for line in requirement_list:
        try:
            parsed.append(Requirement(line.strip().lower()))
        except InvalidRequirement as exc:
            invalid[line] = str(exc)
    if invalid:
        raise MlmodelSpecError(f"Found invalid requirements: {invalid}")
    files = get_model_requirements_files(model_uri)
    updated = {path: _merge(_read_requirements(path), parsed, operation) for path in files}
    for path, requirements in updated.items():
        _write_requirements(path, requirements)


_PROBE = """
import json, sys
import mlmodel_spec.pyfunc
before = set(sys.modules)
mlmodel_spec.pyfunc.load_model(sys.argv[1], suppress_warnings=True)
print(json.dumps(sorted({m.split('.')[0] for m in set(sys.modules) - before})))
"""


def _imported_top_level_modules(directory: Path, timeout: float, env: dict[str, str]) -> list[str]:
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE, str(directory)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise MlmodelSpecError(f"Loading the model took longer than {timeout} s") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise MlmodelSpecError(f"Loading the model to infer its requirements failed: {last}")
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def infer_pip_requirements(  # noqa: PLR0917 - mirrors MLflow's signature
    model_uri: str | Path,
    flavor: str,
    fallback: list[str] | None = None,
    timeout: float | None = None,
    extra_env_vars: dict[str, str] | None = None,
    uv_project_dir: str | Path | None = None,
    uv_groups: list[str] | None = None,
    uv_extras: list[str] | None = None,
) -> list[str]:
    """Pinned requirements of the packages loading the model imports, found by loading it
    in a subprocess (``flavor`` is accepted for MLflow compatibility; the model loads
    through its ``python_function`` flavor). **Executes model code**: trusted models only.

    On failure, returns ``fallback`` with a warning, or raises when no fallback is given.
    """
    if uv_project_dir is not None or uv_groups or uv_extras:
        raise MlmodelSpecError("uv project export is not supported: pass pip requirements")

    directory = _local_directory(model_uri)
    env = {**os.environ, **(extra_env_vars or {})}
    try:
        modules = _imported_top_level_modules(directory, timeout or DEFAULT_INFERENCE_TIMEOUT, env)
    except MlmodelSpecError as exc:
        if fallback is None:
            raise
        warnings.warn(
            f"Could not infer the requirements of the {flavor} model ({exc}); using {fallback}",
            MlmodelSpecWarning,
            stacklevel=2,
        )
        return list(fallback)
    owners = _module_owners()
    distributions = {
        dist
        for module in modules
        if module not in sys.stdlib_module_names
        for dist in owners.get(module, [])
    }
    skip = {"mlmodel-spec", "mlmodel_spec", "mlflow", "mlflow-skinny"}
    kept = _prune_dependencies({d for d in distributions if d.lower() not in skip})
    return sorted(environment.pinned_requirement(d) for d in kept)


def _module_owners() -> dict[str, list[str]]:
    """Top-level module -> the distributions that install it. Python 3.10's
    ``packages_distributions`` reads only ``top_level.txt``, which wheels built with meson
    (numpy, scipy, scikit-learn) lack; there the names come from each distribution's files,
    as 3.11 and later infer them."""
    import importlib.metadata

    owners = {k: list(v) for k, v in importlib.metadata.packages_distributions().items()}
    if sys.version_info >= (3, 11):
        return owners
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        for file in dist.files or ():
            parts = file.parts
            if not name or not parts or parts[0] == ".." or parts[0].endswith("-info"):
                continue
            top = parts[0] if len(parts) > 1 else inspect.getmodulename(parts[0])
            if top and top != "__pycache__" and name not in owners.setdefault(top, []):
                owners[top].append(name)
    return owners


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _prune_dependencies(distributions: set[str]) -> set[str]:
    """Drop distributions another one in the set requires (as MLflow prunes them)."""
    import importlib.metadata

    required: set[str] = set()
    for dist in distributions:
        for line in importlib.metadata.requires(dist) or []:
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate({"extra": ""}):
                required.add(_canonical(req.name))
    return {d for d in distributions if _canonical(d) not in required}
