"""``mlmodel-spec check``: static validation, then the dynamic checks of every model.

Same discovery, options, report formats, report schema and exit codes as ``validate``;
dynamic findings are findings. The JSON report adds, per target, ``checks``: one
``{check, status, reason, seconds}`` record per dynamic check (``skipped`` with the reason
when it did not apply). **Executes model code**, each model in a child process.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlmodel_spec.conformance.findings import Finding

from .limits import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from .run import CheckResult

_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def memory_size(value: str) -> int | None:
    """``8G``, ``512M``, ``1.5GiB``, bytes; ``0`` or ``none`` for no limit."""
    if value.strip().lower() in ("0", "none", "unlimited"):
        return None
    match = _SIZE.match(value)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (e.g. 8G, 512M, 0 for none)")
    size = int(float(match[1]) * _UNITS[match[2].lower()])
    if size < 64 * 2**20:
        raise argparse.ArgumentTypeError("at least 64M (a Python process needs that much)")
    return size


def positive_seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return seconds


def add_options(parser: argparse.ArgumentParser) -> None:
    """The options ``check`` has beyond ``validate``'s."""
    parser.add_argument(
        "--static-only", action="store_true", help="run no model code (the same as validate)"
    )
    parser.add_argument(
        "--timeout",
        type=positive_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"time a model's checks may take (default {DEFAULT_TIMEOUT:g})",
    )
    parser.add_argument(
        "--max-memory",
        type=memory_size,
        default=DEFAULT_MAX_MEMORY,
        metavar="SIZE",
        help="address space a model may reserve, e.g. 4G (default 8G; 0 = no limit)",
    )


def located(mlmodel: Path, findings: list[Finding]) -> list[Finding]:
    """Give dynamic findings that point into MLmodel its line and column."""
    from mlmodel_spec.conformance.model_files import read_bounded
    from mlmodel_spec.conformance.yaml_source import load_yaml

    if not any(f.pointer and f.file == "MLmodel" for f in findings):
        return findings
    read = read_bounded(mlmodel)
    if read.text is None:
        return findings
    document = load_yaml(read.text)
    if not document.usable:
        return findings
    out = []
    for finding in findings:
        if finding.pointer and finding.file == "MLmodel":
            out.append(finding.with_position(*document.locate(finding.pointer)))
        else:
            out.append(finding)
    return out


def run(args: argparse.Namespace) -> int:
    """The ``check`` subcommand (called by :mod:`mlmodel_spec.cli`)."""
    from mlmodel_spec import cli
    from mlmodel_spec.conformance.context import ValidationOptions
    from mlmodel_spec.conformance.discover import discover
    from mlmodel_spec.conformance.findings import Severity
    from mlmodel_spec.conformance.registry import RULES
    from mlmodel_spec.conformance.validate import Report, unreadable_results, validate_targets
    from mlmodel_spec.reporters import REPORTERS

    from .catalogue import DYNAMIC_IDS, HARNESS_IDS

    ignore, select = cli._rule_list(args.ignore), cli._rule_list(args.select)
    unknown = sorted((ignore | select) - set(RULES))
    if unknown:
        return cli._fail(
            f"unknown rule id(s) {', '.join(unknown)}; `mlmodel-spec rules` lists them"
        )
    run_ids = (select & DYNAMIC_IDS) if select else set(DYNAMIC_IDS)
    run_dynamic = not args.static_only and bool(run_ids - ignore)
    if run_dynamic:
        from .isolation import start_server

        start_server()  # it imports numpy, pandas and the libraries during discovery and validate
    found = discover(args.paths)
    for error in found.errors:
        sys.stderr.write(f"mlmodel-spec: error: {error}\n")
    if not found.targets and not found.unreadable:
        if not found.errors:
            where = ", ".join(args.paths)
            sys.stderr.write(f"mlmodel-spec: nothing to check: no MLmodel file under {where}\n")
            return cli.EXIT_NOTHING
        return cli.EXIT_USAGE
    options = ValidationOptions(
        metadata_only=args.metadata_only, strict=args.strict, flavor_specs=tuple(args.flavor_spec)
    )
    # while the fork server imports, it has one core: validate leaves it that one
    static_jobs = max(1, args.jobs - 1) if run_dynamic else args.jobs
    results = validate_targets(found.targets, options, jobs=static_jobs)
    checks: list[list[CheckResult]] = [[] for _ in results]
    if run_dynamic:
        checks = _run_dynamic(results, found.targets, sorted(run_ids - ignore), args)
    for result in results:
        result.findings = sorted(
            (
                f
                for f in result.findings
                if cli._kept(f.rule, ignore, select)
                or (f.rule in HARNESS_IDS and f.rule not in ignore)
            ),
            key=Finding.sort_key,
        )
    unreadable = [
        t for t in unreadable_results(found) if cli._kept(t.findings[0].rule, ignore, select)
    ]
    report = Report(results + unreadable, found.errors)
    fail_on = Severity(args.fail_on)
    text = REPORTERS[args.format](report, cli._report_style(args, fail_on, sys.stdout))
    if args.format == "json":
        text = with_check_records(text, checks + [[] for _ in unreadable])
    if args.output:
        try:
            cli._write_atomic(args.output, text)
        except OSError as exc:
            return cli._fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
    if found.errors:
        return cli.EXIT_USAGE
    worst = report.worst()
    return cli.EXIT_FINDINGS if worst is not None and worst.rank >= fail_on.rank else cli.EXIT_OK


def _run_dynamic(
    results: list[Any], targets: list[Any], chosen: list[str], args: argparse.Namespace
) -> list[list[CheckResult]]:
    """Run the ``chosen`` checks on every target; add their findings to ``results``."""
    from .run import Limits, run_prepared
    from .subjects import Prepared, read_capabilities

    subjects = [
        Prepared(result.path, Path(target.root), *read_capabilities(Path(target.root)))
        for result, target in zip(results, targets, strict=True)
    ]
    limits = Limits(args.timeout, args.max_memory)
    checks = run_prepared(subjects, select=chosen, limits=limits, jobs=args.jobs)
    for result, target, ran in zip(results, targets, checks, strict=True):
        result.findings.extend(located(Path(target.mlmodel), [f for r in ran for f in r.findings]))
    return checks


def with_check_records(text: str, checks: list[list[CheckResult]]) -> str:
    """The JSON report with each target's ``checks`` status records added."""
    document: dict[str, Any] = json.loads(text)
    for target, ran in zip(document["targets"], checks, strict=True):
        target["checks"] = [r.to_dict() for r in ran]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
