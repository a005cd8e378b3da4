"""Checks that load the model and predict: loads, native-loads, predicts-on-example,
output-matches-signature, input-enforcement, deterministic, row-invariant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from . import catalogue as ids
from .base import Issue, implements
from .compare import concatenate, difference, row_count, rows
from .flavors import is_library_object, native_flavor
from .session import NEEDS_MLFLOW, Failure, Session, Skip, quiet

#: row-invariant predicts at most this many rows one by one
MAX_SINGLE_ROWS = 20
NOT_A_NUMBER = "not-a-number"


@implements(ids.LOADS)
def loads(session: Session) -> Iterator[Issue]:
    """``mlmodel_spec.pyfunc.load_model`` loads the directory (runs its loader module)."""
    from mlmodel_spec.pyfunc import load_model

    loaded = session.attempt(
        "pyfunc", lambda: load_model(session.directory, suppress_warnings=True)
    )
    if isinstance(loaded, Failure):
        if loaded.needs_mlflow:  # not the model's fault: mlflow-loads judges it where it can
            raise Skip(f"{NEEDS_MLFLOW} ({loaded.summary})")
        yield Issue(f"pyfunc.load_model failed: {loaded.summary}", "/flavors/python_function")


@implements(ids.NATIVE_LOADS)
def native_loads(session: Session) -> Iterator[Issue]:
    """The flavor's own ``load_model`` returns an object of the flavor's library."""
    found = native_flavor(session.meta.flavors)
    if found is None:  # pragma: no cover - the capability guarantees one
        raise Skip("no flavor with a native loader")
    name, module = found
    loaded = session.attempt("native", lambda: module.load_model(session.directory))
    if isinstance(loaded, Failure):
        yield Issue(f"{module.__name__}.load_model failed: {loaded.summary}", f"/flavors/{name}")
    elif not is_library_object(loaded, module):
        yield Issue(
            f"{module.__name__}.load_model returned a {type(loaded).__module__}."
            f"{type(loaded).__qualname__}, not a {module.FLAVOR.library} object",
            f"/flavors/{name}",
        )


@implements(ids.PREDICTS_ON_EXAMPLE)
def predicts_on_example(session: Session) -> Iterator[Issue]:
    """``predict`` succeeds on the saved input example (every historical form)."""
    model = session.pyfunc()
    example = session.attempt("example", session.read_example)
    if isinstance(example, Failure):
        yield Issue(
            f"cannot read the input example: {example.summary}", "/saved_input_example_info"
        )
        return
    data, params = example
    predicted = session.attempt("prediction", lambda: model.predict(data, params=params))
    if isinstance(predicted, Failure):
        yield Issue(f"predict on the input example failed: {predicted.summary}")


def _is_batch(data: Any) -> bool:
    import numpy as np
    import pandas as pd

    return isinstance(data, (pd.DataFrame, np.ndarray)) or hasattr(data, "tocsr")


@implements(ids.OUTPUT_MATCHES_SIGNATURE)
def output_matches_signature(session: Session) -> Iterator[Issue]:
    """One prediction per input row; names, types and shape fit ``signature.outputs``."""
    from mlmodel_spec.types.enforce import enforce_schema
    from mlmodel_spec.types.errors import MlmodelSpecError

    predicted = session.prediction()
    data, _ = session.example()
    inputs, outputs = row_count(data), row_count(predicted)
    if _is_batch(data) and inputs is not None and outputs != inputs:
        got = "no rows" if outputs is None else f"{outputs} rows"
        yield Issue(f"the prediction has {got} for {inputs} input rows", "/signature/outputs")
        return
    schema = session.meta.get_output_schema()
    try:
        with quiet():
            enforce_schema(predicted, schema)
    except MlmodelSpecError as exc:
        yield Issue(
            f"the prediction ({_describe(predicted)}) does not fit signature.outputs "
            f"{schema}: {exc}",
            "/signature/outputs",
        )


def _describe(value: Any) -> str:
    shape = getattr(value, "shape", None)
    kind = type(value).__name__
    dtype = getattr(value, "dtype", None)
    return (
        kind
        + (f" of shape {tuple(shape)}" if shape is not None else "")
        + (f", dtype {dtype}" if dtype is not None else "")
    )


def _wrong_inputs(data: Any, schema: Any) -> Iterator[tuple[str, Any]]:
    """(what is wrong, the wrong input) pairs built from the example."""
    import numpy as np
    import pandas as pd

    from mlmodel_spec.types.datatypes import DataType

    if isinstance(data, pd.DataFrame) and schema.has_input_names():
        required = [n for n in schema.required_input_names() if n in data.columns]
        if required:
            yield f"input without required column {required[0]!r}", data.drop(columns=required[0])
        numeric = (DataType.long, DataType.integer, DataType.double, DataType.float)
        for spec in schema.inputs:
            if spec.name in required and getattr(spec, "type", None) in numeric:
                wrong = data.copy()
                wrong[spec.name] = pd.Series(NOT_A_NUMBER, index=data.index, dtype=object)
                kind = getattr(spec.type, "name", spec.type)
                yield f"input with strings in the {kind} column {spec.name!r}", wrong
                break
    elif isinstance(data, np.ndarray) and schema.is_tensor_spec() and data.ndim == 2:
        shape = schema.inputs[0].shape
        if len(schema.inputs) == 1 and len(shape) == 2 and shape[1] != -1 and data.shape[1] > 1:
            yield f"input with {data.shape[1] - 1} columns for shape {shape}", data[:, :-1]


@implements(ids.INPUT_ENFORCEMENT)
def input_enforcement(session: Session) -> Iterator[Issue]:
    """A wrong input gives the signature error, not a library traceback (or a prediction)."""
    from mlmodel_spec.types.errors import SchemaEnforcementError

    model = session.pyfunc()
    data, params = session.example()
    wrong_inputs = list(_wrong_inputs(data, session.meta.get_input_schema()))
    if not wrong_inputs:
        raise Skip("the example has no required input to drop or mistype")
    for description, wrong in wrong_inputs:
        try:
            with quiet():
                model.predict(wrong, params=params)
        except SchemaEnforcementError:
            continue
        except MemoryError:
            raise
        except Exception as exc:  # model code: the point is which exception it raises
            yield Issue(
                f"{description}: predict raised {Failure.of(exc).summary} instead of the "
                "signature error",
                "/signature/inputs",
            )
        else:
            yield Issue(f"{description}: predict accepted it", "/signature/inputs")


@implements(ids.DETERMINISTIC)
def deterministic(session: Session) -> Iterator[Issue]:
    """Two predictions on the same input are equal (exactly, NaN equal to NaN)."""
    first = session.prediction()
    data, params = session.example()
    second = session.attempt(
        "prediction-again", lambda: session.pyfunc().predict(data, params=params)
    )
    if isinstance(second, Failure):
        yield Issue(f"the second predict on the example failed: {second.summary}")
    elif found := difference(first, second, tolerant=False):
        yield Issue(f"two predictions on the input example differ: {found}")


@implements(ids.ROW_INVARIANT)
def row_invariant(session: Session) -> Iterator[Issue]:
    """The example predicted row by row equals the batch prediction (float tolerance)."""
    from .compare import TOLERANCE_NOTE

    data, params = session.example()
    model = session.pyfunc()
    singles = rows(data) if _is_batch(data) else None
    if singles is None or len(singles) < 2:
        raise Skip("the input example has fewer than two rows")
    batch = session.prediction()
    if len(singles) > MAX_SINGLE_ROWS:
        singles = singles[:MAX_SINGLE_ROWS]
        head = data.iloc[:MAX_SINGLE_ROWS] if hasattr(data, "iloc") else data[:MAX_SINGLE_ROWS]
        batch = session.require(
            "prediction-head", lambda: model.predict(head, params=params), "predict"
        )
    parts = session.attempt(
        "row-predictions", lambda: [model.predict(row, params=params) for row in singles]
    )
    if isinstance(parts, Failure):
        yield Issue(f"predict on a single row failed: {parts.summary}")
        return
    try:
        joined = concatenate(parts)
    except ValueError as exc:
        yield Issue(f"single-row predictions do not join into a batch: {exc}")
        return
    if found := difference(batch, joined):
        yield Issue(f"row-by-row predictions differ from the batch ({TOLERANCE_NOTE}): {found}")
