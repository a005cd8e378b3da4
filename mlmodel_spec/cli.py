"""The ``mlmodel-spec`` command line: parse options, build, run, report, return an exit code.

Exit codes of ``validate``: 0 clean, 1 findings at or above ``--fail-on``, 2 usage or I/O
error, 3 nothing to validate. Heavy modules are imported only by the subcommand that needs
them, so ``validate`` starts fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from mlmodel_spec.cli_options import read_validate

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    import argparse
    from typing import TextIO

    from mlmodel_spec.conformance.findings import Severity
    from mlmodel_spec.reporters import ReportStyle

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_NOTHING = 0, 1, 2, 3


def _use_flavor_specs(args: argparse.Namespace) -> int | None:
    """Compile the ``--flavor-spec`` files for this process (validate and check); the exit
    code when one is broken (its located findings on stderr, as codegen prints them)."""
    if not args.flavor_spec:
        return None
    from mlmodel_spec.codegen.flavor_spec import FlavorSpecError, render
    from mlmodel_spec.codegen.schema_registry import SchemaCompileError
    from mlmodel_spec.conformance.runtime_flavors import load_flavors

    given: dict[str, str] = {}  # a file given twice is one spec, not two for one flavor
    for path in args.flavor_spec:
        given.setdefault(os.path.realpath(path), path)
    args.flavor_spec = list(given.values())
    paths = tuple(args.flavor_spec)
    try:
        load_flavors(paths)
    except FlavorSpecError as exc:
        for finding in exc.findings:
            print(render(finding), file=sys.stderr)
        return EXIT_USAGE
    except SchemaCompileError as exc:
        return _fail(f"a --flavor-spec schema cannot be compiled: {exc}")
    return None


def _fail(message: str) -> int:
    print(f"mlmodel-spec: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _rule_list(values: list[str]) -> set[str]:
    return {rule.strip() for value in values for rule in value.split(",") if rule.strip()}


def _kept(rule: str, ignore: set[str], select: set[str]) -> bool:
    """Whether ``--ignore``/``--select`` keep findings of ``rule``."""
    return rule not in ignore and (not select or rule in select)


def _report_style(args: argparse.Namespace, fail_on: Severity, stream: TextIO) -> ReportStyle:
    """The reporters' style from the options ``validate`` and ``check`` share."""
    from mlmodel_spec.reporters import ReportStyle as Style

    return Style(
        color=args.output is None and args.format == "text" and _use_color(args.color, stream),
        fail_on=fail_on,
        sarif_base=args.sarif_base,
        sarif_help_uri=args.sarif_help_uri,
    )


def _use_color(choice: str, stream: TextIO) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    return bool(os.environ.get("FORCE_COLOR")) or stream.isatty()


def _progress_bar(stream: TextIO) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        if done == total or done % 50 == 0:
            width = 30
            filled = width * done // total
            stream.write(f"\rvalidating [{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
            if done == total:
                stream.write("\r" + " " * (width + 40) + "\r")
            stream.flush()

    return show


def _write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def cmd_validate(args: argparse.Namespace) -> int:
    from mlmodel_spec.conformance.context import ValidationOptions
    from mlmodel_spec.conformance.discover import discover
    from mlmodel_spec.conformance.findings import Severity
    from mlmodel_spec.conformance.registry import RULES
    from mlmodel_spec.conformance.validate import Report, unreadable_results, validate_targets
    from mlmodel_spec.reporters import REPORTERS

    ignore, select = _rule_list(args.ignore), _rule_list(args.select)
    unknown = sorted(rule for rule in ignore | select if rule not in RULES)
    if unknown:
        return _fail(f"unknown rule id(s) {', '.join(unknown)}; `mlmodel-spec rules` lists them")
    code = _use_flavor_specs(args)
    if code is not None:
        return code
    found = discover(args.paths)
    for error in found.errors:
        print(f"mlmodel-spec: error: {error}", file=sys.stderr)
    if not found.targets and not found.unreadable:
        if not found.errors:
            print(
                "mlmodel-spec: nothing to validate: no MLmodel file under " + ", ".join(args.paths),
                file=sys.stderr,
            )
            return EXIT_NOTHING
        return EXIT_USAGE
    options = ValidationOptions(
        metadata_only=args.metadata_only,
        strict=args.strict,
        reader_mlflow=args.reader_mlflow,
        reader_sklearn=args.reader_sklearn,
        flavor_specs=tuple(args.flavor_spec),
    )
    progress = None
    if len(found.targets) >= 20 and sys.stderr.isatty():
        progress = _progress_bar(sys.stderr)
    results = validate_targets(found.targets, options, jobs=args.jobs, progress=progress)
    if ignore or select:
        for result in results:
            result.findings = [f for f in result.findings if _kept(f.rule, ignore, select)]
    unreadable = [t for t in unreadable_results(found) if _kept(t.findings[0].rule, ignore, select)]
    report = Report(results + unreadable, found.errors)
    fail_on = Severity(args.fail_on)
    out_stream = sys.stdout
    text = REPORTERS[args.format](report, _report_style(args, fail_on, out_stream))
    if args.output:
        try:
            _write_atomic(args.output, text)
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        out_stream.write(text)
    if found.errors:
        return EXIT_USAGE
    worst = report.worst()
    return EXIT_FINDINGS if worst is not None and worst.rank >= fail_on.rank else EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from mlmodel_spec.schemas import SchemaNotFound, bundled_schema, list_schemas, read_schema

    if not args.name:
        for name in list_schemas():
            print(name)
        return EXIT_OK
    try:
        read = read_schema if args.split else bundled_schema
        text = read(args.name, draft=args.draft)
    except SchemaNotFound as exc:
        return _fail(str(exc))
    if args.output:
        try:
            _write_atomic(args.output, text)
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    import json

    import mlmodel_spec.conformance.dynamic.catalogue
    import mlmodel_spec.conformance.validate  # noqa: F401  (registers every rule)
    from mlmodel_spec.conformance.registry import RULES

    if args.format == "json":
        rows = [
            {
                "id": r.id,
                "severity": r.severity.value,
                "summary": r.summary,
                "hint": r.hint,
                "kind": r.kind,
                "category": r.category,
                "severities": [{"severity": lvl.value, "when": when} for lvl, when in r.severities],
            }
            for r in sorted(RULES.values(), key=lambda r: r.id)
        ]
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    width = max(len(r) for r in RULES)
    for rule in sorted(RULES.values(), key=lambda r: r.id):
        tag = "" if rule.category == "conformance" else f"[{rule.category}] "
        print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {tag}{rule.summary}")
        for level, when in rule.severities:
            print(f"{'':<{width}}  {level.value:<7}  when {when}")
    return EXIT_OK


def cmd_codegen(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mlmodel_spec.codegen.build import run

    if args.specs:
        from mlmodel_spec.codegen.flavor_command import generate

        if args.out is None or args.check:
            return _fail("codegen SPEC... needs --out DIR (and takes no --check)")
        specs = [Path(spec) for spec in args.specs]
        return generate(
            specs, Path(args.out), target=args.target, force=args.force, package=args.package
        )
    code: int = run(check=args.check, out=Path(args.out) if args.out else None)
    return code


def cmd_new_flavor(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mlmodel_spec.codegen.flavor_command import new_flavor

    return new_flavor(args.name, Path(args.out))


def cmd_demo(args: argparse.Namespace) -> int:
    import tempfile
    from pathlib import Path

    try:
        from mlmodel_spec.demo import run_demo
    except ImportError as exc:
        return _fail(f"the demo needs the ML extras: pip install 'mlmodel-spec[all]' ({exc})")
    if args.workdir:
        code: int = run_demo(Path(args.workdir), sys.stdout)
        return code
    with tempfile.TemporaryDirectory(prefix="mlmodel-spec-demo-") as workdir:
        return run_demo(Path(workdir), sys.stdout)


def cmd_check(args: argparse.Namespace) -> int:
    from mlmodel_spec.conformance.dynamic.command import run

    code = _use_flavor_specs(args)
    return run(args) if code is None else code


def cmd_matrix(args: argparse.Namespace) -> int:
    from mlmodel_spec.conformance.matrix.command import run

    return run(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "validate": cmd_validate,
    "check": cmd_check,
    "schema": cmd_schema,
    "rules": cmd_rules,
    "codegen": cmd_codegen,
    "new-flavor": cmd_new_flavor,
    "demo": cmd_demo,
    "matrix": cmd_matrix,
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = read_validate(argv)
    if args is None:
        from mlmodel_spec.cli_parser import build_parser, command_of

        args = build_parser(command_of(argv)).parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        print("mlmodel-spec: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`); nothing left to say
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
