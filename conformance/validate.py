"""The walker: read one model directory, run every check, turn problems into findings.

Checks only say *what* is wrong and *where* (a JSON pointer); this module alone adds the
rule's severity and hint, the line and column, applies the options, and keeps going after
any problem. It never executes model code: it reads text and looks at the file system.
It runs the checks a model needs (``registry.checks_for``), importing their rule modules
on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from .context import DEFAULT_OPTIONS, ModelContext, ValidationOptions
from .discover import Discovery, Target, discover, path_name
from .findings import Finding, Severity
from .model_files import read_bounded
from .records import field, record, replace
from .registry import CHECKS, RULES, Check, Problem, checks_for
from .rules import document
from .yaml_source import YamlDocument, load_yaml

#: rules whose findings become warnings under ``--strict``
STRICT_RULES = frozenset({"unknown-key", "unknown-flavor"})


@record
class TargetResult:
    path: str  # the model directory, as the user would recognise it
    findings: list[Finding] = field(default_factory=list)

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity is severity)


@record
class Report:
    targets: list[TargetResult] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # usage / I/O errors (exit code 2)

    def count(self, severity: Severity) -> int:
        return sum(t.count(severity) for t in self.targets)

    def worst(self) -> Severity | None:
        ranks = [f.severity for t in self.targets for f in t.findings]
        return max(ranks, key=lambda s: s.rank) if ranks else None


@record(frozen=True)
class _Sources:
    """The parsed files of one model a pointer can be located in."""

    yaml: dict[str, YamlDocument] = field(default_factory=dict)
    json: dict[str, str] = field(default_factory=dict)

    def locate(self, problem: Problem) -> tuple[int | None, int | None]:
        doc = self.yaml.get(problem.file)
        if doc is not None:
            return doc.locate(problem.pointer, prefer_key=problem.at_key)
        text = self.json.get(problem.file)
        if text is not None:
            from .signature_model import locate_json  # only when a JSON file has a finding

            return locate_json(text, problem.pointer)
        return None, None


def _finding(problem: Problem, sources: _Sources, options: ValidationOptions) -> Finding:
    rule = RULES[problem.rule]
    severity = problem.severity or rule.severity
    if options.strict and problem.rule in STRICT_RULES and severity is Severity.INFO:
        severity = Severity.WARNING
    line, column = problem.line, problem.column
    if line is None:  # the check gave a pointer: its place in the file's source map
        line, column = sources.locate(problem)
    return Finding(
        rule=problem.rule,
        severity=severity,
        file=problem.file,
        pointer=problem.pointer,
        message=problem.message,
        hint=problem.hint if problem.hint is not None else rule.hint,
        line=line,
        column=column,
    )


def _run_check(check: Check, ctx: ModelContext) -> list[Problem]:
    try:
        problems = list(check.fn(ctx))
    except Exception as exc:  # a crash is a finding, never a traceback for the user
        return [
            Problem(
                document.INTERNAL_ERROR,
                "",
                f"check {check.name} crashed: {type(exc).__name__}: {exc}",
            )
        ]
    if not problems:
        return problems
    undeclared = sorted({p.rule for p in problems}.difference(check.rules))
    if undeclared:  # a bug in the check; still a finding, not a traceback
        return [
            Problem(
                document.INTERNAL_ERROR,
                "",
                f"check {check.name} raised undeclared rules {undeclared}",
            )
        ]
    return problems


@record
class _MLmodelRead:
    name: str  # the file name as given: "MLmodel", or e.g. "MLmodel.draft"
    text: str | None = None
    doc: YamlDocument | None = None  # set only when usable as a mapping
    problems: list[Problem] = field(default_factory=list)


def _read_mlmodel(mlmodel: str) -> _MLmodelRead:
    name = path_name(mlmodel)
    result = _MLmodelRead(name)
    read = read_bounded(mlmodel)
    if read.text is None:
        problem = Problem(
            document.MLMODEL_UNREADABLE,
            "",
            f"{name} {read.error}",
            name,
            line=read.line,
            column=read.column,
        )
        result.problems.append(problem)
        return result
    result.text = read.text
    doc = load_yaml(read.text)
    result.problems.extend(
        Problem(
            p.rule, p.pointer, p.message, name, hint=p.hint or None, line=p.line, column=p.column
        )
        for p in doc.problems
    )
    if not doc.usable:
        result.doc = doc  # only the document-phase checks see it
        return result
    if doc.empty:
        result.problems.append(Problem(document.MLMODEL_EMPTY, "", f"{name} has no content", name))
        return result
    if not isinstance(doc.data, dict):
        kind = type(doc.data).__name__
        result.problems.append(
            Problem(document.MLMODEL_NOT_MAPPING, "", f"{name} holds a {kind}, not a mapping", name)
        )
        return result
    result.doc = doc
    return result


def validate_model(
    root: str | os.PathLike[str],
    mlmodel: str | os.PathLike[str] | None = None,
    options: ValidationOptions = DEFAULT_OPTIONS,
) -> list[Finding]:
    """All findings for one model directory, sorted by file and position.

    Raises ``FlavorSpecError`` (its findings located in the spec) when a spec of
    ``options.flavor_specs`` is broken: a usage error, not a finding about the model.
    """
    _compile_flavor_specs(options)
    root = os.fspath(root)
    read = _read_mlmodel(
        os.fspath(mlmodel) if mlmodel is not None else os.path.join(root, "MLmodel")
    )
    problems = read.problems
    sources = _Sources()
    if read.doc is not None:
        phase = "model" if read.doc.usable else "document"
        ctx = ModelContext(root, read.doc, options, read.name, read.text)
        sources = _Sources(ctx.documents, ctx.json_texts)
        chosen = checks_for(
            CHECKS,
            ctx.data,
            metadata_only=options.metadata_only,
            phase=phase,
            given=options.given(),
        )
        for check in chosen:
            problems.extend(_run_check(check, ctx))
    findings = {_finding(p, sources, options) for p in problems}
    if read.name != "MLmodel":  # a check's default file is "MLmodel": report the given name
        findings = {replace(f, file=read.name) if f.file == "MLmodel" else f for f in findings}
    return sorted(findings, key=Finding.sort_key)


def _compile_flavor_specs(options: ValidationOptions) -> None:
    if options.flavor_specs:  # compiled once a process; a broken one raises here, not in a rule
        from .runtime_flavors import load_flavors

        load_flavors(options.flavor_specs)


def _validate_target(args: tuple[Target, ValidationOptions]) -> TargetResult:
    target, options = args
    return TargetResult(target.root, validate_model(target.root, target.mlmodel, options))


def validate_targets(
    targets: Sequence[Target],
    options: ValidationOptions = DEFAULT_OPTIONS,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> list[TargetResult]:
    """Validate ``targets`` in order, in ``jobs`` processes (forked workers on POSIX)."""
    _compile_flavor_specs(options)  # before the workers fork: they inherit the compiled specs
    work = [(t, options) for t in targets]
    results: list[TargetResult] = []
    if jobs <= 1 or len(work) < 2:
        for index, item in enumerate(work, 1):
            results.append(_validate_target(item))
            if progress:
                progress(index, len(work))
        return results
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    context = multiprocessing.get_context(method)
    chunk = max(1, min(256, len(work) // (jobs * 8) or 1))
    with context.Pool(jobs) as pool:
        for index, result in enumerate(pool.imap(_validate_target, work, chunksize=chunk), 1):
            results.append(result)
            if progress:
                progress(index, len(work))
    return results


def validate_paths(
    paths: Iterable[str | os.PathLike[str]],
    options: ValidationOptions = DEFAULT_OPTIONS,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Discover every model directory below ``paths`` and validate each one."""
    found = discover(paths)
    results = validate_targets(found.targets, options, jobs=jobs, progress=progress)
    return Report(results + unreadable_results(found), found.errors)


def unreadable_results(found: Discovery) -> list[TargetResult]:
    """One ``path-unreadable`` finding per path discovery could not look into."""
    rule = RULES[document.PATH_UNREADABLE]
    return [
        TargetResult(
            item.path,
            [
                Finding(
                    rule=rule.id,
                    severity=rule.severity,
                    file="",
                    pointer="",
                    message=f"{item.reason}; models below it are not validated",
                    hint=rule.hint,
                )
            ],
        )
        for item in found.unreadable
    ]
