"""Signature rules: the JSON strings under ``signature`` decode and mean what MLflow accepts.

``signature.inputs``/``outputs``/``params`` are JSON *strings* (or null). The MLmodel schema
(rules/schema.py) checks that they are strings, and that not all three are null; here they
are decoded, validated with the compiled ``signature-schema``/``signature-params``
validators, and checked for what MLflow's ``Schema``/``ParamSchema`` constructors refuse.
Each of those gets one precise finding, and the schema's generic finding for the same
constraint is dropped: the schema node declares the precise rule (``x-rule``), the
compiled validator tags its issues with it, and each precise problem says which of them it
replaces (:class:`_Replaces`). The 2.4-2.9 ``optional`` key is an error: every MLflow
from 2.18 (2.22 and 3.17 in the interop oracle) fails on it. ``required`` (written since

2.10) breaks older readers only, a warning we report when ``mlflow_version`` claims such an
old writer. A tensor ``dtype`` is checked with numpy's grammar (``numpy_dtype``).

Pointers go into the decoded JSON (``/signature/inputs/1/type``); the walker places them on
the line of the YAML string that holds it. Results are cached per signature text, so a
signature shared by many models is analysed once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

from ..context import ModelContext
from ..example_values import param_value_problem, show
from ..findings import Severity, join_pointer
from ..records import field, record
from ..registry import Problem, check, define_rule
from ..schema_validation import SchemaIssue
from ..signature_model import PRIMITIVE_TYPES, decode_json_text, read_params
from ..version_keys import major_minor

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

INVALID_JSON = define_rule(
    "signature-invalid-json",
    Severity.ERROR,
    "A signature field is a string that is not valid JSON; MLflow fails to load the model",
    "Write the field as single-quoted YAML holding JSON, e.g. "
    '`inputs: \'[{"type": "double", "name": "a", "required": true}]\'`.',
)
DUPLICATE_KEY = define_rule(
    "signature-json-duplicate-key",
    Severity.WARNING,
    "A JSON object in a signature field has the same key twice; MLflow keeps only the last "
    "(the first value is lost; info when both values are equal)",
    "Remove one of the two entries (for an object type: define each property once).",
    severities=((Severity.INFO, "the repeated key has the same value each time"),),
)
SCHEMA = define_rule(
    "signature-schema",
    Severity.ERROR,
    "A decoded signature field does not match the signature JSON Schema",
    "`mlmodel-spec schema signature` prints the schema with a description of every key.",
    severities=(
        (Severity.WARNING, "the keyword is marked x-severity warning, or deprecated"),
        (Severity.INFO, "the failed keyword is marked x-severity info"),
    ),
)
UNKNOWN_KEY = define_rule(
    "signature-unknown-key",
    Severity.INFO,
    "A key MLflow does not know in a signature spec (fatal in primitive column specs)",
    "Remove the key. MLflow builds primitive columns with ColSpec(**spec), which fails on any "
    "key other than type, name and required.",
    severities=((Severity.ERROR, "a primitive column spec has it: ColSpec(**spec) fails"),),
)
MIXED_SPECS = define_rule(
    "signature-mixed-specs",
    Severity.ERROR,
    "A schema mixes column specs and tensor specs; MLflow refuses to load it",
    "Use only column specs (DataFrame-like input) or only tensor specs (numpy input).",
)
MIXED_NAMES = define_rule(
    "signature-mixed-names",
    Severity.ERROR,
    "Some specs of a schema are named and others are not; MLflow refuses to load it",
    "Name every spec, or none of them.",
)
UNNAMED_TENSORS = define_rule(
    "signature-unnamed-tensors",
    Severity.ERROR,
    "A schema has more than one unnamed tensor spec; MLflow refuses to load it",
    "Give every tensor spec a name (the keys of the dict of arrays the model takes).",
)
UNNAMED_OPTIONAL = define_rule(
    "signature-unnamed-optional",
    Severity.ERROR,
    "An unnamed column is optional; MLflow refuses to load the schema",
    "Name the columns, or make the unnamed column required.",
)
DUPLICATE_NAME = define_rule(
    "signature-duplicate-name",
    Severity.WARNING,
    "Two specs of a schema have the same name; MLflow enforces only the last one",
    "Rename or remove one of them.",
)
DUPLICATE_PARAM = define_rule(
    "signature-duplicate-param",
    Severity.ERROR,
    "Two params have the same name; MLflow refuses to load the params schema",
    "Rename or remove one of them.",
)
OPTIONAL_AND_REQUIRED = define_rule(
    "signature-optional-and-required",
    Severity.ERROR,
    "A column spec has both `optional` and `required`; no MLflow version loads it",
    "Keep only `required` (MLflow >= 2.10), or only `optional` (2.4-2.17).",
)
REQUIRED_KEY = define_rule(
    "signature-required-key",
    Severity.WARNING,
    "Column specs carry `required` (MLflow >= 2.10) but mlflow_version says an older writer: "
    "MLflow < 2.10 cannot load them",
    "If the model is meant for MLflow < 2.10, drop `required` from the column specs (the "
    "columns then count as required); otherwise correct mlflow_version.",
)
OPTIONAL_KEY = define_rule(
    "signature-optional-key",
    Severity.ERROR,
    "Column specs carry the 2.4-2.9 `optional` key: MLflow >= 2.18 fails to load them",
    'Replace `"optional": true` by `"required": false` (readable by MLflow >= 2.10).',
)
TENSOR_DTYPE = define_rule(
    "signature-tensor-dtype",
    Severity.ERROR,
    "A tensor spec's `dtype` is a string numpy cannot parse, or a sized string type MLflow "
    "refuses: Model.load fails (TypeError, MlflowException)",
    "Write the dtype's numpy name as MLflow does (`np.dtype(...).name`: `float64`, `int32`, "
    "`bool`, `str`, `object`, `datetime64[ns]`); strings and bytes carry no size (`str`, not "
    "`<U5`).",
    severities=(
        (
            Severity.WARNING,
            "numpy before 2.5 parses it but numpy 2.5 and later refuse it (the bytes alias "
            "`a`, `a5`; the string type `T` with a shape): Model.load fails with the newer "
            "numpy",
        ),
        (
            Severity.INFO,
            "numpy parses it and MLflow loads it, but it is not the name MLflow writes "
            "(`<f8`, `i4`, `?`)",
        ),
    ),
)
PARAM_DEFAULT = define_rule(
    "signature-param-default",
    Severity.ERROR,
    "A param's default does not match its type and shape; MLflow fails to load the signature",
    "A scalar default for `shape: null`, a list for `shape: [-1]`; integers for long/integer, "
    "numbers for float/double, ISO 8601 strings for datetime; null means no default.",
)
PARAM_DTYPE_KEY = define_rule(
    "signature-param-dtype-key",
    Severity.INFO,
    "A param spec uses the MLflow 2.6.0 key `dtype` instead of `type`",
    "MLflow >= 2.7 reads both; rename `dtype` to `type` when re-saving.",
)
FLAGS_WITHOUT_SIGNATURE = define_rule(
    "signature-flags-without-signature",
    Severity.WARNING,
    "`is_signature_from_type_hint`/`type_hint_from_example` are set but there is no signature",
    "MLflow only reads these flags together with a signature: restore the signature or remove "
    "the flags.",
    severities=((Severity.INFO, "no flag is set to true (none was claimed)"),),
)

FIELDS = ("inputs", "outputs", "params")


# -- the compiled schema validators ----------------------------------------------------


@cache
def _validator(name: str) -> Callable[[Any], list[SchemaIssue]] | None:
    """A compiled validator, or ``None`` while the generated module lacks it."""
    try:
        from .._generated_schemas import VALIDATORS
    except ImportError:  # pragma: no cover - only before the first `mlmodel-spec codegen`
        return None
    return VALIDATORS.get(name)


@record(frozen=True)
class _Replaces:
    """The generic schema issues a precise problem stands for: issues of ``rule`` — raised
    below a schema node that declares ``x-rule: <rule>`` (``SchemaIssue.rule``) — at or
    below ``pointer``, and only of ``keyword`` when it is given."""

    rule: str
    pointer: str
    keyword: str | None = None

    def covers(self, issue: SchemaIssue) -> bool:
        if _issue_rule(issue) != self.rule:
            return False
        if self.keyword is not None and issue.keyword != self.keyword:
            return False
        return issue.pointer == self.pointer or issue.pointer.startswith(self.pointer + "/")


def _issue_rule(issue: SchemaIssue) -> str | None:
    """The precise rule an issue belongs to: its node's ``x-rule``; an unknown key is
    this module's ``signature-unknown-key`` by definition (see :func:`_issue_problem`)."""
    if issue.rule is None and issue.keyword == "x-unknown-key":
        return UNKNOWN_KEY
    return issue.rule


@record
class _Analysis:
    """Precise problems for one decoded field (pointers relative to it) and the generic
    schema issues they replace."""

    problems: list[Problem] = field(default_factory=list)
    replaced: list[_Replaces] = field(default_factory=list)
    required_keys: list[int] = field(default_factory=list)  # indexes of specs with `required`

    def add(self, problem: Problem, *replaces: _Replaces) -> None:
        self.problems.append(problem)
        self.replaced.extend(replaces)


# -- input/output schemas --------------------------------------------------------------


def _analyse_schema(value: Any) -> _Analysis:
    result = _Analysis()
    if not isinstance(value, list):
        return result
    entries = [(i, e) for i, e in enumerate(value) if isinstance(e, dict)]
    _check_list_shape(entries, result)
    optional_keys: list[int] = []
    for index, entry in entries:
        pointer = join_pointer("", index)
        if entry.get("type") == "tensor":
            _check_tensor_dtype(index, entry, result)
            continue
        has_optional, has_required = "optional" in entry, "required" in entry
        if has_optional and has_required:
            result.add(
                Problem(
                    OPTIONAL_AND_REQUIRED,
                    pointer,
                    f"column spec {index} has both `optional` and `required`",
                ),
                _Replaces(OPTIONAL_AND_REQUIRED, pointer),
                _Replaces(OPTIONAL_KEY, pointer, "deprecated"),
            )
        elif has_optional:
            optional_keys.append(index)
        elif has_required:
            result.required_keys.append(index)
        kind = entry.get("type")
        if entry.get("name") is None and (
            entry.get("required") is False or entry.get("optional") is True
        ):
            result.add(
                Problem(
                    UNNAMED_OPTIONAL,
                    pointer,
                    f"column spec {index} is unnamed and optional; MLflow cannot tell which "
                    "input it would be missing",
                ),
                _Replaces(UNNAMED_OPTIONAL, pointer),
            )
        if isinstance(kind, str) and kind in PRIMITIVE_TYPES:
            _check_primitive_keys(index, entry, result)
    if optional_keys:
        first = optional_keys[0]
        result.add(
            Problem(
                OPTIONAL_KEY,
                join_pointer("", first, "optional"),
                f"the `optional` key (MLflow 2.4-2.9 form) is set on "
                f"{_count(optional_keys, 'column spec')} (first: spec {first}); MLflow >= 2.18 "
                "fails with TypeError on it",
            ),
            _Replaces(OPTIONAL_KEY, "", "deprecated"),
        )
    return result


#: the names MLflow writes (``np.dtype(...).name``); others numpy parses are unusual (info)
_DTYPE_NAME = (
    r"(bool|u?int(8|16|32|64)|float(16|32|64|96|128)|complex(64|128|192|256)|str|bytes|object"
    r"|void|(datetime64|timedelta64)(\[(Y|M|W|D|h|m|s|ms|us|ns|ps|fs|as)\])?)"
)
_UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as")
#: every string ``_DTYPE_NAME`` matches in full (its language is finite)
_DTYPE_NAMES = frozenset(
    (
        *("bool", "str", "bytes", "object", "void"),
        *(f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)),
        *(f"float{bits}" for bits in (16, 32, 64, 96, 128)),
        *(f"complex{bits}" for bits in (64, 128, 192, 256)),
        *("datetime64", "timedelta64"),
        *(f"{name}[{unit}]" for name in ("datetime64", "timedelta64") for unit in _UNITS),
    )
)


def _is_mlflow_dtype_name(dtype: str) -> bool:
    """``_DTYPE_NAME`` matches all of ``dtype``."""
    if dtype.isascii():  # the pattern's language is `_DTYPE_NAMES`
        return dtype in _DTYPE_NAMES
    return re.fullmatch(_DTYPE_NAME, dtype) is not None


def _check_tensor_dtype(index: int, entry: dict[str, Any], result: _Analysis) -> None:
    """``TensorSpec.from_json_dict`` runs ``np.dtype(dtype)`` and refuses sized ``S``/``U``:
    the grammar of ``numpy_dtype`` answers both without numpy."""
    from .. import numpy_dtype  # here: only tensor signatures need its grammar (0.3 ms)

    info = entry.get("tensor-spec")
    dtype = info.get("dtype") if isinstance(info, dict) else None
    if not isinstance(dtype, str):
        return  # the schema reports a missing or non-string dtype
    pointer = join_pointer("", index, "tensor-spec", "dtype")
    replaces = _Replaces(TENSOR_DTYPE, pointer)
    try:
        parsed = numpy_dtype.parse(dtype)
    except numpy_dtype.NotADtype as exc:
        message = f"tensor spec {index}: numpy cannot parse dtype {show(dtype)} ({exc}); "
        result.add(
            Problem(TENSOR_DTYPE, pointer, message + "Model.load raises TypeError"), replaces
        )
        return
    if parsed.sized_flexible:
        message = (
            f"tensor spec {index}: dtype {show(dtype)} is a string type with a size; MLflow "
            "refuses size information in flexible numpy types"
        )
        result.add(Problem(TENSOR_DTYPE, pointer, message), replaces)
    elif parsed.removed_alias or parsed.shaped_string:
        what = (
            "uses the bytes alias 'a', which numpy deprecated in 2.0 and refuses"
            if parsed.removed_alias
            else "gives numpy's variable-width string type T a shape, which numpy refuses"
        )
        message = (
            f"tensor spec {index}: dtype {show(dtype)} {what} from "
            f"{numpy_dtype.ALIAS_REMOVED_IN} on: Model.load raises TypeError with numpy "
            f"{numpy_dtype.ALIAS_REMOVED_IN} or later"
        )
        result.add(Problem(TENSOR_DTYPE, pointer, message, severity=Severity.WARNING), replaces)
    elif not _is_mlflow_dtype_name(dtype):
        message = (
            f"tensor spec {index}: dtype {show(dtype)} is numpy's alias, not the name MLflow "
            "writes (np.dtype(...).name)"
        )
        result.add(Problem(TENSOR_DTYPE, pointer, message, severity=Severity.INFO), replaces)


def _count(indexes: list[int], noun: str) -> str:
    return f"1 {noun}" if len(indexes) == 1 else f"{len(indexes)} {noun}s"


def _check_list_shape(entries: list[tuple[int, dict[str, Any]]], result: _Analysis) -> None:
    """The constraints ``Schema.__init__`` puts on the list as a whole."""
    tensors = [i for i, e in entries if e.get("type") == "tensor"]
    columns = [i for i, e in entries if e.get("type") != "tensor"]
    if tensors and columns:
        result.add(
            Problem(
                MIXED_SPECS,
                "",
                f"the schema mixes {_count(columns, 'column spec')} ({_indexes(columns)}) "
                f"and {_count(tensors, 'tensor spec')} ({_indexes(tensors)})",
            ),
            _Replaces(MIXED_SPECS, ""),
        )
    names = [(i, e.get("name")) for i, e in entries]
    unnamed = [i for i, name in names if name is None]
    if unnamed and len(unnamed) < len(names):
        result.add(
            Problem(
                MIXED_NAMES,
                join_pointer("", unnamed[0]),
                f"no name on {_count(unnamed, 'spec')} ({_indexes(unnamed)}) while the other "
                f"{len(names) - len(unnamed)} of {len(names)} are named",
            ),
            _Replaces(MIXED_NAMES, ""),
        )
    elif unnamed and tensors and not columns and len(tensors) > 1:
        result.add(
            Problem(
                UNNAMED_TENSORS,
                "",
                f"the schema has {len(tensors)} unnamed tensor specs; MLflow needs names "
                "to tell them apart",
            ),
            _Replaces(UNNAMED_TENSORS, ""),
        )
    counts = Counter(name for _, name in names if isinstance(name, (str, int)))
    for name, count in counts.items():
        if count > 1:
            where = [i for i, n in names if n == name]
            result.add(
                Problem(
                    DUPLICATE_NAME,
                    join_pointer("", where[-1], "name"),
                    f"name {show(name)} is declared by specs {_indexes(where)}; MLflow "
                    f"enforces only spec {where[-1]}",
                )
            )


def _indexes(indexes: list[int]) -> str:
    shown = ", ".join(str(i) for i in indexes[:8])
    return shown + (", ..." if len(indexes) > 8 else "")


def _check_primitive_keys(index: int, entry: dict[str, Any], result: _Analysis) -> None:
    pointer = join_pointer("", index)
    for key in entry:
        if key not in ("type", "name", "required", "optional"):
            result.add(
                Problem(
                    UNKNOWN_KEY,
                    join_pointer(pointer, key),
                    f"column spec {index} has key {key!r}: MLflow passes primitive column "
                    "specs to ColSpec(**spec), which fails on it",
                    severity=Severity.ERROR,
                ),
                _Replaces(UNKNOWN_KEY, pointer),
            )


# -- params ------------------------------------------------------------------------------


def _analyse_params(value: Any) -> _Analysis:
    result = _Analysis()
    if not isinstance(value, list):
        return result
    dtype_keys: list[int] = []
    for spec in read_params(value):
        entry = value[spec.index]
        if "dtype" in entry:
            dtype_keys.append(spec.index)
        problem = param_value_problem(spec.default, spec)
        if problem:
            pointer = join_pointer("", spec.index, "default")
            result.add(
                Problem(PARAM_DEFAULT, pointer, f"default of param {spec.name!r}: {problem}"),
                _Replaces(PARAM_DEFAULT, pointer),
            )
    entries = [(i, e) for i, e in enumerate(value) if isinstance(e, dict) and "name" in e]
    names = Counter(str(e["name"]) for _, e in entries)
    for name, count in names.items():
        if count > 1:
            where = [i for i, e in entries if str(e["name"]) == name]
            result.add(
                Problem(
                    DUPLICATE_PARAM,
                    join_pointer("", where[-1], "name"),
                    f"param {name!r} is declared by specs {_indexes(where)}",
                )
            )
    if dtype_keys:
        result.add(
            Problem(
                PARAM_DTYPE_KEY,
                join_pointer("", dtype_keys[0], "dtype"),
                f"`dtype` (the MLflow 2.6.0 key) gives the type of "
                f"{_count(dtype_keys, 'param spec')} (first: spec {dtype_keys[0]})",
            ),
            _Replaces(PARAM_DTYPE_KEY, "", "deprecated"),
        )
    return result


# -- checks ------------------------------------------------------------------------------


def _valid_fields(ctx: ModelContext) -> Iterator[tuple[str, str]]:
    """``(field, raw JSON text)`` for each signature field that is a valid JSON string."""
    signature = ctx.data.get("signature")
    if not isinstance(signature, dict):
        return
    for name in FIELDS:
        raw = signature.get(name)
        if raw and isinstance(raw, str) and decode_json_text(raw).ok:
            yield name, raw


@record(frozen=True)
class _FieldReport:
    """Everything this module finds in one decoded field (shared through a cache)."""

    semantic: tuple[Problem, ...]
    schema: tuple[Problem, ...]
    required_keys: tuple[int, ...]


@lru_cache(maxsize=1024)
def _field_report(
    name: str, raw: str, validate: Callable[[Any], list[SchemaIssue]] | None
) -> _FieldReport:
    """Pure in (field, text, validator), so identical signatures across models cost once."""
    value = decode_json_text(raw).value
    base = join_pointer("/signature", name)
    analysis = _analyse_params(value) if name == "params" else _analyse_schema(value)
    schema: list[Problem] = []
    try:
        issues = validate(value) if validate is not None else []
    except RecursionError:
        issues = []
        schema.append(Problem(SCHEMA, base, f"signature.{name} is nested too deeply to validate"))
    for issue in issues:
        if not any(each.covers(issue) for each in analysis.replaced):
            problem = _issue_problem(name, base, issue)
            if problem is not None:
                schema.append(problem)
    return _FieldReport(
        tuple(_rebased(p, base) for p in analysis.problems),
        tuple(schema),
        tuple(analysis.required_keys),
    )


def _reports(ctx: ModelContext) -> Iterator[tuple[str, _FieldReport]]:
    for name, raw in _valid_fields(ctx):
        validator = _validator("signature-params" if name == "params" else "signature-schema")
        yield name, _field_report(name, raw, validator)


def _rebased(problem: Problem, base: str) -> Problem:
    return Problem(
        problem.rule,
        base + problem.pointer,
        f"signature.{base.rsplit('/', 1)[-1]}: {problem.message}",
        severity=problem.severity,
        at_key=problem.at_key,
    )


@check(INVALID_JSON, DUPLICATE_KEY)
def signature_fields_are_json(ctx: ModelContext) -> Iterator[Problem]:
    signature = ctx.data.get("signature")
    if not isinstance(signature, dict):
        return
    for name in FIELDS:
        raw = signature.get(name)
        if not raw or not isinstance(raw, str):
            continue  # absent, or not a string: the MLmodel schema reports that
        pointer = join_pointer("/signature", name)
        decoded = decode_json_text(raw)
        if not decoded.ok:
            where = (
                f" at character {decoded.position} (line {decoded.line}, column "
                f"{decoded.column} of the string)"
                if decoded.line
                else ""
            )
            yield Problem(
                INVALID_JSON, pointer, f"signature.{name} is not valid JSON: {decoded.error}{where}"
            )
        for dup in decoded.duplicates:
            yield Problem(
                DUPLICATE_KEY,
                join_pointer(pointer + dup.pointer, dup.key),
                f"signature.{name}: the object at {dup.pointer or 'the top'} has key "
                f"{dup.key!r} more than once"
                + (
                    " with different values; json.loads keeps only the last"
                    if dup.conflicting
                    else " (with the same value each time)"
                ),
                severity=None if dup.conflicting else Severity.INFO,
            )


@check(SCHEMA, UNKNOWN_KEY)
def signature_fields_match_schema(ctx: ModelContext) -> Iterator[Problem]:
    for _, report in _reports(ctx):
        yield from report.schema


def _issue_problem(name: str, base: str, issue: SchemaIssue) -> Problem | None:
    severity = {"warning": Severity.WARNING, "info": Severity.INFO}.get(issue.severity)
    if issue.keyword == "x-unknown-key":
        pointer = join_pointer(base + issue.pointer, issue.property or "")
        return Problem(
            UNKNOWN_KEY,
            pointer,
            f"signature.{name}: key {issue.property!r} is not part of a signature spec; "
            "MLflow ignores it",
        )
    if issue.keyword == "deprecated":
        return Problem(
            SCHEMA,
            join_pointer(base + issue.pointer, issue.property or ""),
            f"signature.{name}: {issue.message}",
            severity=Severity.WARNING,
        )
    pointer = base + issue.pointer
    if issue.property is not None and issue.keyword != "required":
        pointer = join_pointer(pointer, issue.property)
    return Problem(SCHEMA, pointer, f"signature.{name}: {issue.message}", severity=severity)


@check(
    MIXED_SPECS,
    MIXED_NAMES,
    UNNAMED_TENSORS,
    UNNAMED_OPTIONAL,
    DUPLICATE_NAME,
    OPTIONAL_AND_REQUIRED,
    OPTIONAL_KEY,
    TENSOR_DTYPE,
    UNKNOWN_KEY,
    DUPLICATE_PARAM,
    PARAM_DEFAULT,
    PARAM_DTYPE_KEY,
)
def signature_fields_are_consistent(ctx: ModelContext) -> Iterator[Problem]:
    for _, report in _reports(ctx):
        yield from report.semantic


def _writer_before_2_10(ctx: ModelContext) -> bool:
    version = ctx.data.get("mlflow_version")
    major_minor = _major_minor(version) if isinstance(version, str) else None
    return major_minor is not None and major_minor < (2, 10)


def _major_minor(version: str) -> tuple[int, int] | None:
    """The major and minor version at the start of ``mlflow_version``, after blanks
    (``re.match(r"\\s*(\\d+)\\.(\\d+)")``: ``\\s`` is what ``str.lstrip`` strips)."""
    return major_minor(version.lstrip())


@check(REQUIRED_KEY)
def signature_required_key_matches_writer(ctx: ModelContext) -> Iterator[Problem]:
    """Every writer since 2.10 adds ``required``; only a file that claims an older writer is
    likely to meet an older reader (we cannot know the reader otherwise)."""
    if not _writer_before_2_10(ctx):
        return
    found = [
        (name, join_pointer("/signature", name), report.required_keys)
        for name, report in _reports(ctx)
        if name != "params" and report.required_keys
    ]
    if not found:
        return
    _, base, indexes = found[0]
    total = sum(len(i) for _, _, i in found)
    yield Problem(
        REQUIRED_KEY,
        join_pointer(base, indexes[0], "required"),
        f"`required` is set on {_count(list(range(total)), 'column spec')} in "
        f"{' and '.join(f[0] for f in found)}; MLflow writes it since 2.10 but mlflow_version "
        f"is {ctx.data['mlflow_version']}, and MLflow < 2.10 fails to load it (TypeError in "
        "ColSpec)",
    )


@check(FLAGS_WITHOUT_SIGNATURE)
def signature_flags_have_a_signature(ctx: ModelContext) -> Iterator[Problem]:
    if isinstance(ctx.data.get("signature"), dict):
        return
    flags = [k for k in ("is_signature_from_type_hint", "type_hint_from_example") if k in ctx.data]
    if not flags:
        return
    claimed = [k for k in flags if ctx.data[k] is True]
    yield Problem(
        FLAGS_WITHOUT_SIGNATURE,
        join_pointer("", (claimed or flags)[0]),
        f"{' and '.join(flags)} {'is' if len(flags) == 1 else 'are'} set but the model has no "
        "signature; MLflow ignores "
        + ("them" if len(flags) > 1 else "it")
        + (" (the model was saved with a type-hint signature that is now gone)" if claimed else ""),
        severity=None if claimed else Severity.INFO,
        at_key=True,
    )
