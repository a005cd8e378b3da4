"""Checks against the environment: environment-satisfied, mlflow-loads, mlflow-predicts-equal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import catalogue as ids
from .base import Issue, implements
from .compare import TOLERANCE_NOTE, difference
from .session import Failure, Session

REQUIREMENTS = "requirements.txt"
PYTHON_ENV = "python_env.yaml"
#: distributions whose pins do not concern the model's behaviour here
NOT_CHECKED = frozenset({"mlflow", "mlflow-skinny", "mlmodel-spec"})


def _by_how_much(pinned: str, installed: str) -> str:
    from packaging.version import InvalidVersion, Version

    try:
        a, b = Version(pinned).release, Version(installed).release
    except InvalidVersion:
        return "differs"
    for index, part in enumerate(("major", "minor", "patch")):
        if (*a, 0, 0, 0)[index] != (*b, 0, 0, 0)[index]:
            return f"{part} version differs"
    return "differs"


def requirement_problems(lines: list[str]) -> Iterator[str]:
    """Each requirement line the running environment does not satisfy, and by how much."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    from .warm import installed_versions

    for line in lines:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue  # URLs, paths, options: not checkable against versions
        if canonicalize_name(req.name) in NOT_CHECKED:
            continue
        if req.marker is not None and not req.marker.evaluate():
            continue
        version = installed_versions().get(canonicalize_name(req.name))
        if version is None:
            yield f"{line}: {req.name} is not installed"
        elif req.specifier and not req.specifier.contains(version, prereleases=True):
            pins = [s.version for s in req.specifier if s.operator in ("==", "===", "~=")]
            how = _by_how_much(pins[0], version) if pins else "outside the range"
            yield f"{line}: {version} installed ({how})"


def _python_pin(session: Session) -> str | None:
    from .warm import load_yaml

    path = session.directory / PYTHON_ENV
    if path.is_file():
        env = load_yaml(path.read_text(encoding="utf-8"))
        if isinstance(env, dict) and env.get("python"):
            return str(env["python"])
    conf = session.meta.flavors.get("python_function") or {}
    return str(conf["python_version"]) if conf.get("python_version") else None


@implements(ids.ENVIRONMENT_SATISFIED)
def environment_satisfied(session: Session) -> Iterator[Issue]:
    """requirements.txt pins and the Python of python_env.yaml against this interpreter."""
    from mlmodel_spec.environment import parse_requirements, python_version

    pinned = _python_pin(session)
    running = python_version()
    if pinned and pinned.split(".")[:2] != running.split(".")[:2]:
        yield Issue(
            f"Python {pinned} pinned, {running} running (minor version differs)", file=PYTHON_ENV
        )
    path = session.directory / REQUIREMENTS
    if path.is_file():
        lines, _ = parse_requirements(path)
        for problem in requirement_problems(lines):
            yield Issue(problem, file=REQUIREMENTS)


def _mlflow_model(session: Session) -> Any:
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(str(session.directory))


@implements(ids.MLFLOW_LOADS)
def mlflow_loads(session: Session) -> Iterator[Issue]:
    """Real MLflow's ``mlflow.pyfunc.load_model`` loads the directory."""
    loaded = session.attempt("mlflow-model", lambda: _mlflow_model(session))
    if isinstance(loaded, Failure):
        yield Issue(f"mlflow.pyfunc.load_model failed: {loaded.summary}")


@implements(ids.MLFLOW_PREDICTS_EQUAL)
def mlflow_predicts_equal(session: Session) -> Iterator[Issue]:
    """MLflow's prediction on the input example equals ours (float tolerance)."""
    ours = session.prediction()
    model = session.require("mlflow-model", lambda: _mlflow_model(session), "mlflow-loads")
    data, params = session.example()
    theirs = session.attempt("mlflow-prediction", lambda: model.predict(data, params=params))
    if isinstance(theirs, Failure):
        yield Issue(f"MLflow's predict on the input example failed: {theirs.summary}")
    elif found := difference(theirs, ours):
        yield Issue(f"MLflow and mlmodel-spec predict differently ({TOLERANCE_NOTE}): {found}")
