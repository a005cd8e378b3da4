"""Structural rules: the MLmodel content against the JSON Schema in spec/.

The schema is compiled to Python ahead of time (``mlmodel-spec codegen``), so this check
imports no JSON Schema library at run time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import cache

from ..context import ModelContext
from ..findings import Severity, join_pointer
from ..registry import Problem, check, define_rule
from ..schema_validation import SchemaIssue

SCHEMA = define_rule(
    "schema",
    Severity.ERROR,
    "The MLmodel content does not match the MLmodel JSON Schema",
    "`mlmodel-spec schema mlmodel` prints the schema with a description of every key.",
    severities=((Severity.WARNING, "the failed keyword is marked x-severity warning"),),
)
UNKNOWN_KEY = define_rule(
    "unknown-key",
    Severity.INFO,
    "A key the specification does not know (MLflow carries it along unchanged)",
    "Check the spelling; MLflow ignores custom keys. --strict makes this a warning.",
    severities=((Severity.WARNING, "--strict is given"),),
)
DEPRECATED_KEY = define_rule(
    "deprecated-key",
    Severity.WARNING,
    "A key that only old MLflow versions (or only MLflow's docs) use",
    "`mlmodel-spec schema` describes the key and what replaced it; re-save with a current writer.",
)
UNKNOWN_FLAVOR = define_rule(
    "unknown-flavor",
    Severity.INFO,
    "A flavor the specification does not describe (custom or third-party)",
    "Custom flavors are fine; only the python_function block is needed to load it generically. "
    "`--flavor-spec FILE` checks the block against its flavor spec.",
    severities=((Severity.WARNING, "--strict is given"),),
)

_SEVERITY = {"error": None, "warning": Severity.WARNING, "info": Severity.INFO}


@cache
def _known_flavors() -> frozenset[str]:
    from .._generated_schemas import KNOWN_FLAVORS

    return frozenset(KNOWN_FLAVORS)


def schema_problems(
    issues: Iterable[SchemaIssue], *, rule: str = SCHEMA, file: str = "MLmodel"
) -> Iterator[Problem]:
    """Turn compiled-schema issues into problems: unknown and deprecated keys get their own
    rules, every other failure is ``rule`` at the schema's own severity."""
    for issue in issues:
        pointer = (
            issue.pointer if issue.property is None else join_pointer(issue.pointer, issue.property)
        )
        if issue.keyword == "x-unknown-key":
            yield Problem(
                UNKNOWN_KEY, pointer, f"unknown key {issue.property!r}", file, at_key=True
            )
        elif issue.keyword == "deprecated":
            yield Problem(DEPRECATED_KEY, pointer, issue.message, file, at_key=True)
        else:
            yield Problem(
                rule,
                pointer,
                issue.message,
                file,
                severity=_SEVERITY.get(issue.severity),
                at_key=issue.property is not None,
            )


@check(SCHEMA, UNKNOWN_KEY, DEPRECATED_KEY)
def mlmodel_matches_schema(ctx: ModelContext) -> Iterator[Problem]:
    from .._generated_schemas import validate_mlmodel

    yield from schema_problems(validate_mlmodel(ctx.data))
    for name, flavor in ctx.runtime_flavors.items():  # those given with --flavor-spec
        block = ctx.flavor(name)
        if block is not None:
            yield from schema_problems(flavor.block_issues(block))


@check(UNKNOWN_FLAVOR)
def flavors_are_known(ctx: ModelContext) -> Iterator[Problem]:
    known, runtime = _known_flavors(), ctx.runtime_flavors
    if runtime:  # and those of the flavor specs given with --flavor-spec
        known = known.union(runtime)
    for name in ctx.flavors:
        if name not in known:
            yield Problem(
                UNKNOWN_FLAVOR,
                join_pointer("/flavors", name),
                f"flavor {name!r} is not described by the specification",
                at_key=True,
            )
