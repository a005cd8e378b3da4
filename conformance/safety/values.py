"""Symbolic values on the reader's stack: just enough to name what a pickle would call.

Strings, small integers and small tuples are kept (they become module and attribute names,
constructor arguments, joblib array shapes); everything else is :data:`UNKNOWN`. Every kept
value is bounded in size, so the reader's memory does not grow with the payload.
"""

from __future__ import annotations

from ..records import field, record

#: longest string kept; longer ones become UNKNOWN (a module or attribute name is never this long)
MAX_STRING = 512
#: most items kept in a tuple or a dict
MAX_ITEMS = 64
#: most values reachable from one kept value: keeps memory bounded however values nest
MAX_WEIGHT = 256


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = _Unknown()


@record(frozen=True)
class Global:
    """``module.name`` as ``find_class`` would import it."""

    module: str
    name: str

    @property
    def dotted(self) -> str:
        return f"{self.module}.{self.name}"


@record(eq=False)
class Call:
    """The result of calling ``callee`` (REDUCE, NEWOBJ, OBJ, INST) and its BUILD state."""

    callee: Value
    args: Value
    offset: int
    opcode: str
    state: Value = field(default=UNKNOWN)


@record(eq=False)
class SymDict:
    """A dict whose string keys and small values we follow (BUILD states, joblib wrappers)."""

    items: dict[str, Value] = field(default_factory=dict)
    #: every key set is in ``items`` (none was dropped: not a string, or over MAX_ITEMS)
    complete: bool = True

    def set(self, key: Value, value: Value) -> None:
        if isinstance(key, str) and (key in self.items or len(self.items) < MAX_ITEMS):
            self.items[key] = bounded(value)
        else:
            self.complete = False


Value = str | int | bool | None | Global | Call | SymDict | tuple["Value", ...] | _Unknown


_CONTAINERS = (tuple, Call, SymDict)


def weight(value: Value, budget: int = MAX_WEIGHT) -> int:
    """How many values ``value`` reaches, counting at most ``budget + 1``."""
    total = 1
    stack: list[Value] = [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, tuple):
            children: list[Value] | tuple[Value, ...] = item
        elif isinstance(item, Call):
            children = (item.callee, item.args, item.state)
        elif isinstance(item, SymDict):
            children = list(item.items.values())
        else:
            continue
        total += len(children)
        stack.extend(children)
    return total


def bounded(value: Value) -> Value:
    """``value`` if it is small enough to keep, else UNKNOWN; a dict too heavy to keep keeps
    its keys (a BUILD state's keys decide what some ``__setstate__`` does), not its values."""
    if isinstance(value, (tuple, Call, SymDict)) and weight(value) > MAX_WEIGHT:
        if isinstance(value, SymDict):
            keys: dict[str, Value] = dict.fromkeys(value.items, UNKNOWN)
            return SymDict(keys, value.complete)
        return UNKNOWN
    return value


def small_tuple(items: list[Value]) -> Value:
    """A tuple of ``items`` if it is small enough to keep, else UNKNOWN."""
    if len(items) > MAX_ITEMS:
        return UNKNOWN
    result = tuple(items)
    for item in result:
        if isinstance(item, _CONTAINERS):
            return bounded(result)
    return result  # flat: its weight is its length


def text(value: str) -> Value:
    return value if len(value) <= MAX_STRING else UNKNOWN


def is_kept(value: Value) -> bool:
    """Worth remembering in the memo (UNKNOWN, numbers and None are not)."""
    return isinstance(value, (str, Global, Call, SymDict, tuple))
