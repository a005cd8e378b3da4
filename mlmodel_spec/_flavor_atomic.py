"""Atomic creation of a model directory.

Everything is written into a hidden sibling directory (``.<name>.<random>.partial``), which is
renamed onto the target only when complete. A process killed mid-save therefore leaves no
partial model at the target (at worst a ``.partial`` sibling). As in MLflow, an existing *empty*
directory is accepted (it is replaced by the rename) and anything else at the target is refused.
Both directories are on the same filesystem, so the rename is atomic on POSIX; the refusal is
checked before writing and again just before the rename.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from mlmodel_spec.types.errors import RESOURCE_ALREADY_EXISTS, MlmodelSpecError

PARTIAL_SUFFIX = ".partial"


class TargetExistsError(MlmodelSpecError):
    """The save target exists and is not an empty directory; saves never overwrite."""

    default_error_code = RESOURCE_ALREADY_EXISTS


def _is_empty_dir(target: Path) -> bool:
    return target.is_dir() and not target.is_symlink() and not any(target.iterdir())


def _refuse_existing(target: Path) -> None:
    if (target.exists() or target.is_symlink()) and not _is_empty_dir(target):
        raise TargetExistsError(
            f"Path '{target}' already exists and is not empty; refusing to overwrite it"
        )


@contextmanager
def atomic_directory(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield an empty staging directory; on success rename it to ``path``."""
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise MlmodelSpecError(f"A model path must be a non-empty path, got {path!r}")
    target = Path(path).absolute()
    _refuse_existing(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:12]}{PARTIAL_SUFFIX}"
    staging.mkdir()  # honours the umask, unlike tempfile.mkdtemp
    try:
        yield staging
        _refuse_existing(target)
        if target.is_dir():
            target.rmdir()  # empty (checked above); fails if something appeared meanwhile
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_file(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Write ``content`` to ``path`` atomically: a temporary sibling renamed onto it.

    The file keeps the mode it had (a new one gets what the umask gives ``open``), not the
    0600 of ``tempfile.mkstemp``: an MLmodel or a generated module that only its writer
    can read breaks every other reader (a serving container, a CI user)."""
    import stat
    import tempfile

    target = os.fspath(path)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    data = content.encode("utf-8") if isinstance(content, str) else content
    directory, name = os.path.split(target)
    handle, temporary = tempfile.mkstemp(dir=directory or ".", prefix=f".{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary, mode)  # os.fchmod is POSIX-only
        os.replace(temporary, target)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
