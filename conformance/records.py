"""Value classes for the validator's hot path, without the start-up cost of ``dataclasses``.

``@dataclasses.dataclass`` generates each class's methods by compiling source text at import
time: about 0.45 ms a class on this project's machines, and a cold ``validate`` defines some
60 of them (a third of its run). ``@record`` gives the same classes — typed fields with
defaults, ``__slots__``, ``frozen``, ``order``, ``field(default_factory=...)``, ``replace`` —
compiling only ``__init__`` and sharing one implementation of the other methods. Even
``__init__`` (some 0.06 ms to compile) is compiled only once a class has made
``COMPILE_AFTER`` instances; the first ones are filled by one generic function. A cold
``validate`` defines 66 records and makes instances of about 45, few of each.

Semantics follow ``dataclasses``: equality compares the fields of two instances of the same
class (``eq=False``: identity); a frozen record is hashable and refuses assignment, a mutable
one is unhashable; ``__post_init__`` runs after ``__init__``; ``repr`` is ``Name(a=1, ...)``.
Type checkers see ``@record`` as a dataclass (``dataclass_transform``).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any, TypeVar

    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda function: function


__all__ = ["FrozenRecordError", "field", "record", "replace"]

if TYPE_CHECKING:
    T = TypeVar("T")
_MISSING: Any = object()


class FrozenRecordError(AttributeError):
    """Assigning to or deleting a field of a frozen record."""


class _Field:
    __slots__ = ("default", "default_factory", "init")

    def __init__(self, default: Any, default_factory: Any, init: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.init = init


def field(
    *, default: Any = _MISSING, default_factory: Callable[[], Any] = _MISSING, init: bool = True
) -> Any:
    """A field's default (``default``, or ``default_factory`` called per instance), or
    ``init=False`` for a field ``__post_init__`` sets."""
    return _Field(default, default_factory, init)


@dataclass_transform(field_specifiers=(field,))
def record(
    cls: Any = None, /, *, frozen: bool = False, order: bool = False, eq: bool = True
) -> Any:
    """Make ``cls`` a slotted value class of its annotated fields (see the module docstring)."""

    def build(cls: type[T]) -> type[T]:
        return _build(cls, frozen=frozen, order=order, eq=eq)

    return build if cls is None else build(cls)


def replace(instance: T, /, **changes: Any) -> T:
    """A copy of a record with some fields changed (``dataclasses.replace``)."""
    cls = type(instance)
    values = {name: getattr(instance, name) for name in cls.__record_init__}  # type: ignore[attr-defined]
    values.update(changes)
    return cls(**values)


#: instances a record makes through the generic ``__init__`` before its own is compiled: a
#: cold ``validate`` makes fewer of most classes (compiling costs some 0.06 ms a class), a
#: run over many models many more (the compiled ``__init__`` is 5 times as fast)
COMPILE_AFTER = 24

if TYPE_CHECKING:
    #: one field as ``__init__`` sets it: name, taken as an argument, default, default factory
    Step = tuple[str, bool, Any, Any]


def _build(cls: type[T], *, frozen: bool, order: bool, eq: bool) -> type[T]:
    if any(hasattr(base, "__record_fields__") for base in cls.__mro__[1:]):
        raise TypeError(f"{cls.__qualname__}: a record cannot extend another record")
    namespace = dict(cls.__dict__)
    namespace.pop("__dict__", None)
    namespace.pop("__weakref__", None)
    fields, init_names, steps = _fields(namespace)
    post_init = "__post_init__" in namespace
    built: Any = None  # the class, once made
    made_so_far = 0

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        """Set the fields without compiling anything for this class's first instances;
        then compile the real ``__init__``, put it in this one's place, and run it."""
        nonlocal made_so_far
        made_so_far += 1
        if made_so_far < COMPILE_AFTER and _fill(self, args, kwargs, steps, frozen):
            if post_init:
                self.__post_init__()
            return
        init = _compile_init(cls.__qualname__, *_init_source(steps, frozen, post_init))
        built.__init__ = init
        init(self, *args, **kwargs)  # a call _fill does not bind: Python's own TypeError

    __init__.__qualname__ = f"{cls.__qualname__}.__init__"

    namespace.update(
        __slots__=fields,
        __init__=__init__,
        __record_fields__=fields,
        __record_init__=init_names,
        __record_values__=_values_getter(fields),
        __repr__=_repr,
        __getstate__=_getstate,
        __setstate__=_setstate,
        __match_args__=init_names,
    )
    if eq:  # else identity, as object's
        namespace.update(__eq__=_eq, __hash__=_hash if frozen else None)
    if frozen:
        namespace.update(__setattr__=_frozen_setattr, __delattr__=_frozen_delattr)
    if order:
        namespace.update(__lt__=_lt, __le__=_le, __gt__=_gt, __ge__=_ge)
    metaclass: Any = type(cls)
    made: type[T] = metaclass(cls.__name__, cls.__bases__, namespace)
    built = made
    return made


def _fields(
    namespace: dict[str, Any],
) -> tuple[tuple[str, ...], tuple[str, ...], tuple[Step, ...]]:
    """The annotated fields of ``namespace`` (whose defaults it removes: slots cannot share
    a name with a class attribute), the fields ``__init__`` takes, and how it sets them."""
    fields: list[str] = []
    init_names: list[str] = []
    steps: list[Step] = []
    optional = False  # an earlier argument of __init__ has a default
    for name, annotation in namespace.get("__annotations__", {}).items():
        if "ClassVar" in str(annotation):
            continue
        fields.append(name)
        spec = namespace.pop(name, _MISSING)
        if not isinstance(spec, _Field):
            spec = _Field(spec, _MISSING, True)
        if spec.init:
            if spec.default is _MISSING and spec.default_factory is _MISSING and optional:
                raise TypeError(f"non-default argument {name!r} follows default argument")
            optional = (
                optional or spec.default is not _MISSING or spec.default_factory is not _MISSING
            )
            init_names.append(name)
        elif spec.default is _MISSING and spec.default_factory is _MISSING:
            continue  # init=False without a default: __post_init__ sets it
        steps.append((name, spec.init, spec.default, spec.default_factory))
    return tuple(fields), tuple(init_names), tuple(steps)


def _fill(
    self: Any, args: tuple[Any, ...], kwargs: dict[str, Any], steps: tuple[Step, ...], frozen: bool
) -> bool:
    """Set the fields from a call's arguments as the compiled ``__init__`` does; ``False``,
    having set nothing, for a call that does not bind (the compiled one then raises)."""
    values: list[Any] = []
    taken = given = 0  # positional arguments taken; keyword arguments used
    for name, init, default, factory in steps:
        if init and taken < len(args):
            if name in kwargs:
                return False  # given twice
            values.append(args[taken])
            taken += 1
        elif init and name in kwargs:
            values.append(kwargs[name])
            given += 1
        elif factory is not _MISSING:
            values.append(factory())
        elif default is not _MISSING:
            values.append(default)
        else:
            return False  # a required argument is missing
    if taken < len(args) or given < len(kwargs):
        return False  # too many positional arguments, or an unknown keyword
    assign = object.__setattr__ if frozen else setattr
    for step, value in zip(steps, values, strict=True):
        assign(self, step[0], value)
    return True


def _init_source(
    steps: tuple[Step, ...], frozen: bool, post_init: bool
) -> tuple[str, dict[str, Any]]:
    """The source of the ``__init__`` that sets the fields as ``steps`` say, and its names."""
    params: list[str] = []
    body: list[str] = []
    scope: dict[str, Any] = {"_MISSING": _MISSING, "_set": object.__setattr__}
    for name, init, default, factory in steps:
        assign = f"_set(self, {name!r}, {{}})" if frozen else f"self.{name} = {{}}"
        if factory is not _MISSING:
            scope[f"_factory_{name}"] = factory
            value = f"_factory_{name}()"
            if init:
                params.append(f"{name}=_MISSING")
                value = f"{value} if {name} is _MISSING else {name}"
        elif init:
            value = name
            if default is _MISSING:
                params.append(name)
            else:
                scope[f"_default_{name}"] = default
                params.append(f"{name}=_default_{name}")
        else:
            scope[f"_default_{name}"] = default
            value = f"_default_{name}"
        body.append(assign.format(value))
    if post_init:
        body.append("self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(body or ["pass"])
    return source, scope


def _compile_init(qualname: str, source: str, scope: dict[str, Any]) -> Callable[..., None]:
    exec(source, scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{qualname}.__init__"
    return init


def _values_getter(fields: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    if len(fields) == 1:
        only = attrgetter(fields[0])
        return lambda instance: (only(instance),)
    if not fields:
        return lambda instance: ()
    return attrgetter(*fields)


def _values(instance: Any) -> tuple[Any, ...]:
    values: tuple[Any, ...] = type(instance).__record_values__(instance)
    return values


def _repr(self: Any) -> str:
    pairs = ", ".join(f"{name}={getattr(self, name)!r}" for name in type(self).__record_fields__)
    return f"{type(self).__qualname__}({pairs})"


def _eq(self: Any, other: Any) -> Any:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _lt(self: Any, other: Any) -> Any:
    return _values(self) < _values(other) if other.__class__ is self.__class__ else NotImplemented


def _le(self: Any, other: Any) -> Any:
    return _values(self) <= _values(other) if other.__class__ is self.__class__ else NotImplemented


def _gt(self: Any, other: Any) -> Any:
    return _values(self) > _values(other) if other.__class__ is self.__class__ else NotImplemented


def _ge(self: Any, other: Any) -> Any:
    return _values(self) >= _values(other) if other.__class__ is self.__class__ else NotImplemented


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise FrozenRecordError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise FrozenRecordError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


def _getstate(self: Any) -> dict[str, Any]:
    return {name: getattr(self, name) for name in self.__slots__ if hasattr(self, name)}


def _setstate(self: Any, state: dict[str, Any]) -> None:
    for name, value in state.items():
        object.__setattr__(self, name, value)
