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
