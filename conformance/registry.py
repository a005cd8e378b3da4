"""The rule catalogue and the checks that raise those rules.

A *rule* is a stable id with a default severity, a one-line summary and a default hint:
it is what a user sees, filters on and documents. A *check* is a small function that reads a
:class:`~.context.ModelContext` and yields :class:`Problem` values for one or more rules.
The walker (``validate.py``) turns problems into located :class:`~.findings.Finding` s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .findings import Severity

if TYPE_CHECKING:
    from .context import ModelContext


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    hint: str = ""
    #: ``static`` (``validate``: reads files, never runs the model) or ``dynamic``
    #: (``check``: loads and runs the model, ``conformance/dynamic/``)
    kind: str = "static"
    #: the severities a finding of this rule can have besides ``severity``, each with the
    #: case it applies to, e.g. ``((Severity.ERROR, "the file is named in MLmodel"),)``;
    #: ``severity`` itself applies in every other case
    severities: tuple[tuple[Severity, str], ...] = ()
    #: ``conformance`` (will MLflow load and serve it) or ``safety`` (what loading would
    #: execute; the severity speaks of danger, ``conformance/safety/``)
    category: str = "conformance"

    def allowed_severities(self) -> frozenset[Severity]:
        """Every severity a finding of this rule may carry."""
        return frozenset({self.severity, *(severity for severity, _ in self.severities)})


@dataclass(frozen=True, slots=True)
class Problem:
    """What a check yields. The walker adds the rule's severity/hint and the position.

    ``line``/``column`` are only given when the check knows better than the pointer lookup
    (a JSON decode error, a line of ``requirements.txt``).
    """

    rule: str
    pointer: str
    message: str
    file: str = "MLmodel"
    hint: str | None = None
    severity: Severity | None = None
    line: int | None = None
    column: int | None = None
    at_key: bool = False  # locate at the key that introduces ``pointer`` rather than its value


CheckFn = Callable[["ModelContext"], Iterator[Problem]]


@dataclass(frozen=True, slots=True)
class Check:
    fn: CheckFn
    rules: tuple[str, ...]
    needs_files: bool
    #: ``model`` checks run on a parsed MLmodel mapping; ``document`` checks run on the raw
    #: text (``ModelContext.mlmodel_text``) when MLmodel is not usable YAML
    phase: str = "model"

    @property
    def name(self) -> str:
        return self.fn.__name__


RULES: dict[str, Rule] = {}
CHECKS: list[Check] = []


def define_rule(
    id: str,
    severity: Severity | str,
    summary: str,
    hint: str = "",
    *,
    kind: str = "static",
    severities: Sequence[tuple[Severity | str, str]] = (),
    category: str = "conformance",
) -> str:
    """Add a rule to the catalogue and return its id (so modules can keep it as a constant).

    ``severities`` lists the other severities the rule reports and when each applies.
    """
    if id in RULES:
        raise ValueError(f"rule {id!r} is defined twice")
    cases = tuple((Severity(level), when) for level, when in severities)
    RULES[id] = Rule(id, Severity(severity), summary, hint, kind, cases, category)
    return id


def check(
    *rules: str, needs_files: bool = False, phase: str = "model"
) -> Callable[[CheckFn], CheckFn]:
    """Register a check that may raise ``rules``.

    ``needs_files=True`` marks checks that look beyond the MLmodel text (the file system,
    companion files); ``--metadata-only`` skips them. ``phase="document"`` marks checks the
    walker runs on the raw MLmodel text when it does not parse (no other check can run then).
    """
    if phase not in ("model", "document"):
        raise ValueError(f"unknown check phase {phase!r}")
    unknown = [r for r in rules if r not in RULES]
    if unknown:
        raise ValueError(f"check declares undefined rules {unknown}")

    def register(fn: CheckFn) -> CheckFn:
        CHECKS.append(Check(fn, rules, needs_files, phase))
        return fn

    return register
