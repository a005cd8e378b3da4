"""A worker's check results, appended to a file as each check finishes.

The pipe to the parent carries one message a model (its end); the results go to a file the
parent reads then. The parent wakes once a model instead of once a check, and a model that
kills its worker (segfault, ``os._exit``, a timeout) still leaves the results of the checks
that finished before it: a record is written whole before the next check starts, and a
record cut short by a kill is left out.
"""

from __future__ import annotations

import os
import pickle
import struct

from .run import CheckResult

_LENGTH = struct.Struct("<I")


def append(fd: int, result: CheckResult) -> None:
    """Write one result record (length, pickle) to ``fd``."""
    data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_LENGTH.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def read(path: str, offset: int, limit: int | None = None) -> tuple[list[CheckResult], int]:
    """The whole records in ``path`` from ``offset`` on, at most ``limit`` of them (a model
    writes one a check; the next model's follow), and the offset where they end."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    out: list[CheckResult] = []
    at = 0
    while at + _LENGTH.size <= len(data) and (limit is None or len(out) < limit):
        (length,) = _LENGTH.unpack_from(data, at)
        start = at + _LENGTH.size
        if start + length > len(data):
            break  # cut short: the worker was killed while writing it
        out.append(pickle.loads(data[start : start + length]))  # our worker wrote it
        at = start + length
    return out, offset + at
