"""What a given reader will fail on: ``validate --reader-mlflow 2.9`` (``2.9.2`` too) and
``--reader-sklearn 1.3``. Silent unless a reader version is given.

Every rule is calibrated against the version matrix (``mlmodel-spec matrix``, the README
table) or a fact of the format reference tested against real MLflow: the sklearn skops
format and LightGBM skops archives (MLflow 2.9.2 and 2.22.5 fail on them in the matrix),
``required`` column specs (2.9.2 fails in the matrix), ``optional`` column specs (2.18+),
complex column types and unknown top-level keys (1.0-1.6). Versions compare by
major.minor: the format changed at minor releases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..registry import Problem, check, define_rule
from ..signature_model import decode_json_text

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

READER_MLFLOW_KEYS = define_rule(
    "reader-mlflow-keys",
    Severity.ERROR,
    "The reader MLflow (--reader-mlflow, before 1.7) fails on a top-level key it does not know",
    "MLflow 1.0-1.6 pass every top-level key to Model(); remove the key or load with 1.7+.",
)
READER_MLFLOW_SIGNATURE = define_rule(
    "reader-mlflow-signature",
    Severity.ERROR,
    "The reader MLflow (--reader-mlflow) cannot parse a column spec of the signature",
    "MLflow parses the signature while loading the model: re-save the model with the reader's "
    "MLflow, or rewrite the signature in the form that version reads.",
)
READER_MLFLOW_FORMAT = define_rule(
    "reader-mlflow-format",
    Severity.ERROR,
    "The reader MLflow (--reader-mlflow) cannot read the flavor's serialization format",
    "Save the model with serialization_format cloudpickle (or pickle) for readers before "
    "MLflow 3.9, or load it with MLflow 3.9+.",
)
READER_SKLEARN_VERSION = define_rule(
    "reader-sklearn-version",
    Severity.WARNING,
    "The model was saved with another scikit-learn minor release than the reader's "
    "(--reader-sklearn)",
    "scikit-learn does not promise that estimators load across versions: re-save the model "
    "with the reader's scikit-learn, or run the version matrix for your models.",
)

_VERSION = r"^(\d+)\.(\d+)(?:\.\d+)?$"  # compiled when a --reader-* option is given
#: the top-level keys ``Model.__init__`` took before MLflow 1.7 (no ``**kwargs``)
_KEYS_BEFORE_1_7 = frozenset({"artifact_path", "run_id", "utc_time_created", "flavors"})
#: column types and the MLflow release whose reader first parses them (reference §6.2)
_TYPE_SINCE = {
    "array": (2, 10),
    "object": (2, 10),
    "map": (2, 12),
    "sparkml_vector": (2, 16),
    "any": (2, 19),
}
_SIGNATURE_FIELDS = ("inputs", "outputs")
_BOOSTER = "lightgbm.basic.Booster"


def minor_version(text: str | None) -> tuple[int, int] | None:
    """``"2.9.2"`` or ``"2.9"`` as ``(2, 9)``; ``None`` for anything else."""
    match = re.match(_VERSION, text.strip()) if isinstance(text, str) else None
    return (int(match.group(1)), int(match.group(2))) if match else None


def _shown(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"


@check(READER_MLFLOW_KEYS)
def reader_mlflow_knows_the_keys(ctx: ModelContext) -> Iterator[Problem]:
    reader = minor_version(ctx.options.reader_mlflow)
    if reader is None or reader >= (1, 7):
        return
    for key in ctx.data:
        if isinstance(key, str) and key not in _KEYS_BEFORE_1_7:
            yield Problem(
                READER_MLFLOW_KEYS,
                join_pointer("", key),
                f"MLflow {ctx.options.reader_mlflow} fails to load a model with the top-level "
                f"key {key!r} (TypeError: Model.__init__() got an unexpected keyword argument)",
                at_key=True,
            )


def _column_problems(spec: dict[str, Any], reader: tuple[int, int]) -> list[tuple[str, str]]:
    """What ``reader`` fails on in one column spec: ``(key, why)`` pairs."""
    found = []
    if "required" in spec and reader < (2, 10):
        found.append(("required", "MLflow before 2.10 has no `required` (TypeError in ColSpec)"))
    if "optional" in spec and reader >= (2, 18):
        found.append(
            ("optional", "MLflow 2.18+ no longer accepts `optional` (TypeError in ColSpec)")
        )
    elif "optional" in spec and reader < (2, 4):
        found.append(("optional", "MLflow before 2.4 has no `optional` (TypeError in ColSpec)"))
    kind = spec.get("type")
    since = _TYPE_SINCE.get(kind) if isinstance(kind, str) else None
    if since is not None and reader < since:
        found.append(
            (
                "type",
                f"the column type {kind!r} is read from MLflow {_shown(since)} on "
                "(MlflowException: Unsupported type)",
            )
        )
    return found


@check(READER_MLFLOW_SIGNATURE)
def reader_mlflow_parses_the_signature(ctx: ModelContext) -> Iterator[Problem]:
    reader = minor_version(ctx.options.reader_mlflow)
    signature = ctx.data.get("signature")
    if reader is None or not isinstance(signature, dict):
        return
    for name in _SIGNATURE_FIELDS:
        raw = signature.get(name)
        decoded = decode_json_text(raw) if isinstance(raw, str) and raw else None
        if decoded is None or not decoded.ok or not isinstance(decoded.value, list):
            continue  # the signature rules report malformed fields
        found: dict[tuple[str, str], list[int]] = {}
        for index, spec in enumerate(decoded.value):
            if not isinstance(spec, dict) or spec.get("type") == "tensor":
                continue  # tensor specs have neither `required` nor complex types
            for key, why in _column_problems(spec, reader):
                found.setdefault((key, why), []).append(index)
        for (key, why), indexes in found.items():
            many = f" (column specs {', '.join(map(str, indexes))})" if len(indexes) > 1 else ""
            yield Problem(
                READER_MLFLOW_SIGNATURE,
                join_pointer("/signature", name, indexes[0], key),
                f"signature.{name}: MLflow {ctx.options.reader_mlflow} fails to load the "
                f"model: {why}{many}",
            )


@check(READER_MLFLOW_FORMAT)
def reader_mlflow_reads_the_format(ctx: ModelContext) -> Iterator[Problem]:
    reader = minor_version(ctx.options.reader_mlflow)
    if reader is None or reader >= (3, 9):
        return
    shown = ctx.options.reader_mlflow
    sklearn = ctx.flavor("sklearn")
    if sklearn is not None and sklearn.get("serialization_format") == "skops":
        yield Problem(
            READER_MLFLOW_FORMAT,
            "/flavors/sklearn/serialization_format",
            f"MLflow {shown} cannot load a skops model (MlflowException: Unrecognized "
            "serialization format: skops); MLflow reads skops from 3.9 on",
        )
    lightgbm = ctx.flavor("lightgbm")
    if lightgbm is None or lightgbm.get("model_class", _BOOSTER) == _BOOSTER:
        return  # a Booster is LightGBM's own text format for every reader
    data = lightgbm.get("data")
    if lightgbm.get("serialization_format") == "skops" or (
        isinstance(data, str) and data.endswith(".skops")
    ):
        pointer = "serialization_format" if "serialization_format" in lightgbm else "data"
        yield Problem(
            READER_MLFLOW_FORMAT,
            join_pointer("/flavors/lightgbm", pointer),
            f"MLflow {shown} unpickles the {lightgbm.get('model_class')} file {data!r}, a "
            "skops archive (UnpicklingError); MLflow reads skops from 3.9 on",
        )


@check(READER_SKLEARN_VERSION)
def reader_sklearn_matches_the_writer(ctx: ModelContext) -> Iterator[Problem]:
    reader = minor_version(ctx.options.reader_sklearn)
    sklearn = ctx.flavor("sklearn")
    if reader is None or sklearn is None:
        return
    written = minor_version(sklearn.get("sklearn_version"))
    if written is None or written == reader:
        return
    if written > reader:
        known = (
            " The version matrix found LogisticRegression pickles of 1.5-1.7 predicting other "
            "probabilities in 1.3-1.4, and those of 1.8+ failing to predict in 1.7 and older "
            "(AttributeError: no attribute 'multi_class')."
        )
    else:
        known = " The version matrix found them loading with the same predictions."
    yield Problem(
        READER_SKLEARN_VERSION,
        "/flavors/sklearn/sklearn_version",
        f"saved with scikit-learn {sklearn['sklearn_version']}, read with "
        f"{ctx.options.reader_sklearn}: scikit-learn warns InconsistentVersionWarning while "
        f"unpickling.{known}",
    )
