"""Each model's checks in a worker process forked from a warm fork server.

The fork server imports numpy, pandas and the flavors' libraries once (:mod:`.warm`); a
worker forked from it runs one model after another, so no model pays for a process start.
A worker is replaced by a fresh fork after any model that crashed, hung, ran out of memory
or changed the process' global state (:mod:`.worker_state`), and after
:data:`MODELS_PER_WORKER` models; a model never sees what a misbehaving one left behind.

A worker redirects its stdout/stderr to a file, limits its address space (``RLIMIT_AS``)
and runs in its own process group; the parent gives each model its own deadline and turns
a dead or killed worker into a finding (``check-crashed``, ``check-timeout``,
``check-memory``) carrying the tail of that model's stderr. A worker writes each check's
result to its results file (:mod:`.records`) and sends the parent one message a model.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.forkserver
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

from . import records
from .catalogue import CHECK_CRASHED, CHECK_MEMORY, CHECK_TIMEOUT
from .run import FAILED, CheckResult, execute, harness_finding, skipped

#: imported once by the fork server (``preload`` warms it: see :mod:`.warm`)
PRELOAD = (
    "mlmodel_spec.conformance.dynamic.isolation",
    "mlmodel_spec.conformance.dynamic.preload",
)
#: a worker is replaced after this many models even when none changed its state (a fresh
#: worker's first model costs about 30 ms more: copy-on-write of the server's heap, the
#: libraries' first allocations)
MODELS_PER_WORKER = 100
STDERR_TAIL_BYTES = 1500
STDERR_TAIL_LINES = 8
MEMORY_MARKERS = ("MemoryError", "std::bad_alloc", "Cannot allocate memory", "out of memory")

Task = tuple[str, Path, list[str]]  # (subject, directory, check ids)
_context: Any = None


def forkserver_context() -> Any:
    """The fork-server context, with its preload list set (the server starts on first use)."""
    global _context  # noqa: PLW0603 - one fork server per process
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(list(PRELOAD))
    return _context


def start_server() -> None:
    """Start the fork server now, so it imports its modules while the caller works on."""
    forkserver_context()
    with _without_main():
        multiprocessing.forkserver.ensure_running()


@contextlib.contextmanager
def _without_main() -> Iterator[None]:
    """Hide the caller's ``__main__`` while the server or a worker starts.

    multiprocessing re-imports the parent's main script in the fork server (to find
    functions defined there); ours is a module function, and a user's script (or a console
    entry point) must not run again.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _worker(conn: Connection, output_path: str, results_path: str, max_memory: int | None) -> None:
    """A worker's entry point: isolate, then run the tasks the parent sends until told to
    stop or until a model changed the process (then it exits and the parent forks another)."""
    from .worker_state import WorkerState

    os.setsid()  # its own process group: the parent can kill whatever it spawns
    fd = os.open(output_path, os.O_WRONLY | os.O_APPEND)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    results = os.open(results_path, os.O_WRONLY | os.O_APPEND)
    if max_memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    state = WorkerState.capture()
    while (task := conn.recv()) is not None:
        subject, directory, check_ids = task
        out_of_memory = False
        for result in execute(Path(directory), subject, check_ids):
            records.append(results, result)  # before the next check runs
            out_of_memory |= any(f.rule == CHECK_MEMORY for f in result.findings)
        sys.stdout.flush()
        sys.stderr.flush()
        changed = "it ran out of memory" if out_of_memory else state.changed()
        # the model ended: why the worker must not run another ('' none), and where the
        # next model's output starts (it may be queued here already and start at once)
        conn.send((changed, os.fstat(1).st_size))
        if changed:
            break
    conn.close()


@dataclass
class _Model:
    """The model a worker is running."""

    position: int
    subject: str
    check_ids: list[str]
    started: float
    offset: int  # where its output starts in the worker's output file
    results_offset: int  # where its records start in the worker's results file
    results: list[CheckResult] = field(default_factory=list)


@dataclass
class _Worker:
    process: Any
    conn: Connection
    output_path: str
    results_path: str
    done: int = 0  # models finished
    model: _Model | None = None  # the model it runs
    queued: _Model | None = None  # the model sent to start when that one ends
    closed: bool = False
    retiring: bool = False  # told to stop, or stopping by itself

    def collect(self) -> int:
        """Read the running model's results written so far; return where they end."""
        model = self.model
        assert model is not None
        model.results, end = records.read(
            self.results_path, model.results_offset, len(model.check_ids)
        )
        return end

    def ended(self) -> bool:
        """Whether the running model's end message arrived (then its results are read, and
        the queued model, if any, is the running one from now)."""
        if self.closed:
            return False
        try:
            if not self.conn.poll():
                return False
            changed, output_end = self.conn.recv()
        except (EOFError, OSError):
            self.closed = True
            return False
        self.done += 1
        self.retiring |= bool(changed) or self.done >= MODELS_PER_WORKER
        results_end = self.collect()
        self.model = None
        if not self.retiring:  # else the queued model goes back (_Pool._requeue)
            self.model, self.queued = self.queued, None
        if self.model is not None:
            self.model.started, self.model.offset = time.monotonic(), output_end
            self.model.results_offset = results_end
        return True

    def room(self) -> bool:
        """Whether it takes another model now: idle, or running one with none queued and
        allowed one more after it."""
        if self.closed or self.retiring:
            return False
        if self.model is None:
            return True
        return self.queued is None and self.done + 2 <= MODELS_PER_WORKER


def _tail(path: str, offset: int) -> str:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(offset, size - STDERR_TAIL_BYTES))
            text = handle.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-STDERR_TAIL_LINES:])


def _new_file(suffix: str) -> str:
    fd, path = tempfile.mkstemp(prefix="mlmodel-spec-worker-", suffix=suffix)
    os.close(fd)
    return path


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


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


def _dead(worker: _Worker, model: _Model, timed_out: bool, timeout: float) -> list[CheckResult]:
    """The results of a model whose worker died or was killed."""
    worker.process.join()
    worker.collect()
    tail = _tail(worker.output_path, model.offset)
    done = {r.check for r in model.results}
    missing = [c for c in model.check_ids if c not in done]
    if not missing:
        return model.results
    culprit = missing[0]  # checks run in order: the first without a result was running
    stderr = f"; stderr tail: {tail}" if tail else "; no stderr output"
    if timed_out:
        rule = CHECK_TIMEOUT
        message = f"killed after {timeout:g} s (the --timeout) during {culprit}{stderr}"
        why = "the model's process was killed at the timeout"
    else:
        death = _death(worker.process.exitcode)
        memory = any(marker in tail for marker in MEMORY_MARKERS)
        rule = CHECK_MEMORY if memory else CHECK_CRASHED
        message = f"the model's process {death} during {culprit}{stderr}"
        why = "the model's process died"
    finding = harness_finding(rule, message)
    elapsed = time.monotonic() - model.started
    failed = CheckResult(model.subject, culprit, FAILED, (finding,), "", elapsed)
    rest = [
        skipped(model.subject, c, f"not run: {why} during {culprit}")
        for c in missing
        if c != culprit
    ]
    return [*model.results, failed, *rest]


class _Pool:
    """Up to ``size`` workers; each model gets one, with its own deadline."""

    def __init__(
        self, work: Sequence[Task], size: int, timeout: float, max_memory: int | None
    ) -> None:
        self.size, self.timeout, self.max_memory = max(1, size), timeout, max_memory
        self.context = forkserver_context()
        self.workers: list[_Worker] = []
        self.pending = deque(enumerate(work))
        self.paths = [directory for _, directory, _ in work]
        self.out: dict[int, list[CheckResult]] = {}

    def _spawn(self) -> _Worker:
        output_path, results_path = (_new_file(suffix) for suffix in (".log", ".results"))
        ours, theirs = self.context.Pipe(duplex=True)
        process = self.context.Process(
            target=_worker,
            args=(theirs, output_path, results_path, self.max_memory),
            name="mlmodel-spec check worker",
        )
        with _without_main():
            process.start()
        theirs.close()
        worker = _Worker(process, ours, output_path, results_path)
        self.workers.append(worker)
        return worker

    def _taker(self) -> _Worker | None:
        """A worker to send the next model to: an idle one first, then a new one, then one
        whose running model has nothing queued behind it (it starts without waiting for
        the parent)."""
        idle = [w for w in self.workers if w.model is None and w.room()]
        if idle:
            return idle[0]
        if len(self.workers) < self.size:
            return self._spawn()
        return next((w for w in self.workers if w.room()), None)

    def fill(self) -> None:
        """Send pending models to workers that have room."""
        while self.pending and (worker := self._taker()) is not None:
            position, (subject, directory, check_ids) = self.pending.popleft()
            offsets = _size(worker.output_path), _size(worker.results_path)
            model = _Model(position, subject, check_ids, time.monotonic(), *offsets)
            if worker.model is None:
                worker.model = model
            else:  # offsets and start time are set when it starts (Worker.ended)
                worker.queued = model
            try:
                worker.conn.send((subject, os.fspath(directory), check_ids))
            except OSError:  # it died between two models: runs as if it crashed there
                worker.closed = True

    def _requeue(self, worker: _Worker) -> None:
        """A queued model whose worker ends before starting it goes back to the front."""
        if worker.queued is not None:
            model, worker.queued = worker.queued, None
            task = (model.subject, self.paths[model.position], model.check_ids)
            self.pending.appendleft((model.position, task))

    def _remove(self, worker: _Worker) -> None:
        self._requeue(worker)
        if worker.process.is_alive() and not worker.closed:
            with contextlib.suppress(OSError):
                worker.conn.send(None)
        worker.process.join(timeout=5)
        if worker.process.is_alive():
            _kill(worker.process)
            worker.process.join()
        worker.conn.close()
        for path in (worker.output_path, worker.results_path):
            with contextlib.suppress(OSError):
                os.unlink(path)
        self.workers.remove(worker)

    def busy(self) -> bool:
        return any(w.model is not None for w in self.workers)

    def step(self) -> None:
        """Wait for an event or a deadline, then settle finished and dead models."""
        running = [w for w in self.workers if w.model is not None]
        now = time.monotonic()
        deadline = min(w.model.started + self.timeout for w in running if w.model is not None)
        waitables: list[Any] = [w.process.sentinel for w in running]
        waitables += [w.conn for w in running if not w.closed]
        ready = wait(waitables, timeout=max(0.0, deadline - now))
        now = time.monotonic()
        for worker in running:
            model = worker.model
            assert model is not None
            woke = worker.conn in ready or worker.process.sentinel in ready
            if woke and worker.ended():
                self.out[model.position] = model.results
                if worker.retiring:
                    self._remove(worker)
            elif woke and (worker.closed or not worker.process.is_alive()):
                self.out[model.position] = _dead(worker, model, False, self.timeout)
                self._remove(worker)
            elif now >= model.started + self.timeout:
                _kill(worker.process)
                self.out[model.position] = _dead(worker, model, True, self.timeout)
                self._remove(worker)

    def close(self) -> None:
        for worker in list(self.workers):
            if worker.model is not None:  # interrupted: leave nothing behind
                _kill(worker.process)
            self._remove(worker)


def run_isolated(
    work: Sequence[Task],
    *,
    workers: int = 1,
    timeout: float = 120.0,
    max_memory: int | None = None,
) -> list[list[CheckResult]]:
    """Run each (subject, directory, check ids) in a worker, ``workers`` models at a time."""
    pool = _Pool(work, workers, timeout, max_memory)
    try:
        while pool.pending or pool.busy():
            pool.fill()
            if pool.busy():
                pool.step()
    finally:
        pool.close()
    return [pool.out[i] for i in range(len(work))]
