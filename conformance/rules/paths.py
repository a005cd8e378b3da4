"""Every path that MLmodel names exists, has the right kind, and stays inside the model directory.

MLflow joins these values onto the model directory without any check: an absolute path or a
``..`` silently reads from elsewhere, a missing file fails only at load time. The keys are
listed in :func:`path_refs`. Text-only problems (absolute, ``..``, empty, ``\\``) are found
without touching the file system, so ``--metadata-only`` still reports them.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from enum import Enum

from .. import _generated_flavors
from ..context import ModelContext
from ..findings import Severity, escape_pointer_token, join_pointer
from ..model_files import PathState, ResolvedPath, looks_absolute, read_bounded
from ..records import record
from ..registry import Problem, check, define_rule
from ..version_keys import major_minor

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

PATH_MISSING = define_rule(
    "path-missing",
    Severity.ERROR,
    "A file or directory named in MLmodel does not exist in the model directory",
    "Restore the file from the original model, or correct the path in MLmodel.",
    severities=(
        (
            Severity.WARNING,
            "it is the (serving) input example: loading ignores it, only the example is lost",
        ),
        (
            Severity.WARNING,
            "it is a flavor's `extra_files` entry: copied with the model, no loader reads it",
        ),
    ),
)
PATH_ABSOLUTE = define_rule(
    "path-absolute",
    Severity.ERROR,
    "A path in MLmodel is absolute; MLflow expects paths relative to the model directory",
    "Copy the file into the model directory and name it by its relative path.",
)
PATH_ESCAPES = define_rule(
    "path-escapes",
    Severity.ERROR,
    "A path in MLmodel leads out of the model directory ('..' or a symlink), or loops",
    "Keep every file of the model inside its directory; replace symlinks with real files.",
)
PATH_NOT_A_FILE = define_rule(
    "path-not-a-file",
    Severity.ERROR,
    "A path in MLmodel that must name a file names a directory or a special file",
    "Point the key at the file itself (MLflow opens it as a file).",
)
PATH_NOT_A_DIRECTORY = define_rule(
    "path-not-a-directory",
    Severity.ERROR,
    "A path in MLmodel that must name a directory (such as `code`) names a file",
    "`code` names the directory MLflow prepends to sys.path, usually `code`.",
)
PATH_INVALID = define_rule(
    "path-invalid",
    Severity.ERROR,
    "A path in MLmodel is empty, contains a NUL byte, or cannot be looked up",
    "Give the relative path of the file inside the model directory.",
)
PATH_NOT_PORTABLE = define_rule(
    "path-not-portable",
    Severity.WARNING,
    "A path in MLmodel uses '\\' as separator, which only works when loading on Windows",
    "Use '/' as separator: MLflow on Linux and macOS reads '\\' as part of the file name.",
)
PATH_LFS_POINTER = define_rule(
    "path-lfs-pointer",
    Severity.ERROR,
    "A payload file named in MLmodel is a Git LFS pointer, not the payload: loading fails",
    "Fetch the real file (`git lfs pull`, or `git lfs install` before cloning) and check that "
    "it is no longer a ~130-byte text file starting with `version https://git-lfs`.",
)
ENV_FILE_MISSING = define_rule(
    "env-file-missing",
    Severity.WARNING,
    "An environment file (conda.yaml, python_env.yaml, requirements.txt) is missing",
    "Restore the file; `mlflow models serve` and `mlflow.pyfunc.get_model_dependencies` "
    "rebuild the model's environment from it (loading and predicting never read it).",
)

PYFUNC = "python_function"
CONDA_YAML, PYTHON_ENV_YAML, REQUIREMENTS_TXT = "conda.yaml", "python_env.yaml", "requirements.txt"


class Kind(Enum):
    FILE = "a file"
    DIRECTORY = "a directory"
    EITHER = "a file or a directory"


@record(frozen=True)
class PathRef:
    """One path-valued key of MLmodel."""

    pointer: str
    value: str
    kind: Kind
    what: str  # how the message names the key, e.g. "sklearn pickled_model"
    env: bool = False  # an environment file: a missing one is env-file-missing
    missing_severity: Severity | None = None  # overrides path-missing's severity
    basename_only: bool = False  # model_code_path: MLflow uses only the base name


#: keys that name a path in any flavor block, and the kind of entry they name
_COMMON_KEYS = {
    "data": Kind.EITHER,
    "code": Kind.DIRECTORY,
    "pickled_model": Kind.FILE,
    "model_data": Kind.EITHER,
    "model_path": Kind.EITHER,
}
#: the path keys of the flavors the specification knows, from spec/flavors/*.yaml (`path:`)
_FLAVOR_KEYS: dict[str, dict[str, Kind]] = {
    flavor: {key: Kind[kind.upper()] for key, kind in keys.items()}
    for flavor, keys in _generated_flavors.PATH_KEYS.items()
}
#: the sklearn loader reads python_function.model_path as a file
_FILE_MODEL_PATH_LOADERS = frozenset({"mlflow.sklearn"})


def _flavor_refs(
    name: str, block: dict[Any, Any], known: dict[str, dict[str, Kind]] = _FLAVOR_KEYS
) -> Iterator[PathRef]:
    base = "/flavors/" + escape_pointer_token(name)
    keys = dict(known.get(name, _COMMON_KEYS))
    loader = block.get("loader_module")
    if name == PYFUNC and isinstance(loader, str) and loader in _FILE_MODEL_PATH_LOADERS:
        keys["model_path"] = Kind.FILE
    for key, kind in keys.items():
        value = block.get(key)
        if key == "code" and not value:
            continue  # `code: null` (and "") is how MLflow says "no code directory"
        if isinstance(value, str):
            yield PathRef(f"{base}/{key}", value, kind, f"{name} {key}")
    extra_files = block.get("extra_files")
    if isinstance(extra_files, list):
        for index, item in enumerate(extra_files):
            if isinstance(item, dict) and isinstance(item.get("path"), str):
                pointer = f"{base}/extra_files/{index}/path"
                # copied along with the model; no loader opens them (MLflow 2.22/3.17 load)
                yield PathRef(
                    pointer,
                    item["path"],
                    Kind.EITHER,
                    f"{name} extra file",
                    missing_severity=Severity.WARNING,
                )
    if name != PYFUNC:
        return
    yield from _pyfunc_refs(base, block)


def _pyfunc_refs(base: str, block: dict[Any, Any]) -> Iterator[PathRef]:
    env = block.get("env")
    if isinstance(env, str):
        yield PathRef(f"{base}/env", env, Kind.FILE, "python_function env", env=True)
    elif isinstance(env, dict):
        for key in ("conda", "virtualenv"):
            if isinstance(env.get(key), str):
                pointer = f"{base}/env/{key}"
                yield PathRef(pointer, env[key], Kind.FILE, f"{key} environment file", env=True)
    artifacts = block.get("artifacts")
    if isinstance(artifacts, dict):
        for name, info in artifacts.items():
            # `uri` only records where the artifact came from; `path` is what MLflow opens
            if isinstance(info, dict) and isinstance(info.get("path"), str):
                pointer = join_pointer(base, "artifacts", str(name), "path")
                yield PathRef(pointer, info["path"], Kind.EITHER, f"artifact {name!r}")
    code_path = block.get("model_code_path")
    if isinstance(code_path, str):
        yield PathRef(
            f"{base}/model_code_path",
            code_path,
            Kind.FILE,
            "models-from-code script",
            basename_only=True,
        )


def path_refs(ctx: ModelContext) -> list[PathRef]:
    """Every path-valued key of the MLmodel, in document order of the flavors (cached)."""
    refs: list[PathRef] | None = ctx.memo.get("paths.refs")
    if refs is None:
        refs = ctx.memo["paths.refs"] = _collect_refs(ctx)
    return refs


def _collect_refs(ctx: ModelContext) -> list[PathRef]:
    refs: list[PathRef] = []
    known, runtime = _FLAVOR_KEYS, ctx.runtime_flavors
    if runtime:  # and those of the flavor specs given with --flavor-spec
        known = known | {
            flavor: {key: Kind[kind.upper()] for key, kind in spec.path_keys.items()}
            for flavor, spec in runtime.items()
        }
    for name, block in ctx.flavors.items():
        refs.extend(_flavor_refs(name, block, known))
    example = ctx.data.get("saved_input_example_info")
    if isinstance(example, dict):
        for key in ("artifact_path", "serving_input_path"):
            if isinstance(example.get(key), str):
                refs.append(
                    PathRef(
                        f"/saved_input_example_info/{key}",
                        example[key],
                        Kind.FILE,
                        "input example" if key == "artifact_path" else "serving input example",
                        # loading swallows a missing example; only the example is lost
                        missing_severity=Severity.WARNING,
                    )
                )
    return refs


# -- text-only checks ------------------------------------------------------------------------
_CONTROL = r"[\x00-\x1f]"  # compiled only for a value that is not printable


def model_code_basename(value: str) -> str:
    """The file name MLflow looks for: ``os.path.basename`` of the writer's path.

    On POSIX that keeps a Windows path whole; we take the Windows base name as the writer's
    intent and report the portability problem separately.
    """
    if "\\" not in value:
        return posixpath.basename(value)
    import ntpath  # a Windows path only (on POSIX, os.path does without ntpath)

    return ntpath.basename(value)


_CONTROL_NAMES = {
    "\n": "a line break",
    "\r": "a carriage return",
    "\t": "a tab",
    "\x00": "a NUL byte",
}


def _text_problem(ref: PathRef) -> Problem | None:
    """The problem visible in the value alone, if any (the first one)."""
    value = ref.value
    if not value and not ref.basename_only:
        return None  # the schema's minLength reports empty paths
    control = None if value.isprintable() else re.search(_CONTROL, value)
    if not value.strip() or control:
        reason = (
            f"contains {_CONTROL_NAMES.get(control[0], 'a control character')}"
            if control
            else "is blank"
        )
        return Problem(PATH_INVALID, ref.pointer, f"{ref.what}: {value!r} {reason}")
    if ref.basename_only:
        if model_code_basename(value) in ("", ".", ".."):
            return Problem(
                PATH_INVALID,
                ref.pointer,
                f"{ref.what}: {value!r} does not end with a file name",
            )
        return _portability(ref) if "\\" in value else None
    if looks_absolute(value):
        return Problem(
            PATH_ABSOLUTE,
            ref.pointer,
            f"{ref.what}: {value!r} is absolute; MLflow reads it outside the model "
            "directory (or not at all on another machine)",
        )
    depth = 0
    for part in value.replace("\\", "/").split("/"):
        if part == "..":
            depth -= 1
            if depth < 0:
                return Problem(
                    PATH_ESCAPES,
                    ref.pointer,
                    f"{ref.what}: {value!r} climbs out of the model directory with '..'",
                )
        elif part not in ("", "."):
            depth += 1
    if "\\" in value:
        return _portability(ref)
    return None


def _portability(ref: PathRef) -> Problem:
    if ref.basename_only:
        message = (
            f"{ref.what}: {ref.value!r} is a Windows path: MLflow on Linux and macOS "
            f"looks for a file named {posixpath.basename(ref.value)!r}, not "
            f"{model_code_basename(ref.value)!r}"
        )
    else:
        message = (
            f"{ref.what}: {ref.value!r} uses '\\' as separator; MLflow on Linux and "
            "macOS reads it as one file name"
        )
    return Problem(PATH_NOT_PORTABLE, ref.pointer, message)


def _refs_with_text_problems(ctx: ModelContext) -> list[tuple[PathRef, Problem | None]]:
    """Each path ref with its text-only problem (cached: both checks need them)."""
    found: list[tuple[PathRef, Problem | None]] | None = ctx.memo.get("paths.text")
    if found is None:
        found = ctx.memo["paths.text"] = [(ref, _text_problem(ref)) for ref in path_refs(ctx)]
    return found


@check(PATH_ABSOLUTE, PATH_ESCAPES, PATH_INVALID, PATH_NOT_PORTABLE)
def paths_are_relative(ctx: ModelContext) -> Iterator[Problem]:
    """Absolute, escaping, empty and Windows-style paths: visible in the text alone."""
    for _, problem in _refs_with_text_problems(ctx):
        if problem is not None:
            yield problem


# -- file-system checks ----------------------------------------------------------------------
def _lookup(ctx: ModelContext, ref: PathRef) -> ResolvedPath:
    if ref.basename_only:
        return ctx.resolve(model_code_basename(ref.value))
    return ctx.resolve(ref.value)


def _why_missing(ref: PathRef, detail: str) -> str:
    """Which part is missing, when that is not simply the whole path."""
    if not detail:
        return ""
    if detail.startswith("dangling symlink") or detail.endswith(" is a file"):
        return f" ({detail})"
    if detail == posixpath.normpath(ref.value.replace("\\", "/")):
        return ""
    return f" ({detail!r} does not exist)"


def _missing(ref: PathRef, resolved: ResolvedPath, mlmodel_name: str) -> Problem:
    where = _why_missing(ref, resolved.detail)
    if ref.basename_only:
        name = model_code_basename(ref.value)
        return Problem(
            PATH_MISSING,
            ref.pointer,
            f"{ref.what}: {name!r} (base name of {ref.value!r}) is not in the model "
            "directory; MLflow loads it from there",
        )
    if ref.env:
        return Problem(
            ENV_FILE_MISSING,
            ref.pointer,
            f"{ref.what}: {ref.value!r} named in {mlmodel_name} does not exist{where}",
        )
    return Problem(
        PATH_MISSING,
        ref.pointer,
        f"{ref.what}: {ref.value!r} does not exist in the model directory{where}",
        severity=ref.missing_severity,
    )


def _state_problem(ref: PathRef, resolved: ResolvedPath, mlmodel_name: str) -> Problem | None:
    state = resolved.state
    if state is PathState.MISSING:
        return _missing(ref, resolved, mlmodel_name)
    if state is PathState.SYMLINK_ESCAPES:
        return Problem(
            PATH_ESCAPES,
            ref.pointer,
            f"{ref.what}: {ref.value!r} is a symlink that leads out of the model directory "
            f"(to {resolved.detail})",
        )
    if state is PathState.LOOP:
        return Problem(PATH_ESCAPES, ref.pointer, f"{ref.what}: {ref.value!r} is a symlink loop")
    if state is PathState.UNREADABLE:
        return Problem(
            PATH_INVALID,
            ref.pointer,
            f"{ref.what}: {ref.value!r} cannot be looked up: {resolved.detail}",
        )
    if state is not PathState.OK:  # text problems: reported by paths_are_relative
        return None
    if ref.kind is Kind.DIRECTORY and not resolved.is_dir:
        return Problem(
            PATH_NOT_A_DIRECTORY,
            ref.pointer,
            f"{ref.what}: {ref.value!r} is a file, not a directory",
        )
    if ref.kind is Kind.FILE and not resolved.is_file:
        kind = "a directory" if resolved.is_dir else "a special file (FIFO, socket or device)"
        return Problem(
            PATH_NOT_A_FILE, ref.pointer, f"{ref.what}: {ref.value!r} is {kind}, not a file"
        )
    if ref.kind is Kind.EITHER and not (resolved.is_dir or resolved.is_file):
        return Problem(
            PATH_NOT_A_FILE,
            ref.pointer,
            f"{ref.what}: {ref.value!r} is a special file (FIFO, socket or device)",
        )
    if _is_lfs_pointer(ref, resolved):
        return Problem(
            PATH_LFS_POINTER,
            ref.pointer,
            f"{ref.what}: {ref.value!r} is a {resolved.size}-byte Git LFS pointer file, not "
            "the payload (MLflow fails to read it: BadZipFile, UnpicklingError, ...)",
        )
    return None


_LFS_POINTER = "version https://git-lfs.github.com/spec/"
_LFS_POINTER_MAX_BYTES = 1024  # git-lfs pointers are ~130 bytes; nothing larger is opened


def _is_lfs_pointer(ref: PathRef, resolved: ResolvedPath) -> bool:
    """A payload (not an env file or example) small enough to be a pointer, starting with
    git-lfs's first line. Only files of at most 1 KiB are opened."""
    if ref.env or ref.missing_severity is not None or not resolved.is_file:
        return False
    if resolved.path is None or resolved.size > _LFS_POINTER_MAX_BYTES:
        return False
    read = read_bounded(resolved.path, _LFS_POINTER_MAX_BYTES)
    return read.text is not None and read.text.startswith(_LFS_POINTER)


def _version(value: object) -> tuple[int, int] | None:
    return major_minor(value) if isinstance(value, str) else None


def _conventional_env_files(ctx: ModelContext, refs: list[PathRef]) -> Iterator[Problem]:
    """The env files MLflow writes next to MLmodel even where MLmodel does not name them."""
    pyfunc = ctx.pyfunc
    if pyfunc is None:
        return
    env = pyfunc.get("env")
    version = _version(ctx.data.get("mlflow_version"))
    if version is None and isinstance(env, dict):
        version = (2, 0)  # the mapping form of `env` is written from 2.0
    if version is None:
        return  # a pre-1.25 or hand-written model: only what MLmodel names is expected
    referenced = {posixpath.normpath(ref.value.replace("\\", "/")) for ref in refs if ref.env}
    expected = [(CONDA_YAML, (1, 0)), (REQUIREMENTS_TXT, (1, 18)), (PYTHON_ENV_YAML, (1, 26))]
    pointer = join_pointer("/flavors", PYFUNC, "env") if env is not None else "/flavors/" + PYFUNC
    written = ctx.data.get("mlflow_version")
    writer = f"mlflow_version is {written!r}" if written else "the env mapping dates from 2.0"
    for name, since in expected:
        if version < since or name in referenced:
            continue
        if ctx.resolve(name).state is PathState.MISSING:
            yield Problem(
                ENV_FILE_MISSING,
                pointer,
                f"{name} is missing, although MLflow {since[0]}.{since[1]} and later always "
                f"write it next to MLmodel ({writer})",
                at_key=True,
            )


@check(
    PATH_MISSING,
    PATH_ESCAPES,
    PATH_NOT_A_FILE,
    PATH_NOT_A_DIRECTORY,
    PATH_INVALID,
    PATH_LFS_POINTER,
    ENV_FILE_MISSING,
    needs_files=True,
)
def paths_exist(ctx: ModelContext) -> Iterator[Problem]:
    """Each named path exists inside the model directory and is of the kind MLflow opens."""
    for ref, text in _refs_with_text_problems(ctx):
        if text is not None and text.rule != PATH_NOT_PORTABLE:
            continue  # reported by paths_are_relative; nothing to look up
        problem = _state_problem(ref, _lookup(ctx, ref), ctx.mlmodel_name)
        if problem is not None:
            yield problem
    yield from _conventional_env_files(ctx, path_refs(ctx))
