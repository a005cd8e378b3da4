"""Whether a model changed its worker's global state, so the next model needs a fresh one.

A worker records, before its first model, what a model may change for the models after it:
the environment variables, the working directory, ``sys.path``, the top-level modules that
do not come from the installed libraries (a model's own code, a ``code/`` directory), the
threads, the signal handlers, the ``warnings`` filters, the recursion limit and the memory
in use. Libraries importing more of themselves (a scikit-learn submodule) is not a change.
"""

from __future__ import annotations

import os
import signal
import sys
import sysconfig
import threading
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

#: a worker whose resident memory grew by more than this is replaced (a model that leaks)
MEMORY_GROWTH = 512 * 2**20
_SIGNALS = tuple(s for s in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGALRM))


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    found = {paths[k] for k in ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}
    found |= {sys.prefix, sys.base_prefix, sys.exec_prefix}
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    found.add(here)  # mlmodel_spec itself (an editable install lives outside site-packages)
    return tuple(os.path.join(os.path.realpath(p), "") for p in found)


def _foreign_modules(library_dirs: tuple[str, ...]) -> frozenset[str]:
    """Top-level modules that are not built in and not from the installed libraries."""
    out = set()
    for name, module in list(sys.modules.items()):
        if "." in name or name in sys.builtin_module_names:
            continue
        path = getattr(module, "__file__", None)
        if path is None:
            locations = getattr(getattr(module, "__spec__", None), "submodule_search_locations", ())
            path = next(iter(locations or ()), None)
        if path is None or not _in_libraries(path, library_dirs):
            out.add(name)
    return frozenset(out)


@lru_cache(maxsize=4096)
def _in_libraries(path: str, library_dirs: tuple[str, ...]) -> bool:
    """Whether a module file lies in the installed libraries (resolved once a path: a worker
    asks after every model, and ``realpath`` of its ~700 modules cost 2.5 ms each time)."""
    return os.path.realpath(path).startswith(library_dirs)


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


@dataclass(frozen=True)
class WorkerState:
    environ: dict[str, str]
    cwd: str
    path: tuple[str, ...]
    modules: frozenset[str]
    threads: int
    handlers: tuple[Any, ...]
    filters: tuple[Any, ...]
    recursion_limit: int
    resident: int
    library_dirs: tuple[str, ...]

    @classmethod
    def capture(cls) -> WorkerState:
        library_dirs = _library_dirs()
        return cls(
            dict(os.environ),
            os.getcwd(),
            tuple(sys.path),
            _foreign_modules(library_dirs),
            threading.active_count(),
            tuple(signal.getsignal(s) for s in _SIGNALS),
            tuple(warnings.filters),
            sys.getrecursionlimit(),
            _resident_bytes(),
            library_dirs,
        )

    def changed(self) -> str:
        """What a model changed ('' when nothing)."""
        if dict(os.environ) != self.environ:
            keys = sorted(set(os.environ.items()) ^ set(self.environ.items()))
            return f"it changed the environment variable {keys[0][0]}"
        if os.getcwd() != self.cwd:
            return "it changed the working directory"
        if tuple(sys.path) != self.path:
            return "it changed sys.path"
        new = sorted(_foreign_modules(self.library_dirs) - self.modules)
        if new:
            return f"it imported {new[0]!r} from outside the installed libraries"
        if threading.active_count() > self.threads:
            return "it left a thread running"
        if tuple(signal.getsignal(s) for s in _SIGNALS) != self.handlers:
            return "it changed a signal handler"
        if tuple(warnings.filters) != self.filters:
            return "it changed the warnings filters"
        if sys.getrecursionlimit() != self.recursion_limit:
            return "it changed the recursion limit"
        if self.resident and _resident_bytes() - self.resident > MEMORY_GROWTH:
            return "its process grew by more than 512 MiB"
        return ""
