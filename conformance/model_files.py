"""Safe, bounded access to the files of one model directory.

Paths named in ``MLmodel`` are untrusted: they may be absolute, climb out with ``..``, go
through symlinks that leave the directory, loop, or name a FIFO that would block a reader
forever. :func:`resolve_inside` classifies a relative path without following anything out
of the model directory; :func:`read_bounded` reads a regular file up to a size limit.
"""

from __future__ import annotations

import os
import stat
from enum import Enum

from .records import record

MAX_TEXT_BYTES = 16 * 1024 * 1024  # MLmodel, env files, requirements, input examples


class PathState(Enum):
    OK = "ok"
    NOT_A_STRING = "not a string"
    EMPTY = "empty"
    ABSOLUTE = "absolute"
    ESCAPES = "escapes the model directory"
    SYMLINK_ESCAPES = "is a symlink that leads out of the model directory"
    LOOP = "is a symlink loop"
    MISSING = "does not exist"
    UNREADABLE = "cannot be inspected"


@record(frozen=True)
class ResolvedPath:
    state: PathState
    path: str | None = None  # the real path inside the model directory when state is OK
    is_dir: bool = False
    is_file: bool = False  # a regular file (not a FIFO, socket or device)
    size: int = 0
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.state is PathState.OK


def looks_absolute(rel: str) -> bool:
    return rel.startswith(("/", "\\")) or (len(rel) > 1 and rel[1] == ":" and rel[0].isalpha())


def resolve_inside(root_real: str, rel: object, *, max_links: int = 40) -> ResolvedPath:
    """Resolve ``rel`` against the real path of a model directory, component by component.

    Symlinks are followed only while they stay inside ``root_real``; anything else is
    reported as a state, never raised.
    """
    if not isinstance(rel, str):
        return ResolvedPath(PathState.NOT_A_STRING)
    if not rel.strip() or "\x00" in rel:
        return ResolvedPath(PathState.EMPTY)
    if looks_absolute(rel):
        return ResolvedPath(PathState.ABSOLUTE)
    parts = [p for p in rel.replace("\\", "/").split("/") if p not in ("", ".")]
    if ".." in parts:
        depth = 0
        for part in parts:
            depth += -1 if part == ".." else 1
            if depth < 0:
                return ResolvedPath(PathState.ESCAPES)
    current = root_real
    links = 0
    prefix = root_real.rstrip(os.sep) + os.sep
    st: os.stat_result | None = None  # the last component's lstat, unless it is a symlink
    for index, part in enumerate(parts):
        candidate = os.path.join(current, part)  # ``current`` is a real path: already normal
        if part == "..":
            candidate = os.path.normpath(candidate)
        if candidate != root_real and not candidate.startswith(prefix):
            return ResolvedPath(PathState.ESCAPES)
        try:
            st = os.lstat(candidate)
        except FileNotFoundError:
            return ResolvedPath(PathState.MISSING, detail="/".join(parts[: index + 1]))
        except NotADirectoryError:
            return ResolvedPath(PathState.MISSING, detail="/".join(parts[:index]) + " is a file")
        except OSError as exc:
            return ResolvedPath(PathState.UNREADABLE, detail=exc.strerror or str(exc))
        if stat.S_ISLNK(st.st_mode):
            links += 1
            if links > max_links:
                return ResolvedPath(PathState.LOOP)
            try:
                target = os.path.realpath(candidate, strict=True)
            except FileNotFoundError:
                return ResolvedPath(PathState.MISSING, detail="dangling symlink " + part)
            except OSError:
                return ResolvedPath(PathState.LOOP)
            if target != root_real and not target.startswith(prefix):
                return ResolvedPath(PathState.SYMLINK_ESCAPES, detail=target)
            candidate = target
            st = None  # what the link leads to is stat-ed below
        current = candidate
    if st is None:  # the model directory itself, or a symlink's target
        try:
            st = os.stat(current)
        except OSError as exc:  # pragma: no cover - raced with a concurrent delete
            return ResolvedPath(PathState.UNREADABLE, detail=exc.strerror or str(exc))
    return ResolvedPath(
        PathState.OK,
        current,
        is_dir=stat.S_ISDIR(st.st_mode),
        is_file=stat.S_ISREG(st.st_mode),
        size=st.st_size,
    )


#: real paths of the directories above the model directories seen (a tree's models share
#: their ancestors): ``real_directory`` resolves only what is new
_REAL_ANCESTORS: dict[str, str] = {}
_REAL_ANCESTORS_MAX = 65_536


def real_directory(given: str | os.PathLike[str]) -> str:
    """``os.path.realpath(given)``, remembering the real path of each ancestor: for the
    models of a tree, one ``lstat`` a new directory instead of one per component."""
    path = os.fspath(given)
    if os.altsep or os.pardir in path.split(os.sep):
        return os.path.realpath(path)  # ".." follows links first: only realpath knows
    absolute = os.path.abspath(path)
    parent, name = os.path.split(absolute)
    if not name:
        return os.path.realpath(absolute)  # the root
    real_parent = _REAL_ANCESTORS.get(parent)
    if real_parent is None:
        if len(_REAL_ANCESTORS) >= _REAL_ANCESTORS_MAX:
            _REAL_ANCESTORS.clear()
        real_parent = _REAL_ANCESTORS[parent] = real_directory(parent)
    candidate = os.path.join(real_parent, name)
    return os.path.realpath(candidate) if os.path.islink(candidate) else candidate


def relative_inside(root_real: str, path: str) -> str:
    """``os.path.relpath(path, root_real)`` of a real path :func:`resolve_inside` returned (the
    directory or a path below it, both normal): the rest of it, without relpath's work."""
    if path == root_real:
        return os.curdir
    return path[len(root_real.rstrip(os.sep)) + 1 :]


@record(frozen=True)
class TextRead:
    text: str | None
    error: str = ""
    line: int | None = None
    column: int | None = None


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_TEXT_BYTES) -> TextRead:
    """Read a regular UTF-8 text file of at most ``limit`` bytes; never block, never raise."""
    try:
        st = os.stat(path)
    except OSError as exc:
        return TextRead(None, f"cannot be read: {exc.strerror or exc}")
    if stat.S_ISDIR(st.st_mode):
        return TextRead(None, "is a directory, not a file")
    if not stat.S_ISREG(st.st_mode):
        return TextRead(None, "is not a regular file (FIFO, socket or device)")
    if st.st_size > limit:
        return TextRead(None, f"is {st.st_size:,} bytes, over the {limit:,}-byte limit; not read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        try:
            raw = _read_fd(fd, min(st.st_size, limit) + 1)  # +1: notice a file still growing
        finally:
            os.close(fd)
    except OSError as exc:
        return TextRead(None, f"cannot be read: {exc.strerror or exc}")
    if len(raw) > limit:
        return TextRead(None, f"grew over the {limit:,}-byte limit while reading; not read")
    return decode_text(raw)


def _read_fd(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of ``fd`` (fewer at its end): ``os.read`` without the file objects
    of ``os.fdopen`` (4 us a file), looping over short reads as ``BufferedReader.read`` does."""
    chunks = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def decode_text(raw: bytes) -> TextRead:
    """Decode UTF-8 (a BOM is tolerated); NUL bytes and bad bytes become an error with position."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return TextRead(
            None, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x})", line=line, column=column
        )
    nul = text.find("\x00")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        return TextRead(
            None, "contains NUL bytes (binary data, not text)", line=line, column=column
        )
    return TextRead(text)
