"""Run dynamic checks: :func:`run_checks` for one subject, :func:`run_prepared` for many.

Checks of one model run in one process (by default a child process, :mod:`.isolation`)
and share a :class:`~.session.Session`; each yields a :class:`CheckResult` status record.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlmodel_spec.conformance.findings import Finding, Severity

from . import checks_env, checks_resave, checks_run  # noqa: F401  (register the checks)
from .base import CHECK_FUNCTIONS, Issue
from .catalogue import CHECK_INTERNAL_ERROR, CHECK_MEMORY, CHECK_SPECS
from .limits import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT
from .session import Session, Skip
from .subjects import Prepared, Subject, iter_pairs, prepare

PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The status of one check on one subject."""

    subject: str
    check: str
    status: str  # passed | failed | skipped
    findings: tuple[Finding, ...] = ()
    reason: str = ""  # why it was skipped
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return self.status == FAILED

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "status": self.status,
            "reason": self.reason,
            "seconds": round(self.seconds, 4),
        }


def finding_for(check_id: str, issue: Issue) -> Finding:
    spec = CHECK_SPECS[check_id]
    return Finding(
        rule=check_id,
        severity=issue.severity or spec.severity,
        file=issue.file,
        pointer=issue.pointer,
        message=issue.message,
        hint=issue.hint if issue.hint is not None else spec.hint,
    )


def harness_finding(rule: str, message: str) -> Finding:
    from mlmodel_spec.conformance.registry import RULES

    return Finding(rule, Severity.ERROR, "MLmodel", "", message, RULES[rule].hint)


def run_one(session: Session, subject: str, check_id: str) -> CheckResult:
    """Run one check in this process (model exceptions become findings, never tracebacks)."""
    started = time.perf_counter()
    findings: tuple[Finding, ...] = ()
    reason = ""
    try:
        findings = tuple(finding_for(check_id, i) for i in CHECK_FUNCTIONS[check_id](session))
    except Skip as skip:
        reason = skip.reason
    except MemoryError:
        message = f"MemoryError during {check_id} ({_memory_limit()})"
        findings = (harness_finding(CHECK_MEMORY, message),)
    except Exception as exc:  # a bug in the check itself: still a finding
        message = f"check {check_id} crashed: {type(exc).__name__}: {exc}"
        findings = (harness_finding(CHECK_INTERNAL_ERROR, message),)
    status = SKIPPED if reason else FAILED if findings else PASSED
    return CheckResult(subject, check_id, status, findings, reason, time.perf_counter() - started)


def _memory_limit() -> str:
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return "no --max-memory limit"
    return f"address space limited to {soft / 2**20:.0f} MiB by --max-memory"


def execute(directory: Path, subject: str, check_ids: Sequence[str]) -> Iterator[CheckResult]:
    """Run ``check_ids`` on one model directory in this process, in their order (so whoever
    watches knows which check runs: the one after the last result)."""
    session = Session(directory)
    try:
        for check_id in check_ids:
            yield run_one(session, subject, check_id)
    finally:
        session.close()


def skipped(subject: str, check_id: str, reason: str) -> CheckResult:
    return CheckResult(subject, check_id, SKIPPED, reason=reason)


@dataclass(slots=True)
class Limits:
    timeout: float = DEFAULT_TIMEOUT  # seconds a model
    max_memory: int | None = DEFAULT_MAX_MEMORY  # bytes of address space (None: no limit)
    isolate: bool = True  # each model in a child process


def run_prepared(
    subjects: Sequence[Prepared],
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    limits: Limits | None = None,
    jobs: int = 1,
) -> list[list[CheckResult]]:
    """The results of every selected check on each subject, in check order."""
    limits = limits or Limits()
    plans: dict[int, list[str]] = {i: [] for i in range(len(subjects))}
    results: dict[tuple[int, str], CheckResult] = {}
    index = {id(s): i for i, s in enumerate(subjects)}
    order: dict[int, list[str]] = {i: [] for i in range(len(subjects))}
    for pair in iter_pairs(subjects, select, ignore):
        i = index[id(pair.subject)]
        order[i].append(pair.check.id)
        if pair.skip_reason:
            results[i, pair.check.id] = skipped(pair.subject.name, pair.check.id, pair.skip_reason)
        else:
            plans[i].append(pair.check.id)
    work = [(subjects[i].name, subjects[i].directory, plans[i]) for i in plans if plans[i]]
    if limits.isolate:
        from .isolation import run_isolated

        ran = run_isolated(work, workers=jobs, timeout=limits.timeout, max_memory=limits.max_memory)
    else:
        ran = [list(execute(directory, name, ids)) for name, directory, ids in work]
    positions = [i for i in plans if plans[i]]
    for i, model_results in zip(positions, ran, strict=True):
        for result in model_results:
            results[i, result.check] = result
    return [[results[i, check] for check in order[i]] for i in range(len(subjects))]


def run_checks(
    subject: Subject,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    isolate: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
    max_memory: int | None = DEFAULT_MAX_MEMORY,
) -> list[CheckResult]:
    """Run every applicable dynamic check on one subject (a model directory or a
    :class:`~.subjects.ModelFactory`); return one status record per check.

    **Executes model code.** With ``isolate`` (the default) it runs in a child process with
    ``timeout`` seconds and ``max_memory`` bytes of address space.
    """
    with tempfile.TemporaryDirectory(prefix="mlmodel-spec-subject-") as workdir:
        prepared = prepare(subject, Path(workdir))
        limits = Limits(timeout, max_memory, isolate)
        return run_prepared([prepared], select=select, ignore=ignore, limits=limits)[0]
