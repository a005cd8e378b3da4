"""Each model's checks in a child process forked from a warm fork server.

The fork server imports numpy, pandas and the flavors' libraries once; every model then
runs in a fresh fork of it (milliseconds, no import cost), so a model that crashed, hung or
changed global state never affects the next one. The child redirects its stdout/stderr to a
file, limits its address space (``RLIMIT_AS``) and runs in its own process group; the parent
waits with a per-model deadline and turns a dead or killed child into a finding
(``check-crashed``, ``check-timeout``, ``check-memory``) carrying the tail of its stderr.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import tempfile
import time
import types
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .catalogue import CHECK_CRASHED, CHECK_MEMORY, CHECK_TIMEOUT
from .run import FAILED, CheckResult, execute, harness_finding, skipped

#: imported once by the fork server (``preload`` warms it: see :mod:`.warm`)
PRELOAD = (
    "mlmodel_spec.conformance.dynamic.isolation",
    "mlmodel_spec.conformance.dynamic.preload",
)
STDERR_TAIL_BYTES = 1500
STDERR_TAIL_LINES = 8
MEMORY_MARKERS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")

_context: Any = None


def forkserver_context() -> Any:
    """The fork-server context, with its preload list set (the server starts on first use)."""
    global _context  # noqa: PLW0603 - one fork server per process
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(list(PRELOAD))
    return _context


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Hide the caller's ``__main__`` while a child starts.

    multiprocessing re-imports the parent's main script in every child it starts (to find
    functions defined there); ours is a module function, and a user's script (or a console
    entry point) must not run again per model.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _child(  # noqa: PLR0917 - multiprocessing passes args positionally
    subject: str,
    directory: str,
    check_ids: list[str],
    conn: Connection,
    output_path: str,
    max_memory: int | None,
) -> None:
    """The child's entry point: isolate, then stream events to the parent."""
    os.setsid()  # its own process group: the parent can kill whatever it spawns
    fd = os.open(output_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    if max_memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    for event in execute(Path(directory), subject, check_ids):
        conn.send(event)
    conn.close()


@dataclass
class _Running:
    position: int
    subject: str
    check_ids: list[str]
    process: Any
    conn: Connection
    output_path: str
    started: float
    current: str | None = None
    results: list[CheckResult] = field(default_factory=list)
    closed: bool = False

    def drain(self) -> None:
        while not self.closed:
            try:
                if not self.conn.poll():
                    return
                kind, value = self.conn.recv()
            except (EOFError, OSError):
                self.closed = True
                return
            if kind == "start":
                self.current = value
            else:
                self.results.append(value)
                self.current = None


def _tail(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - STDERR_TAIL_BYTES))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-STDERR_TAIL_LINES:])


def _kill(process: Any) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        process.kill()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"was killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"was killed by signal {-exitcode}"
    return f"exited with status {exitcode}"


def _finish(run: _Running, timed_out: bool, timeout: float) -> list[CheckResult]:
    run.drain()
    run.process.join()
    tail = _tail(run.output_path)
    done = {r.check for r in run.results}
    missing = [c for c in run.check_ids if c not in done]
    if not missing:
        return run.results
    culprit = run.current or missing[0]
    stderr = f"; stderr tail: {tail}" if tail else "; no stderr output"
    if timed_out:
        rule = CHECK_TIMEOUT
        message = f"killed after {timeout:g} s (the --timeout) during {culprit}{stderr}"
        why = "the model's process was killed at the timeout"
    else:
        death = _death(run.process.exitcode)
        memory = any(marker in tail for marker in MEMORY_MARKERS)
        rule = CHECK_MEMORY if memory else CHECK_CRASHED
        message = f"the model's process {death} during {culprit}{stderr}"
        why = "the model's process died"
    finding = harness_finding(rule, message)
    failed = CheckResult(
        run.subject, culprit, FAILED, (finding,), "", time.monotonic() - run.started
    )
    rest = [
        skipped(run.subject, c, f"not run: {why} during {culprit}") for c in missing if c != culprit
    ]
    return [*run.results, failed, *rest]


def run_isolated(
    work: Sequence[tuple[str, Path, list[str]]],
    *,
    workers: int = 1,
    timeout: float = 120.0,
    max_memory: int | None = None,
) -> list[list[CheckResult]]:
    """Run each (subject, directory, check ids) in its own child, ``workers`` at a time."""
    context = forkserver_context()
    pending = deque(enumerate(work))
    running: list[_Running] = []
    out: dict[int, list[CheckResult]] = {}

    def start(position: int, subject: str, directory: Path, check_ids: list[str]) -> None:
        fd, output_path = tempfile.mkstemp(prefix="mlmodel-spec-child-", suffix=".log")
        os.close(fd)
        receive, send = context.Pipe(duplex=False)
        process = context.Process(
            target=_child,
            args=(subject, os.fspath(directory), check_ids, send, output_path, max_memory),
            name=f"mlmodel-spec check {subject}",
        )
        with _without_main():
            process.start()
        send.close()
        running.append(
            _Running(position, subject, check_ids, process, receive, output_path, time.monotonic())
        )

    def settle(run: _Running, timed_out: bool) -> None:
        out[run.position] = _finish(run, timed_out, timeout)
        run.conn.close()
        os.unlink(run.output_path)
        running.remove(run)

    try:
        while pending or running:
            while pending and len(running) < max(1, workers):
                position, (subject, directory, check_ids) = pending.popleft()
                start(position, subject, directory, check_ids)
            now = time.monotonic()
            deadline = min(r.started + timeout for r in running)
            waitables: list[Any] = [r.process.sentinel for r in running]
            waitables += [r.conn for r in running if not r.closed]
            wait(waitables, timeout=max(0.0, deadline - now))
            now = time.monotonic()
            for run in list(running):
                run.drain()
                if not run.process.is_alive():
                    settle(run, timed_out=False)
                elif now >= run.started + timeout:
                    _kill(run.process)
                    settle(run, timed_out=True)
    finally:
        for run in running:  # interrupted: leave nothing behind
            _kill(run.process)
            run.process.join()
            run.conn.close()
            os.unlink(run.output_path)
    return [out[i] for i in range(len(work))]
