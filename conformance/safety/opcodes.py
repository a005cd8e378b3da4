"""The pickle opcodes of protocols 0-5, as data: what argument each one reads.

Our own table (not :mod:`pickletools`, which imports :mod:`pickle`): validation never imports
pickle-loading code. Names and argument layouts follow CPython's ``Lib/pickletools.py``.
"""

from __future__ import annotations

from enum import Enum


class Arg(Enum):
    """How an opcode's argument is laid out in the stream."""

    NONE = "none"
    U1 = "u1"  # unsigned 1-byte integer
    U2 = "u2"  # unsigned 2-byte little-endian integer
    I4 = "i4"  # signed 4-byte little-endian integer
    U4 = "u4"
    U8 = "u8"
    F8 = "f8"  # 8-byte big-endian float
    LINE = "line"  # text up to a newline
    TWO_LINES = "two lines"  # module and name, each up to a newline (GLOBAL, INST)
    BYTES_U1 = "bytes u1"  # 1-byte length, then that many bytes
    BYTES_I4 = "bytes i4"  # signed 4-byte length (negative is an error)
    BYTES_U4 = "bytes u4"
    BYTES_U8 = "bytes u8"


#: opcode byte -> (name, argument layout, protocol that introduced it)
OPCODES: dict[int, tuple[str, Arg, int]] = {
    ord(code): (name, arg, proto)
    for code, name, arg, proto in (
        ("(", "MARK", Arg.NONE, 0),
        (".", "STOP", Arg.NONE, 0),
        ("0", "POP", Arg.NONE, 0),
        ("1", "POP_MARK", Arg.NONE, 1),
        ("2", "DUP", Arg.NONE, 0),
        ("F", "FLOAT", Arg.LINE, 0),
        ("I", "INT", Arg.LINE, 0),
        ("J", "BININT", Arg.I4, 1),
        ("K", "BININT1", Arg.U1, 1),
        ("L", "LONG", Arg.LINE, 0),
        ("M", "BININT2", Arg.U2, 1),
        ("N", "NONE", Arg.NONE, 0),
        ("P", "PERSID", Arg.LINE, 0),
        ("Q", "BINPERSID", Arg.NONE, 1),
        ("R", "REDUCE", Arg.NONE, 0),
        ("S", "STRING", Arg.LINE, 0),
        ("T", "BINSTRING", Arg.BYTES_I4, 1),
        ("U", "SHORT_BINSTRING", Arg.BYTES_U1, 1),
        ("V", "UNICODE", Arg.LINE, 0),
        ("X", "BINUNICODE", Arg.BYTES_U4, 1),
        ("a", "APPEND", Arg.NONE, 0),
        ("b", "BUILD", Arg.NONE, 0),
        ("c", "GLOBAL", Arg.TWO_LINES, 0),
        ("d", "DICT", Arg.NONE, 0),
        ("}", "EMPTY_DICT", Arg.NONE, 1),
        ("e", "APPENDS", Arg.NONE, 1),
        ("g", "GET", Arg.LINE, 0),
        ("h", "BINGET", Arg.U1, 1),
        ("i", "INST", Arg.TWO_LINES, 0),
        ("j", "LONG_BINGET", Arg.U4, 1),
        ("l", "LIST", Arg.NONE, 0),
        ("]", "EMPTY_LIST", Arg.NONE, 1),
        ("o", "OBJ", Arg.NONE, 1),
        ("p", "PUT", Arg.LINE, 0),
        ("q", "BINPUT", Arg.U1, 1),
        ("r", "LONG_BINPUT", Arg.U4, 1),
        ("s", "SETITEM", Arg.NONE, 0),
        ("t", "TUPLE", Arg.NONE, 0),
        (")", "EMPTY_TUPLE", Arg.NONE, 1),
        ("u", "SETITEMS", Arg.NONE, 1),
        ("G", "BINFLOAT", Arg.F8, 1),
        ("\x80", "PROTO", Arg.U1, 2),
        ("\x81", "NEWOBJ", Arg.NONE, 2),
        ("\x82", "EXT1", Arg.U1, 2),
        ("\x83", "EXT2", Arg.U2, 2),
        ("\x84", "EXT4", Arg.I4, 2),
        ("\x85", "TUPLE1", Arg.NONE, 2),
        ("\x86", "TUPLE2", Arg.NONE, 2),
        ("\x87", "TUPLE3", Arg.NONE, 2),
        ("\x88", "NEWTRUE", Arg.NONE, 2),
        ("\x89", "NEWFALSE", Arg.NONE, 2),
        ("\x8a", "LONG1", Arg.BYTES_U1, 2),
        ("\x8b", "LONG4", Arg.BYTES_I4, 2),
        ("B", "BINBYTES", Arg.BYTES_U4, 3),
        ("C", "SHORT_BINBYTES", Arg.BYTES_U1, 3),
        ("\x8c", "SHORT_BINUNICODE", Arg.BYTES_U1, 4),
        ("\x8d", "BINUNICODE8", Arg.BYTES_U8, 4),
        ("\x8e", "BINBYTES8", Arg.BYTES_U8, 4),
        ("\x8f", "EMPTY_SET", Arg.NONE, 4),
        ("\x90", "ADDITEMS", Arg.NONE, 4),
        ("\x91", "FROZENSET", Arg.NONE, 4),
        ("\x92", "NEWOBJ_EX", Arg.NONE, 4),
        ("\x93", "STACK_GLOBAL", Arg.NONE, 4),
        ("\x94", "MEMOIZE", Arg.NONE, 4),
        ("\x95", "FRAME", Arg.U8, 4),
        ("\x96", "BYTEARRAY8", Arg.BYTES_U8, 5),
        ("\x97", "NEXT_BUFFER", Arg.NONE, 5),
        ("\x98", "READONLY_BUFFER", Arg.NONE, 5),
    )
}

HIGHEST_PROTOCOL = 5

#: fixed-size arguments: layout -> (byte count, signed)
FIXED_SIZES: dict[Arg, tuple[int, bool]] = {
    Arg.U1: (1, False),
    Arg.U2: (2, False),
    Arg.I4: (4, True),
    Arg.U4: (4, False),
    Arg.U8: (8, False),
}

#: length-prefixed arguments: layout -> (length byte count, signed length)
LENGTH_PREFIXES: dict[Arg, tuple[int, bool]] = {
    Arg.BYTES_U1: (1, False),
    Arg.BYTES_I4: (4, True),
    Arg.BYTES_U4: (4, False),
    Arg.BYTES_U8: (8, False),
}

#: opcodes whose length-prefixed argument is text (decoded as UTF-8; BINSTRING as latin-1)
TEXT_OPCODES = frozenset(
    {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "SHORT_BINSTRING", "BINSTRING"}
)

#: Python 2 module names that protocol 0-2 pickles use; the unpickler maps them
#: (``fix_imports``, ``_compat_pickle.IMPORT_MAPPING``) - the ones that matter for safety
PY2_MODULES: dict[str, str] = {
    "__builtin__": "builtins",
    "copy_reg": "copyreg",
    "commands": "subprocess",
    "cPickle": "pickle",
    "cStringIO": "io",
    "StringIO": "io",
    "urllib2": "urllib.request",
    "httplib": "http.client",
    "SocketServer": "socketserver",
    "Tkinter": "tkinter",
    "UserDict": "collections",
    "UserList": "collections",
    "exceptions": "builtins",
}
