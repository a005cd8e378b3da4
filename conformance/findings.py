"""Findings: the values every static rule produces.

A finding names the rule that raised it, how bad it is, and where: the file (relative to
the model directory), a JSON pointer into that file's parsed content, and the line and
column (1-based) when they are known. Rules never raise for a problem in the model
directory; they yield findings, and the walker collects all of them.
"""

from __future__ import annotations

from enum import Enum

from .records import record, replace

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any


class Severity(str, Enum):
    """How bad a finding is. Ordered: ``info < warning < error``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}


@record(frozen=True)
class Finding:
    """One problem found in one file of a model directory."""

    rule: str
    severity: Severity
    file: str
    pointer: str
    message: str
    hint: str = ""
    line: int | None = None
    column: int | None = None

    def with_severity(self, severity: Severity) -> Finding:
        return replace(self, severity=severity)

    def with_position(self, line: int | None, column: int | None) -> Finding:
        return replace(self, line=line, column=column)

    @property
    def location(self) -> str:
        """``file:line:column`` (or as much of it as is known)."""
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"

    def sort_key(self) -> tuple[str, int, int, str, str, str]:
        """Total order (file, position, pointer, rule, message): reports never depend on
        set or hash order."""
        return (self.file, self.line or 0, self.column or 0, self.pointer, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "pointer": self.pointer,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


def escape_pointer_token(token: str | int) -> str:
    """Escape one reference token for a JSON pointer (RFC 6901)."""
    text = token if isinstance(token, str) else str(token)
    if "~" in text or "/" in text:
        return text.replace("~", "~0").replace("/", "~1")
    return text


def join_pointer(base: str, *tokens: str | int) -> str:
    """``join_pointer("/flavors", "sklearn")`` -> ``"/flavors/sklearn"``."""
    return base + "".join("/" + escape_pointer_token(t) for t in tokens)


def split_pointer(pointer: str) -> list[str]:
    """Inverse of :func:`join_pointer` for a pointer starting at the root."""
    if not pointer:
        return []
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/")]
