"""Scan one payload file: sniff what it is, read every pickle in it, summarise the events.

A file is a pickle when it starts with ``PROTO`` (protocols 2-5) or, for protocols 0 and 1,
when its first pickle gets as far as importing or calling something; a file that is not a
pickle (a placeholder, a text file, a LightGBM model) yields ``format="not-pickle"`` and no
finding: unpickling it would fail before running anything. Compressed files (joblib's
zlib/gzip/bz2/xz/lzma/lz4) are decompressed as they are read. Several pickles in one file are
read one after the other; joblib's inline arrays are stepped over.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from functools import cache

from ..records import field, record
from .source import (
    ByteSource,
    CompressionUnavailable,
    SourceLimit,
    decompressing,
    sniff_compression,
)
from .values import Call, Global, SymDict, Value

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import BinaryIO

    from .reader import Event

#: distinct globals and dynamic events kept per file (more is itself reported)
MAX_GLOBALS = 10_000
MAX_OTHER_EVENTS = 100
#: decompressed bytes read at most: this many times the compressed size, at least 1 GiB
BOMB_RATIO = 200
BOMB_FLOOR = 1 << 30
_ZIP_MAGIC = b"PK\x03\x04"


def _decompression_errors() -> tuple[type[Exception], ...]:
    """What a decompressor raises on a broken stream; the codec modules are imported only
    when a payload is compressed (source.decompressing), so only the loaded ones can raise."""
    errors: list[type[Exception]] = [OSError, EOFError, ValueError]
    for module, name in (("zlib", "error"), ("lzma", "LZMAError")):
        if module in sys.modules:
            errors.append(getattr(sys.modules[module], name))
    return tuple(errors)


#: cloudpickle's reconstructors that take a function's or class's globals, closure and
#: attributes as arguments: the globals found there are what the carried code refers to
CODE_STATE = frozenset(
    {"_function_setstate", "_class_setstate", "_make_function", "_fill_function"}
    | {"_make_cell", "cell_set", "_make_skel_func", "_rehydrate_skeleton_class"}
)


@record
class GlobalUse:
    """The first place a global is imported, the first call of it, and where it is passed."""

    ref: Global
    offset: int
    opcode: str
    pickle: int  # 0 for the first pickle in the file
    call_offset: int | None = None
    call_opcode: str = ""
    #: found among the globals, closure or attributes cloudpickle gives a function or class
    code_ref: bool = False
    #: found among the arguments of any other call, or the state of any other BUILD
    passed: bool = False
    #: passed as itself (the class or function object), not only as what made an instance
    passed_bare: bool = False
    #: called other than as ``cls.__new__`` (NEWOBJ, NEWOBJ_EX): its ``__init__`` or the
    #: function itself runs, or a BUILD sets attributes on it
    called_otherwise: bool = False
    #: the keys of the BUILD states of the objects made of it (all known unless opaque_state)
    state_keys: set[str] = field(default_factory=set)
    #: some BUILD state of an object made of it is not a dict whose keys are all known
    opaque_state: bool = False

    def state_lacks(self, keys: tuple[str, ...]) -> bool:
        """Every object the pickle makes of it is created without ``__init__`` and given a
        state known to hold none of ``keys`` (what a conditional allow entry asks)."""
        return (
            not self.passed_bare
            and not self.called_otherwise
            and not self.opaque_state
            and self.state_keys.isdisjoint(keys)
        )

    @property
    def only_referenced_by_code(self) -> bool:
        """Nothing calls it while loading: only the carried code names it."""
        return self.code_ref and not self.passed and self.call_offset is None


@record
class CodeSummary:
    """What code a cloudpickle carries: functions, classes, the modules it imports."""

    functions: set[str] = field(default_factory=set)
    classes: set[str] = field(default_factory=set)
    modules: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    code_objects: int = 0

    def observe(self, call: Call) -> None:
        callee, args = call.callee, call.args
        if not isinstance(args, tuple):
            return
        if isinstance(callee, Global) and callee.module.startswith("cloudpickle"):
            if callee.name in ("subimport", "dynamic_subimport") and args:
                _add_text(self.modules, args[0])
            elif callee.name == "_make_skeleton_class" and len(args) > 1:
                _add_text(self.classes, args[1])
            elif callee.name == "_make_function" and len(args) > 2:
                _add_text(self.functions, args[2])
        elif _is_code_type(callee):
            self.code_objects += 1
            strings = [a for a in args if isinstance(a, str)]
            for index, item in enumerate(strings):
                if item.endswith(".py") or (item.startswith("<") and item.endswith(">")):
                    self.files.add(item)
                    if index + 1 < len(strings):
                        self.functions.add(strings[index + 1])
                    break

    def __bool__(self) -> bool:
        return bool(self.code_objects or self.functions or self.classes)


def _add_text(target: set[str], value: Value) -> None:
    if isinstance(value, str) and len(target) < 1000:
        target.add(value)


def _is_code_type(value: Value) -> bool:
    if isinstance(value, Global):
        return value.dotted == "types.CodeType"
    return (
        isinstance(value, Call)
        and isinstance(value.callee, Global)
        and value.callee.name == "_builtin_type"
        and value.args in (("CodeType",), ("code",))
    )


@record
class PayloadScan:
    path: str  # relative to the model directory
    format: str = "not-pickle"  # pickle | not-pickle | zip | empty | unreadable
    compression: str | None = None
    pickles: int = 0
    globals: dict[Global, GlobalUse] = field(default_factory=dict)
    dynamic: list[Event] = field(default_factory=list)  # dynamic-global and extension events
    broken: Event | None = None
    broken_pickle: int = 0
    trailing_offset: int | None = None  # bytes after the last STOP that are not a pickle
    code: CodeSummary = field(default_factory=CodeSummary)
    error: str = ""  # why the file could not be read at all (scan incomplete)
    #: the first call of something that is not an imported global or a class or type
    #: cloudpickle rebuilt (a computed callable: what it runs cannot be named)
    opaque_call: Event | None = None

    @property
    def offsets_note(self) -> str:
        return f" of the {self.compression}-decompressed stream" if self.compression else ""


class _Collector:
    def __init__(self, scan: PayloadScan) -> None:
        self.scan = scan
        self.pickle = 0
        self.too_many = False

    def take(self, event: Event) -> None:
        scan = self.scan
        if event.kind == "import" and isinstance(event.target, Global):
            ref = event.target
            if ref not in scan.globals:
                if len(scan.globals) >= MAX_GLOBALS:
                    self.too_many = True
                    return
                scan.globals[ref] = GlobalUse(ref, event.offset, event.opcode, self.pickle)
        elif event.kind in ("call", "build") and isinstance(event.target, Call):
            self._call(event, event.target)
        elif event.kind in ("dynamic-global", "extension"):
            if len(scan.dynamic) < MAX_OTHER_EVENTS:
                scan.dynamic.append(event)
        elif event.kind == "broken" and scan.broken is None:
            scan.broken, scan.broken_pickle = event, self.pickle

    def _call(self, event: Event, call: Call) -> None:
        scan, callee = self.scan, call.callee
        # a BUILD calls nothing new, except when applied to an imported object itself
        # (``_op_build`` wraps that one in a Call made at the BUILD)
        calls = event.kind == "call" or call.opcode == "BUILD"
        if isinstance(callee, Global):
            use = scan.globals.get(callee)
            if use is not None:
                if use.call_offset is None and calls:
                    use.call_offset, use.call_opcode = event.offset, event.opcode
                if calls and call.opcode not in _NEW_OBJECT:
                    use.called_otherwise = True
                if event.kind == "build":
                    _note_state(use, call.state)
        elif calls and not _rebuilt_by_cloudpickle(callee) and scan.opaque_call is None:
            scan.opaque_call = event
        passed = call.args if event.kind == "call" else call.state
        code_state = (
            event.kind == "call"
            and isinstance(callee, Global)
            and callee.module.startswith("cloudpickle")
            and callee.name in CODE_STATE
        )
        for ref, bare in _globals_in(passed):
            use = scan.globals.get(ref)
            if use is not None:
                if code_state:
                    use.code_ref = True
                else:
                    use.passed = True
                    use.passed_bare = use.passed_bare or bare
        if event.kind == "call":
            scan.code.observe(call)


#: the opcodes that make an object by ``cls.__new__(cls, *args)``, without ``__init__``
_NEW_OBJECT = frozenset({"NEWOBJ", "NEWOBJ_EX"})
#: most state keys kept for one global (the keys of its classes' ``__dict__``)
_MAX_STATE_KEYS = 256


def _note_state(use: GlobalUse, state: Value) -> None:
    if isinstance(state, SymDict) and state.complete and len(use.state_keys) < _MAX_STATE_KEYS:
        use.state_keys.update(state.items)
    else:
        use.opaque_state = True


def _rebuilt_by_cloudpickle(value: Value) -> bool:
    return (
        isinstance(value, Call)
        and isinstance(value.callee, Global)
        and value.callee.module.startswith("cloudpickle")
    )


def _globals_in(value: Value) -> Iterator[tuple[Global, bool]]:
    """The globals a (bounded) value holds, however nested, each with whether it is held as
    itself (``False``: only as the callee that made an object held there)."""
    stack: list[tuple[Value, bool]] = [(value, True)]
    while stack:
        item, bare = stack.pop()
        if isinstance(item, Global):
            yield item, bare
        elif isinstance(item, tuple):
            stack.extend((each, bare) for each in item)
        elif isinstance(item, Call):
            stack.extend(((item.callee, False), (item.args, bare), (item.state, bare)))
        elif isinstance(item, SymDict):
            stack.extend((each, bare) for each in item.items.values())


@cache
def _pickle_reader() -> Callable[[ByteSource], Iterator[Event]]:
    """The pickle reader that steps over joblib's inline arrays (nested pickles included),
    imported for the first file that is no zip archive: a skops model never needs it."""
    from .joblib_layout import array_hook
    from .reader import read_pickle

    def read(source: ByteSource) -> Iterator[Event]:
        return read_pickle(source, hook)

    hook = array_hook(read)
    return read


def _looks_like_pickle_start(head: bytes) -> bool:
    return len(head) >= 2 and head[0] == 0x80 and head[1] <= 5


def _read_pickles(source: ByteSource, scan: PayloadScan, sniffing: bool) -> None:
    collector = _Collector(scan)
    read = _pickle_reader()
    while True:
        start = source.offset
        events = list(read(source))
        last = events[-1]
        # a text file can read as a few protocol 0 opcodes ("c..." is GLOBAL): without a
        # PROTO header, a stream is a pickle only if it reaches STOP or calls something
        did_something = last.kind == "stop" or any(e.kind == "call" for e in events)
        if last.kind == "broken" and not did_something and collector.pickle > 0:
            scan.trailing_offset = start  # bytes after a STOP that are not a pickle
            return
        if last.kind == "broken" and not did_something and sniffing:
            return  # not a pickle at all: a placeholder, text, another format
        scan.format = "pickle"
        scan.pickles += 1
        for event in events:
            collector.take(event)
        if last.kind == "broken" or source.at_end():
            return
        collector.pickle += 1
        sniffing = False


def scan_payload(root: str, rel: str) -> PayloadScan:
    """Scan ``root/rel``. Never raises for what is in the file."""
    scan = PayloadScan(rel)
    path = os.path.join(root, rel)
    try:
        with open(path, "rb") as raw:
            _scan_open(raw, os.fstat(raw.fileno()).st_size, scan)
    except OSError as exc:
        scan.format, scan.error = "unreadable", f"cannot be read: {exc.strerror or exc}"
    return scan


def _scan_open(raw: BinaryIO, size: int, scan: PayloadScan) -> None:
    head = raw.read(8)
    raw.seek(0)
    if not head:
        scan.format = "empty"
        return
    if head.startswith(_ZIP_MAGIC):
        scan.format = "zip"
        return
    compression = sniff_compression(head)
    if compression is None:
        source = ByteSource(raw, seekable=True)
        _read_pickles(source, scan, sniffing=not _looks_like_pickle_start(head))
        return
    scan.compression = compression
    try:
        stream = decompressing(raw, compression)
        limit = max(BOMB_FLOOR, BOMB_RATIO * size)
        source = ByteSource(stream, limit=limit)
        inner = source.peek(2)
        _read_pickles(source, scan, sniffing=not _looks_like_pickle_start(inner))
    except CompressionUnavailable as exc:
        scan.format, scan.error = "pickle", f"is {compression}-compressed: {exc}"
    except SourceLimit as exc:
        scan.format = "pickle" if scan.pickles or scan.globals else scan.format
        scan.error = f"decompresses to {exc} (a decompression bomb?); the rest is not read"
    except _decompression_errors() as exc:  # evaluated only when something is raised
        if scan.globals:
            scan.error = f"stops decompressing: {exc}"
        else:
            scan.compression = None  # magic bytes by chance: not a compressed pickle
            scan.format = "not-pickle"
