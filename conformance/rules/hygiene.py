"""Leftovers of editing: merge-conflict markers and placeholder values.

Conflict markers are searched in MLmodel and in the text companion files (the environment
files and ``constraints.txt``). In MLmodel they usually break the YAML; the walker then
runs only the ``document``-phase checks, on the raw text, and one of them looks for markers.

Placeholders are looked for in MLmodel string values, with two strengths:

* a value that *is* a placeholder (``TODO``, ``FIXME``, ``CHANGEME``, ``???``, ``<path>``) is
  flagged anywhere, free-form user data included;
* a placeholder *inside* a value (``runs:/<run_id>/model``, ``s3://${BUCKET}/k.txt``,
  ``{{ model_dir }}/model.pkl``, ``models/TODO.pkl``) is flagged only in values with a known
  shape (paths, URIs, versions, ids, module and class names). Free-form values (``metadata``,
  the pyfunc ``config``, ``resources``, custom parameters) legitimately hold prompt templates,
  ``${VAR}`` strings that their own code expands, and tokens such as ``<unk>``.

Signature strings are JSON documents that the signature rules read; they are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..registry import Problem, check, define_rule

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

MERGE_CONFLICT_MARKER = define_rule(
    "merge-conflict-marker",
    Severity.ERROR,
    "A file of the model holds an unresolved merge conflict ('<<<<<<<', '=======', '>>>>>>>')",
    "Resolve the conflict: keep one side, delete the marker lines.",
    severities=(
        (
            Severity.WARNING,
            "the marker is in an environment file (conda.yaml, python_env.yaml, "
            "requirements.txt, constraints.txt): loading never installs from it, "
            "environment managers fail on it",
        ),
    ),
)
PLACEHOLDER_VALUE = define_rule(
    "placeholder-value",
    Severity.WARNING,
    "A value in MLmodel is a placeholder or a template that was never filled in",
    "Replace the placeholder with the real value.",
)

#: companion text files that are searched for conflict markers (when they exist)
TEXT_FILES = ("conda.yaml", "python_env.yaml", "requirements.txt", "constraints.txt")

_MARKER = r"(?m)^(<{7}|\|{7}|={7}|>{7})(?=[ \t\r]|$)(.*)$"  # compiled only for a file with one
_MARKER_HINT = ("<<<<<<<", "|||||||", "=======", ">>>>>>>")


def conflict_marker_problems(
    text: str, file: str, severity: Severity | None = None
) -> list[Problem]:
    """One problem per conflict region (and per stray marker) in ``text``, with its line."""
    if not any(marker in text for marker in _MARKER_HINT):
        return []
    problems: list[Problem] = []
    open_line: int | None = None
    for match in re.finditer(_MARKER, text):
        marker, rest = match[1], match[2]
        if marker[0] == "=" and rest.strip():
            continue  # "======= x" is not git's separator (that line is exactly 7 '=')
        # a marker is a line of raw text (the file may not parse at all): no pointer reaches
        # it, so the check gives the line itself
        line = text.count("\n", 0, match.start()) + 1
        if marker[0] == "<":
            open_line = line
            label = f" {rest.strip()}" if rest.strip() else ""
            message = f"unresolved merge conflict in {file} (starts with '<<<<<<<{label}')"
            problems.append(
                Problem(
                    MERGE_CONFLICT_MARKER, "", message, file, line=line, column=1, severity=severity
                )
            )
        elif open_line is None:
            message = f"merge-conflict marker {marker!r} in {file}"
            problems.append(
                Problem(
                    MERGE_CONFLICT_MARKER, "", message, file, line=line, column=1, severity=severity
                )
            )
        if marker[0] == ">":
            open_line = None
    return problems


def _env_file_names(ctx: ModelContext) -> list[str]:
    names = list(TEXT_FILES)
    env = ctx.pyfunc.get("env") if ctx.pyfunc is not None else None
    values = [env] if isinstance(env, str) else list(env.values()) if isinstance(env, dict) else []
    names.extend(v for v in values if isinstance(v, str) and v not in names)
    return names


def _mlmodel_may_hold_markers(ctx: ModelContext) -> bool:
    """A parsed MLmodel keeps a marker line only inside a multi-line scalar (or a key).

    Where the context has no MLmodel text (a context built from a parsed document), looking
    for the marker text in the parsed content (one C-level ``repr``) spares reading the file
    for the 99.9% of models without one.
    """
    text = repr(ctx.data)
    return any(marker in text for marker in _MARKER_HINT)


@check(MERGE_CONFLICT_MARKER, phase="document")
def no_conflict_markers_in_unparsed_mlmodel(ctx: ModelContext) -> Iterator[Problem]:
    """A merge conflict is the usual reason MLmodel stops being YAML: say so."""
    if ctx.mlmodel_text is not None:
        yield from conflict_marker_problems(ctx.mlmodel_text, ctx.mlmodel_name)


@check(MERGE_CONFLICT_MARKER, needs_files=True)
def no_conflict_markers(ctx: ModelContext) -> Iterator[Problem]:
    if ctx.mlmodel_text is not None:  # the walker's read: a substring test finds none
        yield from conflict_marker_problems(ctx.mlmodel_text, ctx.mlmodel_name)
    elif _mlmodel_may_hold_markers(ctx):
        read = ctx.read_text(ctx.mlmodel_name)
        if read is not None and read.text is not None:
            yield from conflict_marker_problems(read.text, ctx.mlmodel_name)
    for name in _env_file_names(ctx):
        read = ctx.read_text(name)
        if read is not None and read.text is not None:
            # MLflow 2.22/3.17 load and predict with it: only env managers read these files
            yield from conflict_marker_problems(read.text, name, Severity.WARNING)


# -- placeholders ----------------------------------------------------------------------------
#: patterns compiled on first use: most models have no value that passes the prefilters
_WHOLE = (
    r"(?i:todo|fixme|tbd|tbc|changeme|change[ _-]me|replaceme|replace[ _-]me|fill[ _-]?me"
    r"|xxx+|\?{3,})"
    r"|<(?P<angle>[A-Za-z][A-Za-z0-9 _.:/-]*)>"
)
#: how every text ``_WHOLE`` matches begins, in ASCII lower case
_WHOLE_STARTS = ("todo", "fixme", "tbd", "tbc", "change", "replace", "fill", "xxx", "???", "<")
_EMBEDDED = (
    r"\b(?:TODO|FIXME|CHANGEME|CHANGE_ME|REPLACEME|REPLACE_ME|TBD)\b"
    r"|\$\{[^{}]*\}"
    r"|\{\{[^{}]*\}\}"
    r"|<[A-Za-z][A-Za-z0-9 _.-]*>"
    r"|\?{3,}"
)
#: a text ``_EMBEDDED`` finds something in holds one of these
_EMBEDDED_PARTS = ("TODO", "FIXME", "CHANGE", "REPLACE", "TBD", "${", "{{", "<", "???")
#: special tokens of NLP models, legitimately written as a whole value
_TOKENS = frozenset(
    {"unk", "pad", "mask", "s", "/s", "eos", "bos", "cls", "sep", "eot", "endoftext", "none"}
)
#: top-level keys whose values have a known shape
_TOP_STRUCTURED = frozenset(
    {
        "artifact_path",
        "run_id",
        "utc_time_created",
        "model_uuid",
        "mlflow_version",
        "model_id",
        "databricks_runtime",
        "saved_input_example_info",
        "prompts",
        "env_vars",
    }
)
_FREE_FORM_FLAVOR_KEYS = frozenset({"config"})
_SHAPED_SUFFIXES = ("_version", "_path", "_dir", "_file", "_class", "_module", "_format", "_uri")
_SHAPED_FLAVOR_KEYS = frozenset(
    {
        "loader_module",
        "data",
        "code",
        "model_path",
        "model_data",
        "pickled_model",
        "python_model",
        "predict_fn",
        "predict_stream_fn",
        "env",
        "artifacts",
        "extra_files",
        "serialization_format",
        "skops_trusted_types",
        "model_class",
    }
)


def _is_shaped_flavor_key(key: object) -> bool:
    if not isinstance(key, str) or key in _FREE_FORM_FLAVOR_KEYS:
        return False
    return key in _SHAPED_FLAVOR_KEYS or key.endswith(_SHAPED_SUFFIXES)


def placeholder_in(value: str, *, shaped: bool) -> str | None:
    """The placeholder text found in ``value``, or ``None``."""
    stripped = value.strip()
    # outside ASCII, case folding and stripping are Unicode's: only the pattern can tell
    if not stripped.isascii() or stripped.lower().startswith(_WHOLE_STARTS):
        whole = re.fullmatch(_WHOLE, stripped)
        if whole is not None:
            return None if (whole["angle"] or "").lower() in _TOKENS else stripped
    if shaped and any(part in value for part in _EMBEDDED_PARTS):
        embedded = re.search(_EMBEDDED, value)
        if embedded is not None:
            return embedded[0]
    return None


_Path = tuple[str | int, ...]
_WHOLE_MAX = 64  # a value that *is* a placeholder is short; longer ones skip the whole-value test


@lru_cache(maxsize=20_000)  # file names, versions and flags recur in every model
def _found(value: str, shaped: bool) -> str | None:
    if not shaped and len(value) > _WHOLE_MAX:
        return None
    return placeholder_in(value, shaped=shaped)


def _walk(value: Any, path: _Path, shaped: bool) -> Iterator[tuple[_Path, str, str]]:
    """(path, string, placeholder) for every placeholder below ``value``, iteratively.

    Pointers are only built for hits: this runs on every value of every model.
    """
    stack: list[tuple[Any, _Path]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, str):
            placeholder = _found(current, shaped)
            if placeholder is not None:
                yield where, current, placeholder
        elif isinstance(current, dict):
            stack.extend((v, (*where, str(k))) for k, v in current.items())
        elif isinstance(current, list):
            stack.extend((v, (*where, i)) for i, v in enumerate(current))


def _placeholders(data: dict[Any, Any]) -> Iterator[tuple[_Path, str, str]]:
    for key, value in data.items():
        if key == "signature":
            continue  # JSON documents: the signature rules read them
        if key == "flavors" and isinstance(value, dict):
            for flavor, block in value.items():
                base = (str(key), str(flavor))
                if not isinstance(block, dict):
                    yield from _walk(block, base, False)
                    continue
                for name, item in block.items():
                    yield from _walk(item, (*base, str(name)), _is_shaped_flavor_key(name))
        else:
            yield from _walk(value, (str(key),), key in _TOP_STRUCTURED)


@check(PLACEHOLDER_VALUE)
def no_placeholders(ctx: ModelContext) -> Iterator[Problem]:
    for path, value, placeholder in _placeholders(ctx.data):
        what = "is a placeholder" if placeholder == value.strip() else f"contains {placeholder!r}"
        yield Problem(
            PLACEHOLDER_VALUE,
            join_pointer("", *path),
            f"the value {value!r} {what}, left over from a template or a draft",
        )
