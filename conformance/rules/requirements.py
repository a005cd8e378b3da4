"""pip requirement lines wherever a model keeps them.

MLflow writes ``requirements.txt`` (1.18+), sometimes ``constraints.txt`` (1.20+), the
``dependencies``/``build_dependencies`` of ``python_env.yaml`` (which MLflow writes, line by
line, into a requirements file at the model root and hands to pip) and the pip section of
``conda.yaml`` (which conda hands to pip the same way, next to the conda file). Every line
must be one pip accepts; every ``-r``/``-c`` file must be there; two exact pins of the same
package in one install set make pip's resolver fail.

The parsed lines are cached per model (:func:`requirement_sets`) for ``versions.py``, and
shared between models with the same environment files (the models of one tree usually are).

Positions: a requirements file is neither YAML nor JSON, so no pointer reaches into it; a
problem there carries the line (and column) of the requirement line itself, and 1:1 for the
file as a whole. Lines inside ``python_env.yaml``/``conda.yaml`` get a pointer instead.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable, Iterator

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..model_files import PathState, TextRead, looks_absolute
from ..pep508 import Requirement
from ..records import field, record
from ..registry import Problem, check, define_rule
from ..requirement_lines import LineKind, RequirementLine, parse_entry, parse_text
from ..version_keys import version_key

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

REQUIREMENTS_SYNTAX = define_rule(
    "requirements-syntax",
    Severity.WARNING,
    "A pip requirement line is invalid: pip stops installing at it (loading never installs)",
    "Write one PEP 508 requirement (name[extras] op version ; marker), a URL, a path, or one "
    "of the options pip accepts in requirements files (-r, -c, -e, --index-url, "
    "--extra-index-url, --find-links, --hash, ...).",
)
REQUIREMENTS_IGNORED = define_rule(
    "requirements-option-ignored",
    Severity.WARNING,
    "Part of a pip requirement line that pip silently ignores",
    "Put index and file options on a line of their own; --hash belongs after a requirement.",
)
REQUIREMENTS_INCLUDE = define_rule(
    "requirements-include-invalid",
    Severity.ERROR,
    "A -r/-c file named in the environment is not a file inside the model directory",
    "Copy the file into the model directory and refer to it by a relative path.",
    severities=(
        (Severity.WARNING, "more -r/-c files are chained than the validator reads"),
        (
            Severity.WARNING,
            "the -r/-c line is not reached from requirements.txt (python_env.yaml, conda.yaml):"
            " only environment managers read it, pyfunc.load_model reads requirements.txt",
        ),
    ),
)
REQUIREMENTS_CONFLICT = define_rule(
    "requirements-conflict",
    Severity.WARNING,
    "One install set pins the same package to two different versions: pip cannot resolve it",
    "Keep one pin per package (requirements, constraints and -r files are installed together).",
)
ENV_FILE_UNREADABLE = define_rule(
    "env-file-unreadable",
    Severity.ERROR,
    "An environment file (conda.yaml, python_env.yaml, requirements or constraints) is not "
    "readable text",
    "Environment files are small UTF-8 text files; re-create the file.",
    severities=(
        (Severity.WARNING, "a requirements file is too large to check"),
        (
            Severity.WARNING,
            "the file is conda.yaml, python_env.yaml or a requirements file not reached from "
            "requirements.txt: only environment managers read it, loading does not",
        ),
    ),
)

REQUIREMENTS_FILE = "requirements.txt"
CONSTRAINTS_FILE = "constraints.txt"
CONDA_FILE = "conda.yaml"
PYTHON_ENV_FILE = "python_env.yaml"
MAX_FILES = 64  # -r chains in a model are one or two files deep
MAX_BYTES = 1024 * 1024  # requirements files are a few KB; hashed ones some 100 KB


# -- which files -----------------------------------------------------------------------------


def _env_names(ctx: ModelContext) -> tuple[str | None, str | None]:
    """(conda file, python_env file) as MLflow picks them from the pyfunc ``env`` (cached)."""
    found: tuple[str | None, str | None] | None = ctx.memo.get("requirements.env_names")
    if found is None:
        pyfunc = ctx.pyfunc
        env: Any = pyfunc.get("env") if pyfunc is not None else None
        conda: str | None = None
        python_env: str | None = PYTHON_ENV_FILE
        if not env:
            conda = CONDA_FILE
        elif isinstance(env, str):
            conda = env
        elif isinstance(env, dict):
            conda, python_env = env.get("conda"), env.get("virtualenv")
        found = ctx.memo["requirements.env_names"] = (
            conda if isinstance(conda, str) else None,
            python_env if isinstance(python_env, str) else None,
        )
    return found


def conda_file_name(ctx: ModelContext) -> str | None:
    """The conda environment file MLflow would use (``None``: named by a non-string): the
    pyfunc ``env`` string (< 2.0), ``env.conda`` (2.0+), else ``conda.yaml``."""
    return _env_names(ctx)[0]


def python_env_file_name(ctx: ModelContext) -> str | None:
    """The virtualenv file MLflow would use: ``env.virtualenv`` (2.0+) or ``python_env.yaml``."""
    return _env_names(ctx)[1]


# -- the parsed model of all requirement lines -------------------------------------------------


@record(frozen=True)
class Source:
    """Where one requirement line lives: a text file line, or a YAML list entry."""

    file: str
    line: int | None = None  # text files
    pointer: str = ""  # YAML entries

    def describe(self) -> str:
        return f"{self.file} line {self.line}" if self.line is not None else self.file


@record
class Located:
    source: Source
    parsed: RequirementLine


@record
class InstallSet:
    """The lines pip installs together: a root and every -r/-c file it reaches."""

    root: str  # "requirements.txt", "python_env.yaml" dependencies, "conda.yaml" pip section
    lines: list[Located] = field(default_factory=list)
    files: set[str] = field(default_factory=set)  # files already walked for this set

    def requirements(self) -> Iterator[tuple[Source, Requirement]]:
        for item in self.lines:
            if item.parsed.requirement is not None:
                yield item.source, item.parsed.requirement


@record(frozen=True)
class Pin:
    install: str  # the install set's name
    source: Source
    requirement: Requirement


@record
class RequirementModel:
    sets: dict[str, InstallSet] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # syntax/include/unreadable problems
    _pinned: dict[str, list[Pin]] | None = None
    #: check name -> its problems, for checks that read nothing but this model and the
    #: environment files it was built from (a model is shared by models with the same files)
    _derived: dict[str, list[Problem]] = field(default_factory=dict)

    def derived(
        self, name: str, problems: Callable[[ModelContext], Iterator[Problem]], ctx: ModelContext
    ) -> list[Problem]:
        """``problems(ctx)``, computed once for every model that shares this one."""
        found = self._derived.get(name)
        if found is None:
            found = self._derived[name] = list(problems(ctx))
        return found

    def pinned(self) -> dict[str, list[Pin]]:
        """Requirements pinned with ``==``/``===`` (no marker, no URL), by project key, in the
        order of the install sets and their lines."""
        if self._pinned is None:
            index: dict[str, list[Pin]] = {}
            for name, install in self.sets.items():
                for item in install.lines:
                    req = item.parsed.requirement
                    if req is None or req.has_marker or req.url:
                        continue
                    if any(op in ("==", "===") for op, _ in req.specifiers):
                        index.setdefault(req.key, []).append(Pin(name, item.source, req))
            self._pinned = index
        return self._pinned


class _Builder:
    def __init__(self, ctx: ModelContext) -> None:
        self.ctx = ctx
        self.model = RequirementModel()
        self.parsed: dict[str, list[RequirementLine] | None] = {}
        self.reported: set[tuple[str, int]] = set()  # (file, line) already turned into problems
        self.include_reported: set[tuple[str, int, str, str]] = set()
        #: the -r/-c files looked up and read (beyond :func:`_inputs`): what else the model
        #: depends on, so that another model with the same files can share it
        self.resolved: dict[str, tuple[PathState, bool]] = {}
        self.texts: dict[str, TextRead | None] = {}

    # -- reading ---------------------------------------------------------------------------
    def read_file(self, rel: str, *, loaded: bool = True) -> list[RequirementLine] | None:
        """The parsed lines of ``rel``; ``loaded``: ``pyfunc.load_model`` reads the file too
        (reached from requirements.txt), so unreadable text is an error, not a warning."""
        if rel in self.parsed:
            return self.parsed[rel]
        lines: list[RequirementLine] | None = None
        if len(self.parsed) == MAX_FILES:
            self.model.problems.append(
                Problem(
                    REQUIREMENTS_INCLUDE,
                    "",
                    f"more than {MAX_FILES} requirement files are chained with -r/-c; "
                    f"{rel} and any further ones are not checked",
                    rel,
                    severity=Severity.WARNING,
                    line=1,
                    column=1,
                )
            )
        elif len(self.parsed) < MAX_FILES:
            text = self.texts[rel] = self.ctx.read_text(rel)
            if text is not None and text.text is None:
                self.model.problems.append(
                    Problem(
                        ENV_FILE_UNREADABLE,
                        "",
                        f"{rel} {text.error}",
                        rel,
                        severity=None if loaded else Severity.WARNING,
                        line=text.line or 1,
                        column=text.column or 1,
                    )
                )
            elif text is not None and text.text is not None and len(text.text) > MAX_BYTES:
                self.model.problems.append(
                    Problem(
                        ENV_FILE_UNREADABLE,
                        "",
                        f"{rel} is {len(text.text):,} characters long, over the {MAX_BYTES:,} "
                        "this validator reads of a requirements file; it is not checked",
                        rel,
                        severity=Severity.WARNING,
                        line=1,
                        column=1,
                    )
                )
            elif text is not None and text.text is not None:
                lines = parse_text(text.text)
        self.parsed[rel] = lines
        return lines

    def line_problems(self, source: Source, parsed: RequirementLine) -> None:
        key = (source.file, parsed.line if source.line is not None else id(parsed))
        if key in self.reported:
            return
        self.reported.add(key)
        for item in parsed.problems:
            rule = REQUIREMENTS_IGNORED if item.ignored else REQUIREMENTS_SYNTAX
            message = item.message
            if not item.ignored and parsed.uses_env_vars:
                message += " (the line uses ${VARIABLES} that pip expands at install time)"
            if source.line is not None:
                line, column = parsed.position(item.offset)
                self.model.problems.append(
                    Problem(rule, "", message, source.file, line=line, column=column)
                )
            else:
                self.model.problems.append(Problem(rule, source.pointer, message, source.file))

    # -- includes --------------------------------------------------------------------------
    def include(self, base_dir: str, target: str) -> tuple[str | None, str]:
        """Model-relative path of a -r/-c target, or (None, why not); ("", "") for URLs."""
        if "://" in target or target.lower().startswith("file:"):
            return "", ""  # fetched by pip; not checkable statically
        if looks_absolute(target):
            return None, f"{target!r} is an absolute path; the model directory must hold the file"
        rel = posixpath.normpath(posixpath.join(base_dir, target.replace("\\", "/")))
        resolved = self.ctx.resolve(rel)
        self.resolved[rel] = (resolved.state, resolved.is_file)
        if resolved.state is PathState.MISSING:
            return None, f"{target!r} does not exist in the model directory"
        if not resolved.ok:
            return None, f"{target!r} {resolved.state.value}"
        if not resolved.is_file:
            return None, f"{target!r} is not a regular file"
        return rel, ""

    def walk(
        self,
        install: InstallSet,
        source: Source,
        parsed: RequirementLine,
        base_dir: str,
        chain: tuple[str, ...],
    ) -> None:
        install.lines.append(Located(source, parsed))
        self.line_problems(source, parsed)
        if parsed.target is None or parsed.kind not in (LineKind.INCLUDE, LineKind.CONSTRAINT):
            return
        rel, why = self.include(base_dir, parsed.target)
        option = "-r" if parsed.kind is LineKind.INCLUDE else "-c"
        if rel is None:
            self.problem(install, source, parsed, f"{option} {parsed.target}: {why}")
            return
        if not rel:
            return
        if rel in chain:
            self.problem(
                install,
                source,
                parsed,
                f"{option} {parsed.target} closes an include cycle "
                f"({' -> '.join((*chain[chain.index(rel) :], rel))}); pip recurses forever",
            )
            return
        self.walk_file(install, rel, (*chain, rel))

    def walk_file(self, install: InstallSet, rel: str, chain: tuple[str, ...]) -> None:
        if rel in install.files:
            return  # included twice (a diamond): its lines are in the set already
        install.files.add(rel)
        lines = self.read_file(rel, loaded=install.root == REQUIREMENTS_FILE)
        for parsed in lines or ():
            self.walk(install, Source(rel, parsed.line), parsed, posixpath.dirname(rel), chain)

    def problem(
        self, install: InstallSet, source: Source, parsed: RequirementLine, message: str
    ) -> None:
        # pyfunc.load_model follows -r/-c from requirements.txt (and fails on a missing or
        # cyclic one); python_env.yaml, conda.yaml and constraints.txt only reach env managers
        key = (source.file, source.line or 0, source.pointer, message)
        if key in self.include_reported:
            return  # the same line reached again (requirements.txt first, then -r from envs)
        self.include_reported.add(key)
        severity = None if install.root == REQUIREMENTS_FILE else Severity.WARNING
        if severity is not None:
            message += " (only environment managers read it; loading does not)"
        if source.line is not None:
            self.model.problems.append(
                Problem(
                    REQUIREMENTS_INCLUDE,
                    "",
                    message,
                    source.file,
                    severity=severity,
                    line=parsed.line,
                    column=parsed.position(0)[1],
                )
            )
        else:
            self.model.problems.append(
                Problem(
                    REQUIREMENTS_INCLUDE, source.pointer, message, source.file, severity=severity
                )
            )

    def walk_entries(
        self, install: InstallSet, file: str, pointer: str, entries: object, base_dir: str
    ) -> None:
        if not isinstance(entries, list):
            return
        for index, entry in enumerate(entries):
            if not isinstance(entry, str):
                continue  # the schema reports it
            for parsed in parse_entry(entry):
                source = Source(file, None, join_pointer(pointer, index))
                self.walk(install, source, parsed, base_dir, (file,))

    # -- roots -----------------------------------------------------------------------------
    def build(self) -> RequirementModel:
        for root in (REQUIREMENTS_FILE, CONSTRAINTS_FILE):
            if root not in self.parsed and self.ctx.existing_file(root) is not None:
                install = self.model.sets.setdefault(root, InstallSet(root))
                self.walk_file(install, root, (root,))
        python_env = python_env_file_name(self.ctx)
        doc = self.ctx.read_yaml(python_env) if python_env else None
        if python_env and doc is not None and doc.usable and isinstance(doc.data, dict):
            for key in ("build_dependencies", "dependencies"):
                install = InstallSet(f"{python_env} {key}")
                self.walk_entries(install, python_env, f"/{key}", doc.data.get(key), "")
                self.model.sets[install.root] = install
        conda = conda_file_name(self.ctx)
        doc = self.ctx.read_yaml(conda) if conda else None
        if conda and doc is not None and doc.usable and isinstance(doc.data, dict):
            deps = doc.data.get("dependencies")
            install = InstallSet(f"{conda} pip")
            for index, dep in enumerate(deps if isinstance(deps, list) else ()):
                if isinstance(dep, dict) and "pip" in dep:
                    pointer = join_pointer("/dependencies", index, "pip")
                    self.walk_entries(install, conda, pointer, dep["pip"], posixpath.dirname(conda))
            self.model.sets[install.root] = install
        return self.model


def requirement_sets(ctx: ModelContext) -> RequirementModel:
    """All requirement lines of the model, parsed once per model directory (and once for
    all models whose environment files are the same). Do not modify the model returned."""
    found: RequirementModel | None = ctx.memo.get("requirements.sets")
    if found is None:
        inputs = _inputs(ctx)
        shared = _SHARED_MODELS.get(inputs)
        if shared is not None and shared.fits(ctx):
            found = shared.model
        else:
            builder = _Builder(ctx)
            found = builder.build()
            if len(_SHARED_MODELS) >= _SHARED_MODELS_MAX and inputs not in _SHARED_MODELS:
                _SHARED_MODELS.pop(next(iter(_SHARED_MODELS)))
            _SHARED_MODELS[inputs] = _Shared(found, builder.resolved, builder.texts)
        ctx.memo["requirements.sets"] = found
    return found


@record(frozen=True)
class _Shared:
    """A requirement model and the -r/-c files it was built from besides :func:`_inputs`."""

    model: RequirementModel
    resolved: dict[str, tuple[PathState, bool]]  # what each -r/-c target resolved to
    texts: dict[str, TextRead | None]  # what each file read held

    def fits(self, ctx: ModelContext) -> bool:
        """Whether ``ctx``'s -r/-c files are the same: then its model is this one."""
        for rel, (state, is_file) in self.resolved.items():
            resolved = ctx.resolve(rel)
            if resolved.state is not state or resolved.is_file != is_file:
                return False
        return all(ctx.read_text(rel) == text for rel, text in self.texts.items())


#: requirement models by :func:`_inputs`: the models of a tree mostly share their environment
#: files, so their requirement models are equal. Models are never mutated.
_SHARED_MODELS: dict[tuple[object, ...], _Shared] = {}
_SHARED_MODELS_MAX = 256


def _inputs(ctx: ModelContext) -> tuple[object, ...]:
    """What the requirement model of ``ctx`` is built from, unless it follows -r/-c: the file
    names MLflow picks and each root file's text (or why it is unreadable, or ``None``).
    Reads the YAML files as the build does, registering them for locating findings."""
    python_env, conda = python_env_file_name(ctx), conda_file_name(ctx)
    for rel in (python_env, conda):
        if rel:
            ctx.read_yaml(rel)
    return (
        ctx.read_text(REQUIREMENTS_FILE),
        ctx.read_text(CONSTRAINTS_FILE),
        python_env,
        ctx.read_text(python_env) if python_env else None,
        conda,
        ctx.read_text(conda) if conda else None,
    )


# -- checks ----------------------------------------------------------------------------------


@check(
    REQUIREMENTS_SYNTAX,
    REQUIREMENTS_IGNORED,
    REQUIREMENTS_INCLUDE,
    ENV_FILE_UNREADABLE,
    needs_files=True,
)
def requirement_lines_are_valid(ctx: ModelContext) -> Iterator[Problem]:
    yield from requirement_sets(ctx).problems


@check(REQUIREMENTS_CONFLICT, needs_files=True)
def pins_do_not_conflict(ctx: ModelContext) -> Iterator[Problem]:
    yield from requirement_sets(ctx).derived("conflicts", _conflicts, ctx)


def _conflicts(ctx: ModelContext) -> Iterator[Problem]:
    for pins in requirement_sets(ctx).pinned().values():
        if len(pins) < 2:
            continue
        first: dict[str, tuple[Pin, str]] = {}
        for pin in pins:
            exact = pin.requirement.exact_pins
            if len(exact) != 1:
                continue
            seen = first.setdefault(pin.install, (pin, exact[0]))
            if seen[0] is pin or version_key(seen[1]) == version_key(exact[0]):
                continue
            source = pin.source
            yield Problem(
                REQUIREMENTS_CONFLICT,
                source.pointer,
                f"{pin.requirement.name}=={exact[0]} conflicts with "
                f"{seen[0].requirement.name}=={seen[1]} ({seen[0].source.describe()}); pip "
                "installs both together",
                source.file,
                line=source.line,
                column=1 if source.line is not None else None,
            )
