"""Read a pickle stream opcode by opcode without executing it.

:func:`read_pickle` runs a symbolic machine over one pickle (``PROTO`` ... ``STOP``): a stack of
:mod:`.values`, a memo and marks, bounded in size. It reports, as :class:`Event` values,
every global the unpickler would import (``GLOBAL``, ``INST``, ``STACK_GLOBAL`` - the last one
from literal, memoized or computed strings), every call (``REDUCE``, ``NEWOBJ``,
``NEWOBJ_EX``, ``OBJ``, ``INST``), extension codes and anything that stops the stream from
loading (truncation, a bad opcode, absurd lengths, too deep nesting). Nothing here imports
:mod:`pickle`; a hostile stream yields a ``broken`` event, never an exception.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator

from ..records import record
from .fast_ops import run_data
from .opcodes import FIXED_SIZES, HIGHEST_PROTOCOL, LENGTH_PREFIXES, OPCODES, PY2_MODULES, Arg
from .source import ByteSource
from .values import UNKNOWN, Call, Global, SymDict, Value, bounded, is_kept, small_tuple, text

#: bounds on the machine (hostile input cannot make us use more)
MAX_STACK = 1_000_000
MAX_MEMO = 200_000
MAX_LINE = 1 << 20
#: opcodes read per pickle at most (bounded time: about a minute of reading)
MAX_OPCODES = 100_000_000
#: length-prefixed strings longer than this are skipped, not decoded
MAX_DECODED = 4096
#: run plain data opcodes in ``fast_ops``' loop (same effect; tests compare both ways)
FAST_PATH = True


@record(frozen=True)
class Event:
    """Something a loader of the stream would do, at a byte offset of the stream.

    ``kind``: ``import`` (``target`` is the Global), ``call`` (``target`` is the Call),
    ``dynamic-global`` (STACK_GLOBAL of something that is not a literal string),
    ``extension`` (EXT1/2/4, ``detail`` is the code), ``build`` (BUILD on ``target``),
    ``broken`` (``detail`` says why; loading stops there), ``stop``.
    """

    kind: str
    offset: int
    opcode: str
    target: Value = None
    detail: str = ""


class Broken(Exception):
    """The stream cannot be loaded from here on (a loader would raise here)."""


#: called at each BUILD on a call result; may read on from the source (joblib's inline
#: arrays) and returns the events of what it read; raises :class:`Broken` to stop
BuildHook = Callable[[Call, ByteSource], list[Event]]


class _Machine:
    def __init__(self, source: ByteSource, on_build: BuildHook | None) -> None:
        self.source = source
        self.stack: list[Value] = []
        self.marks: list[int] = []
        self.memo: dict[int, Value] = {}
        self.memo_len = 0
        self.protocol = 0
        self.events: list[Event] = []
        self.on_build = on_build

    # -- stack helpers -------------------------------------------------------------------
    def push(self, value: Value) -> None:
        if len(self.stack) >= MAX_STACK:
            raise Broken(f"more than {MAX_STACK} values on the stack")
        self.stack.append(value)

    def pop(self) -> Value:
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise Broken("stack underflow")
        return self.stack.pop()

    def top(self) -> Value:
        if len(self.stack) <= (self.marks[-1] if self.marks else 0):
            raise Broken("stack underflow")
        return self.stack[-1]

    def pop_mark(self) -> list[Value]:
        if not self.marks:
            raise Broken("no MARK to pop to")
        start = self.marks.pop()
        items = self.stack[start:]
        del self.stack[start:]
        return items

    def remember(self, index: int, value: Value) -> None:
        if index >= self.memo_len:
            self.memo_len = index + 1
        if not is_kept(value):
            self.memo.pop(index, None)
        elif index in self.memo or len(self.memo) < MAX_MEMO:
            self.memo[index] = value

    # -- arguments -----------------------------------------------------------------------
    def fixed(self, arg: Arg) -> int:
        size, signed = FIXED_SIZES[arg]
        data = self.source.read(size)
        if len(data) < size:
            raise Broken("truncated argument")
        return int.from_bytes(data, "little", signed=signed)

    def line(self) -> bytes:
        line = self.source.readline(MAX_LINE)
        if line is None:
            raise Broken("a text argument has no end of line (truncated or over 1 MiB)")
        return line[:-1]

    def sized(self, arg: Arg, keep: bool) -> bytes | None:
        """A length-prefixed argument: its bytes if ``keep`` and short, else skipped."""
        width, signed = LENGTH_PREFIXES[arg]
        raw = self.source.read(width)
        if len(raw) < width:
            raise Broken("truncated length")
        length = int.from_bytes(raw, "little", signed=signed)
        if length < 0:
            raise Broken(f"negative length {length}")
        if keep and length <= MAX_DECODED:
            data = self.source.read(length)
            if len(data) < length:
                raise Broken(f"truncated: {length} bytes announced, {len(data)} there")
            return data
        skipped = self.source.skip(length)
        if skipped < length:
            raise Broken(f"truncated: {length} bytes announced, {skipped} there")
        return None

    # -- the loop ------------------------------------------------------------------------
    def run(self) -> Iterator[Event]:
        source = self.source
        budget = MAX_OPCODES
        while budget > 0:
            if FAST_PATH:
                budget -= run_data(self, budget, MAX_STACK, MAX_MEMO, MAX_DECODED)
                if budget <= 0:
                    break
            budget -= 1
            offset = source.offset
            code = source.read_byte()
            self.offset, self.opcode = offset, ""  # no opcode name until it is known
            if code < 0:
                raise Broken("truncated: the stream ends before STOP")
            spec = OPCODES.get(code)
            if spec is None:
                raise Broken(f"unknown opcode 0x{code:02x}")
            name, arg, _ = spec
            self.offset, self.opcode = offset, name
            if name == "STOP":
                self.pop()
                yield Event("stop", offset, name)
                return
            handler = _HANDLERS[name]
            handler(self, arg)
            if self.events:
                yield from self.events
                self.events.clear()
        raise Broken(f"more than {MAX_OPCODES} opcodes in one pickle")

    def emit(self, kind: str, target: Value = None, detail: str = "") -> None:
        self.events.append(Event(kind, self.offset, self.opcode, target, detail))

    def global_(self, module: str, name: str) -> Global:
        if not _dotted_name(module) or not _dotted_name(name):
            # find_class cannot import or look it up: loading fails here, nothing runs
            raise Broken(f"{module[:80]!r}.{name[:80]!r} is not a module and attribute name")
        if self.protocol < 3:
            module = PY2_MODULES.get(module, module)
        ref = Global(module, name)
        self.emit("import", ref)
        return ref

    def call(self, callee: Value, args: Value) -> Call:
        result = Call(bounded(callee), bounded(args), self.offset, self.opcode)
        self.emit("call", result)
        return result


def _dotted_name(text: str) -> bool:
    return bool(text) and all(part.isidentifier() for part in text.split("."))


def _text_line(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Broken("a module or name is not UTF-8") from exc


def _op_mark(m: _Machine, arg: Arg) -> None:
    if len(m.marks) >= MAX_STACK:
        raise Broken("too many MARKs")
    m.marks.append(len(m.stack))


def _op_pop(m: _Machine, arg: Arg) -> None:
    if m.marks and len(m.stack) == m.marks[-1]:
        m.marks.pop()  # CPython: POP with nothing above the mark pops the mark
    else:
        m.pop()


def _op_pop_mark(m: _Machine, arg: Arg) -> None:
    m.pop_mark()


def _op_dup(m: _Machine, arg: Arg) -> None:
    m.push(m.top())


def _op_number_line(m: _Machine, arg: Arg) -> None:
    data = m.line()
    try:
        if m.opcode == "FLOAT":
            float(data)
            m.push(UNKNOWN)
            return
        if m.opcode == "INT" and data in (b"00", b"01"):
            m.push(data == b"01")
            return
        m.push(int(data[:-1] if m.opcode == "LONG" and data.endswith(b"L") else data))
    except ValueError as exc:
        raise Broken(f"{m.opcode} argument is not a number") from exc


def _op_fixed_int(m: _Machine, arg: Arg) -> None:
    m.push(m.fixed(arg))


def _op_binfloat(m: _Machine, arg: Arg) -> None:
    if len(m.source.read(8)) < 8:
        raise Broken("truncated argument")
    m.push(UNKNOWN)


def _op_long_bytes(m: _Machine, arg: Arg) -> None:
    data = m.sized(arg, keep=True)
    if data is None or len(data) > 64:
        m.push(UNKNOWN)
    else:
        m.push(int.from_bytes(data, "little", signed=True))


def _op_constant(m: _Machine, arg: Arg) -> None:
    m.push({"NONE": None, "NEWTRUE": True, "NEWFALSE": False}[m.opcode])


def _op_persid(m: _Machine, arg: Arg) -> None:
    m.line()
    m.push(UNKNOWN)


def _op_binpersid(m: _Machine, arg: Arg) -> None:
    m.pop()
    m.push(UNKNOWN)


def _op_reduce(m: _Machine, arg: Arg) -> None:
    args = m.pop()
    callee = m.pop()
    m.push(m.call(callee, args))


def _op_string_line(m: _Machine, arg: Arg) -> None:
    data = m.line()
    if m.opcode == "UNICODE":
        try:
            m.push(text(data.decode("raw-unicode-escape")))
        except UnicodeDecodeError as exc:
            raise Broken("UNICODE argument does not decode") from exc
        return
    if len(data) < 2 or data[0] != data[-1] or data[:1] not in (b"'", b'"'):
        raise Broken("STRING argument is not quoted")
    try:
        decoded = codecs.escape_decode(data[1:-1])[0]
    except ValueError as exc:
        raise Broken("STRING argument does not decode") from exc
    m.push(text(decoded.decode("latin-1")))


def _op_sized_text(m: _Machine, arg: Arg) -> None:
    data = m.sized(arg, keep=True)
    if data is None:
        m.push(UNKNOWN)
    elif m.opcode in ("SHORT_BINSTRING", "BINSTRING"):
        m.push(text(data.decode("latin-1")))
    else:
        try:
            m.push(text(data.decode("utf-8", "surrogatepass")))
        except UnicodeDecodeError as exc:
            raise Broken(f"{m.opcode} argument is not UTF-8") from exc


def _op_sized_bytes(m: _Machine, arg: Arg) -> None:
    m.sized(arg, keep=False)
    m.push(UNKNOWN)


def _op_append(m: _Machine, arg: Arg) -> None:
    m.pop()
    m.top()


def _op_appends(m: _Machine, arg: Arg) -> None:
    m.pop_mark()
    m.top()


def _op_build(m: _Machine, arg: Arg) -> None:
    state = m.pop()
    target = m.top()
    if isinstance(target, Call):
        target.state = bounded(state)
        m.emit("build", target)
        if m.on_build is not None:
            m.events.extend(m.on_build(target, m.source))
    elif isinstance(target, Global):  # BUILD on an imported object sets its attributes
        m.emit("build", Call(target, (), m.offset, m.opcode, bounded(state)))


def _op_global(m: _Machine, arg: Arg) -> None:
    module = _text_line(m.line())
    name = _text_line(m.line())
    m.push(m.global_(module, name))


def _op_inst(m: _Machine, arg: Arg) -> None:
    module = _text_line(m.line())
    name = _text_line(m.line())
    args = m.pop_mark()
    m.push(m.call(m.global_(module, name), small_tuple(args)))


def _op_obj(m: _Machine, arg: Arg) -> None:
    items = m.pop_mark()
    if not items:
        raise Broken("OBJ without a class")
    m.push(m.call(items[0], small_tuple(items[1:])))


def _op_dict(m: _Machine, arg: Arg) -> None:
    items = m.pop_mark()
    if len(items) % 2:
        raise Broken("DICT with an odd number of items")
    result = SymDict()
    for key, value in zip(items[::2], items[1::2], strict=True):
        result.set(key, value)
    m.push(result)


def _op_empty_dict(m: _Machine, arg: Arg) -> None:
    m.push(SymDict())


def _op_get(m: _Machine, arg: Arg) -> None:
    if arg is Arg.LINE:
        try:
            index = int(m.line())
        except ValueError as exc:
            raise Broken("GET index is not a number") from exc
    else:
        index = m.fixed(arg)
    if index >= m.memo_len:
        raise Broken(f"memo {index} read before it was written")
    m.push(m.memo.get(index, UNKNOWN))


def _op_put(m: _Machine, arg: Arg) -> None:
    if arg is Arg.LINE:
        try:
            index = int(m.line())
        except ValueError as exc:
            raise Broken("PUT index is not a number") from exc
    else:
        index = m.fixed(arg)
    if index < 0:
        raise Broken("negative PUT index")
    m.remember(index, m.top())


def _op_memoize(m: _Machine, arg: Arg) -> None:
    m.remember(m.memo_len, m.top())


def _op_container(m: _Machine, arg: Arg) -> None:
    m.push(UNKNOWN)  # lists and sets: we never need their items


def _op_list_from_mark(m: _Machine, arg: Arg) -> None:
    m.pop_mark()
    m.push(UNKNOWN)


def _op_setitem(m: _Machine, arg: Arg) -> None:
    value = m.pop()
    key = m.pop()
    target = m.top()
    if isinstance(target, SymDict):
        target.set(key, value)


def _op_setitems(m: _Machine, arg: Arg) -> None:
    items = m.pop_mark()
    if len(items) % 2:
        raise Broken("SETITEMS with an odd number of items")
    target = m.top()
    if isinstance(target, SymDict):
        for key, value in zip(items[::2], items[1::2], strict=True):
            target.set(key, value)


def _op_tuple(m: _Machine, arg: Arg) -> None:
    m.push(small_tuple(m.pop_mark()))


def _op_empty_tuple(m: _Machine, arg: Arg) -> None:
    m.push(())


def _op_tuple_n(m: _Machine, arg: Arg) -> None:
    count = {"TUPLE1": 1, "TUPLE2": 2, "TUPLE3": 3}[m.opcode]
    items = [m.pop() for _ in range(count)][::-1]
    m.push(small_tuple(items))


def _op_proto(m: _Machine, arg: Arg) -> None:
    version = m.fixed(arg)
    if version > HIGHEST_PROTOCOL:
        raise Broken(f"unsupported pickle protocol {version}")
    m.protocol = version


def _op_newobj(m: _Machine, arg: Arg) -> None:
    args = m.pop()
    cls = m.pop()
    m.push(m.call(cls, args))


def _op_newobj_ex(m: _Machine, arg: Arg) -> None:
    m.pop()  # kwargs
    args = m.pop()
    cls = m.pop()
    m.push(m.call(cls, args))


def _op_ext(m: _Machine, arg: Arg) -> None:
    code = m.fixed(arg)
    if code <= 0:
        raise Broken(f"EXT code {code} is not positive")
    m.emit("extension", detail=str(code))
    m.push(UNKNOWN)


def _op_additems(m: _Machine, arg: Arg) -> None:
    m.pop_mark()
    m.top()


def _op_stack_global(m: _Machine, arg: Arg) -> None:
    name = m.pop()
    module = m.pop()
    if isinstance(module, str) and isinstance(name, str):
        m.push(m.global_(module, name))
        return
    described = f"module {_describe(module)}, name {_describe(name)}"
    m.emit("dynamic-global", detail=described)
    m.push(UNKNOWN)


def _describe(value: Value) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, Call) and isinstance(value.callee, Global):
        return f"the result of {value.callee.dotted}(...)"
    return "a value computed at load time" if value is not UNKNOWN else "an unknown value"


def _op_frame(m: _Machine, arg: Arg) -> None:
    m.fixed(arg)  # frames are transparent to the reader


def _op_next_buffer(m: _Machine, arg: Arg) -> None:
    m.push(UNKNOWN)  # an out-of-band buffer (protocol 5): data, never code


def _op_readonly_buffer(m: _Machine, arg: Arg) -> None:
    m.top()


_HANDLERS: dict[str, Callable[[_Machine, Arg], None]] = {
    "MARK": _op_mark,
    "POP": _op_pop,
    "POP_MARK": _op_pop_mark,
    "DUP": _op_dup,
    "FLOAT": _op_number_line,
    "INT": _op_number_line,
    "LONG": _op_number_line,
    "BININT": _op_fixed_int,
    "BININT1": _op_fixed_int,
    "BININT2": _op_fixed_int,
    "BINFLOAT": _op_binfloat,
    "LONG1": _op_long_bytes,
    "LONG4": _op_long_bytes,
    "NONE": _op_constant,
    "NEWTRUE": _op_constant,
    "NEWFALSE": _op_constant,
    "PERSID": _op_persid,
    "BINPERSID": _op_binpersid,
    "REDUCE": _op_reduce,
    "STRING": _op_string_line,
    "UNICODE": _op_string_line,
    "BINSTRING": _op_sized_text,
    "SHORT_BINSTRING": _op_sized_text,
    "BINUNICODE": _op_sized_text,
    "SHORT_BINUNICODE": _op_sized_text,
    "BINUNICODE8": _op_sized_text,
    "BINBYTES": _op_sized_bytes,
    "SHORT_BINBYTES": _op_sized_bytes,
    "BINBYTES8": _op_sized_bytes,
    "BYTEARRAY8": _op_sized_bytes,
    "APPEND": _op_append,
    "APPENDS": _op_appends,
    "BUILD": _op_build,
    "GLOBAL": _op_global,
    "INST": _op_inst,
    "OBJ": _op_obj,
    "DICT": _op_dict,
    "EMPTY_DICT": _op_empty_dict,
    "GET": _op_get,
    "BINGET": _op_get,
    "LONG_BINGET": _op_get,
    "PUT": _op_put,
    "BINPUT": _op_put,
    "LONG_BINPUT": _op_put,
    "MEMOIZE": _op_memoize,
    "LIST": _op_list_from_mark,
    "EMPTY_LIST": _op_container,
    "EMPTY_SET": _op_container,
    "FROZENSET": _op_list_from_mark,
    "ADDITEMS": _op_additems,
    "SETITEM": _op_setitem,
    "SETITEMS": _op_setitems,
    "TUPLE": _op_tuple,
    "EMPTY_TUPLE": _op_empty_tuple,
    "TUPLE1": _op_tuple_n,
    "TUPLE2": _op_tuple_n,
    "TUPLE3": _op_tuple_n,
    "PROTO": _op_proto,
    "NEWOBJ": _op_newobj,
    "NEWOBJ_EX": _op_newobj_ex,
    "EXT1": _op_ext,
    "EXT2": _op_ext,
    "EXT4": _op_ext,
    "STACK_GLOBAL": _op_stack_global,
    "FRAME": _op_frame,
    "NEXT_BUFFER": _op_next_buffer,
    "READONLY_BUFFER": _op_readonly_buffer,
}

assert set(_HANDLERS) | {"STOP"} == {spec[0] for spec in OPCODES.values()}


def read_pickle(source: ByteSource, on_build: BuildHook | None = None) -> Iterator[Event]:
    """The events of the one pickle that starts at ``source.offset``, ending in ``stop`` or
    ``broken``. ``on_build`` sees each BUILD (joblib reads array bytes there)."""
    machine = _Machine(source, on_build)
    machine.offset, machine.opcode = source.offset, ""
    try:
        yield from machine.run()
    except Broken as exc:
        yield Event("broken", machine.offset, machine.opcode, detail=str(exc))
    except RecursionError:  # pragma: no cover - the machine does not recurse
        yield Event("broken", machine.offset, machine.opcode, detail="nested too deeply")
