"""``conformance.records`` behaves like the ``dataclasses`` it replaces on the hot path."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from mlmodel_spec.conformance.records import FrozenRecordError, field, record, replace


@record(frozen=True, order=True)
class Point:
    x: int
    y: int = 0
    tags: tuple[str, ...] = ()


@record
class Bag:
    name: str
    items: list[int] = field(default_factory=list)
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.items)


@record(eq=False)
class Node:
    value: int


def test_init_defaults_repr_and_equality_match_a_dataclass() -> None:
    @dataclasses.dataclass(frozen=True)
    class Point:  # the same class, as a dataclass
        x: int
        y: int = 0
        tags: tuple[str, ...] = ()

    ours = globals()["Point"]
    assert repr(ours(1, tags=("a",))) == "Point(x=1, y=0, tags=('a',))"
    assert repr(Point(1, tags=("a",))).endswith(".Point(x=1, y=0, tags=('a',))")
    assert ours(1) == ours(1, 0, ())
    assert ours(1) != ours(2)
    assert ours(1) != Point(1)  # another class is never equal
    assert not hasattr(ours(1), "__dict__")  # slotted


def test_frozen_refuses_assignment_and_deletion_and_is_hashable() -> None:
    point = Point(1, 2)
    with pytest.raises(FrozenRecordError):
        point.x = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.y  # type: ignore[misc]
    assert {Point(1, 2), Point(1, 2), Point(2, 1)} == {Point(1, 2), Point(2, 1)}


def test_order_compares_fields_in_order() -> None:
    assert sorted([Point(2, 0), Point(1, 5), Point(1, 2)]) == [Point(1, 2), Point(1, 5), Point(2)]
    assert Point(1) <= Point(1) < Point(1, 1) and Point(3) > Point(2) >= Point(2)


def test_mutable_record_is_unhashable_and_factories_are_per_instance() -> None:
    first, second = Bag("a"), Bag("b")
    first.items.append(1)
    assert second.items == [] and first.size == 0 and Bag("c", [1, 2]).size == 2
    with pytest.raises(TypeError):
        hash(first)
    first.name = "changed"
    assert first.name == "changed"


def test_eq_false_keeps_identity() -> None:
    node = Node(1)
    assert [node] == [node] and Node(1) != Node(1)
    assert len({Node(1), Node(1)}) == 2


def test_replace_copy_and_pickle_round_trip() -> None:
    assert replace(Point(1, 2), y=5) == Point(1, 5)
    bag = Bag("a", [1])
    for clone in (copy.deepcopy(bag), pickle.loads(pickle.dumps(bag))):
        assert clone == bag and clone is not bag and clone.size == 1
    assert pickle.loads(pickle.dumps(Point(1, 2, ("t",)))) == Point(1, 2, ("t",))


def test_a_record_cannot_extend_a_record() -> None:
    with pytest.raises(TypeError, match="cannot extend"):

        @record
        class Child(Bag):
            extra: int = 0


def _call_class(frozen: bool) -> type:
    class Call:
        a: int
        b: int = 2
        c: list[int] = field(default_factory=list)
        d: int = field(default=4, init=False)

    made: type = record(Call, frozen=True) if frozen else record(Call)
    return made


def _outcome(
    monkeypatch: pytest.MonkeyPatch, frozen: bool, compile_after: int, call: Call
) -> tuple[object, object]:
    """The fields of an instance and whether ``__init__`` was compiled, or the refusal."""
    from mlmodel_spec.conformance import records

    cls = _call_class(frozen)
    generic = cls.__dict__["__init__"]
    monkeypatch.setattr(records, "COMPILE_AFTER", compile_after)
    args, kwargs = call
    try:
        made = cls(*args, **kwargs)
    except TypeError as exc:
        return "refused", str(exc)
    return {name: getattr(made, name) for name in "abcd"}, cls.__dict__["__init__"] is not generic


Call = tuple[tuple[object, ...], dict[str, object]]


CALLS: list[Call] = [
    ((1,), {}),
    ((1, 5), {}),
    ((1, 5, [9]), {}),
    ((), {"a": 1}),
    ((1,), {"c": [3], "b": 7}),
    ((), {}),  # a missing
    ((1, 2, [3], 4), {}),  # too many
    ((1,), {"a": 2}),  # a twice
    ((1,), {"e": 0}),  # unknown
    ((1,), {"d": 0}),  # init=False
]


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "mutable"])
@pytest.mark.parametrize("call", CALLS, ids=[str(i) for i in range(len(CALLS))])
def test_the_generic_init_sets_and_refuses_what_the_compiled_one_does(
    monkeypatch: pytest.MonkeyPatch, frozen: bool, call: Call
) -> None:
    generic = _outcome(monkeypatch, frozen, 100, call)
    compiled = _outcome(monkeypatch, frozen, 0, call)
    if generic[0] == "refused":  # the compiled __init__ raised Python's own TypeError
        assert generic == compiled
    else:  # the same fields; only the second was compiled
        assert (generic[0], generic[1], compiled[1]) == (compiled[0], False, True)


def test_the_first_instances_compile_nothing_and_later_ones_the_real_init(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mlmodel_spec.conformance import records

    @record
    class Counted:
        n: int
        items: list[int] = field(default_factory=list)

    generic = Counted.__dict__["__init__"]
    monkeypatch.setattr(records, "COMPILE_AFTER", 3)
    first, second = Counted(1), Counted(2)
    assert Counted.__dict__["__init__"] is generic
    assert first.items is not second.items  # a factory per instance, as compiled
    third = Counted(3, [1])
    assert Counted.__dict__["__init__"] is not generic  # compiled at the third
    assert (third.n, third.items, Counted(4).items) == (3, [1], [])


def test_a_required_field_after_a_default_is_refused_when_the_class_is_made() -> None:
    with pytest.raises(TypeError, match="non-default argument 'y' follows default argument"):

        @record
        class Wrong:
            x: int = 0
            y: int  # type: ignore[misc]
