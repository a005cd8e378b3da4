"""The allow-lists and the deny list of ``spec/safety/``, and judging a global against them.

Lists are data (``spec/safety/allowlists/v1/*.yaml``, ``spec/safety/denylist/v1/*.yaml``,
format ``spec/safety/list.schema.json``), compiled by ``mlmodel-spec codegen`` into
``_generated_lists.py``, which ``--check`` keeps up to date. A payload is judged in
a *context*: the flavor that loads it, or ``custom-model`` for a cloudpickled PythonModel.
The deny list wins over every allow-list, except where an entry exempts the context.
"""

from __future__ import annotations

from functools import cache, lru_cache

from ..records import record
from . import _generated_lists

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

FORMAT_VERSION = 1
CUSTOM_MODEL = "custom-model"
ANY = "*"
#: attribute names whose presence in a dotted global means it walks into interpreter internals
INTERNAL_ATTRIBUTES = frozenset(
    {"__globals__", "__builtins__", "__subclasses__", "__getattribute__", "__code__"}
    | {"__self__", "__class__", "__base__", "__bases__", "__mro__", "__dict__", "__func__"}
    | {"__loader__", "__import__", "__reduce__", "__reduce_ex__", "__init__", "__closure__"}
)


@record(frozen=True)
class Entry:
    match: str
    reason: str
    list: str
    exempt: tuple[str, ...] = ()
    #: allow-lists only: admitted only where each object made of it gets a state holding
    #: none of these keys (``GlobalUse.state_lacks``): its ``__setstate__`` runs code on them
    unless_state_has: tuple[str, ...] = ()

    def matches(self, module: str, name: str) -> bool:
        pattern = self.match
        if pattern.endswith(".**"):
            prefix = pattern[:-3]
            return module == prefix or module.startswith(prefix + ".")
        entry_module, _, entry_name = pattern.rpartition(".")
        if module != entry_module:
            return False
        if name == entry_name or "*" not in entry_name:
            return name == entry_name
        from fnmatch import fnmatchcase  # a wildcard entry: rare

        return fnmatchcase(name, entry_name)


@record(frozen=True)
class SafetyList:
    name: str
    select: tuple[str, ...]
    entries: tuple[Entry, ...]

    def applies_to(self, context: str) -> bool:
        return ANY in self.select or context in self.select


def _lists(compiled: tuple[tuple[str, tuple[str, ...], Any], ...]) -> tuple[SafetyList, ...]:
    return tuple(
        SafetyList(
            name,
            select,
            tuple(Entry(match, reason, name, *rest) for match, reason, *rest in items),
        )
        for name, select, items in compiled
    )


@cache
def allowlists() -> tuple[SafetyList, ...]:
    return _lists(_generated_lists.ALLOWLISTS)


@cache
def denylist() -> tuple[SafetyList, ...]:
    return _lists(_generated_lists.DENYLIST)


@record(frozen=True)
class Verdict:
    """``dangerous`` (with the deny entry), ``allowed`` (with the allow entry) or ``unknown``."""

    kind: str
    entry: Entry | None = None
    via: str = ""  # the dotted path found dangerous inside an attribute chain


def _dotted_candidates(module: str, name: str) -> list[tuple[str, str]]:
    """(module, name) pairs a dotted ``find_class`` lookup can reach: ``numpy`` +
    ``testing.os.system`` reaches ``os.system`` too (each component may be a module)."""
    parts = [*module.split("."), *name.split(".")]
    pairs = [(module, name)]
    for start in range(len(parts) - 1):
        for end in range(start + 1, len(parts)):
            pairs.append((".".join(parts[start:end]), parts[end]))
    return pairs


def _deny_entry(module: str, name: str, context: str) -> Entry | None:
    for safety_list in denylist():
        for entry in safety_list.entries:
            if context not in entry.exempt and entry.matches(module, name):
                return entry
    return None


@lru_cache(maxsize=8192)  # models of one tree import the same few hundred globals
def judge(module: str, name: str, context: str) -> Verdict:
    """How a global imported by a payload loaded in ``context`` is judged."""
    if "." in name or any(part in INTERNAL_ATTRIBUTES for part in name.split(".")):
        for cand_module, cand_name in _dotted_candidates(module, name):
            entry = _deny_entry(cand_module, cand_name, context)
            if entry is not None:
                return Verdict("dangerous", entry, f"{cand_module}.{cand_name}")
        if any(part in INTERNAL_ATTRIBUTES for part in name.split(".")):
            return Verdict("dangerous", None, f"{module}.{name}")
    else:
        entry = _deny_entry(module, name, context)
        if entry is not None:
            return Verdict("dangerous", entry)
    for safety_list in allowlists():
        if not safety_list.applies_to(context):
            continue
        for entry in safety_list.entries:
            if entry.matches(module, name):
                return Verdict("allowed", entry)
    return Verdict("unknown")


def is_allowed_anywhere(module: str, name: str) -> bool:
    """Whether some allow-list, for some context, admits ``module.name``."""
    return (
        any(entry.matches(module, name) for lst in allowlists() for entry in lst.entries)
        and _deny_entry(module, name, CUSTOM_MODEL) is None
    )
