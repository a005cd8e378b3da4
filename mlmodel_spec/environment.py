"""Environment files of a model directory, written as MLflow 3.x writes them, and load-time
checks of the running environment against them.

* ``requirements.txt``: pinned requirements, one per line, no trailing newline.
* ``constraints.txt`` + a ``-c constraints.txt`` line: when user requirements carry ``-c file``.
* ``conda.yaml``: ``name: mlflow-env``, channel ``conda-forge``, python, ``pip<=<version>``,
  and the pip list.
* ``python_env.yaml``: ``python``, ``build_dependencies`` (pinned pip/setuptools/wheel when
  installed), ``dependencies: [-r requirements.txt]``.

Unlike MLflow we do not add an ``mlflow`` requirement: a model written here needs the flavor's
libraries, and MLflow (or mlmodel-spec) is the loader the user brings.
"""

from __future__ import annotations

import importlib.metadata
import platform
import re
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from mlmodel_spec.types.errors import MlmodelSpecError, MlmodelSpecWarning

CONDA_ENV_FILE_NAME = "conda.yaml"
REQUIREMENTS_FILE_NAME = "requirements.txt"
CONSTRAINTS_FILE_NAME = "constraints.txt"
PYTHON_ENV_FILE_NAME = "python_env.yaml"
_BUILD_PACKAGES = ("pip", "setuptools", "wheel")
# Requirements our runtime replaces: never report them as missing when loading.
_LOADER_PACKAGES = {"mlflow", "mlflow-skinny", "mlmodel-spec"}


def python_version() -> str:
    return platform.python_version()


def installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def pinned_requirement(distribution: str) -> str:
    """``name==<installed version>`` with any local version label (``+cpu``) stripped."""
    version = installed_version(distribution)
    if version is None:
        raise MlmodelSpecError(f"Cannot pin {distribution!r}: it is not installed")
    return f"{distribution}=={version.split('+', 1)[0]}"


def pinned_requirements(required: Iterable[str], optional: Iterable[str] = ()) -> list[str]:
    """Sorted pins of ``required`` (must be installed) and of the installed ``optional``."""
    pins = {pinned_requirement(d) for d in required}
    pins |= {pinned_requirement(d) for d in optional if installed_version(d)}
    return sorted(pins)


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise MlmodelSpecError(f"Cannot read requirements file {path}: {exc}") from None


def parse_requirements(
    requirements: str | Path | Iterable[str], base: Path | None = None
) -> tuple[list[str], list[str]]:
    """Split pip requirement lines (or a requirements file) into (requirements, constraints).

    ``-r file`` lines are expanded; ``-c file`` lines contribute their contents as constraints.
    """
    if isinstance(requirements, (str, Path)):
        path = Path(requirements)
        return parse_requirements(_read_lines(path), path.parent)
    if not all(isinstance(r, str) for r in requirements):
        raise MlmodelSpecError("pip requirements must be a file path or a list of strings")
    base = base or Path.cwd()
    reqs: list[str] = []
    cons: list[str] = []
    for raw in requirements:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if match := re.match(r"^(-r|--requirement|-c|--constraint)\s+(.+)$", line):
            sub_reqs, sub_cons = parse_requirements(_read_lines(base / match[2]), base)
            if match[1] in ("-r", "--requirement"):
                reqs += sub_reqs
                cons += sub_cons
            else:
                cons += sub_reqs + sub_cons
            continue
        reqs.append(line)
    return reqs, cons


def _dedupe(lines: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in lines if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


def resolve_requirements(
    default_requirements: list[str],
    pip_requirements: str | Path | Iterable[str] | None = None,
    extra_pip_requirements: str | Path | Iterable[str] | None = None,
    conda_env: str | Path | dict[str, Any] | None = None,
) -> tuple[list[str], list[str], dict[str, Any]]:
    """Return (requirements, constraints, conda env) for a model, as MLflow's save_model does."""
    given = [x is not None for x in (conda_env, pip_requirements, extra_pip_requirements)]
    if sum(given) > 1:
        raise MlmodelSpecError(
            "Only one of `conda_env`, `pip_requirements`, and `extra_pip_requirements` "
            "can be specified"
        )
    if conda_env is not None:
        env = _load_conda_env(conda_env)
        pip_deps: list[Any] = next(
            (d["pip"] for d in env.get("dependencies", []) if isinstance(d, dict) and "pip" in d),
            [],
        )
        reqs, cons = parse_requirements([str(x) for x in pip_deps])
        return _dedupe(reqs), cons, env
    if pip_requirements is not None:
        reqs, cons = parse_requirements(pip_requirements)
    else:
        reqs, cons = list(default_requirements), []
        if extra_pip_requirements is not None:
            extra, cons = parse_requirements(extra_pip_requirements)
            reqs += extra
    reqs = _dedupe(reqs)
    if cons:
        reqs.append(f"-c {CONSTRAINTS_FILE_NAME}")
    return reqs, cons, conda_env_for(reqs)


def _load_conda_env(conda_env: str | Path | dict[str, Any]) -> dict[str, Any]:
    if isinstance(conda_env, dict):
        return conda_env
    try:
        env = yaml.safe_load(Path(conda_env).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MlmodelSpecError(f"Cannot read conda env {conda_env}: {exc}") from None
    if not isinstance(env, dict):
        raise MlmodelSpecError(f"The conda env {conda_env} is not a YAML mapping")
    return env


def conda_env_for(pip_requirements: list[str]) -> dict[str, Any]:
    pip = installed_version("pip")
    return {
        "name": "mlflow-env",
        "channels": ["conda-forge"],
        "dependencies": [
            f"python={python_version()}",
            f"pip<={pip}" if pip else "pip",
            {"pip": list(pip_requirements)},
        ],
    }


def python_env() -> dict[str, Any]:
    build = []
    for package in _BUILD_PACKAGES:
        version = installed_version(package)
        build.append(f"{package}=={version}" if version else package)
    return {
        "python": python_version(),
        "build_dependencies": build,
        "dependencies": [f"-r {REQUIREMENTS_FILE_NAME}"],
    }


def write_env_files(
    directory: Path, requirements: list[str], constraints: list[str], conda_env: dict[str, Any]
) -> None:
    """Write conda.yaml, constraints.txt (if any), requirements.txt and python_env.yaml."""
    (directory / CONDA_ENV_FILE_NAME).write_text(
        yaml.safe_dump(conda_env, default_flow_style=False), encoding="utf-8"
    )
    if constraints:
        (directory / CONSTRAINTS_FILE_NAME).write_text("\n".join(constraints), encoding="utf-8")
    (directory / REQUIREMENTS_FILE_NAME).write_text("\n".join(requirements), encoding="utf-8")
    (directory / PYTHON_ENV_FILE_NAME).write_text(
        yaml.safe_dump(python_env(), sort_keys=False, default_flow_style=False), encoding="utf-8"
    )


def requirement_mismatches(requirements: Iterable[str]) -> list[str]:
    """Requirements the running environment does not satisfy (ours and mlflow excluded)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    problems = []
    for line in requirements:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue  # -c lines, URLs, paths: not checkable
        if req.marker is not None and not req.marker.evaluate():
            continue
        if canonicalize_name(req.name) in _LOADER_PACKAGES:
            continue
        version = installed_version(req.name)
        if version is None or (req.specifier and not req.specifier.contains(version, True)):
            problems.append(f"{req.name} (current: {version or 'uninstalled'}, required: {line})")
    return problems


def warn_on_environment_mismatch(directory: Path, model_python_version: object) -> None:
    """Warn, as MLflow does, on a Python major.minor or requirements mismatch."""
    current = python_version()
    if model_python_version is None:
        warnings.warn(
            "The python_function flavor has no python_version; the model may not load or work "
            f"in Python {current}.",
            MlmodelSpecWarning,
            stacklevel=3,
        )
    elif str(model_python_version).split(".")[:2] != current.split(".")[:2]:
        warnings.warn(
            f"The model was saved with Python {model_python_version}; the current Python is "
            f"{current}. The model may not load or behave the same.",
            MlmodelSpecWarning,
            stacklevel=3,
        )
    path = directory / REQUIREMENTS_FILE_NAME
    if not path.is_file():
        return
    reqs, _ = parse_requirements(_read_lines(path), directory)
    if mismatches := requirement_mismatches(reqs):
        warnings.warn(
            "Detected one or more mismatches between the model's dependencies and the current "
            "Python environment:\n - " + "\n - ".join(mismatches),
            MlmodelSpecWarning,
            stacklevel=3,
        )
