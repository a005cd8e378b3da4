"""``model_size_bytes`` against the files actually in the model directory.

What MLflow counts (``mlflow.utils.file_utils.get_total_file_size``, 2.8+; verified by saving
sklearn, lightgbm, custom-pyfunc, loader-module and models-from-code models with MLflow
2.22.5 and 3.17.2 and comparing byte for byte): the sum of the sizes of all regular files
below the model directory at the moment *before* MLmodel and the environment files are
written. So it excludes, at the top level,

* ``MLmodel``, ``conda.yaml``, ``requirements.txt``, ``constraints.txt``, ``python_env.yaml``
  and the uv files ``uv.lock``, ``pyproject.toml``, ``.python-version`` (written after);
* what is added after saving: ``registered_model_meta`` (the client, on download),
  ``environment_variables.txt`` and ``metadata/`` (``Model.log``), ``wheels/`` and
  ``original_requirements.txt`` (``add_libraries_to_model``);
* the ``code/`` directory of models saved by ``mlflow.pyfunc.save_model`` (it copies
  ``code_paths`` after computing the size; flavors such as sklearn copy them before).

It includes the input examples and everything else. Symlinked files count with their target's
size, symlinked directories not at all (``os.walk`` without ``followlinks``); we only follow
links that stay inside the model directory. ``__pycache__`` directories are skipped: MLflow
never copies them into a model, and loading a model that has a code directory writes them.

Tolerance: MLflow's number is exact, so a difference means the files changed after saving. We
allow the larger of 256 bytes and 1% so that harmless rewrites (line endings converted in the
small text files MLflow writes, a trailing newline added by an editor) stay silent, while what
matters — a missing or truncated payload, a Git LFS pointer checked out instead of the model,
a payload swapped for another model — is far beyond it.

We only ``stat``: no file is opened, so a multi-gigabyte payload costs the same as a small one.
The walk stops after :data:`MAX_ENTRIES` entries and says so.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator

from ..context import ModelContext
from ..findings import Severity
from ..records import record
from ..registry import Problem, check, define_rule

MODEL_SIZE_MISMATCH = define_rule(
    "model-size-mismatch",
    Severity.WARNING,
    "model_size_bytes differs from the size of the files in the model directory",
    "Files were added, removed, truncated or replaced after MLflow saved the model (a Git LFS "
    "pointer instead of the payload is a common cause); restore them, or re-save the model.",
)
MODEL_SIZE_UNVERIFIED = define_rule(
    "model-size-unverified",
    Severity.INFO,
    "model_size_bytes could not be checked against the model directory",
    "The directory is too large to walk quickly, or parts of it cannot be read or lead outside it.",
)

MAX_ENTRIES = 100_000
ABSOLUTE_TOLERANCE = 256
RELATIVE_TOLERANCE = 0.01

#: top-level files MLflow writes after computing the size, or that others add later
EXCLUDED_FILES = frozenset(
    {
        "MLmodel",
        "conda.yaml",
        "requirements.txt",
        "constraints.txt",
        "python_env.yaml",
        "uv.lock",
        "pyproject.toml",
        ".python-version",
        "registered_model_meta",
        "environment_variables.txt",
    }
)
EXCLUDED_DIRS = frozenset({"metadata"})
WHEELED_EXCLUDED = frozenset({"wheels", "original_requirements.txt"})
SKIPPED_DIR_NAMES = frozenset({"__pycache__"})


@record(frozen=True)
class DirectorySize:
    total: int  # bytes MLflow would count (see the module docstring)
    code_bytes: int  # of which below the python_function code directory
    complete: bool  # False when the walk stopped early or could not read something
    outside_links: int = 0  # symlinks not followed because they leave the directory
    reason: str = ""


def measure(
    root: str, *, code_dir: str | None = None, wheeled: bool = False, resolved: bool = False
) -> DirectorySize:
    """Sum the sizes MLflow's ``model_size_bytes`` counts below ``root`` (stat only).

    ``resolved=True`` says ``root`` is already a real path (spares a ``realpath``).
    """
    root_real = root if resolved else os.path.realpath(root)
    prefix = root_real.rstrip(os.sep) + os.sep
    excluded = EXCLUDED_FILES | (WHEELED_EXCLUDED if wheeled else frozenset())
    total = code_bytes = entries = outside = 0
    stack: list[tuple[str, str]] = [(root_real, "")]
    while stack:
        directory, rel = stack.pop()
        try:
            with os.scandir(directory) as listing:
                items = list(listing)
        except OSError as exc:
            return DirectorySize(
                total, code_bytes, False, outside, f"{rel or '.'} cannot be listed ({exc.strerror})"
            )
        for entry in items:
            entries += 1
            if entries > MAX_ENTRIES:
                return DirectorySize(
                    total, code_bytes, False, outside, f"more than {MAX_ENTRIES:,} entries"
                )
            name = entry.name
            child = f"{rel}/{name}" if rel else name
            if not rel and (name in excluded or name in EXCLUDED_DIRS):
                continue
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                continue  # vanished while listing
            mode = info.st_mode
            if stat.S_ISLNK(mode):
                target = os.path.realpath(entry.path)
                if not target.startswith(prefix):
                    outside += 1
                    continue
                try:
                    info = os.stat(target)
                except OSError:
                    continue  # dangling
                if not stat.S_ISREG(info.st_mode):
                    continue  # os.walk lists linked directories but does not enter them
                mode = info.st_mode
            if stat.S_ISDIR(mode):
                if name not in SKIPPED_DIR_NAMES:
                    stack.append((entry.path, child))
            elif stat.S_ISREG(mode):
                total += info.st_size
                if code_dir is not None and child.startswith(code_dir + "/"):
                    code_bytes += info.st_size
    return DirectorySize(total, code_bytes, True, outside)


def _pyfunc_only_code_dir(ctx: ModelContext) -> str | None:
    """The python_function code directory when no other flavor names it (copied after sizing)."""
    pyfunc = ctx.pyfunc
    code = pyfunc.get("code") if pyfunc is not None else None
    if not isinstance(code, str) or not code.strip():
        return None
    normal = posixpath.normpath(code.replace("\\", "/"))
    if normal.startswith(("..", "/")) or normal == ".":
        return None
    for name, block in ctx.flavors.items():
        other = block.get("code")
        if (
            name != "python_function"
            and isinstance(other, str)
            and posixpath.normpath(other.replace("\\", "/")) == normal
        ):
            return None
    return normal


def counted_size(ctx: ModelContext) -> DirectorySize:
    """What ``model_size_bytes`` should say for this model directory."""
    return measure(
        ctx.root_real,
        code_dir=_pyfunc_only_code_dir(ctx),
        wheeled=ctx.data.get("wheels") is not None,
        resolved=True,
    )


def within_tolerance(declared: int, actual: int) -> bool:
    return abs(declared - actual) <= max(ABSOLUTE_TOLERANCE, declared * RELATIVE_TOLERANCE)


@check(MODEL_SIZE_MISMATCH, MODEL_SIZE_UNVERIFIED, needs_files=True)
def model_size_matches(ctx: ModelContext) -> Iterator[Problem]:
    declared = ctx.data.get("model_size_bytes")
    if not isinstance(declared, int) or isinstance(declared, bool) or declared <= 0:
        return  # absent, or the schema check reports its type
    size = counted_size(ctx)
    expected = size.total - size.code_bytes
    if within_tolerance(declared, expected) or within_tolerance(declared, size.total):
        return
    pointer = "/model_size_bytes"
    if not size.complete and expected <= declared:
        yield Problem(
            MODEL_SIZE_UNVERIFIED,
            pointer,
            f"model_size_bytes {declared:,} not verified: {size.reason}",
        )
        return
    if size.outside_links:
        yield Problem(
            MODEL_SIZE_UNVERIFIED,
            pointer,
            f"model_size_bytes {declared:,} not verified: the files counted add up to "
            f"{expected:,} bytes, but {size.outside_links} symlink(s) lead out of the model "
            "directory and were not followed",
        )
        return
    # an interrupted walk only ever adds bytes: a count already too large is conclusive
    at_least = "" if size.complete else "at least "
    yield Problem(
        MODEL_SIZE_MISMATCH,
        pointer,
        f"model_size_bytes is {declared:,} but the model files add up to {at_least}"
        f"{expected:,} bytes (MLmodel and the environment files excluded, as MLflow does): "
        f"{_describe(declared, expected)}",
    )


def _describe(declared: int, actual: int) -> str:
    if actual < declared:
        return f"{declared - actual:,} bytes are missing"
    return f"{actual - declared:,} bytes more than when the model was saved"
