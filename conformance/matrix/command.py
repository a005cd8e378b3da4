"""``mlmodel-spec matrix run|report|list``.

Exit codes: 0 done; 1 ``run``: an environment failed to build, write or read (the others
still ran; see ``<matrix dir>/logs``); 2 usage error, bad matrix.yaml, nothing to report.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .spec import MatrixSpec

DEFAULT_DIR = ".matrix"
FORMATS = ("markdown", "json", "html")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    m = sub.add_parser(
        "matrix",
        help="the version matrix: golden models written and read across library versions",
        description="Build the environments of spec/matrix/matrix.yaml with uv, write golden "
        "models in each, read every golden model in every environment (with our runtime and "
        "with MLflow where installed), and report the writer x reader table. THIS EXECUTES "
        "MODEL CODE (the golden models it wrote itself).",
    )
    msub = m.add_subparsers(dest="matrix_command", metavar="ACTION", required=True)
    run = msub.add_parser("run", help="build, write and read (resumable; cached cells reused)")
    run.add_argument("--matrix-dir", type=Path, default=Path(DEFAULT_DIR))
    run.add_argument(
        "--spec", type=Path, default=None, help="matrix.yaml (default: the shipped one)"
    )
    run.add_argument("--env", action="append", default=[], help="only this environment (repeat)")
    run.add_argument("--slice", action="store_true", help="only the environments marked slice")
    run.add_argument("--jobs", "-j", type=int, default=1, help="environments at a time")
    run.add_argument("--force", action="store_true", help="rewrite the golden models")
    rep = msub.add_parser("report", help="print the writer x reader table")
    rep.add_argument("--matrix-dir", type=Path, default=Path(DEFAULT_DIR))
    rep.add_argument("--format", choices=FORMATS, default="markdown")
    rep.add_argument("--case", help="only this case")
    rep.add_argument("--output", "-o", metavar="FILE", help="write to FILE (atomically)")
    ls = msub.add_parser("list", help="list the environments and their pins")
    ls.add_argument("--spec", type=Path, default=None)


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _fail(message: str) -> int:
    sys.stderr.write(f"mlmodel-spec matrix: error: {message}\n")
    return 2


def run(args: argparse.Namespace) -> int:
    from . import spec

    try:
        if args.matrix_command == "report":
            return _report(args)
        matrix = spec.load(args.spec) if args.spec else spec.load()
        if args.matrix_command == "list":
            for env in matrix.environments:
                tag = " (slice)" if env.slice else ""
                _say(
                    f"{env.name}{tag}: python {env.python}, "
                    + ", ".join(env.requirements(matrix.mlflow_package))
                )
            return 0
        return _run(args, matrix)
    except spec.MatrixSpecError as exc:
        return _fail(str(exc))


def _run(args: argparse.Namespace, matrix: MatrixSpec) -> int:
    from mlmodel_spec.codegen.build import checkout_root

    from . import runner

    source = checkout_root()
    if source is None:
        return _fail("matrix run installs this checkout into each environment: run it from a clone")
    selected = matrix.select(args.env, slice_only=args.slice)
    stats = runner.run(
        args.matrix_dir,
        selected,
        mlflow_package=matrix.mlflow_package,
        source=source,
        jobs=max(1, args.jobs),
        force=args.force,
        say=_say,
    )
    _say(
        f"{stats.environments} environments ({stats.built} built), "
        f"{stats.cases_computed} cases read, {stats.cases_reused} from the cache, "
        f"in {stats.total_seconds:.1f}s (build {stats.build_seconds:.1f}s, "
        f"write {stats.write_seconds:.1f}s, read {stats.read_seconds:.1f}s)"
    )
    for failure in stats.failures:
        sys.stderr.write(f"failed: {failure}\n")
    return 1 if stats.failures else 0


def _report(args: argparse.Namespace) -> int:
    from . import report
    from .html import to_html

    try:
        doc = report.build(args.matrix_dir)
    except report.ReportError as exc:
        return _fail(str(exc))
    if args.case and args.case not in doc["cases"]:
        return _fail(f"unknown case {args.case!r}; cases: {', '.join(doc['cases'])}")
    if args.case:
        doc = report.only_case(doc, args.case)
    text = {"markdown": report.to_markdown, "json": report.to_json, "html": to_html}[args.format](
        doc
    )
    if args.output:
        try:
            _write_text(Path(args.output), text)
        except OSError as exc:
            return _fail(f"cannot write {args.output}: {exc.strerror or exc}")
    else:
        sys.stdout.write(text)
    return 0


def _write_text(path: Path, text: str) -> None:
    import os
    import tempfile

    handle, tmp = tempfile.mkstemp(
        dir=path.parent if str(path.parent) else ".", prefix=f".{path.name}."
    )
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
