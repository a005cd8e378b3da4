"""Would MLflow accept this JSON value for this declared type? Answered without MLflow.

The input-example rules ask it of every value of an example, the signature rules of every
param default; the types and specs come from :mod:`.signature_model`. Three acceptance
regimes exist in MLflow; each function below follows one exactly (a differential test
against MLflow 2.22 and 3.17 covers ~2,500 generated examples):

* **cast** (:func:`cast_problem`): cells of a ``dataframe`` example under a primitive column
  type. MLflow casts the whole column first (``astype``), so anything numpy can convert
  passes (``"3"`` into ``long``, ``true`` into ``double``); missing values cannot become
  integers; binary cells must be base64 text.
* **uncast** (:func:`series_problem`, :func:`nested_problem`): columns of ``json_object``
  examples, items of arrays, map values and object properties. MLflow checks the dtype pandas
  infers (:func:`series_dtype`) without casting, so JSON integers fail ``integer`` (int32) and
  JSON numbers fail ``float`` (float32).
* **params** (:func:`param_value_problem`): param defaults and example params.

Tensor examples follow ``numpy.array(value, dtype)``: :func:`tensor_leaf_problem` and
:func:`array_shape`. :func:`show` and :func:`json_kind` describe values in messages.
Everything here is pure Python over JSON values and never raises for bad input.
"""

from __future__ import annotations

import json
import re

from .records import record
from .signature_model import FLOAT_TYPES, INTEGER_TYPES, PRIMITIVE_TYPES, DataType, ParamSpec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

# The patterns for string values are strings, compiled (and cached by ``re``) on first use:
# most examples hold no strings in integer or datetime columns (0.4 ms of a cold validate).
_INT_TEXT = r"\s*[+-]?\d+\s*"
# What numpy.datetime64 and pandas parse without a format: ISO 8601 dates and date-times.
_DATETIME_TEXT = (
    r"[+-]?\d{4,}(-\d{2}(-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
    r"(Z|[+-]\d{2}(:?\d{2})?)?)?)?)?"
)
_NUMPY_DATETIME_TEXT = (
    r"[+-]?\d+(-\d{2}(-\d{2}([T ]\d{2}(:\d{2}(:\d{2}(\.\d{1,9})?)?)?"
    r"(Z|[+-]\d{2}(:?\d{2})?)?)?)?)?"
)
_NUMPY_DATETIME_WORDS = frozenset({"nat", "today", "now"})
_INT_DTYPE = r"(u?)int(8|16|32|64)"
#: every string ``_INT_DTYPE`` matches in full (its language is finite) and its range
_INT_BOUNDS = {
    **{f"int{bits}": (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) for bits in (8, 16, 32, 64)},
    **{f"uint{bits}": (0, 2**bits - 1) for bits in (8, 16, 32, 64)},
}


# -- describing values -------------------------------------------------------------------


def _is_nan(value: float) -> bool:
    """``math.isnan`` (``math`` is a shared library: 0.3 ms to load): NaN alone is unequal
    to itself."""
    return value != value  # noqa: PLR0124  (the point)


def _is_finite(value: float) -> bool:
    """``math.isfinite``: ``inf - inf`` and ``nan - nan`` are NaN, any other ``x - x`` is 0."""
    return value - value == 0.0


def show(value: Any, limit: int = 40) -> str:
    """A short JSON rendering of ``value`` for messages."""
    if isinstance(value, float) and _is_nan(value):
        return "NaN"
    try:
        text = json.dumps(value, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        text = f"<{json_kind(value)}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "NaN" if _is_nan(value) else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _float_text(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _base64_text(text: str) -> bool:
    from binascii import a2b_base64  # binary columns only

    try:
        a2b_base64(text.encode("utf-8"))
    except ValueError:  # binascii.Error is one
        return False
    return True


# -- dataframe cells: cast ---------------------------------------------------------------


def cast_problem(value: Any, kind: str) -> str | None:
    """Why a DataFrame example cell cannot be cast to primitive column type ``kind``."""
    if kind in ("string", "boolean"):
        return None
    if isinstance(value, (list, dict)):
        return f"{json_kind(value)} {show(value)} is not a {kind} value"
    if kind in INTEGER_TYPES:
        if value is None or (isinstance(value, float) and not _is_finite(value)):
            label = "null" if value is None else show(value)
            return (
                f"{label} (a missing value) cannot be cast to {kind}; "
                "integer columns cannot hold missing values"
            )
        if isinstance(value, str) and not re.fullmatch(_INT_TEXT, value):
            return f"string {show(value)} cannot be cast to {kind}"
        return None
    if kind in FLOAT_TYPES:
        if isinstance(value, str) and not _float_text(value):
            return f"string {show(value)} cannot be cast to {kind}"
        return None
    if kind == "binary":
        if not isinstance(value, str):
            return f"{json_kind(value)} {show(value)} is not base64 text for a binary column"
        if not _base64_text(value):
            return f"string {show(value)} is not valid base64 for a binary column"
        return None
    if kind == "datetime":
        if isinstance(value, bool):
            return f"boolean {show(value)} cannot be parsed as a datetime"
        if isinstance(value, str) and not re.fullmatch(_DATETIME_TEXT, value.strip()):
            return f"string {show(value)} is not an ISO 8601 date or date-time"
    return None


# -- uncast: json_object columns and nested values ---------------------------------------


_INT64 = (-(2**63), 2**63 - 1)


def series_dtype(values: list[Any]) -> str:
    """The dtype pandas gives a Series of these JSON values: int64, float64, bool, str
    (object under pandas < 3) or object."""
    seen: set[str] = set()
    for value in values:
        if value is None:
            seen.add("null")
        elif isinstance(value, bool):
            seen.add("bool")
        elif isinstance(value, int):
            seen.add("int" if _INT64[0] <= value <= _INT64[1] else "object")
        elif isinstance(value, float):
            seen.add("float")
        elif isinstance(value, str):
            seen.add("str")
        else:
            seen.add("object")
    if "object" in seen or not seen - {"null"}:
        return "object"
    if seen == {"int"}:
        return "int64"
    if seen <= {"int", "float", "null"}:
        return "float64"
    if seen == {"bool"}:
        return "bool"
    return "str" if seen <= {"str", "null"} else "object"


def _first(values: list[Any], bad: Any) -> tuple[int, Any]:
    for index, value in enumerate(values):
        if bad(value):
            return index, value
    return 0, values[0]


def series_problem(values: list[Any], kind: str) -> tuple[int, str] | None:
    """``(index to blame, why)`` when MLflow's check *without a cast* refuses these values as
    one pandas Series of primitive type ``kind``: the columns of a ``json_object`` example, the
    items of a primitive array, a single map value or object property (verified against
    MLflow 2.22 and 3.17)."""
    if kind not in PRIMITIVE_TYPES or not values:
        return None
    dtype = series_dtype(values)
    if kind in ("string", "binary"):
        if dtype in ("int64", "float64", "bool"):
            index, value = _first(values, lambda v: not isinstance(v, str) and v is not None)
            return index, f"{json_kind(value)} {show(value)} is not a {kind} value"
        return None
    if kind == "boolean":
        if dtype in ("bool", "object"):
            return None
        index, value = _first(values, lambda v: not isinstance(v, bool) and v is not None)
        return index, f"{json_kind(value)} {show(value)} is not a boolean value"
    if kind == "datetime":
        if dtype == "object":
            index, value = _first(
                values,
                lambda v: (
                    not _missing(v)
                    and not (isinstance(v, str) and re.fullmatch(_DATETIME_TEXT, v.strip()))
                ),
            )
            if _missing(value) or isinstance(value, str):
                return None  # all missing, or ISO strings next to missing values: parsed
            return index, f"{json_kind(value)} {show(value)} is not convertible to datetime"
        if dtype == "str":
            return 0, (
                "date strings are not converted to datetime without a cast (MLflow 3 with "
                "pandas >= 3 refuses them)"
            )
        return 0, f"{json_kind(values[0])} {show(values[0])} is not a datetime value"
    return _numeric_series_problem(values, kind, dtype)


def _numeric_series_problem(values: list[Any], kind: str, dtype: str) -> tuple[int, str] | None:
    if kind == "double" and dtype == "object":
        # MLflow's Decimal branch: pandas.to_numeric on any object column
        index, value = _first(values, lambda v: not _numeric_like(v))
        if _numeric_like(value):
            return None
        return index, f"{json_kind(value)} {show(value)} is not a double value"
    if dtype in ("object", "str", "bool"):
        index, value = _first(values, lambda v: not _is_number(v) and v is not None)
        if value is None:
            return index, f"null is not a {kind} value (the values are all missing)"
        return index, f"{json_kind(value)} {show(value)} is not a {kind} value"
    if kind in INTEGER_TYPES:
        if dtype == "float64":
            index, value = _first(values, lambda v: not isinstance(v, int))
            if _missing(value):
                return index, (
                    f"{show(value)} (a missing value) makes the values float64, and MLflow does "
                    f"not convert floats to {kind}"
                )
            return (
                index,
                f"number {show(value)} is not an integer; MLflow does not convert floats to {kind}",
            )
        if kind == "integer":
            return 0, (
                "JSON integers arrive as int64, which MLflow does not narrow to integer (int32) "
                "without a cast; declare long"
            )
        return None
    if dtype == "int64":
        if all(v in (0, 1) for v in values):
            return None
        index, value = _first(values, lambda v: v not in (0, 1))
        return index, (
            f"integer {value} makes the values int64, which MLflow converts to {kind} only when "
            f"all are 0 or 1; write {value}.0"
        )
    if kind == "float":
        return 0, (
            "JSON numbers arrive as float64, which MLflow does not narrow to float (float32) "
            "without a cast; declare double"
        )
    return None


def _numeric_like(value: Any) -> bool:
    """What ``pandas.to_numeric`` accepts: numbers, booleans, missing values, numeric text."""
    if value is None or isinstance(value, (bool, int, float)):
        return True
    return isinstance(value, str) and _float_text(value)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and _is_nan(value))


_TWICE_CHECKED = frozenset({"float", "integer", "datetime"})


def nested_problem(
    value: Any, dtype: DataType, required: bool, path: str = "", *, twice: bool = False
) -> str | None:
    """Why ``value`` fails MLflow's check of a complex ``dtype`` (array, object, map) or of a
    primitive nested inside one. ``twice``: the value is a cell of a dataframe example, which
    MLflow checks once while casting and again while enforcing the signature."""
    where = f" at {path}" if path else ""
    if dtype.primitive:
        if _missing(value) and not required:
            return None
        if value is None:
            return f"null{where} in a required {dtype.kind} field"
        if isinstance(value, (list, dict)):
            return f"{json_kind(value)} {show(value)}{where} is not a {dtype.kind} value"
        problem = series_problem([value], dtype.kind)
        return f"{problem[1]}{where}" if problem else None
    if dtype.kind in ("array", "map", "object"):
        return _container_problem(value, dtype, required, path, twice)
    return None


def _container_problem(
    value: Any, dtype: DataType, required: bool, path: str, twice: bool
) -> str | None:
    where = f" at {path}" if path else ""
    items = dtype.items
    if value is None:
        if not required or (items is not None and items.kind == "any"):
            return None
        return f"null{where} in a required {dtype.describe()} field"
    if dtype.kind == "array":
        if not isinstance(value, list):
            return f"{json_kind(value)} {show(value)}{where} is not a list ({dtype.describe()})"
        if items is None or not value:
            return None
        if items.primitive:
            return _array_items_problem(value[:_MAX_ITEMS], items.kind, path, twice)
        for index, item in enumerate(value[:_MAX_ITEMS]):
            problem = nested_problem(item, items, required, f"{path}[{index}]", twice=twice)
            if problem:
                return problem
        return None
    if not isinstance(value, dict):
        return f"{json_kind(value)} {show(value)}{where} is not an object ({dtype.describe()})"
    if dtype.kind == "object":
        if not value and not required:
            return None
        return _object_problem(value, dtype, path, twice)
    if items is None or (not value and not required):
        return None
    for key, item in list(value.items())[:_MAX_ITEMS]:
        item_path = f"{path}.{key}" if path else str(key)
        problem = nested_problem(item, items, required, item_path, twice=twice)
        if problem:
            return problem
    return None


def _array_items_problem(items: list[Any], kind: str, path: str, twice: bool) -> str | None:
    problem = series_problem(items, kind)
    if problem:
        return f"{problem[1]} (at {path}[{problem[0]}])"
    # numpy cannot put a sequence into a str/bytes array (a dict becomes its str()), and
    # pandas parses neither into a datetime
    shapes = (list, dict) if kind == "datetime" else (list,)
    if kind in ("string", "binary", "datetime") and any(isinstance(i, shapes) for i in items):
        index, value = _first(items, lambda v: isinstance(v, shapes))
        return f"{json_kind(value)} {show(value)} at {path}[{index}] is not a {kind} value"
    if twice and kind in _TWICE_CHECKED and not all(_missing(i) for i in items):
        return (
            f"array<{kind}> at {path or 'the top'}: MLflow checks dataframe cells twice and the "
            f"second check refuses the {kind} values the first one produced; declare "
            + ("double" if kind == "float" else "long" if kind == "integer" else "string")
        )
    return None


def _object_problem(value: dict[str, Any], dtype: DataType, path: str, twice: bool) -> str | None:
    where = f" at {path}" if path else ""
    known = {p.name: p for p in dtype.properties}
    missing = [p.name for p in dtype.properties if p.required and p.name not in value]
    if missing:
        return f"object{where} lacks required properties {missing}"
    unknown = sorted(str(k) for k in value if k not in known)
    if unknown:
        return f"object{where} has properties {unknown} that {dtype.describe()} does not declare"
    for key, item in value.items():
        prop = known[key]
        item_path = f"{path}.{key}" if path else key
        problem = nested_problem(item, prop.type, prop.required, item_path, twice=twice)
        if problem:
            return problem
    return None


_MAX_ITEMS = 1000


# -- params ------------------------------------------------------------------------------


def _param_scalar_problem(value: Any, kind: str) -> str | None:
    if value is None:
        return None
    if kind == "datetime":
        if isinstance(value, str) and (
            re.fullmatch(_NUMPY_DATETIME_TEXT, value) or value.lower() in _NUMPY_DATETIME_WORDS
        ):
            return None
        return f"{json_kind(value)} {show(value)} is not an ISO 8601 datetime string"
    if isinstance(value, (list, dict)):
        return f"{json_kind(value)} {show(value)} is not a scalar {kind} value"
    if kind in INTEGER_TYPES:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in FLOAT_TYPES:
        ok = _is_number(value)
    elif kind == "string":
        ok = isinstance(value, str)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    else:
        return None
    return None if ok else f"{json_kind(value)} {show(value)} is not a {kind} value"


def param_value_problem(value: Any, spec: ParamSpec) -> str | None:
    """Why MLflow would refuse ``value`` for param ``spec`` (as a default or at predict time)."""
    dtype = spec.type
    if dtype is None or not spec.shape_ok:
        return None
    if spec.shape == (-1,):
        if not isinstance(value, list):
            return f"{json_kind(value)} {show(value)} is not a list, but the shape is [-1]"
        if any(isinstance(v, list) for v in value):
            return f"list {show(value)} is not one-dimensional, but the shape is [-1]"
        if dtype.kind == "object":
            return None
        for item in value:
            problem = _param_scalar_problem(item, dtype.kind)
            if problem:
                return f"item {problem}"
        return None
    if dtype.kind == "object":
        return nested_problem(value, dtype, True) if value is not None else None
    return _param_scalar_problem(value, dtype.kind)


# -- tensors -----------------------------------------------------------------------------


def _int_bounds(dtype: str) -> tuple[int, int] | None:
    if dtype.isascii():  # the pattern's language is `_INT_BOUNDS`
        return _INT_BOUNDS.get(dtype)
    match = re.fullmatch(_INT_DTYPE, dtype)
    if match is None:
        return None
    bits = int(match.group(2))
    if match.group(1):
        return 0, 2**bits - 1
    return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1


_ANYTHING_DTYPES = ("bool", "object", "str", "bytes")


def tensor_leaf_problem(value: Any, dtype: str) -> str | None:
    """Why ``numpy.array(..., dtype=dtype)`` fails on the leaf ``value`` (MLflow's cast)."""
    if dtype.startswith(_ANYTHING_DTYPES):
        return None  # numpy converts anything to these (truth value, the object, str())
    if isinstance(value, (dict, list)):
        return f"{json_kind(value)} {show(value)} cannot be converted to {dtype}"
    bounds = _int_bounds(dtype)
    if bounds is not None:
        if value is None or (isinstance(value, float) and not _is_finite(value)):
            return f"{show(value)} (a missing value) cannot be converted to {dtype}"
        if isinstance(value, str):
            if not re.fullmatch(_INT_TEXT, value):
                return f"string {show(value)} cannot be converted to {dtype}"
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            low, high = bounds
            if not low <= value <= high:
                return f"{value} is out of range for {dtype}"
        return None
    if dtype.startswith("float"):
        if isinstance(value, str) and not _float_text(value):
            return f"string {show(value)} cannot be converted to {dtype}"
        return None
    if dtype.startswith("datetime64"):
        if isinstance(value, float) and not _is_nan(value):
            return f"number {show(value)} cannot be converted to {dtype}"
        if isinstance(value, float) or (
            isinstance(value, str)
            and not re.fullmatch(_NUMPY_DATETIME_TEXT, value)
            and value.lower() not in _NUMPY_DATETIME_WORDS
        ):
            return f"{show(value)} cannot be converted to {dtype}"
    return None


MAX_DIMS = 64  # numpy 2's limit on the number of dimensions


@record
class _ShapeWalk:
    dtype: str
    budget: int
    problem: str | None = None
    problem_path: tuple[int, ...] = ()
    ragged: bool = False


@record(frozen=True)
class ArrayShape:
    """numpy's view of a nested JSON list."""

    shape: tuple[int, ...]  # for ragged data: the dimensions all rows share (numpy's object shape)
    ragged: bool  # rows of different lengths: only an object array can hold it
    problem: str | None  # the first leaf the dtype cannot hold
    problem_path: tuple[int, ...]  # index path of that leaf


def array_shape(
    value: Any, dtype: str = "", *, max_rows: int = 1000, budget: int = 200_000
) -> ArrayShape:
    """Shape and leaf check of ``numpy.array(value, dtype=dtype)``. Only the first
    ``max_rows`` rows and ``budget`` values are examined (the first dimension is exact)."""
    walk = _ShapeWalk(dtype, budget)
    if not isinstance(value, list):
        problem = tensor_leaf_problem(value, dtype) if dtype else None
        return ArrayShape((), False, problem, ())
    inner = _inner_shape(value[:max_rows], walk, ())
    return ArrayShape((len(value), *inner), walk.ragged, walk.problem, walk.problem_path)


def _inner_shape(rows: list[Any], walk: _ShapeWalk, path: tuple[int, ...]) -> tuple[int, ...]:
    """The dimensions shared by all of ``rows``' elements (their longest common prefix)."""
    common: tuple[int, ...] | None = None
    for index, row in enumerate(rows):
        if walk.budget <= 0:
            break
        walk.budget -= 1
        if isinstance(row, list) and len(path) >= MAX_DIMS:
            walk.problem = (
                walk.problem or f"the data is nested deeper than numpy's {MAX_DIMS} dimensions"
            )
            walk.problem_path = walk.problem_path or (*path, index)
            walk.budget = 0
            break
        if isinstance(row, list):
            shape: tuple[int, ...] = (len(row), *_inner_shape(row, walk, (*path, index)))
        else:
            shape = ()
            if walk.dtype and walk.problem is None:
                problem = tensor_leaf_problem(row, walk.dtype)
                if problem:
                    walk.problem, walk.problem_path = problem, (*path, index)
        if common is None:
            common = shape
        elif shape != common:
            walk.ragged = True
            size = 0
            while size < min(len(shape), len(common)) and shape[size] == common[size]:
                size += 1
            common = common[:size]
    return common or ()
