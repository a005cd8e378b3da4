"""A worker runs model after model; it is replaced only when a model changed its process.

``WorkerState.changed`` is the judge: each kind of change it knows fires, and what libraries
do on their own (import more of themselves) stays silent. The pool test shows the reuse the
start-up saving depends on: two models, one worker process, unless the first one polluted it.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import types
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cloudpickle
import pytest

from mlmodel_spec.conformance.dynamic.run import Limits, run_prepared
from mlmodel_spec.conformance.dynamic.subjects import prepare
from mlmodel_spec.conformance.dynamic.worker_state import WorkerState

from .conftest import SumModel, save_custom

cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the worker imports nothing of ours


class RecordsPid(SumModel):
    """Appends its process id to a file each time it predicts."""

    def __init__(self, log: str) -> None:
        self.log = log

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        with open(self.log, "a", encoding="ascii") as out:
            out.write(f"{os.getpid()}\n")
        return super().predict(context, model_input)


@contextmanager
def _restored() -> Iterator[None]:
    environ, cwd, path = dict(os.environ), os.getcwd(), list(sys.path)
    handler, filters = signal.getsignal(signal.SIGALRM), list(warnings.filters)
    limit = sys.getrecursionlimit()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(environ)
        os.chdir(cwd)
        sys.path[:] = path
        signal.signal(signal.SIGALRM, handler)
        warnings.filters[:] = filters  # type: ignore[index]
        sys.setrecursionlimit(limit)
        sys.modules.pop("model_own_code", None)


def _set_env() -> None:
    os.environ["MLMODEL_SPEC_TEST_STATE"] = "1"


def _import_foreign() -> None:
    sys.modules["model_own_code"] = types.ModuleType("model_own_code")  # no file: not a library


def _start_thread() -> None:
    stop = threading.Event()
    threading.Thread(target=stop.wait, args=(2,), daemon=True).start()


CHANGES: dict[str, tuple[Callable[[Path], object], str]] = {
    "environment": (lambda _: _set_env(), "environment variable MLMODEL_SPEC_TEST_STATE"),
    "cwd": (os.chdir, "working directory"),
    "sys.path": (lambda tmp: sys.path.insert(0, str(tmp)), "sys.path"),
    "module": (lambda _: _import_foreign(), "imported 'model_own_code'"),
    "thread": (lambda _: _start_thread(), "left a thread running"),
    "signal": (lambda _: signal.signal(signal.SIGALRM, lambda *a: None), "signal handler"),
    "warnings": (lambda _: warnings.simplefilter("ignore", UserWarning), "warnings filters"),
    "recursion": (lambda _: sys.setrecursionlimit(sys.getrecursionlimit() + 7), "recursion"),
}


@pytest.mark.parametrize("kind", list(CHANGES))
def test_each_change_a_model_makes_is_named(kind: str, tmp_path: Path) -> None:
    change, words = CHANGES[kind]
    with _restored():
        state = WorkerState.capture()
        assert state.changed() == ""
        change(tmp_path)
        assert words in state.changed()


def test_a_library_importing_more_of_itself_is_not_a_change() -> None:
    sys.modules.pop("colorsys", None)
    state = WorkerState.capture()
    import colorsys  # a standard-library module first imported now  # noqa: F401
    import json.decoder  # a submodule  # noqa: F401

    assert state.changed() == ""


def test_one_worker_runs_model_after_model_until_one_changes_it(tmp_path: Path) -> None:
    logs = [tmp_path / f"{n}.log" for n in range(3)]
    first, second = (save_custom(tmp_path / f"m{n}", RecordsPid(str(logs[n]))) for n in (0, 1))
    polluter = save_custom(tmp_path / "polluter", Polluter(str(logs[2])))
    third = save_custom(tmp_path / "m3", RecordsPid(str(logs[2])))
    limits = Limits(20, None)
    run_prepared(
        [prepare(first), prepare(second)], select=["loads", "predicts-on-example"], limits=limits
    )
    pids = [set(log.read_text().split()) for log in logs[:2]]
    assert len(pids[0]) == 1 and pids[0] == pids[1], "the second model got a fresh worker"
    logs[2].unlink(missing_ok=True)
    run_prepared(
        [prepare(polluter), prepare(third)], select=["loads", "predicts-on-example"], limits=limits
    )
    assert len(set(logs[2].read_text().split())) == 2, "the polluted worker ran another model"


class Polluter(RecordsPid):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        os.environ["MLMODEL_SPEC_TEST_POLLUTED_PID"] = "1"
        return super().predict(context, model_input)
