"""The environment files: ``conda.yaml`` and ``python_env.yaml``.

Both are YAML that MLflow reads with ``yaml.safe_load`` when it rebuilds a model's
environment (``mlflow models serve``, ``spark_udf``, ``get_model_dependencies``). They are
checked against the compiled ``conda`` / ``python-env`` schemas, and for what a schema cannot
say: that ``python`` is pinned in a form MLflow's virtualenv restore understands, that the
pip section is used the way conda and MLflow use it, and that a model without
``python_env.yaml`` does not rely on conda packages a virtualenv restore silently skips
(reference §8; ``_PythonEnv.get_dependencies_from_conda_yaml`` in MLflow).

The pip lines inside both files are checked by ``requirements.py``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..model_files import PathState
from ..registry import Problem, check, define_rule
from . import document, schema
from .requirements import ENV_FILE_UNREADABLE, conda_file_name, python_env_file_name

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

CONDA_SCHEMA = define_rule(
    "conda-schema",
    Severity.WARNING,
    "conda.yaml does not have the shape of a conda environment file",
    "A conda environment file is a mapping with `name`, `channels` (list of strings) and "
    "`dependencies` (conda specs, plus one `{pip: [...]}` entry).",
)
PYTHON_ENV_SCHEMA = define_rule(
    "python-env-schema",
    Severity.WARNING,
    "python_env.yaml does not have the shape MLflow's _PythonEnv accepts",
    "python_env.yaml holds only `python: X.Y.Z`, `build_dependencies: [...]` and "
    "`dependencies: [...]` (MLflow's virtualenv restore raises TypeError on anything else).",
)
CONDA_PYTHON_MISSING = define_rule(
    "conda-python-missing",
    Severity.WARNING,
    "conda.yaml has no python dependency: the environment gets whatever Python is at hand",
    "Add `python=X.Y.Z` (the python_version of the model) to `dependencies`.",
)
CONDA_PYTHON_UNPINNED = define_rule(
    "conda-python-unpinned",
    Severity.WARNING,
    "The python dependency of conda.yaml is not pinned in a form MLflow can use",
    "Write `python=X.Y.Z`. MLflow's virtualenv restore (used when python_env.yaml is absent) "
    "accepts only `python` followed by =, ==, <= or >= and a version.",
)
CONDA_PIP_SECTION = define_rule(
    "conda-pip-section",
    Severity.WARNING,
    "The pip section of conda.yaml is used differently from what it says",
    "Keep exactly one `- pip: [...]` entry and list `pip` itself as a conda dependency.",
)
CONDA_DEPS_SKIPPED = define_rule(
    "conda-deps-not-in-virtualenv",
    Severity.WARNING,
    "Without python_env.yaml, MLflow's virtualenv restore skips these conda dependencies",
    "Move the packages into the pip section (or write a python_env.yaml), so that virtualenv "
    "and uv restores install them too.",
)

_YAML_RULES = (
    document.YAML_SYNTAX,
    document.YAML_DUPLICATE_KEY,
    document.YAML_TAG,
    document.YAML_LIMITS,
)
# The regular expressions are strings, compiled (and cached by ``re``) on first use: the spec
# strings conda and MLflow write are plain (``is_plain_spec``) and read with str methods.
#: what ``_PythonEnv.get_dependencies_from_conda_yaml`` can read (MLflow 1.26 - 3.x)
MLFLOW_CONDA_DEP_PATTERN = (
    r"^(?P<package>python|pip|setuptools|wheel)"
    r"(?P<operator><|>|<=|>=|=|==|!=)?(?P<version>[\d.]+)?$"
)
MAX_SPEC_CHARS = 256  # conda specs are short; longer strings are not matched (regex cost)
#: a python spec that bounds nothing or only from one side with <, > or !=
_UNPINNED_PYTHON = r"\s*(?:[^:\s]+::)?python\s*(?:(?:<|>|!=)\s*[0-9][^,|\s]*)?\s*"
_CONDA_NAME = r"\s*(?:[^:\s]+::)?(?P<name>[A-Za-z0-9_.-]+)"


# -- conda specs, read with str methods ----------------------------------------------------------

#: ASCII whitespace other than space and tab (``\s`` matches them, and ``$`` a final newline)
_ODD_SPACE = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x1f")
CONDA_NAME_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
_DIGITS = frozenset("0123456789")
_MLFLOW_CONDA_PACKAGES = ("python", "pip", "setuptools", "wheel")
_MLFLOW_CONDA_OPERATORS = frozenset(("<", ">", "<=", ">=", "=", "==", "!="))


def is_plain_spec(spec: str) -> bool:
    """ASCII with no whitespace but spaces and tabs: there the regexes' ``\\s`` is ``[ \\t]``,
    ``\\d`` is ``[0-9]`` and ``$`` the end, and the str code of this module and of
    ``versions.py`` reads a spec exactly as they do."""
    return spec.isascii() and _ODD_SPACE.isdisjoint(spec)


def is_channel(text: str) -> bool:
    """``[^:\\s]+``, the channel before ``::`` (of a plain spec)."""
    return bool(text) and ":" not in text and " " not in text and "\t" not in text


def _leading_name(text: str) -> str:
    """The ``[A-Za-z0-9_.-]+`` that ``text`` starts with (``""``: none)."""
    return text[: len(text) - len(text.lstrip(CONDA_NAME_CHARS))]


def _plain_conda_name(spec: str) -> str:
    """_CONDA_NAME's name group in a plain spec (``""``: no match)."""
    body = spec.lstrip(" \t")
    channel, colons, rest = body.partition("::")
    if colons and is_channel(channel) and (name := _leading_name(rest)):
        return name  # (?:[^:\s]+::)? is tried first
    return _leading_name(body)


def conda_package(spec: str) -> str:
    """The package name of a conda match spec (``conda-forge::python=3.11`` -> ``python``)."""
    if is_plain_spec(spec):
        return _plain_conda_name(spec).lower()
    match = re.match(_CONDA_NAME, spec)
    return match.group("name").lower() if match else ""


def _plain_mlflow_conda_dep(spec: str) -> tuple[str, str | None, str | None] | None:
    """MLFLOW_CONDA_DEP_PATTERN's groups in a plain spec: the package, then a run of operator
    characters that must be one operator, then a run of ``[0-9.]`` to the end."""
    package = next((p for p in _MLFLOW_CONDA_PACKAGES if spec.startswith(p)), None)
    if package is None:
        return None
    rest = spec[len(package) :]
    version = rest.lstrip("<>=!")
    operator = rest[: len(rest) - len(version)]
    if (operator and operator not in _MLFLOW_CONDA_OPERATORS) or version.strip("0123456789."):
        return None
    return package, operator or None, version or None


def mlflow_conda_dep(spec: str) -> tuple[str, str | None, str | None] | None:
    """``(package, operator, version)`` as MLflow's pattern (``MLFLOW_CONDA_DEP_PATTERN``)
    reads a conda dependency (``None``: MLflow cannot read it)."""
    if is_plain_spec(spec):
        return _plain_mlflow_conda_dep(spec)
    match = re.match(MLFLOW_CONDA_DEP_PATTERN, spec)
    if match is None:
        return None
    return match.group("package"), match.group("operator"), match.group("version")


def _is_python_bound(text: str) -> bool:
    """``python\\s*(?:(?:<|>|!=)\\s*[0-9][^,|\\s]*)?\\s*``, the end of _UNPINNED_PYTHON:
    python, then nothing or a bound from one side (in a plain spec)."""
    if not text.startswith("python"):
        return False
    bound = text[len("python") :].strip(" \t")
    if not bound:
        return True
    operator = "!=" if bound.startswith("!=") else bound[:1]
    if operator not in ("<", ">", "!="):
        return False
    version = bound[len(operator) :].lstrip(" \t")
    return version[:1] in _DIGITS and not any(c in ",| \t" for c in version)


def _is_unpinned_python(spec: str) -> bool:
    """Does ``spec`` fully match _UNPINNED_PYTHON (python without a version, or bounded from
    one side only)?"""
    if not is_plain_spec(spec):
        return re.fullmatch(_UNPINNED_PYTHON, spec) is not None
    body = spec.lstrip(" \t")
    channel, colons, rest = body.partition("::")
    with_channel = bool(colons) and is_channel(channel) and _is_python_bound(rest)
    return with_channel or _is_python_bound(body)  # (?:[^:\s]+::)? is tried first


def _document(ctx: ModelContext, rel: str | None, rule: str) -> Iterator[Problem]:
    """YAML problems and unreadable text of one environment file.

    These carry the reader's or the YAML parser's own position: the text did not parse, so
    there is no source map to locate a pointer in."""
    if rel is None:
        return
    text = ctx.read_text(rel)
    if text is None:
        return  # absent or not a regular file: the path rules say so
    if text.text is None:
        yield Problem(
            ENV_FILE_UNREADABLE,
            "",
            f"{rel} {text.error}",
            rel,
            severity=Severity.WARNING,  # loading never reads it (MLflow 2.22/3.17 load it)
            line=text.line or 1,
            column=text.column or 1,
        )
        return
    doc = ctx.read_yaml(rel)
    if doc is None:
        return
    for p in doc.problems:
        # MLflow's load and predict never read conda.yaml/python_env.yaml: only the
        # environment managers (virtualenv, conda, uv) do, and they fail on it
        yield Problem(
            p.rule,
            p.pointer,
            p.message,
            rel,
            hint=p.hint or None,
            severity=Severity.WARNING,
            line=p.line,
            column=p.column,
        )
    if doc.usable and doc.empty:
        yield Problem(rule, "", f"{rel} is empty; MLflow cannot read an environment from it", rel)


def _well_formed(ctx: ModelContext, rel: str | None, entry: str, rule: str) -> Iterator[Problem]:
    """An environment file reads as YAML and matches its compiled schema."""
    from .._generated_schemas import VALIDATORS

    yield from _document(ctx, rel, rule)
    doc = ctx.read_yaml(rel) if rel is not None else None
    if rel is None or doc is None or not doc.usable or doc.empty:
        return
    yield from schema.schema_problems(VALIDATORS[entry](doc.data), rule=rule, file=rel)


def _usable(ctx: ModelContext, rel: str | None) -> dict[Any, Any] | None:
    doc = ctx.read_yaml(rel) if rel is not None else None
    if doc is None or not doc.usable or not isinstance(doc.data, dict):
        return None
    return doc.data


@check(
    CONDA_SCHEMA,
    ENV_FILE_UNREADABLE,
    schema.UNKNOWN_KEY,
    schema.DEPRECATED_KEY,
    *_YAML_RULES,
    needs_files=True,
)
def conda_file_is_well_formed(ctx: ModelContext) -> Iterator[Problem]:
    yield from _well_formed(ctx, conda_file_name(ctx), "conda", CONDA_SCHEMA)


@check(
    PYTHON_ENV_SCHEMA,
    ENV_FILE_UNREADABLE,
    schema.UNKNOWN_KEY,
    schema.DEPRECATED_KEY,
    *_YAML_RULES,
    needs_files=True,
)
def python_env_file_is_well_formed(ctx: ModelContext) -> Iterator[Problem]:
    yield from _well_formed(ctx, python_env_file_name(ctx), "python-env", PYTHON_ENV_SCHEMA)


def _python_env_absent(ctx: ModelContext) -> bool:
    rel = python_env_file_name(ctx)
    return rel is not None and ctx.resolve(rel).state is PathState.MISSING


@check(CONDA_PYTHON_MISSING, CONDA_PYTHON_UNPINNED, needs_files=True)
def conda_python_is_pinned(ctx: ModelContext) -> Iterator[Problem]:
    rel = conda_file_name(ctx)
    data = _usable(ctx, rel)
    if rel is None or data is None:
        return
    deps = data.get("dependencies")
    if deps is not None and not isinstance(deps, list):
        return  # the schema reports it
    pythons = [
        (index, dep)
        for index, dep in enumerate(deps or ())
        if isinstance(dep, str) and conda_package(dep) == "python"
    ]
    if not pythons:
        yield Problem(
            CONDA_PYTHON_MISSING,
            "/dependencies" if deps is not None else "",
            f"{rel} does not name python among its dependencies; conda and MLflow then use "
            "whatever Python version is at hand",
            rel,
        )
        return
    index, spec = pythons[0]
    pointer = join_pointer("/dependencies", index)
    if _python_env_absent(ctx):
        message = _unusable_for_virtualenv(spec)
        if message:
            # a warning either way: loading never restores the environment
            yield Problem(
                CONDA_PYTHON_UNPINNED, pointer, f"python dependency {spec!r} {message}", rel
            )
    elif len(spec) <= MAX_SPEC_CHARS and _is_unpinned_python(spec):
        yield Problem(
            CONDA_PYTHON_UNPINNED,
            pointer,
            f"python dependency {spec!r} does not pin a version; conda picks any Python",
            rel,
        )


def _unusable_for_virtualenv(spec: str) -> str:
    """Why MLflow's virtualenv restore (no python_env.yaml) cannot use this python spec."""
    dep = mlflow_conda_dep(spec)  # MLflow matches the raw string
    if dep is None:
        return (
            "is a form MLflow's virtualenv restore cannot read: without python_env.yaml it "
            "ignores it and uses its own Python version"
        )
    _, operator, version = dep
    if operator is None or not version:
        return "names no version; MLflow refuses to restore the environment without python_env.yaml"
    if operator in ("<", ">", "!="):
        return (
            f"uses {operator!r}, which does not pin a version; MLflow's virtualenv restore "
            "raises on it"
        )
    return ""


@check(CONDA_PIP_SECTION, needs_files=True)
def conda_pip_section_is_used(ctx: ModelContext) -> Iterator[Problem]:
    rel = conda_file_name(ctx)
    data = _usable(ctx, rel)
    deps = data.get("dependencies") if data is not None else None
    if rel is None or not isinstance(deps, list):
        return
    sections = [i for i, dep in enumerate(deps) if isinstance(dep, dict) and "pip" in dep]
    for index in sections[:-1]:
        yield Problem(
            CONDA_PIP_SECTION,
            join_pointer("/dependencies", index),
            f"{rel} has {len(sections)} pip sections; conda and MLflow keep only the last one, "
            "so this one is ignored",
            rel,
        )
    for index in sections:
        extra = sorted(str(k) for k in deps[index] if k != "pip")
        if extra:
            yield Problem(
                CONDA_PIP_SECTION,
                join_pointer("/dependencies", index, extra[0]),
                f"the pip section also holds {', '.join(map(repr, extra))}, which conda and "
                "MLflow ignore",
                rel,
                at_key=True,
            )
    has_pip = any(isinstance(dep, str) and conda_package(dep) == "pip" for dep in deps)
    if sections and not has_pip:
        yield Problem(
            CONDA_PIP_SECTION,
            join_pointer("/dependencies", sections[-1]),
            f"{rel} has a pip section but does not list pip as a conda dependency; conda "
            "then installs the pip packages with whatever pip it finds",
            rel,
        )


@check(CONDA_DEPS_SKIPPED, needs_files=True)
def conda_deps_survive_virtualenv(ctx: ModelContext) -> Iterator[Problem]:
    rel = conda_file_name(ctx)
    data = _usable(ctx, rel)
    deps = data.get("dependencies") if data is not None else None
    if rel is None or not isinstance(deps, list) or not _python_env_absent(ctx):
        return
    for index, dep in enumerate(deps):
        if not isinstance(dep, str) or conda_package(dep) == "python":
            continue
        if mlflow_conda_dep(dep.strip()) is None:
            yield Problem(
                CONDA_DEPS_SKIPPED,
                join_pointer("/dependencies", index),
                f"conda dependency {dep!r} is not installed when MLflow restores this model "
                "with virtualenv or uv: there is no python_env.yaml, and MLflow keeps only "
                "python, pip, setuptools and wheel from conda.yaml",
                rel,
            )
