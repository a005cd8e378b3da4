"""Reporters: turn a validation :class:`Report` into text, JSON, SARIF, JUnit or GitHub lines.

Each reporter is a function ``(report, ReportStyle) -> str`` registered by name in
:data:`REPORTERS`, one module per format. Everything a model supplied (keys, values, file
and directory names) goes through the format's escaping in :mod:`.escaping`. None of them
decides the exit code; the CLI does.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping

from .common import ReportStyle, finding_path, summary_counts

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

    from mlmodel_spec.conformance.validate import Report

    from .github import render_github
    from .json_report import REPORT_FORMAT_VERSION, render_json, report_to_dict
    from .junit import render_junit
    from .sarif import render_sarif
    from .text import render_text

#: format -> (module, function): a format's module is imported when it is asked for
_FORMATS = {
    "text": ("text", "render_text"),
    "json": ("json_report", "render_json"),
    "sarif": ("sarif", "render_sarif"),
    "junit": ("junit", "render_junit"),
    "github": ("github", "render_github"),
}
#: names this package re-exports from its modules, imported on first use
_LAZY = {
    **{function: module for module, function in _FORMATS.values()},
    "REPORT_FORMAT_VERSION": "json_report",
    "report_to_dict": "json_report",
}


def _submodule(name: str) -> Any:
    """``importlib.import_module`` of a reporter module (``importlib`` and the ``warnings`` it
    imports cost a cold ``validate`` 0.4 ms)."""
    qualified = f"{__name__}.{name}"
    __import__(qualified)
    return sys.modules[qualified]


class _Reporters(Mapping[str, "Callable[[Report, ReportStyle], str]"]):
    """Format name -> reporter; a validate run imports only the one it prints."""

    def __getitem__(self, name: str) -> Callable[[Report, ReportStyle], str]:
        module, function = _FORMATS[name]
        reporter: Callable[[Report, ReportStyle], str] = getattr(_submodule(module), function)
        return reporter

    def __iter__(self) -> Iterator[str]:
        return iter(_FORMATS)

    def __len__(self) -> int:
        return len(_FORMATS)


REPORTERS: Mapping[str, Callable[[Report, ReportStyle], str]] = _Reporters()


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(_submodule(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "REPORTERS",
    "REPORT_FORMAT_VERSION",
    "ReportStyle",
    "finding_path",
    "render_github",
    "render_json",
    "render_junit",
    "render_sarif",
    "render_text",
    "report_to_dict",
    "summary_counts",
]
