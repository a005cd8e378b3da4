"""What a dynamic check is: a function over a :class:`~.session.Session` that yields
:class:`Issue` values, registered for one catalogue id with :func:`implements`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mlmodel_spec.conformance.findings import Severity

from .catalogue import CHECK_SPECS
from .session import Session


@dataclass(frozen=True, slots=True)
class Issue:
    """One way a model failed a check; the runner turns it into a finding."""

    message: str
    pointer: str = ""
    file: str = "MLmodel"
    severity: Severity | None = None  # default: the check's severity
    hint: str | None = None  # default: the check's hint


CheckFn = Callable[[Session], Iterator[Issue]]
CHECK_FUNCTIONS: dict[str, CheckFn] = {}


def implements(check_id: str) -> Callable[[CheckFn], CheckFn]:
    if check_id not in CHECK_SPECS:
        raise ValueError(f"no dynamic check {check_id!r} in the catalogue")

    def register(fn: CheckFn) -> CheckFn:
        CHECK_FUNCTIONS[check_id] = fn
        return fn

    return register
