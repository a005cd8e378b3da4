"""``parametrize_with_checks``: conformance tests in a flavor author's own pytest suite.

    from mlmodel_spec.conformance.dynamic import ModelFactory, parametrize_with_checks

    @parametrize_with_checks([ModelFactory("logreg", build_logreg), "models/iris"])
    def test_conformance(subject, check):
        check(subject)

One test per (subject, check), with ids such as ``logreg::round-trip``. Each subject's
checks run once, isolated in a child process (model code is executed), the first time one
of its tests runs. ``expected_failed_checks={check_id: reason}`` (or a callable of the
subject returning such a dict) marks those tests as strict xfails: a check that was expected
to fail and passes is reported as a failure.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from .limits import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT
from .subjects import ModelFactory, Subject, selected_checks

if TYPE_CHECKING:
    from .run import CheckResult

Expected = Mapping[str, str] | Callable[[Subject], Mapping[str, str]] | None


def subject_name(subject: Subject) -> str:
    if isinstance(subject, ModelFactory):
        return subject.name
    path = Path(subject)
    return (path.parent if path.name == "MLmodel" else path).name


class _Results:
    """Each subject's check results, computed once per process."""

    def __init__(self, check_ids: list[str], timeout: float, max_memory: int | None) -> None:
        self.check_ids = check_ids
        self.timeout = timeout
        self.max_memory = max_memory
        self._workdir: tempfile.TemporaryDirectory[str] | None = None
        self._results: dict[int, dict[str, CheckResult]] = {}

    def get(self, subject: Subject) -> dict[str, CheckResult]:
        from .run import Limits, run_prepared
        from .subjects import prepare

        key = id(subject)
        if key not in self._results:
            if self._workdir is None:
                self._workdir = tempfile.TemporaryDirectory(prefix="mlmodel-spec-subjects-")
            workdir = Path(self._workdir.name) / str(len(self._results))
            workdir.mkdir()
            prepared = prepare(subject, workdir, name=subject_name(subject))
            limits = Limits(self.timeout, self.max_memory)
            (ran,) = run_prepared([prepared], select=self.check_ids, limits=limits)
            self._results[key] = {r.check: r for r in ran}
        return self._results[key]


class Check:
    """A dynamic check as a callable: ``check(subject)`` passes, fails with the findings, or
    skips with the reason it does not apply."""

    def __init__(self, check_id: str, results: _Results) -> None:
        self.id = check_id
        self._results = results

    def __call__(self, subject: Subject) -> None:
        from .pytest_plugin import format_findings

        result = self._results.get(subject)[self.id]
        if result.status == "skipped":
            pytest.skip(result.reason)
        if result.findings:
            directory = (
                Path(os.fspath(subject))
                if not isinstance(subject, ModelFactory)
                else Path(subject.name)
            )
            pytest.fail(format_findings(directory, list(result.findings)), pytrace=False)

    def __repr__(self) -> str:
        return self.id


def _expected(expected: Expected, subject: Subject) -> Mapping[str, str]:
    if expected is None:
        return {}
    return expected(subject) if callable(expected) else expected


def parametrize_with_checks(
    subjects: Sequence[Subject],
    *,
    expected_failed_checks: Expected = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    timeout: float = DEFAULT_TIMEOUT,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
) -> pytest.MarkDecorator:
    """A ``pytest.mark.parametrize`` over every (subject, dynamic check) pair, passing
    ``subject`` and ``check``; the test body is ``check(subject)``."""
    checks = selected_checks(select, ignore)
    results = _Results([c.id for c in checks], timeout, max_memory)
    known = {c.id for c in checks}
    params = []
    for subject in subjects:
        expected = _expected(expected_failed_checks, subject)
        unknown = sorted(set(expected) - known)
        if unknown:
            raise ValueError(f"expected_failed_checks names unknown or unselected checks {unknown}")
        name = subject_name(subject)
        for spec in checks:
            marks = []
            if spec.id in expected:
                marks.append(pytest.mark.xfail(strict=True, reason=expected[spec.id]))
            check = Check(spec.id, results)
            params.append(pytest.param(subject, check, marks=marks, id=f"{name}::{spec.id}"))
    return pytest.mark.parametrize(("subject", "check"), params)
