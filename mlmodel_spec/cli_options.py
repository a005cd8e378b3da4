"""The options ``validate`` and ``check`` share, as data, and the quick reading of ``validate``.

argparse is the authority on the command line: ``cli_parser.py`` builds its parser from
:data:`MODEL_OPTIONS`. But importing argparse (with ``gettext`` and ``locale``) and building
the parser costs a cold ``validate`` about 3 ms, more than validating one model. So
:func:`read_validate` reads the everyday forms of ``validate`` itself — the paths as one
run, long options as ``--name value`` or ``--name=value``, ``-j N``, ``-o FILE`` — from the
same table, and gives up (``None``) on anything else: help, ``--``, abbreviations, short
options run together, values that look like options, invalid values. argparse then reads the
line and says what is wrong, so an error or ``--help`` is exactly argparse's. Where the quick
reading gives an answer it is the one argparse gives (tests/test_cli_quick.py compares the
two on thousands of generated command lines).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from argparse import Namespace
else:
    from types import SimpleNamespace as Namespace  # argparse's Namespace without argparse

FORMATS = ("text", "json", "sarif", "junit", "github")


def positive_jobs(value: str) -> int:
    """``--jobs``: a count of processes, 0 for all cores (``ValueError`` says what is wrong)."""
    try:
        jobs = int(value)
    except ValueError:
        raise ValueError(f"not a number: {value!r}") from None
    if jobs < 0:
        raise ValueError("must be 0 (all cores) or more")
    return jobs or (os.cpu_count() or 1)


def reader_version(value: str) -> str:
    """``--reader-*``: a release like 2.9 or 2.9.2 (``ValueError`` says what is wrong)."""
    parts = value.split(".")
    if len(parts) not in (2, 3) or not all(part.isdigit() and part.isascii() for part in parts):
        raise ValueError(f"not a release like 2.9 or 2.9.2: {value!r}")
    return value


class Option:
    """One option: its flags, where argparse stores it (``dest``), how (``action``), and what
    ``--help`` says. ``convert`` checks and converts a value (``ValueError`` when invalid)."""

    __slots__ = ("action", "choices", "convert", "default", "dest", "flags", "help", "metavar")

    def __init__(
        self,
        *flags: str,
        action: str = "store",
        choices: tuple[str, ...] | None = None,
        default: object = None,
        metavar: str | None = None,
        help: str | None = None,
        convert: Callable[[str], object] | None = None,
    ) -> None:
        self.flags = flags
        self.dest = flags[0][2:].replace("-", "_")
        self.action = action
        self.choices = choices
        self.default = default
        self.metavar = metavar
        self.help = help
        self.convert = convert

    @property
    def takes_value(self) -> bool:
        return self.action != "store_true"

    def initial(self) -> object:
        """The value before the command line is read (a fresh list for ``append``)."""
        if self.action == "store_true":
            return False
        return [] if self.action == "append" else self.default


#: the positional argument of ``validate`` and ``check``
PATHS_HELP = "model dir, MLmodel file, or any tree"

MODEL_OPTIONS: tuple[Option, ...] = (
    Option("--format", choices=FORMATS, default="text", help="output format (default text)"),
    Option("--metadata-only", action="store_true", help="check MLmodel content only"),
    Option(
        "--strict",
        action="store_true",
        help="unknown keys/flavors become warnings, safety warnings errors, carried code a warning",
    ),
    Option("--fail-on", choices=("error", "warning"), default="error", help="exit 1 at this level"),
    Option(
        "--reader-mlflow",
        metavar="VERSION",
        convert=reader_version,
        help="also report what this MLflow release (2.9, 2.9.2) fails on when it loads the models",
    ),
    Option(
        "--reader-sklearn",
        metavar="VERSION",
        convert=reader_version,
        help="also report models saved with another scikit-learn release than VERSION",
    ),
    Option("--jobs", "-j", convert=positive_jobs, default=1, help="processes (0 = all cores)"),
    Option("--color", choices=("auto", "always", "never"), default="auto"),
    Option("--output", "-o", metavar="FILE", help="write the report to FILE (atomically)"),
    Option(
        "--sarif-base",
        metavar="DIR",
        help="SARIF: paths below DIR are relative to %%SRCROOT%% (default: the working directory)",
    ),
    Option(
        "--sarif-help-uri",
        metavar="URL",
        help="SARIF: where you serve docs/rules.md; rules link to URL#rule-id (default: none)",
    ),
    Option(
        "--ignore",
        action="append",
        metavar="RULES",
        help="comma-separated rule ids to leave out of the report (see `mlmodel-spec rules`)",
    ),
    Option(
        "--select",
        action="append",
        metavar="RULES",
        help="report only these comma-separated rule ids",
    ),
    Option(
        "--flavor-spec",
        action="append",
        metavar="FILE",
        help="a third-party flavor spec (as for codegen) whose flavor blocks to check like a "
        "built-in flavor's; repeatable. A broken spec: its findings and exit 2",
    ),
)

_BY_FLAG = {flag: option for option in MODEL_OPTIONS for flag in option.flags}


def _value(option: Option, text: str) -> object:
    """``text`` as ``option``'s value; ``ValueError`` when argparse would refuse it."""
    if option.choices is not None and text not in option.choices:
        raise ValueError(text)
    return option.convert(text) if option.convert is not None else text


def read_validate(argv: Sequence[str]) -> Namespace | None:
    """``validate``'s options as argparse would read them, or ``None``: let argparse read them."""
    if not argv or argv[0] != "validate":
        return None
    values = {option.dest: option.initial() for option in MODEL_OPTIONS}
    paths: list[str] = []
    paths_ended = False  # argparse takes the paths as one run: a second run is an error
    index = 1
    try:
        while index < len(argv):
            token = argv[index]
            index += 1
            if not token.startswith("-"):
                if paths_ended:
                    return None
                paths.append(token)
                continue
            paths_ended = bool(paths)
            flag, equals, text = token.partition("=")
            option = _BY_FLAG.get(flag)
            if option is None or (equals and (flag[1] != "-" or not option.takes_value)):
                return None  # --help, --, an abbreviation, -j2, --strict=yes, ...
            if not option.takes_value:
                values[option.dest] = True
                continue
            if not equals:
                if index == len(argv) or argv[index].startswith("-"):
                    return None
                text = argv[index]
                index += 1
            value = _value(option, text)
            current = values[option.dest]
            if isinstance(current, list):  # action="append"
                current.append(value)
            else:
                values[option.dest] = value
    except ValueError:
        return None
    if not paths:
        return None
    return Namespace(command="validate", paths=paths, **values)
