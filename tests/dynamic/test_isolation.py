"""A model that segfaults, exits, hangs or allocates without bound becomes a finding; the
parent goes on with the next model and leaves no process behind."""

from __future__ import annotations

import multiprocessing.forkserver
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.dynamic.run import CheckResult, Limits, run_prepared
from mlmodel_spec.conformance.dynamic.subjects import prepare

ModelDir = Callable[[str], Path]
GIB = 2**30


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


def _check(
    model_dir: ModelDir,
    *names: str,
    timeout: float,
    max_memory: int | None = None,
    jobs: int = 1,
) -> list[dict[str, CheckResult]]:
    subjects = [prepare(model_dir(n)) for n in names]
    ran = run_prepared(subjects, limits=Limits(timeout, max_memory), jobs=jobs)
    return [{r.check: r for r in model} for model in ran]


@pytest.mark.parametrize(
    ("model", "rule", "words"),
    [
        ("segfaults", "check-crashed", "killed by SIGSEGV during predicts-on-example"),
        ("exits-hard", "check-crashed", "exited with status 3 during predicts-on-example"),
        (
            "sleeps",
            "check-timeout",
            "killed after 1.5 s (the --timeout) during predicts-on-example",
        ),
        ("allocates", "check-memory", "MemoryError during predicts-on-example"),
    ],
)
def test_a_dying_model_is_a_finding_and_the_next_model_still_runs(
    model_dir: ModelDir, model: str, rule: str, words: str
) -> None:
    started = time.monotonic()
    broken, good = _check(model_dir, model, "sum", timeout=1.5, max_memory=GIB)
    assert time.monotonic() - started < 10
    failed = broken["predicts-on-example"]
    assert failed.status == "failed"
    (finding,) = failed.findings
    assert (finding.rule, finding.severity.value) == (rule, "error")
    assert words in finding.message
    assert all(r.status == "passed" for r in good.values() if r.status != "skipped")
    assert good["predicts-on-example"].status == "passed"


def test_the_crash_finding_carries_the_stderr_tail(model_dir: ModelDir) -> None:
    (results,) = _check(model_dir, "segfaults", timeout=10)
    (finding,) = results["predicts-on-example"].findings
    assert "stderr tail: about to dereference NULL" in finding.message
    later = results["round-trip"]
    assert later.status == "skipped"
    assert "died during predicts-on-example" in later.reason


def test_checks_that_ran_before_a_crash_keep_their_result(model_dir: ModelDir) -> None:
    (results,) = _check(model_dir, "segfaults", timeout=10)
    assert results["loads"].status == "passed"


def test_a_model_sent_ahead_to_a_busy_worker_is_judged_on_its_own(model_dir: ModelDir) -> None:
    """The next model waits in the worker's pipe and starts as the first ends: its results,
    deadline and stderr tail are its own (and a sleeper ahead of it does not take it down)."""
    good, crashed, after_crash = _check(model_dir, "sum", "segfaults", "sum", timeout=10, jobs=1)
    assert good["predicts-on-example"].status == "passed"
    assert crashed["loads"].status == "passed"
    (finding,) = crashed["predicts-on-example"].findings
    assert "stderr tail: about to dereference NULL" in finding.message
    assert after_crash["predicts-on-example"].status == "passed"
    sleeper, queued = _check(model_dir, "sleeps", "sum", timeout=1.5, jobs=1)
    assert sleeper["predicts-on-example"].findings[0].rule == "check-timeout"
    assert queued["predicts-on-example"].status == "passed"


def test_memory_failure_is_reported_once_and_dependents_skip(model_dir: ModelDir) -> None:
    (results,) = _check(model_dir, "allocates", timeout=10, max_memory=GIB)
    assert results["predicts-on-example"].findings[0].rule == "check-memory"
    assert "limited to 1024 MiB" in results["predicts-on-example"].findings[0].message
    assert results["deterministic"].status == "skipped"


def test_jobs_run_models_in_parallel_and_keep_the_order(model_dir: ModelDir) -> None:
    started = time.monotonic()
    results = _check(model_dir, "sleeps", "sleeps", "sum", timeout=1.5, jobs=2)
    elapsed = time.monotonic() - started
    assert elapsed < 2 * 1.5 + 1.5, elapsed  # the two sleepers overlap
    assert [r["predicts-on-example"].findings[0].rule for r in results[:2]] == ["check-timeout"] * 2
    assert results[2]["predicts-on-example"].status == "passed"


def test_no_process_is_left_behind(model_dir: ModelDir) -> None:
    _check(model_dir, "sleeps", "segfaults", timeout=1.0, jobs=2)
    server = multiprocessing.forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    assert server is not None
    deadline = time.monotonic() + 2
    while _children_of(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _children_of(server) == []


def test_each_model_gets_a_fresh_process(model_dir: ModelDir) -> None:
    polluter, clean = _check(model_dir, "pollutes", "needs-clean-process", timeout=10)
    assert polluter["predicts-on-example"].status == "passed"
    assert clean["predicts-on-example"].status == "passed", clean["predicts-on-example"]
