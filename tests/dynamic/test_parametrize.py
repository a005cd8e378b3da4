"""``parametrize_with_checks`` as a flavor author uses it, on factories built in code."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest

import mlmodel_spec.sklearn
from mlmodel_spec import pyfunc
from mlmodel_spec.conformance.dynamic import ModelFactory, parametrize_with_checks
from mlmodel_spec.conformance.dynamic.catalogue import CHECK_SPECS
from mlmodel_spec.conformance.dynamic.subjects import Subject
from mlmodel_spec.models import infer_signature

cloudpickle.register_pickle_by_value(sys.modules[__name__])
RunPytest = Callable[..., subprocess.CompletedProcess[str]]


def sample(rows: int = 6) -> pd.DataFrame:
    return pd.DataFrame(np.arange(rows * 2, dtype=float).reshape(rows, 2), columns=["x", "y"])


class TwoColumns(pyfunc.PythonModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return np.zeros((len(model_input), 2))


def build_logreg() -> tuple[Any, ...]:
    from sklearn.linear_model import LogisticRegression

    x = sample(12)
    clf = LogisticRegression().fit(x, (x["x"] > 5).astype(int))
    return clf, mlmodel_spec.sklearn, x[:5], infer_signature(x, clf.predict(x))


def build_two_columns() -> tuple[Any, ...]:
    x = sample()
    return TwoColumns(), pyfunc, x, infer_signature(x, np.zeros(len(x)))


SUBJECTS = [ModelFactory("logreg", build_logreg), ModelFactory("two-columns", build_two_columns)]


def expected_failures(subject: Subject) -> dict[str, str]:
    if isinstance(subject, ModelFactory) and subject.name == "two-columns":
        return {"output-matches-signature": "predicts two columns; the signature says one"}
    return {}


@parametrize_with_checks(SUBJECTS, expected_failed_checks=expected_failures)
def test_conformance(subject: Subject, check: Callable[[Subject], None]) -> None:
    check(subject)


def test_one_test_per_subject_and_check() -> None:
    (mark,) = test_conformance.pytestmark  # type: ignore[attr-defined]
    params = mark.args[1]
    assert [p.id for p in params] == [f"{s.name}::{c}" for s in SUBJECTS for c in CHECK_SPECS]
    strict = [p.id for p in params if any(m.kwargs.get("strict") for m in p.marks)]
    assert strict == ["two-columns::output-matches-signature"]


def test_unknown_expected_check_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown or unselected checks"):
        parametrize_with_checks(SUBJECTS, expected_failed_checks={"no-such-check": "why"})


def test_an_expected_failure_that_passes_is_reported(run_pytest: RunPytest, tmp_path: Path) -> None:
    (tmp_path / "test_flavor.py").write_text(
        "import numpy as np, pandas as pd\n"
        "from sklearn.linear_model import LinearRegression\n"
        "import mlmodel_spec.sklearn\n"
        "from mlmodel_spec.conformance.dynamic import ModelFactory, parametrize_with_checks\n\n"
        "def build():\n"
        "    x = pd.DataFrame({'a': [1.0, 2.0, 3.0]})\n"
        "    return LinearRegression().fit(x, [1.0, 2.0, 3.0]), mlmodel_spec.sklearn, x\n\n"
        "@parametrize_with_checks([ModelFactory('linreg', build)],\n"
        "    expected_failed_checks={'loads': 'thought broken'}, select=['loads', 'round-trip'])\n"
        "def test_flavor(subject, check):\n"
        "    check(subject)\n"
    )
    done = run_pytest(tmp_path, "-q", "-rA")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED test_flavor.py::test_flavor[linreg::loads]" in done.stdout
    assert "XPASS(strict)" in done.stdout and "thought broken" in done.stdout
    assert "PASSED test_flavor.py::test_flavor[linreg::round-trip]" in done.stdout
