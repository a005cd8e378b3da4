"""One cell of the table: a loader (our runtime or MLflow) loads one golden model, predicts
on the fixed input, and the result is compared with the writer's predictions.

Statuses: ``ok``; ``warning`` (loaded and predicted the same, but warned: the warning
classes); ``different`` (predictions differ: the max abs difference); ``error`` (the
exception class and the first line of its message).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .golden import CASES_BY_NAME, as_floats, case_input, case_params, first_line

OK, WARNING, DIFFERENT, ERROR = "ok", "warning", "different", "error"
STATUS_RANK = {OK: 0, WARNING: 1, DIFFERENT: 2, ERROR: 3}
TOLERANCE = 1e-6  # max abs difference still "the same" (float noise across BLAS builds)
#: categories Python hides by default: a user of the model never sees them
HIDDEN_BY_DEFAULT = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
MESSAGE_CHARS = 300

Loader = Callable[[Path], Any]


def load_ours(path: Path) -> Any:
    import mlmodel_spec.pyfunc

    # the environment-mismatch warning compares metadata only; the cell records what the
    # libraries themselves warn about (InconsistentVersionWarning, ...)
    return mlmodel_spec.pyfunc.load_model(path, suppress_warnings=True)


def load_mlflow(path: Path) -> Any:
    import mlflow.pyfunc

    return mlflow.pyfunc.load_model(str(path))


def compare(expected: list[float], got: list[float]) -> tuple[str, float | None, str]:
    if len(expected) != len(got):
        return DIFFERENT, None, f"{len(got)} values, the writer predicted {len(expected)}"
    diff = max((abs(a - b) for a, b in zip(expected, got, strict=True)), default=0.0)
    if math.isnan(diff) or diff > TOLERANCE:
        return DIFFERENT, diff, f"max abs difference {diff:.3g}"
    return OK, diff, ""


def _warning_classes(caught: list[warnings.WarningMessage]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for item in caught:
        if issubclass(item.category, HIDDEN_BY_DEFAULT):
            continue
        seen.setdefault(
            item.category.__name__,
            {"class": item.category.__name__, "message": first_line(str(item.message))},
        )
    return sorted(seen.values(), key=lambda w: w["class"])


def run_cell(loader: Loader, directory: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """Load ``directory`` with ``loader``, predict, compare with the manifest ``entry``."""
    case = CASES_BY_NAME[entry["case"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            model = loader(directory)
            params = case_params(case)
            out = (
                model.predict(case_input(case), params=params)
                if params
                else model.predict(case_input(case))
            )
            got = as_floats(out)
        except Exception as exc:  # the cell's answer: which exception, not a traceback
            return {
                "status": ERROR,
                "exception": type(exc).__name__,
                "message": first_line(str(exc).replace(str(directory), "<model dir>"))
                or type(exc).__name__,
                "warnings": _warning_classes(caught),
            }
    status, diff, message = compare(entry["predictions"], got)
    found = _warning_classes(caught)
    if status == OK and found:
        status = WARNING
        message = ", ".join(w["class"] for w in found)
    return {"status": status, "max_abs_diff": diff, "message": message, "warnings": found}


IGNORED_CHECKS = (
    "environment-satisfied",  # a matrix reader is another environment by construction
    "mlflow-loads",  # the MLflow loader is a cell of its own
    "mlflow-predicts-equal",
)


def run_conformance(directory: Path) -> dict[str, Any]:
    """The dynamic conformance checks on one golden model, in this process."""
    from mlmodel_spec.conformance.dynamic import run_checks

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = run_checks(directory, isolate=False, ignore=IGNORED_CHECKS)
    failed = []
    for r in results:
        if not r.failed:
            continue
        worst = r.worst()
        failed.append(
            {
                "check": r.check,
                "severity": worst.value if worst is not None else "error",
                "message": first_line(r.findings[0].message) if r.findings else "",
            }
        )
    passed = sum(1 for r in results if r.status == "passed")
    return {"passed": passed, "failed": failed}


READER_RULE_PREFIX = "reader-"


def run_static(directory: Path, packages: dict[str, str]) -> list[str]:
    """The reader-* rules that ``validate --reader-mlflow/--reader-sklearn`` reports for this
    reader's versions: what the static half of the matrix predicts for the cell."""
    from mlmodel_spec.conformance.context import ValidationOptions
    from mlmodel_spec.conformance.validate import validate_model

    options = ValidationOptions(
        metadata_only=True,
        reader_mlflow=packages.get("mlflow") or packages.get("mlflow-skinny"),
        reader_sklearn=packages.get("scikit-learn"),
    )
    found = validate_model(directory, options=options)
    return sorted({f.rule for f in found if f.rule.startswith(READER_RULE_PREFIX)})
