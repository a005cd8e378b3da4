"""Versions that MLmodel records against the versions the environment files pin.

MLflow records the library versions it saw at save time (``sklearn.sklearn_version``,
``lightgbm.lgb_version``, ``python_function.cloudpickle_version``, ``python_version``,
``mlflow_version``) and pins the same libraries in ``requirements.txt``, ``conda.yaml`` and
``python_env.yaml``. When they disagree, the restored environment is not the one the model
was saved with. MLflow itself only warns at load time (about Python and cloudpickle), so
every rule here is a warning. Only exact pins are compared: ``==X`` (also ``==X.*``),
``===X``, and conda's ``=X``/``==X``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import _generated_flavors
from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..pep508 import Requirement
from ..registry import Problem, check, define_rule
from ..version_keys import satisfies_pin, version_key
from .environment import CONDA_NAME_CHARS, MAX_SPEC_CHARS, conda_package, is_channel, is_plain_spec
from .requirements import (
    CONDA_FILE,
    Source,
    conda_file_name,
    python_env_file_name,
    requirement_sets,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

FLAVOR_VERSION_MISMATCH = define_rule(
    "flavor-version-mismatch",
    Severity.WARNING,
    "A library version recorded in a flavor differs from the version the environment pins",
    "Re-save the model from the environment it runs in, or correct the pin.",
)
PYTHON_VERSION_MISMATCH = define_rule(
    "python-version-mismatch",
    Severity.WARNING,
    "python_function.python_version differs from the Python of python_env.yaml or conda.yaml",
    "Make python_env.yaml `python:` and conda.yaml `python=` name the model's python_version.",
)
MLFLOW_VERSION_MISMATCH = define_rule(
    "mlflow-version-mismatch",
    Severity.WARNING,
    "mlflow_version differs from the exact mlflow pin of the environment",
    "Pin `mlflow==<mlflow_version>`, or re-save the model with the MLflow it pins.",
)
ENV_PINS_DISAGREE = define_rule(
    "env-pins-disagree",
    Severity.WARNING,
    "conda.yaml and requirements.txt (or python_env.yaml) pin a package to different versions",
    "MLflow writes the same pip list to both; edit both files together.",
)

#: flavor -> (key recording the library version, pip distribution names of that library),
#: compiled from spec/flavors/*.yaml (`library.version_key`)
FLAVOR_VERSIONS = _generated_flavors.FLAVOR_VERSIONS
#: a conda spec with one version constraint; a string, compiled (and cached by ``re``) on
#: first use: the specs conda and MLflow write are read by ``_plain_conda_version_spec``
_CONDA_SPEC = (
    r"\s*(?:[^:\s]+::)?[A-Za-z0-9_.-]+\s*(?P<op>==|=|<=|>=|<|>|\s)\s*"
    r"(?P<version>[0-9][^\s=,|<>!*]*?)(?P<star>\.?\*)?(?:(?:=|\s+)\S+)?\s*"
)
_CONDA_OPERATORS = ("==", "=", "<=", ">=", "<", ">")  # _CONDA_SPEC's order (then a blank)
_DIGITS = frozenset("0123456789")


# -- where the pins are ------------------------------------------------------------------------


def _where(ctx: ModelContext, source: Source) -> str:
    if source.line is not None:
        return f"{source.file} line {source.line}"
    doc = ctx.documents.get(source.file)
    line = doc.locate(source.pointer)[0] if doc is not None else None
    return f"{source.file} line {line}" if line else source.file


def _pip_pins(ctx: ModelContext, names: tuple[str, ...]) -> Iterator[tuple[Source, Requirement]]:
    """Pip pins (``==``, ``===``) of any of ``names`` (canonical), over all install sets."""
    pinned = requirement_sets(ctx).pinned()
    for name in names:
        for pin in pinned.get(name, ()):
            yield pin.source, pin.requirement


def _conda_deps(ctx: ModelContext) -> tuple[str | None, list[Any]]:
    rel = conda_file_name(ctx)
    doc = ctx.read_yaml(rel) if rel is not None else None
    if doc is None or not doc.usable or not isinstance(doc.data, dict):
        return rel, []
    deps = doc.data.get("dependencies")
    return rel, deps if isinstance(deps, list) else []


def _is_build_then_blanks(text: str) -> bool:
    """``(?:(?:=|\\s+)\\S+)?\\s*``: an optional ``=build`` or `` build``, then blanks."""
    if text.startswith("="):
        build = text[1:].rstrip(" \t")
    elif text.startswith((" ", "\t")):
        build = text.strip(" \t")
        if not build:
            return True
    else:
        return not text
    return build != "" and " " not in build and "\t" not in build


def _plain_conda_version_spec(spec: str) -> tuple[str, str, bool] | None:
    """``(op, version, star)`` as _CONDA_SPEC reads a plain ``[channel::]name<op>X.Y[.*]
    [=build]`` whose version is digits and dots; None for other specs (ask the regex)."""
    body = spec.lstrip(" \t")
    channel, colons, rest = body.partition("::")
    if colons:  # (?:[^:\s]+::)?, tried first; without '::' only the branch without it is left
        if not is_channel(channel):
            return None
        body = rest
    # [A-Za-z0-9_.-]+\s*(?P<op>==|=|<=|>=|<|>|\s)\s*: the name is the whole run of name
    # characters, the operator the first of _CONDA_OPERATORS after blanks, or else a blank
    # (without one, no digit can follow: digits are name characters)
    after_name = body.lstrip(CONDA_NAME_CHARS)
    if after_name == body:
        return None
    text = after_name.lstrip(" \t")
    op = next((o for o in _CONDA_OPERATORS if text.startswith(o)), "")
    text = text[len(op) :].lstrip(" \t")
    # (?P<version>[0-9][^\s=,|<>!*]*?)(?P<star>\.?\*)?: a lazy version stops before a '.*'
    version = text[: len(text) - len(text.lstrip("0123456789."))]
    rest = text[len(version) :]
    star = rest.startswith("*")
    if version[:1] not in _DIGITS or not _is_build_then_blanks(rest[star:]):
        return None
    return op, version.rstrip("."), star


def conda_version_spec(spec: str) -> tuple[str, str] | None:
    """``(operator, version)`` of a conda spec with one version constraint, else ``None``.

    conda's ``=X`` (also ``X`` after a space, and ``X.*``) matches every version starting
    with ``X``; it comes back as ``"="``. A build string (``=3.11.7=h12_0``) is dropped.
    """
    if len(spec) > MAX_SPEC_CHARS:
        return None
    found = _plain_conda_version_spec(spec) if is_plain_spec(spec) else None
    if found is None:
        match = re.fullmatch(_CONDA_SPEC, spec)
        if match is None:
            return None
        op, version = match.group("op").strip(), match.group("version").rstrip(".")
        found = op, version, bool(match.group("star"))
    op, version, star = found
    op = op or "="
    if star:
        op = "=" if op in ("=", "==") else op
    return op, version


def _numbers(text: str) -> tuple[int, ...]:
    """The numbers ``re.findall(r"\\d+", text)`` finds in ``text``."""
    if not text.isascii():
        return tuple(int(p) for p in re.findall(r"\d+", text))
    # in ASCII, \d is [0-9]: runs of other characters separate the numbers
    return tuple(int(p) for p in "".join(c if c in _DIGITS else " " for c in text).split())


def _release_prefix(version: str, prefix: str) -> bool | None:
    have, want = version_key(version), version_key(prefix)
    if have is None or want is None:
        return None
    if want[2:] != (None, None, None, ()):
        return have == want  # a pre/post/dev release is not a prefix
    release = _numbers(prefix.split("+", maxsplit=1)[0])
    full = have[1] + (0,) * max(0, len(release) - len(have[1]))
    return full[: len(release)] == release


def conda_satisfies(version: str, operator: str, pin: str) -> bool | None:
    if operator == "==":
        return satisfies_pin(version, "==", pin)
    return _release_prefix(version, pin)


def _conda_pins(
    ctx: ModelContext, names: tuple[str, ...]
) -> Iterator[tuple[Source, str, str, str]]:
    """(source, spec, operator, version) of conda specs pinning any of ``names``."""
    rel, deps = _conda_deps(ctx)
    if rel is None:
        return
    for index, dep in enumerate(deps):
        if isinstance(dep, str) and conda_package(dep) in names:
            pin = conda_version_spec(dep)
            if pin is not None and pin[0] in ("=", "=="):
                yield Source(rel, None, join_pointer("/dependencies", index)), dep, *pin


# -- checks --------------------------------------------------------------------------------------


def _spec(requirement: Requirement) -> str:
    return requirement.name + requirement.specifier_text()


@check(FLAVOR_VERSION_MISMATCH, needs_files=True)
def flavor_versions_match_pins(ctx: ModelContext) -> Iterator[Problem]:
    versions, runtime = FLAVOR_VERSIONS, ctx.runtime_flavors
    if runtime:  # and those of the flavor specs given with --flavor-spec
        versions = versions | {name: f.version for name, f in runtime.items() if f.version}
    for flavor, block in ctx.flavors.items():
        if flavor not in versions:
            continue
        key, names = versions[flavor]
        recorded = block.get(key)
        if not isinstance(recorded, str) or not recorded.strip():
            continue
        pointer = join_pointer("/flavors", flavor, key)
        for source, requirement in _pip_pins(ctx, names):
            for op, pin in requirement.specifiers:
                if satisfies_pin(recorded, op, pin) is False:
                    yield Problem(
                        FLAVOR_VERSION_MISMATCH,
                        pointer,
                        f"{flavor}.{key} is {recorded} but {_where(ctx, source)} pins "
                        f"{_spec(requirement)}",
                    )
                    break
        for source, spec, op, pin in _conda_pins(ctx, names):
            if conda_satisfies(recorded, op, pin) is False:
                yield Problem(
                    FLAVOR_VERSION_MISMATCH,
                    pointer,
                    f"{flavor}.{key} is {recorded} but {_where(ctx, source)} pins the conda "
                    f"package {spec!r}",
                )


def _python_matches(recorded: str, operator: str, pin: str) -> bool | None:
    if operator == "=":
        return _release_prefix(recorded, pin)
    if operator == "==":
        return satisfies_pin(recorded, "==", pin)
    have, want = version_key(recorded), version_key(pin)
    if have is None or want is None:
        return None
    order = {"<": have < want, "<=": have <= want, ">": have > want, ">=": have >= want}
    return order.get(operator)


@check(PYTHON_VERSION_MISMATCH, needs_files=True)
def python_versions_agree(ctx: ModelContext) -> Iterator[Problem]:
    pyfunc = ctx.pyfunc
    recorded = pyfunc.get("python_version") if pyfunc is not None else None
    if not isinstance(recorded, str) or version_key(recorded) is None:
        return
    pointer = "/flavors/python_function/python_version"
    rel = python_env_file_name(ctx)
    doc = ctx.read_yaml(rel) if rel is not None else None
    if rel is not None and doc is not None and doc.usable and isinstance(doc.data, dict):
        python = doc.data.get("python")
        if isinstance(python, str) and _python_matches(recorded, "=", python.strip()) is False:
            where = _where(ctx, Source(rel, None, "/python"))
            yield Problem(
                PYTHON_VERSION_MISMATCH,
                pointer,
                f"python_version is {recorded} but {where} has python: {python}",
            )
    conda, deps = _conda_deps(ctx)
    for index, dep in enumerate(deps):
        if not isinstance(dep, str) or conda_package(dep) != "python":
            continue
        spec = conda_version_spec(dep)
        if spec is not None and _python_matches(recorded, *spec) is False:
            where = _where(ctx, Source(conda or CONDA_FILE, None, f"/dependencies/{index}"))
            yield Problem(
                PYTHON_VERSION_MISMATCH,
                pointer,
                f"python_version is {recorded} but {where} asks for {dep!r}",
            )
        break


def _is_major_minor(text: str) -> bool:
    """Does ``text`` fully match ``\\d+\\.\\d+`` (``2.4``)?"""
    if not text.isascii():
        return re.fullmatch(r"\d+\.\d+", text) is not None
    major, _, minor = text.partition(".")  # ASCII isdigit() is [0-9]; "".isdigit() is False
    return major.isdigit() and minor.isdigit()


def mlflow_pin_matches(recorded: str, pin: str) -> bool | None:
    """Does ``mlflow==pin`` describe MLflow ``recorded``, allowing for what MLflow writes?

    MLflow 2.4 pinned only ``major.minor``; dev builds (``X.Y.Z.devN``) pin ``X.Y.(Z-1)``.
    """
    exact = satisfies_pin(recorded, "==", pin)
    if exact is not False:
        return exact
    have, want = version_key(recorded), version_key(pin)
    if have is None or want is None:
        return None
    release = (*have[1], 0, 0, 0)[:3]
    if want[2:] == (None, None, None, ()) and _is_major_minor(pin.strip()):
        return release[:2] == want[1][:2] + (0,) * (2 - len(want[1][:2]))
    if have[4] is not None and release[2] >= 1:
        previous = version_key(f"{release[0]}.{release[1]}.{release[2] - 1}")
        return want == previous
    return False


@check(MLFLOW_VERSION_MISMATCH, needs_files=True)
def mlflow_version_matches_pin(ctx: ModelContext) -> Iterator[Problem]:
    recorded = ctx.data.get("mlflow_version")
    if not isinstance(recorded, str) or version_key(recorded) is None:
        return
    for source, requirement in _pip_pins(ctx, ("mlflow",)):
        pins = requirement.exact_pins
        if len(pins) == 1 and mlflow_pin_matches(recorded, pins[0]) is False:
            yield Problem(
                MLFLOW_VERSION_MISMATCH,
                "/mlflow_version",
                f"mlflow_version is {recorded} but {_where(ctx, source)} pins {_spec(requirement)}",
            )


@check(ENV_PINS_DISAGREE, needs_files=True)
def conda_and_pip_pins_agree(ctx: ModelContext) -> Iterator[Problem]:
    yield from requirement_sets(ctx).derived("conda-pip", _disagreements, ctx)


def _disagreements(ctx: ModelContext) -> Iterator[Problem]:
    model = requirement_sets(ctx)
    conda = next((s for name, s in model.sets.items() if name.endswith(" pip")), None)
    if conda is None:
        return
    shared = {(item.source.file, item.source.line) for item in conda.lines}
    for pins in model.pinned().values():
        conda_pins = [p for p in pins if p.install == conda.root and p.source.line is None]
        if not conda_pins or len(conda_pins[0].requirement.exact_pins) != 1:
            continue
        found = conda_pins[0]
        want = found.requirement.exact_pins[0]
        for pin in pins:
            exact = pin.requirement.exact_pins
            if (
                pin.install == conda.root
                or pin.install.endswith("build_dependencies")
                or (pin.source.file, pin.source.line) in shared  # conda installs it too
                or len(exact) != 1
            ):
                continue
            if version_key(exact[0]) != version_key(want):
                yield Problem(
                    ENV_PINS_DISAGREE,
                    found.source.pointer,
                    f"{found.requirement.name}=={want} here, but {_where(ctx, pin.source)} pins "
                    f"{pin.requirement.name}=={exact[0]}",
                    found.source.file,
                )
