"""The argparse parser of the ``mlmodel-spec`` command line: every command, ``--help``, and
the usage errors. ``cli.main`` builds it for every command line but the everyday forms of
``validate``, which ``cli_options.read_validate`` reads without argparse.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from mlmodel_spec import __version__
from mlmodel_spec.cli_options import MODEL_OPTIONS, PATHS_HELP

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _argparse_type(convert: Callable[[str], object]) -> Callable[[str], object]:
    """``convert`` as an argparse ``type``: its ``ValueError`` becomes argparse's message."""

    def checked(value: str) -> object:
        try:
            return convert(value)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    checked.__name__ = convert.__name__
    return checked


def add_model_options(p: argparse.ArgumentParser) -> None:
    """The options ``validate`` and ``check`` share (``cli_options.MODEL_OPTIONS``)."""
    p.add_argument("paths", nargs="+", metavar="PATH", help=PATHS_HELP)
    for option in MODEL_OPTIONS:
        settings: dict[str, Any] = {"help": option.help}
        if option.action != "store":
            settings["action"] = option.action
        if option.choices is not None:
            settings["choices"] = option.choices
        if option.metavar is not None:
            settings["metavar"] = option.metavar
        if option.convert is not None:
            settings["type"] = _argparse_type(option.convert)
        if option.action == "append":
            settings["default"] = []
        elif option.action == "store" and option.default is not None:
            settings["default"] = option.default
        p.add_argument(*option.flags, **settings)


#: the subcommands' names; for a command other than ``check`` and ``matrix`` (whose
#: option builders import the dynamic checks and the matrix runner) the parser builds only
#: that command's options, so ``validate`` starts fast; no command (``--help``) builds all
_LIGHT_COMMANDS = frozenset({"validate", "schema", "rules", "codegen", "new-flavor", "demo"})


def command_of(argv: Sequence[str]) -> str | None:
    """The subcommand named in ``argv`` (``None`` when an option comes first)."""
    for arg in argv:
        return None if arg.startswith("-") else arg
    return None


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, sized without importing ``shutil`` (argparse builds one per
    option, and ``shutil`` costs a cold ``validate`` 2 ms)."""

    def __init__(self, prog: str) -> None:
        try:
            columns = int(os.environ["COLUMNS"])
        except (KeyError, ValueError):
            try:
                columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
            except (AttributeError, ValueError, OSError):
                columns = 80
        super().__init__(prog, width=max((columns or 80) - 2, 20))


class _Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` (and subcommand parser) formatting with :class:`_HelpFormatter`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _add_validate(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    v = sub.add_parser(
        "validate",
        help="check model directories statically (never runs model code)",
        description="Check every MLmodel at or below PATH against the spec. Exit codes: "
        "0 clean, 1 findings at or above --fail-on, 2 usage or I/O error, 3 nothing to validate.",
    )
    add_model_options(v)


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    k = sub.add_parser(
        "check",
        help="validate, then LOAD AND RUN each model (executes model code)",
        description="Validate every MLmodel at or below PATH like `validate`, then run the "
        "dynamic checks: load each model, predict on its input example, check the output "
        "against its signature, re-save it. THIS EXECUTES MODEL CODE (pickles, loader "
        "modules, code/ directories): check only models you trust; `validate` never runs "
        "model code. Each model runs in a child process with --timeout and --max-memory. "
        "Same options, formats and exit codes as validate; --select/--ignore take dynamic "
        "check ids too (`mlmodel-spec rules`).",
    )
    add_model_options(k)
    if full:
        from mlmodel_spec.conformance.dynamic.command import add_options

        add_options(k)


def _add_schema(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    s = sub.add_parser(
        "schema",
        help="print a JSON Schema of the spec (self-contained)",
        description="Print schema NAME as one self-contained document (every referenced "
        "file under $defs, or definitions in draft-07; no x-* annotations), ready for "
        "check-jsonschema, Ajv or an editor. Without NAME, list the names.",
    )
    s.add_argument("name", nargs="?", help="schema name, e.g. mlmodel, signature, sklearn")
    s.add_argument("--draft", choices=("2020-12", "07"), default="2020-12")
    s.add_argument(
        "--split",
        action="store_true",
        help="print the source file as shipped instead (its $refs name other files)",
    )
    s.add_argument("--output", "-o", metavar="FILE", help="write the schema to FILE (atomically)")


def _add_rules(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    r = sub.add_parser("rules", help="list every validation rule")
    r.add_argument("--format", choices=("text", "json"), default="text")


def _add_codegen(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    c = sub.add_parser(
        "codegen", help="regenerate generated code and schemas; compile flavor specs"
    )
    c.add_argument("specs", nargs="*", metavar="SPEC", help="flavor specs to compile into --out")
    c.add_argument("--check", action="store_true", help="only check that they are up to date")
    c.add_argument(
        "--out",
        metavar="DIR",
        help="write the generated files below DIR (default: this checkout; required when "
        "mlmodel-spec is installed without a checkout, and with SPEC)",
    )
    c.add_argument("--target", choices=("standalone", "mlflow"), default="standalone")
    c.add_argument("--force", action="store_true", help="overwrite hand-edited generated files")
    c.add_argument("--package", help="dotted import name of --out (default: from __init__.py)")


def _add_new_flavor(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    n = sub.add_parser("new-flavor", help="write a commented flavor spec NAME.yaml to start from")
    n.add_argument("name", metavar="NAME")
    n.add_argument("--out", metavar="DIR", default=".", help="directory to write it in")


def _add_matrix(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    if full:
        from mlmodel_spec.conformance.matrix.command import add_parser as add_matrix

        add_matrix(sub)


def _add_demo(sub: argparse._SubParsersAction[argparse.ArgumentParser], full: bool) -> None:
    d = sub.add_parser("demo", help="train, save, validate, load and predict an iris model")
    d.add_argument("--workdir", help="where to write the demo model (default: a temp dir)")


_SUBCOMMANDS = (
    ("validate", _add_validate),
    ("check", _add_check),
    ("schema", _add_schema),
    ("rules", _add_rules),
    ("codegen", _add_codegen),
    ("new-flavor", _add_new_flavor),
    ("matrix", _add_matrix),
    ("demo", _add_demo),
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; given a light ``command``, only that command's options."""
    full = command not in _LIGHT_COMMANDS
    parser = _Parser(
        prog="mlmodel-spec",
        description="Validate, describe and generate MLflow model directories without MLflow.",
    )
    parser.add_argument("--version", action="version", version=f"mlmodel-spec {__version__}")
    sub: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=_Parser
    )
    for name, add in _SUBCOMMANDS:
        if full or name == command:
            add(sub, full)
    return parser
