"""joblib's layout: numpy arrays written inline after a ``NumpyArrayWrapper`` pickle.

``joblib.dump`` pickles each array as a ``joblib.numpy_pickle.NumpyArrayWrapper`` whose BUILD
state holds the shape, dtype and order; right after that BUILD opcode come the array's raw
bytes (one padding-length byte and padding first when ``numpy_array_alignment_bytes`` is set),
or, for object arrays, a whole nested pickle. The loader reads them there, so the reader
must step over them to find the next opcode. Sizes come from the symbolic state; a state we
cannot size stops the scan with a ``broken`` event rather than guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .reader import Broken, Event
from .source import ByteSource
from .values import Call, Global, SymDict, Value

_WRAPPER_MODULES = ("joblib.numpy_pickle", "sklearn.externals.joblib.numpy_pickle")
#: a pickled dtype's byte order, kind and size (``<f8``, ``|b1``, ``O``; compiled on first use)
_DTYPE = r"^[<>|=]?([a-zA-Z])(\d*)"
_ITEM_SIZES = {"?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8}
_ITEM_SIZES |= {"q": 8, "Q": 8, "e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32}
#: the most array bytes a wrapper may announce (joblib writes nothing near this)
MAX_ARRAY_BYTES = 1 << 44


def is_array_wrapper(call: Call) -> bool:
    callee = call.callee
    return (
        isinstance(callee, Global)
        and callee.name == "NumpyArrayWrapper"
        and callee.module in _WRAPPER_MODULES
    )


def _dtype_size(dtype: Value) -> tuple[int, bool]:
    """(item size in bytes, holds Python objects) of a pickled ``numpy.dtype``."""
    if not (isinstance(dtype, Call) and isinstance(dtype.args, tuple) and dtype.args):
        raise Broken("joblib array wrapper without a readable dtype")
    spec = dtype.args[0]
    state = dtype.state
    if isinstance(state, tuple) and len(state) >= 6 and isinstance(state[5], int):
        explicit = state[5] if state[5] > 0 else None  # elsize of structured and void dtypes
    else:
        explicit = None
    if not isinstance(spec, str):
        raise Broken("joblib array wrapper with an unreadable dtype")
    kind_and_digits = _kind_and_digits(spec)
    if kind_and_digits is None:
        raise Broken(f"joblib array wrapper with dtype {spec!r}")
    kind, digits = kind_and_digits
    if kind == "O":
        return 8, True
    if explicit is not None:
        return explicit, False
    if digits:
        size = int(digits)
        return (size * 4 if kind == "U" else size), False
    if kind in _ITEM_SIZES:
        return _ITEM_SIZES[kind], False
    raise Broken(f"joblib array wrapper with dtype {spec!r} of unknown size")


def _kind_and_digits(spec: str) -> tuple[str, str] | None:
    """The groups of ``_DTYPE`` at the start of ``spec`` (kind letter, digits), or ``None``."""
    if not spec.isascii():  # `\d` is any Unicode digit: the pattern decides
        match = re.match(_DTYPE, spec)
        return (match.group(1), match.group(2)) if match else None
    # an optional byte order, an ASCII letter, then the digits that follow it
    body = spec[1:] if spec[:1] in ("<", ">", "|", "=") else spec
    kind, rest = body[:1], body[1:]
    if not kind.isalpha():  # "" is not
        return None
    return kind, rest[: len(rest) - len(rest.lstrip("0123456789"))]


def _count(shape: Value) -> int:
    if not isinstance(shape, tuple) or not all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
    ):
        raise Broken("joblib array wrapper without a readable shape")
    count = 1
    for n in shape:
        assert isinstance(n, int)
        count *= n
        if count > MAX_ARRAY_BYTES:
            raise Broken(f"joblib array of absurd shape {shape}")
    return count


def array_hook(
    read_nested: Callable[[ByteSource], Iterator[Event]],
) -> Callable[[Call, ByteSource], list[Event]]:
    """A BUILD hook stepping over joblib's inline arrays; nested pickles go to ``read_nested``."""

    def on_build(call: Call, source: ByteSource) -> list[Event]:
        if not is_array_wrapper(call):
            return []
        state = call.state
        if not isinstance(state, SymDict):
            raise Broken("joblib array wrapper without a readable state")
        size, has_objects = _dtype_size(state.items.get("dtype"))
        if has_objects:
            events = list(read_nested(source))
            if events and events[-1].kind == "broken":
                raise Broken(f"nested pickle of an object array: {events[-1].detail}")
            return [e for e in events if e.kind != "stop"]
        total = _count(state.items.get("shape")) * size
        if total > MAX_ARRAY_BYTES:
            raise Broken("joblib array of absurd size")
        if state.items.get("numpy_array_alignment_bytes") is not None:
            padding = source.read_byte()
            if padding < 0 or source.skip(padding) < padding:
                raise Broken("truncated joblib array padding")
        skipped = source.skip(total)
        if skipped < total:
            raise Broken(f"truncated joblib array: {total} bytes announced, {skipped} there")
        return []

    return on_build
