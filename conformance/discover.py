"""Find the model directories below the paths a user names.

A path may be a model directory, an ``MLmodel`` file (any name, when given explicitly) or
any tree (an ``mlruns/`` store, an artifact dump): every entry named ``MLmodel`` below it is
a target, except the copies Databricks keeps in a model's ``metadata/`` directory. Symlinked
directories are not followed (no loops, no escaping the tree).

Paths are strings, spelled as ``pathlib`` spells them (:func:`tidy_path`): ``pathlib``
(with the ``urllib.parse`` and ``ipaddress`` it imports) costs a cold ``validate`` 3 ms.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from .records import field, record

MLMODEL = "MLmodel"
#: sub-directories of a model directory that hold copies of its MLmodel and env files
#: (``Model.log`` on Databricks writes ``metadata/``): their paths are relative to the
#: model directory, so they are not models of their own
COPIES_DIRS = frozenset({"metadata"})


def _split(path: str) -> tuple[str, list[str]]:
    """The root and the components of a POSIX path, as ``pathlib.PurePosixPath`` reads it."""
    if path.startswith("//") and not path.startswith("///"):
        root = "//"  # POSIX leaves a leading "//" to the implementation: kept
    else:
        root = "/" if path.startswith("/") else ""  # "///" and more read as "/"
    return root, [part for part in path.split("/") if part and part != "."]


def tidy_path(path: str) -> str:
    """``path`` as ``str(pathlib.PurePath(path))`` spells it: no ``.`` or empty components, no
    trailing separator, ``.`` for the empty path; ``..`` is kept (it is not resolved)."""
    if os.name == "nt":  # drives and UNC shares: pathlib's parser, not re-implemented here
        from pathlib import PurePath

        return str(PurePath(path))
    root, parts = _split(path)
    return root + "/".join(parts) or "."


def parent_path(path: str) -> str:
    """``str(pathlib.PurePath(path).parent)``: the path without its last component."""
    if os.name == "nt":
        from pathlib import PurePath

        return str(PurePath(path).parent)
    root, parts = _split(path)
    return root + "/".join(parts[:-1]) or "."


def path_name(path: str) -> str:
    """``pathlib.PurePath(path).name``: the last component (``""`` for a root or ``.``)."""
    if os.name == "nt":
        from pathlib import PurePath

        return PurePath(path).name
    return (_split(path)[1] or [""])[-1]


@record(frozen=True, order=True)
class Target:
    root: str  # the model directory (tidied: :func:`tidy_path`)
    mlmodel: str  # the MLmodel entry (may turn out not to be a regular file)


@record(frozen=True)
class Unreadable:
    """A path below (or given as) a tree that could not be looked at: models there are
    not validated, so the report names it (rule ``path-unreadable``)."""

    path: str
    reason: str


@record
class Discovery:
    targets: list[Target]
    errors: list[str]  # paths that do not exist or cannot be listed (exit code 2)
    unreadable: list[Unreadable] = field(default_factory=list)  # the listing failures of errors

    def fail(self, path: str, reason: str) -> None:
        self.errors.append(f"{path}: {reason}")
        self.unreadable.append(Unreadable(path, reason))


def _walk(top: str, found: Discovery) -> Iterable[Target]:
    stack = [top]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                listed = sorted(entries, key=lambda e: e.name)
        except OSError as exc:
            found.fail(current, f"cannot list directory: {exc.strerror or exc}")
            continue
        subdirs = []
        is_model = any(entry.name == MLMODEL for entry in listed)
        for entry in listed:
            if entry.name == MLMODEL:
                yield Target(tidy_path(current), tidy_path(entry.path))
                continue
            if is_model and entry.name in COPIES_DIRS:
                continue  # copies of this model's MLmodel, not a model of their own
            try:
                if entry.is_dir(follow_symlinks=False):
                    subdirs.append(entry.path)
            except FileNotFoundError:  # vanished while listing
                continue
            except OSError as exc:
                found.fail(entry.path, f"cannot look it up: {exc.strerror or exc}")
        stack.extend(reversed(subdirs))


def discover(paths: Iterable[str | os.PathLike[str]]) -> Discovery:
    """Targets below ``paths`` in a stable order, without duplicates."""
    found = Discovery([], [])
    seen: set[str] = set()

    def add(target: Target) -> None:
        if target.mlmodel not in seen:
            seen.add(target.mlmodel)
            found.targets.append(target)

    for raw in paths:
        path = os.fspath(raw)
        try:
            st = os.stat(path)
        except FileNotFoundError:
            found.errors.append(f"{path}: no such file or directory")
            continue
        except OSError as exc:
            found.fail(path, f"cannot look it up: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            if os.path.basename(os.path.normpath(path)) == MLMODEL:
                # a directory named MLmodel given explicitly: its parent is the model dir
                add(Target(parent_path(path), tidy_path(path)))
                continue
            for target in _walk(path, found):
                add(target)
        else:
            add(Target(parent_path(path), tidy_path(path)))
    return found
