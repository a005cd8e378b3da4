"""``spec/matrix/matrix.yaml``: the matrix environments, checked against their schema.

An environment's name is computed from its pins (``py311-sk16-lgb45``, ``-mlflow222`` for
an MLflow environment), so the name never disagrees with what it installs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).resolve().parent.parent.parent / "spec" / "matrix"
MATRIX_FILE = SPEC_DIR / "matrix.yaml"
SCHEMA_FILE = SPEC_DIR / "matrix.schema.json"


class MatrixSpecError(ValueError):
    """matrix.yaml is malformed (one line saying where)."""


def _minor_factor(version: str) -> str:
    major, minor = version.split(".")[:2]
    return f"{major}{minor}"


@dataclass(frozen=True)
class Environment:
    python: str  # "3.11"
    packages: tuple[tuple[str, str], ...]  # (distribution, exact version), sorted
    mlflow: str | None = None
    slice: bool = False

    @property
    def name(self) -> str:
        pins = dict(self.packages)
        sk = pins["scikit-learn"].split(".")[1]
        name = f"py{_minor_factor(self.python)}-sk1{sk}-lgb{_minor_factor(pins['lightgbm'])}"
        if self.mlflow:
            name += f"-mlflow{_minor_factor(self.mlflow)}"
        return name

    def requirements(self, mlflow_package: str) -> list[str]:
        """The pins this environment installs (besides mlmodel-spec itself)."""
        reqs = [f"{dist}=={version}" for dist, version in self.packages]
        if self.mlflow:
            reqs.append(f"{mlflow_package}=={self.mlflow}")
        return sorted(reqs)


@dataclass(frozen=True)
class MatrixSpec:
    environments: tuple[Environment, ...]
    axes: dict[str, tuple[str, ...]]
    mlflow_package: str

    def by_name(self) -> dict[str, Environment]:
        return {env.name: env for env in self.environments}

    def select(self, names: list[str] | None, *, slice_only: bool = False) -> list[Environment]:
        """The environments named (all when ``names`` is empty); unknown names raise."""
        known = self.by_name()
        if names:
            unknown = [n for n in names if n not in known]
            if unknown:
                raise MatrixSpecError(
                    f"unknown environment(s) {', '.join(unknown)}; known: {', '.join(known)}"
                )
            return [known[n] for n in names]
        return [e for e in self.environments if e.slice or not slice_only]


def parse(data: Any, source: str = str(MATRIX_FILE)) -> MatrixSpec:
    """Check ``data`` (matrix.yaml parsed) against the schema and the cross-field rules."""
    import jsonschema

    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    errors = sorted(
        jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path)
    )
    if errors:
        first = errors[0]
        where = "/" + "/".join(str(p) for p in first.absolute_path)
        raise MatrixSpecError(f"{source}: {where}: {first.message}")
    envs = tuple(
        Environment(
            python=raw["python"],
            packages=tuple(sorted((str(k), str(v)) for k, v in raw["packages"].items())),
            mlflow=raw.get("mlflow"),
            slice=bool(raw.get("slice", False)),
        )
        for raw in data["environments"]
    )
    axes = {name: tuple(values) for name, values in data["axes"].items()}
    seen: set[str] = set()
    for index, env in enumerate(envs):
        if env.name in seen:
            raise MatrixSpecError(f"{source}: /environments/{index}: duplicate name {env.name}")
        seen.add(env.name)
        pins = dict(env.packages)
        for axis, value in (("python", env.python), ("mlflow", env.mlflow), *pins.items()):
            if value is None or axis not in axes:
                continue
            minor = ".".join(value.split(".")[:2])
            if minor not in axes[axis]:
                raise MatrixSpecError(
                    f"{source}: /environments/{index}: {axis} {value} is not on the {axis} axis"
                )
    return MatrixSpec(envs, axes, data["mlflow_package"])


def load(path: Path = MATRIX_FILE) -> MatrixSpec:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MatrixSpecError(f"{path}: cannot read: {exc}") from None
    return parse(data, str(path))
