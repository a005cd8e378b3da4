"""The quick reading of ``validate``'s command line (mlmodel_spec/cli_options.py) against
argparse: where it answers, argparse gives the same namespace; where argparse would print
help or an error, it leaves the line to argparse."""

from __future__ import annotations

import random
import subprocess
import sys

import pytest

from mlmodel_spec.cli_options import read_validate
from mlmodel_spec.cli_parser import build_parser


def _argparse(argv: list[str]) -> dict[str, object] | None:
    """argparse's namespace for ``argv``, or ``None`` when it exits (help or a usage error)."""
    try:
        return vars(build_parser("validate").parse_args(argv))
    except SystemExit:
        return None


#: the forms users type and pre-commit writes: the quick reading must take them all
EVERYDAY = [
    ["validate", "model"],
    ["validate", "a", "b", "c/MLmodel"],
    ["validate", "--format", "json", "model"],
    ["validate", "--format=sarif", "-o", "out.sarif", "mlruns"],
    ["validate", "model", "--strict", "--reader-mlflow", "2.9", "--reader-sklearn=1.3.2"],
    ["validate", "--jobs", "2", "--color", "never", "--fail-on", "warning", "mlruns"],
    ["validate", "-j", "0", "--metadata-only", "m"],
    ["validate", "--ignore", "a,b", "--ignore=c", "--select", "d", "m"],
    ["validate", "--sarif-base", ".", "--sarif-help-uri", "https://x/rules", "m"],
    ["validate", "--flavor-spec", "f.yaml", "--flavor-spec", "g.yaml", "m"],
    ["validate", "--output", "", "m", "--strict", "--strict"],
    ["validate", "--format", "json", "--format", "text", "m=1", "with space"],
]


@pytest.mark.parametrize("argv", EVERYDAY, ids=lambda argv: " ".join(argv[1:]))
def test_the_everyday_forms_are_read_quickly_and_as_argparse_reads_them(argv: list[str]) -> None:
    quick = read_validate(argv)
    assert quick is not None
    assert vars(quick) == _argparse(argv)


#: what argparse must read (help, errors, forms the quick reading does not know)
LEFT_TO_ARGPARSE = [
    [],
    ["check", "m"],
    ["--version"],
    ["validate"],
    ["validate", "-h"],
    ["validate", "m", "--help"],
    ["validate", "--", "m"],
    ["validate", "--form", "json", "m"],  # an abbreviation
    ["validate", "-j2", "m"],
    ["validate", "-j=2", "m"],
    ["validate", "--strict=yes", "m"],
    ["validate", "--format", "yaml", "m"],
    ["validate", "--format=", "m"],
    ["validate", "--jobs", "-1", "m"],
    ["validate", "--jobs", "two", "m"],
    ["validate", "--reader-mlflow", "2", "m"],
    ["validate", "--reader-mlflow", "2.٩", "m"],
    ["validate", "--output", "--strict", "m"],
    ["validate", "--output"],
    ["validate", "a", "--strict", "b"],  # argparse takes the paths as one run
    ["validate", "-", "m"],
    ["validate", "--unknown", "m"],
]


@pytest.mark.parametrize("argv", LEFT_TO_ARGPARSE, ids=lambda argv: " ".join(argv) or "empty")
def test_help_errors_and_unusual_forms_are_left_to_argparse(argv: list[str]) -> None:
    assert read_validate(argv) is None


_TOKENS = [
    "m",
    "a/b",
    "x=y",
    "-",
    "--",
    "-h",
    "--help",
    "--strict",
    "--strict=1",
    "--metadata-only",
    "--format",
    "--format=json",
    "--format=",
    "--form",
    "json",
    "sarif",
    "yaml",
    "--fail-on",
    "warning",
    "error",
    "--reader-mlflow",
    "--reader-mlflow=2.9",
    "2.9",
    "2.9.2",
    "2",
    "3.x",
    "--reader-sklearn",
    "1.3",
    "--jobs",
    "-j",
    "-j2",
    "-j=2",
    "2",
    "0",
    "-1",
    "two",
    "--color",
    "never",
    "auto",
    "-o",
    "--output",
    "--output=r.json",
    "--sarif-base",
    "--sarif-help-uri",
    "--ignore",
    "--ignore=a,b",
    "a,b",
    "--select",
    "--flavor-spec",
    "f.yaml",
    "--unknown",
    "",
]


def test_the_quick_reading_never_disagrees_with_argparse() -> None:
    """Thousands of generated command lines: whenever the quick reading answers, argparse
    reads the same line to the same namespace (and does not exit)."""
    rng = random.Random(20261206)
    answered = 0
    for _ in range(4000):
        argv = ["validate"] + [rng.choice(_TOKENS) for _ in range(rng.randint(0, 7))]
        quick = read_validate(argv)
        if quick is not None:
            answered += 1
            assert vars(quick) == _argparse(argv), argv
    assert answered > 400  # the generator reaches the quick reading often enough to mean it


def test_a_cold_validate_does_not_import_argparse() -> None:
    code = (
        "import sys\n"
        "from mlmodel_spec.cli import main\n"
        "main(['validate', '--format', 'json', '-o', '/dev/null',"
        " 'tests/cases/valid/files-sklearn-complete'])\n"
        "print(sorted({'argparse', 'gettext', 'locale'} & set(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"
