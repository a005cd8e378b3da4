"""Input-example rules: ``input_example.json`` has the form ``saved_input_example_info``
describes and fits the signature (``serving_input_example.json``: rules/serving_example.py).

The example is read the way MLflow's ``Model.load_input_example`` reads it: the ``params``
flag is tested for truthiness (then the file is ``{"inputs": ..., "params": ...}``),
``dataframe`` examples are parsed with orient ``split`` and cast to the column types
(lenient), ``json_object`` examples are not cast (strict), ``ndarray`` examples are cast to
the tensor dtypes. Only the first :data:`MAX_ROWS` rows are checked. A missing file is the
path rule's business (rules/paths.py); the check then stays silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ModelContext
from ..example_values import (
    array_shape,
    cast_problem,
    json_kind,
    nested_problem,
    param_value_problem,
    series_problem,
    show,
)
from ..findings import Severity, join_pointer
from ..records import field, record
from ..registry import Problem, check, define_rule
from ..signature_model import (
    ColumnSpec,
    InputSchema,
    ParamSpec,
    TensorSpec,
    input_schema,
    param_specs,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

UNREADABLE = define_rule(
    "input-example-unreadable",
    Severity.ERROR,
    "The input example file cannot be read as JSON; Model.load_input_example fails",
    "Regenerate the example with MLflow, or fix the JSON at the position shown.",
)
MALFORMED = define_rule(
    "input-example-malformed",
    Severity.ERROR,
    "The input example does not have the form its saved_input_example_info describes",
    'dataframe: {"columns": [...], "data": [[...]]}; ndarray: a nested list or a dict of '
    "them; sparse: data/indices/indptr/shape; with `params: 'true'`: "
    '{"inputs": <example>, "params": {...}}.',
)
LEGACY_FORMAT = define_rule(
    "input-example-legacy-format",
    Severity.WARNING,
    "An ndarray example in the MLflow <= 2.15 TF-serving form with a tensor signature: MLflow "
    ">= 2.16 cannot read it",
    "Re-save the example with MLflow >= 2.16 (a bare nested list, or a dict of named lists).",
)
MISSING_INPUT = define_rule(
    "input-example-missing-input",
    Severity.ERROR,
    "The input example lacks an input the signature requires; predicting on it fails",
    'Add the missing columns/tensors to the example, or mark them `"required": false`.',
)
EXTRA_INPUT = define_rule(
    "input-example-extra-input",
    Severity.WARNING,
    "The input example has inputs the signature does not declare; MLflow drops them",
    "Remove them from the example, or add them to signature.inputs.",
)
VALUE_TYPE = define_rule(
    "input-example-value-type",
    Severity.ERROR,
    "A value of the input example cannot be converted to the type the signature declares",
    "Fix the value, or the declared type (e.g. a column with missing values must be "
    "double, not long).",
)
TENSOR_SHAPE = define_rule(
    "input-example-tensor-shape",
    Severity.ERROR,
    "An input example array does not have the shape (or structure) of its tensor spec",
    "Match the rank and the fixed dimensions of tensor-spec.shape (-1 is free).",
)
PARAM_VALUE = define_rule(
    "input-example-param-value",
    Severity.ERROR,
    "A param in the input example does not match its type/shape in signature.params",
    "Fix the value, or the param spec.",
)
UNKNOWN_PARAM = define_rule(
    "input-example-unknown-param",
    Severity.WARNING,
    "The input example passes params the signature does not declare; MLflow ignores them",
    "Declare them in signature.params, or remove them from the example.",
)

MAX_ROWS = 1000
"""Rows (and tensor rows) of an example that are type-checked."""

SPLIT_KEYS = frozenset({"columns", "data", "index"})
_SPARSE_KEYS = ("data", "indices", "indptr", "shape")


# -- reading -----------------------------------------------------------------------------


@record
class _Example:
    """The example data as MLflow would see it, plus what is wrong with its form."""

    kind: str
    file: str
    data: Any = None
    base: str = ""  # pointer of the data inside the file ("/inputs" when params are wrapped)
    params: Any = None
    has_params: bool = False
    usable: bool = False  # the form matches `kind`; the signature checks may look inside
    tf_serving: bool = False  # ndarray data wrapped in {"inputs": ...} (MLflow <= 2.15)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, rule: str, pointer: str, message: str) -> None:
        self.problems.append(Problem(rule, pointer, message, file=self.file))


def example_info(ctx: ModelContext) -> dict[str, Any] | None:
    """``saved_input_example_info`` when it is a mapping."""
    info = ctx.data.get("saved_input_example_info")
    return info if isinstance(info, dict) else None


def _read_example(ctx: ModelContext) -> _Example | None:
    info = example_info(ctx)
    if info is None:
        return None
    rel, kind = info.get("artifact_path"), info.get("type")
    if not isinstance(rel, str) or not isinstance(kind, str) or ctx.existing_file(rel) is None:
        return None
    example = _Example(kind, rel)
    read = ctx.read_json(rel)
    if not read.ok:
        where = f" (line {read.line}, column {read.column})" if read.line else ""
        example.problems.append(
            Problem(
                UNREADABLE,
                "",
                f"{rel} {describe_read_error(read.error)}{where}",
                file=rel,
                # the text is not JSON: no pointer into it, only the decoder's own position
                line=read.line,
                column=read.column,
            )
        )
        return example
    example.data = read.value
    if info.get("params") and not _unwrap_params(example):  # MLflow tests truthiness
        return example
    _check_form(example, info)
    return example


def describe_read_error(error: str) -> str:
    """The end of an "<file> ..." message for a :meth:`ModelContext.read_json` error."""
    return (
        error
        if error.startswith(("is ", "cannot", "contains", "grew"))
        else (f"is not valid JSON: {error}")
    )


def _unwrap_params(example: _Example) -> bool:
    data = example.data
    if not isinstance(data, dict) or "inputs" not in data or "params" not in data:
        found = sorted(data) if isinstance(data, dict) else json_kind(data)
        example.problem(
            MALFORMED,
            "",
            "saved_input_example_info says the example has params, so MLflow reads "
            f'{{"inputs": ..., "params": ...}} from it, but it holds {found}',
        )
        return False
    example.has_params = True
    example.params, example.data, example.base = data["params"], data["inputs"], "/inputs"
    if not isinstance(example.params, dict):
        example.problem(
            MALFORMED, "/params", f"params is a {json_kind(example.params)}, not an object"
        )
    return True


def _check_form(example: _Example, info: dict[str, Any]) -> None:
    kind, data, base = example.kind, example.data, example.base
    if kind == "dataframe":
        example.usable = _check_split(example)
    elif kind == "ndarray":
        if info.get("format") == "tf-serving":
            if not isinstance(data, dict) or set(data) not in ({"inputs"}, {"instances"}):
                example.problem(
                    MALFORMED,
                    base,
                    "an ndarray example in the tf-serving format must be "
                    f'{{"inputs": ...}}, not {describe_json(data)}',
                )
                return
            example.tf_serving = True
        example.usable = True
    elif kind in ("sparse_matrix_csr", "sparse_matrix_csc"):
        _check_sparse(example)
    elif kind == "json_object":
        example.usable = True


def describe_json(data: Any) -> str:
    """What ``data`` is, for messages: "an object with keys ..." or "a <kind>"."""
    if isinstance(data, dict):
        return "an object with keys " + ", ".join(sorted(map(str, data))[:6])
    return f"a {json_kind(data)}"


def _check_split(example: _Example) -> bool:
    data, base = example.data, example.base
    if not isinstance(data, dict):
        example.problem(
            MALFORMED,
            base,
            f'a dataframe example is {{"columns": ..., "data": ...}}, not {describe_json(data)}',
        )
        return False
    extra = sorted(set(data) - SPLIT_KEYS)
    if "data" not in data or extra:
        detail = f"unexpected keys {extra}" if extra else "no `data` key"
        example.problem(
            MALFORMED,
            base,
            f"a dataframe example (orient split) has `data` and optionally "
            f"`columns` and `index`; this one has {detail}",
        )
        return False
    rows, columns = data["data"], data.get("columns")
    if not isinstance(rows, list):
        example.problem(
            MALFORMED, f"{base}/data", f"`data` is a {json_kind(rows)}, not a list of rows"
        )
        return False
    if columns is not None and not isinstance(columns, list):
        example.problem(
            MALFORMED, f"{base}/columns", f"`columns` is a {json_kind(columns)}, not a list"
        )
        return False
    width = len(columns) if columns is not None else None
    for index, row in enumerate(rows[:MAX_ROWS]):
        length = len(row) if isinstance(row, list) else 1
        if width is None:
            width = length
        if length != width:
            expected = f"{width} columns" + (" (the length of `columns`)" if columns else "")
            example.problem(
                MALFORMED,
                join_pointer(f"{base}/data", index),
                f"row {index} has {length} values but the frame has {expected}",
            )
            return False
    return True


def _check_sparse(example: _Example) -> None:
    data, base = example.data, example.base
    if not isinstance(data, dict) or any(k not in data for k in _SPARSE_KEYS):
        missing = [k for k in _SPARSE_KEYS if not isinstance(data, dict) or k not in data]
        example.problem(MALFORMED, base, f"a sparse matrix example lacks {missing}")
        return
    parts = {k: data[k] for k in _SPARSE_KEYS}
    bad = [k for k, v in parts.items() if not isinstance(v, list)]
    shape = parts["shape"]
    if bad or len(shape) != 2 or not all(isinstance(d, int) and d >= 0 for d in shape):
        example.problem(
            MALFORMED, base, "data, indices and indptr must be lists and shape two sizes"
        )
        return
    major = shape[0] if example.kind == "sparse_matrix_csr" else shape[1]
    if len(parts["data"]) != len(parts["indices"]) or len(parts["indptr"]) != major + 1:
        example.problem(
            MALFORMED,
            base,
            f"{example.kind}: {len(parts['data'])} values, {len(parts['indices'])} indices and "
            f"{len(parts['indptr'])} indptr entries do not describe a {shape[0]}x{shape[1]} matrix",
        )


# -- the example as a table ---------------------------------------------------------------


@record
class _Table:
    """Columns of a DataFrame-like example: label -> [(value, pointer)] (first rows only)."""

    columns: dict[Any, list[tuple[Any, str]]]
    pointer: str  # where to report missing/extra columns
    cast: bool  # dataframe examples are cast to the column types; json_object ones are not
    ragged: list[int] | None = None  # list lengths that cannot form one DataFrame


def _table(example: _Example, schema: InputSchema) -> _Table | None:
    data, base = example.data, example.base
    if example.kind == "dataframe":
        labels = data.get("columns")
        rows = data["data"][:MAX_ROWS]
        if labels is None:
            width = len(rows[0]) if rows and isinstance(rows[0], list) else 1 if rows else 0
            labels = list(range(width))
        columns: dict[Any, list[tuple[Any, str]]] = {}
        positions: list[tuple[int, list[tuple[Any, str]]]] = []
        for c, label in enumerate(labels):
            if _label(label) not in columns:  # pandas selects the first of duplicate labels
                cells: list[tuple[Any, str]] = []
                columns[_label(label)] = cells
                positions.append((c, cells))
        for r, row in enumerate(rows):
            values = row if isinstance(row, list) else [row]
            for c, cells in positions:
                if c < len(values):
                    cells.append((values[c], f"{base}/data/{r}/{c}"))
        pointer = f"{base}/columns" if "columns" in data else f"{base}/data"
        return _Table(columns, pointer, cast=True)
    if example.kind != "json_object":
        return None
    return _json_object_table(data, base, schema)


def _label(label: Any) -> Any:
    return label if isinstance(label, (str, int)) and not isinstance(label, bool) else str(label)


def _json_object_table(data: Any, base: str, schema: InputSchema) -> _Table | None:
    """The DataFrame ``_enforce_schema`` builds from an uncast ``json_object`` example."""
    columns: dict[Any, list[tuple[Any, str]]] = {}
    if isinstance(data, dict):
        one_row = any(c.type.kind in ("array", "object") for c in schema.columns) or all(
            not isinstance(v, (list, dict))
            or (isinstance(v, list) and all(isinstance(i, str) for i in v))
            for v in data.values()
        )
        if one_row:  # pd.DataFrame([data]): every value is one cell
            return _Table({k: [(v, join_pointer(base, k))] for k, v in data.items()}, base, False)
        if any(isinstance(v, dict) for v in data.values()):
            return _dict_columns_table(data, base)
        lengths = {len(v) for v in data.values() if isinstance(v, list)}
        if len(lengths) > 1:
            return _Table({}, base, cast=False, ragged=sorted(lengths))
        rows = min(lengths.pop(), MAX_ROWS)
        for key, value in data.items():  # pd.DataFrame(data): lists are columns, scalars repeat
            pointer = join_pointer(base, key)
            if isinstance(value, list):
                columns[key] = [(v, join_pointer(pointer, i)) for i, v in enumerate(value[:rows])]
            else:
                columns[key] = [(value, pointer)] * rows
        return _Table(columns, base, cast=False)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        records = data[:MAX_ROWS]
        for row in records:
            for key in row:
                columns.setdefault(key, [])
        for r, row in enumerate(records):  # pd.DataFrame(records): absent keys become NaN
            for key, cells in columns.items():
                cells.append(
                    (
                        row.get(key),
                        join_pointer(base, r, key) if key in row else join_pointer(base, r),
                    )
                )
        return _Table(columns, base, cast=False)
    if isinstance(data, list):
        if data and all(isinstance(r, list) for r in data):
            return None  # a 2-D list: positional columns, rarely meant for column signatures
        columns[0] = [(v, join_pointer(base, i)) for i, v in enumerate(data[:MAX_ROWS])]
        return _Table(columns, base, cast=False)
    return _Table({0: [(data, base)]}, base, cast=False)


def _dict_columns_table(data: dict[str, Any], base: str) -> _Table | None:
    """pd.DataFrame(data) when values are dicts: the rows are the union of their keys."""
    if any(isinstance(v, list) for v in data.values()):
        return None  # dicts mixed with lists: pandas' alignment is not modelled
    index: dict[str, None] = {}
    for value in data.values():
        if isinstance(value, dict):
            index.update(dict.fromkeys(value))
    rows = list(index)[:MAX_ROWS]
    columns: dict[Any, list[tuple[Any, str]]] = {}
    for key, value in data.items():
        pointer = join_pointer(base, key)
        if isinstance(value, dict):
            columns[key] = [
                (value.get(r), join_pointer(pointer, r) if r in value else pointer) for r in rows
            ]
        else:
            columns[key] = [(value, pointer)] * len(rows)
    return _Table(columns, base, cast=False)


def _check_columns(example: _Example, schema: InputSchema) -> Iterator[Problem]:
    table = _table(example, schema)
    if table is None:
        return
    file = example.file
    if table.ragged:
        yield Problem(
            VALUE_TYPE,
            table.pointer,
            f"the example's lists have different lengths {table.ragged}, so MLflow cannot make "
            "the DataFrame its column signature needs",
            file=file,
        )
        return
    if schema.named:
        matched = [(spec, table.columns.get(spec.name)) for spec in schema.columns]
        missing = [spec.name for spec, cells in matched if cells is None and spec.required]
        declared = {spec.name for spec in schema.columns}
        extra = [label for label in table.columns if label not in declared]
        if missing:
            yield Problem(
                MISSING_INPUT,
                table.pointer,
                f"the example lacks required column(s) {_names(missing)} of signature.inputs",
                file=file,
            )
        if extra:
            yield Problem(
                EXTRA_INPUT,
                table.pointer,
                f"column(s) {_names(extra)} are not in signature.inputs; MLflow drops them",
                file=file,
            )
    else:
        found = list(table.columns.values())
        if len(found) < len(schema.columns):
            yield Problem(
                MISSING_INPUT,
                table.pointer,
                f"the example has {len(found)} column(s) but signature.inputs declares "
                f"{len(schema.columns)} unnamed columns",
                file=file,
            )
        matched = list(zip(schema.columns, found, strict=False))
    for spec, cells in matched:
        if cells:
            problem = _column_problem(spec, cells, table.cast)
            if problem is not None:
                yield Problem(VALUE_TYPE, problem[1], problem[0], file=file)


def _names(names: list[Any]) -> str:
    shown = ", ".join(show(n) for n in names[:10])
    return shown + (f" and {len(names) - 10} more" if len(names) > 10 else "")


def _column_problem(
    spec: ColumnSpec, cells: list[tuple[Any, str]], cast: bool
) -> tuple[str, str] | None:
    """``(message, pointer)`` for the first bad value of a column."""
    label = f"column {show(spec.name)}" if spec.name is not None else f"column {spec.index}"
    label = f"{label} ({spec.type.describe()})"
    if spec.type.primitive and not cast:
        found = series_problem([v for v, _ in cells], spec.type.kind)
        return (f"{label}: {found[1]}", cells[found[0]][1]) if found else None
    first: tuple[str, str] | None = None
    bad = 0
    for value, pointer in cells:
        if spec.type.primitive:
            problem = cast_problem(value, spec.type.kind)
        else:
            problem = nested_problem(value, spec.type, spec.required, twice=cast)
        if problem:
            bad += 1
            first = first or (problem, pointer)
    if first is None:
        return None
    rows = f" ({bad} of {len(cells)} checked values)" if bad > 1 else ""
    return f"{label}: {first[0]}{rows}", first[1]


def _check_tensors(example: _Example, schema: InputSchema) -> Iterator[Problem]:
    if example.kind != "ndarray":
        return
    data, base, file = example.data, example.base, example.file
    if example.tf_serving:
        yield Problem(
            LEGACY_FORMAT,
            base or "",
            'the example is wrapped in {"inputs": ...} (TF-serving form of MLflow <= 2.15); '
            "MLflow >= 2.16 passes the wrapper dict on and fails against the tensor signature",
            file=file,
        )
        key = next(iter(data))
        data, base = data[key], f"{base}/{key}"
    specs = schema.tensors
    if len(specs) > 1 and not schema.named:
        return  # the signature itself is refused (signature-unnamed-tensors)
    if len(specs) == 1 and (specs[0].name is None or isinstance(data, list)):
        yield from _tensor_problems(specs[0], data, base, file)
        return
    if not isinstance(data, dict):
        yield Problem(
            TENSOR_SHAPE,
            base,
            f"signature.inputs has {len(specs)} named tensors, so the example must be an object "
            f"mapping names to arrays, not {describe_json(data)}",
            file=file,
        )
        return
    missing = [s.name for s in specs if s.name not in data]
    extra = [k for k in data if k not in {s.name for s in specs}]
    if missing:
        yield Problem(
            MISSING_INPUT, base, f"the example lacks tensor(s) {_names(missing)}", file=file
        )
    if extra:
        yield Problem(
            EXTRA_INPUT,
            base,
            f"tensor(s) {_names(extra)} are not in signature.inputs; MLflow drops them",
            file=file,
        )
    for spec in specs:
        if spec.name is not None and spec.name in data:
            yield from _tensor_problems(spec, data[spec.name], join_pointer(base, spec.name), file)


def _tensor_problems(spec: TensorSpec, data: Any, base: str, file: str) -> Iterator[Problem]:
    label = f"tensor {show(spec.name)}" if spec.name is not None else "the tensor"
    if isinstance(data, dict):
        yield Problem(
            TENSOR_SHAPE,
            base,
            f"{label} is an object with keys {_names(list(data))}, but signature.inputs has one "
            "unnamed tensor (a single array)",
            file=file,
        )
        return
    found = array_shape(data, spec.dtype, max_rows=MAX_ROWS)
    if found.problem:
        pointer = base + "".join(f"/{i}" for i in found.problem_path)
        yield Problem(VALUE_TYPE, pointer, f"{label}: {found.problem}", file=file)
    if spec.shape is None:
        return  # an unusable shape is the signature schema's finding
    if found.ragged and spec.dtype != "object":
        yield Problem(
            TENSOR_SHAPE,
            base,
            f"{label} is ragged (rows of different lengths); numpy cannot make a {spec.dtype} "
            "array of it",
            file=file,
        )
        return
    if found.ragged and (spec.shape == (-1,) or (len(spec.shape) > 1 and -1 in spec.shape[1:])):
        return  # MLflow lets ragged object arrays through for these shapes
    if spec.shape == (-1,) and spec.dtype == "object":
        return
    shape = found.shape
    fits = len(shape) == len(spec.shape) and all(
        want in (-1, got) for want, got in zip(spec.shape, shape, strict=True)
    )
    if not fits:
        yield Problem(
            TENSOR_SHAPE,
            base,
            f"{label} has shape {list(shape)} but its tensor spec says {list(spec.shape)}",
            file=file,
        )


def _check_params(example: _Example, specs: tuple[ParamSpec, ...]) -> Iterator[Problem]:
    params = example.params
    if not example.has_params or not isinstance(params, dict) or not params:
        return
    by_name = {spec.name: spec for spec in specs}
    unknown = [name for name in params if name not in by_name]
    if unknown:
        why = "signature.params does not declare" if specs else "the model has no params schema for"
        yield Problem(
            UNKNOWN_PARAM,
            "/params",
            f"{why} {_names(unknown)}; MLflow ignores {'it' if len(unknown) == 1 else 'them'}",
            file=example.file,
        )
    for name, value in params.items():
        spec = by_name.get(name)
        problem = param_value_problem(value, spec) if spec is not None else None
        if problem:
            yield Problem(
                PARAM_VALUE,
                join_pointer("/params", name),
                f"param {name!r}: {problem}",
                file=example.file,
            )


# -- checks ------------------------------------------------------------------------------


@check(
    UNREADABLE,
    MALFORMED,
    LEGACY_FORMAT,
    MISSING_INPUT,
    EXTRA_INPUT,
    VALUE_TYPE,
    TENSOR_SHAPE,
    PARAM_VALUE,
    UNKNOWN_PARAM,
    needs_files=True,
)
def input_example_matches(ctx: ModelContext) -> Iterator[Problem]:
    """The example has the form its info says; when it has, it fits the signature."""
    example = _read_example(ctx)
    if example is None:
        return
    yield from example.problems or _fit_signature(ctx, example)


def _fit_signature(ctx: ModelContext, example: _Example) -> Iterator[Problem]:
    signature = ctx.data.get("signature")
    signature = signature if isinstance(signature, dict) else {}
    schema = input_schema(signature.get("inputs"))
    if schema is not None and example.usable:
        if schema.is_columns:
            yield from _check_columns(example, schema)
        elif schema.is_tensors:
            yield from _check_tensors(example, schema)
    yield from _check_params(example, param_specs(signature.get("params")))
