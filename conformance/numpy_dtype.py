"""The strings ``numpy.dtype(str)`` accepts, without importing numpy.

MLflow reads a tensor spec's ``dtype`` with ``np.dtype(text)`` (``TensorSpec.from_json_dict``)
and ``Model.load`` raises ``TypeError`` (or ``ValueError``/``SyntaxError``) on a string numpy
refuses. :func:`parse` answers what numpy 2.x on 64-bit Linux answers (the platform MLflow
serves from), following numpy's own string grammar (``_convert_from_str`` in
``descriptor.c`` and ``_commastring`` in ``numpy/_core/_internal.py``):

- a type code (``f``, ``?``, ``U``, ...) or a name numpy registers (``float64``, ``str``,
  ``longdouble``, ...), the code optionally after a byte order (``<``, ``>``, ``|``, ``=``);
- a kind and a size (``<f8``, ``|b1``, ``i4``, ``S10``, ``U5``, ``V8``): only the sizes
  numpy has a type for;
- ``datetime64``/``timedelta64``/``M8``/``m8`` with optional ``[unit]``, ``[Nunit]`` or
  ``[unit/N]`` metadata;
- comma strings (``i4,f8``, ``(2,)f8``, ``3f8``): structured and subarray types.

``tests/test_numpy_dtype.py`` checks it against ``numpy.dtype`` with hypothesis.
"""

from __future__ import annotations

import re

from .records import record, replace

#: single-character type codes -> the type's ``char`` (numpy 2.x, 64-bit Linux). Codes
#: below ``\x18`` are numpy's type numbers, which ``PyArray_DescrFromType`` also takes.
TYPE_CODES = {
    "?": "?", "b": "b", "B": "B", "h": "h", "H": "H", "i": "i", "I": "I", "l": "l",
    "L": "L", "q": "q", "Q": "Q", "n": "l", "N": "L", "p": "l", "P": "L", "e": "e",
    "f": "f", "d": "d", "g": "g", "F": "F", "D": "D", "G": "G", "O": "O", "S": "S",
    "c": "c", "U": "U", "V": "V", "M": "M", "m": "m", "T": "T",
    **{chr(number): char for number, char in enumerate("?bBhHiIlLqQfdgFDGOSUVMme")},
}  # fmt: skip
#: the names numpy registers (``numpy.sctypeDict``) and the ``char`` of each
NAMES = {
    "bool": "?", "bool_": "?", "byte": "b", "ubyte": "B", "short": "h", "ushort": "H",
    "intc": "i", "uintc": "I", "int": "l", "int_": "l", "intp": "l", "long": "l",
    "uint": "L", "uintp": "L", "ulong": "L", "longlong": "q", "ulonglong": "Q",
    "int8": "b", "int16": "h", "int32": "i", "int64": "l", "uint8": "B", "uint16": "H",
    "uint32": "I", "uint64": "L", "half": "e", "float16": "e", "single": "f",
    "float32": "f", "double": "d", "float": "d", "float64": "d", "longdouble": "g",
    "float128": "g", "csingle": "F", "complex64": "F", "cdouble": "D", "complex": "D",
    "complex128": "D", "clongdouble": "G", "complex256": "G", "object": "O",
    "object_": "O", "bytes": "S", "bytes_": "S", "str": "U", "str_": "U", "unicode": "U",
    "void": "V", "datetime64": "M", "timedelta64": "m", "a": "S",
}  # fmt: skip
#: kind + size (``f8``, ``i4``, ``b1``): the sizes numpy has a type for, and that type's char
SIZED_KINDS = {
    "b": {1: "?"},
    "i": {1: "b", 2: "h", 4: "i", 8: "l"},
    "u": {1: "B", 2: "H", 4: "I", 8: "L"},
    "f": {2: "e", 4: "f", 8: "d", 16: "g"},
    "c": {8: "F", 16: "D", 32: "G"},
    "O": {4: "O", 8: "O"},
    "M": {8: "M"},
    "m": {8: "m"},
}
#: flexible kinds: any size (``U`` counts characters of 4 bytes); the type's char
FLEXIBLE_KINDS = {"S": "S", "a": "S", "U": "U", "V": "V"}
MAX_ITEMSIZE = 2**31 - 1
BYTE_ORDERS = "<>|="
#: datetime units, coarse to fine, and what one unit is in finer units (numpy's
#: ``_multiples_table``: a divisor ``[unit/N]`` must divide one of them)
DATETIME_UNITS = ("Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as")
_MULTIPLES = {
    "Y": ((12, "M"), (52, "W"), (365, "D")),
    "M": ((4, "W"), (30, "D"), (720, "h")),
    "W": ((7, "D"), (168, "h"), (10080, "m")),
    "D": ((24, "h"), (1440, "m"), (86400, "s")),
    "h": ((60, "m"), (3600, "s")),
    "m": ((60, "s"), (60000, "ms")),
    # from the second on: 1000 and 1000**2 of the next two units
    "s": ((1000, "ms"), (1000000, "us")),
    "ms": ((1000, "us"), (1000000, "ns")),
    "us": ((1000, "ns"), (1000000, "ps")),
    "ns": ((1000, "ps"), (1000000, "fs")),
    "ps": ((1000, "fs"), (1000000, "as")),
    "fs": ((1000, "as"),),
    "as": (),
}

_SPACE = " \t\n\v\f\r"
_DIGITS = "0123456789"
# The patterns are strings, compiled (and cached by ``re``) on first use: the dtypes MLflow
# and numpy write go through the string code beside each one (0.6 ms of a cold validate);
# tests/test_dtype_fast_paths.py checks that both answer alike.
#: C's ``strtol`` on the text after a kind letter: numpy's size of ``f8``, ``U10``, ``S 3``
_STRTOL = rf"[{_SPACE}]*[+-]?[0-9]+"
_METADATA = (
    rf"\[(?P<num>[{_SPACE}]*\+?[0-9]+)?(?P<unit>[A-Za-z]+)(?:/(?P<den>[{_SPACE}]*\+?[0-9]+))?\]"
)
# numpy/_core/_internal.py, verbatim
_FORMAT = (
    r"(?P<order1>[<>|=]?)"
    r"(?P<repeats> *[(]?[ ,0-9]*[)]? *)"
    r"(?P<order2>[<>|=]?)"
    r"(?P<dtype>[A-Za-z0-9.?]*(?:\[[a-zA-Z0-9,.]+\])?)"
)
_SEPARATOR = r"\s*,\s*"
_TRAILING_SPACE = r"\s+$"


#: bytes per element of each type char (numpy 2.x, 64-bit Linux); flexible types: per size unit
ITEMSIZES = {
    "?": 1, "b": 1, "B": 1, "h": 2, "H": 2, "i": 4, "I": 4, "l": 8, "L": 8, "q": 8, "Q": 8,
    "e": 2, "f": 4, "d": 8, "g": 16, "F": 8, "D": 16, "G": 32, "O": 8, "M": 8, "m": 8,
    "T": 16, "c": 1, "S": 1, "U": 4, "V": 1,
}  # fmt: skip


@record(frozen=True)
class Dtype:
    """What numpy makes of a string: the type's ``char`` and, for ``S``/``U``/``V``, the
    size given (``None`` when none was); ``char == "V"`` for structured and subarray types.
    ``itemsize`` is in bytes."""

    char: str
    size: int | None = None
    itemsize: int | None = None
    #: written with the bytes alias ``a`` (``a``, ``a5``): deprecated in numpy 2.0, refused
    #: from numpy 2.5 on (``TypeError: data type 'a' not understood``)
    removed_alias: bool = False
    #: numpy's variable-width string type ``T`` with a shape (``(2,)T``, ``2T``): accepted by
    #: numpy 2.0-2.4, refused from 2.5 on
    shaped_string: bool = False

    @property
    def bytes(self) -> int:
        if self.itemsize is not None:
            return self.itemsize
        if self.char in FLEXIBLE_KINDS:
            return ITEMSIZES[self.char] * (self.size or 0)
        return ITEMSIZES[self.char]

    @property
    def sized_flexible(self) -> bool:
        """``S``/``U`` with a size: MLflow's ``TensorSpec`` refuses it (``<U5``, ``|S3``);
        a size of 0 is numpy's unsized form (``U0`` is ``str``)."""
        return self.char in ("S", "U") and bool(self.size)


class NotADtype(ValueError):
    """numpy would refuse the string."""


#: the numpy release that no longer parses the ``a`` alias
ALIAS_REMOVED_IN = "2.5"


def parse(text: str) -> Dtype:
    """What ``numpy.dtype(text)`` gives in numpy 2.0-2.4, or :class:`NotADtype` where numpy
    raises. A dtype numpy 2.5 refuses (the ``a`` alias) comes back with ``removed_alias``."""
    parsed = _parse(text)
    plain = _without_brackets(text)
    if _has_a_alias(plain):  # also inside comma strings: `0a`, `i4,a3`
        parsed = replace(parsed, removed_alias=True)
    if _has_shaped_t(plain):
        parsed = replace(parsed, shaped_string=True)
    return parsed


#: ``T`` after a shape or a count (``(2,)T``, ``2T``, ``i4,(3,)T``)
_SHAPED_T = r"[)\d][ \t]*[<>|=]?T(?![A-Za-z_\d])"
#: the type code ``a`` on its own or with a size, not a letter of a name (``half``)
_A_ALIAS = r"(?<![A-Za-z_])a\d*(?![A-Za-z_\d])"
#: datetime metadata (``[as]`` is attoseconds, not the alias)
_BRACKETS = r"\[[^\]]*\]"
#: the characters of ``[A-Za-z_]``
_NAME_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def _without_brackets(text: str) -> str:
    """``_BRACKETS`` removed from ``text``."""
    start = text.find("[")
    if start < 0:  # the pattern needs a `[`
        return text
    if text.count("[") == 1 and text.count("]") == 1:  # `datetime64[ns]`: at most one match
        end = text.find("]", start)
        return text[:start] + text[end + 1 :] if end >= 0 else text
    return re.sub(_BRACKETS, "", text)


def _has_a_alias(plain: str) -> bool:
    """``_A_ALIAS`` occurs in ``plain``."""
    if not plain.isascii():  # `\d` is any Unicode digit: the pattern decides
        return re.search(_A_ALIAS, plain) is not None
    # an `a` not after [A-Za-z_] whose run of digits is not followed by [A-Za-z_]
    start = plain.find("a")
    while start >= 0:
        if plain[start - 1 : start] not in _NAME_CHARS:  # "" at the start
            after = plain[start + 1 :].lstrip(_DIGITS)
            if after[:1] not in _NAME_CHARS:  # "" at the end
                return True
        start = plain.find("a", start + 1)
    return False


def _has_shaped_t(plain: str) -> bool:
    """``_SHAPED_T`` occurs in ``plain``."""
    if "T" not in plain:  # the pattern needs a `T`
        return False
    return re.search(_SHAPED_T, plain) is not None


def _parse(text: str) -> Dtype:
    if not text:
        raise NotADtype("an empty string is no data type")
    if _is_comma_string(text):
        return _from_comma_string(text)
    body = text[1:] if len(text) > 1 and text[0] in BYTE_ORDERS else text
    if _is_datetime(body):
        return _from_datetime(body)
    if len(body) == 1:
        if body in TYPE_CODES:
            return Dtype(TYPE_CODES[body])
    elif _is_strtol_number(body[1:]):
        return _from_kind_and_size(body[0], int(body[1:].strip(_SPACE)))
    if text in NAMES:  # numpy looks the whole string up, byte order included
        return Dtype(NAMES[text])
    raise NotADtype(f"data type {text!r} not understood")


def accepts(text: str) -> bool:
    try:
        parse(text)
    except NotADtype:
        return False
    return True


def _is_strtol_number(text: str) -> bool:
    """``_STRTOL`` matches all of ``text``."""
    if not text.isascii():  # isdigit() takes `²` and Arabic-Indic digits, [0-9] not
        return re.fullmatch(_STRTOL, text) is not None
    # blanks, one optional sign, then ASCII digits to the end (at least one)
    digits = text.lstrip(_SPACE)
    if digits[:1] in ("+", "-"):
        digits = digits[1:]
    return digits.isdigit()


def _from_kind_and_size(kind: str, size: int) -> Dtype:
    if kind in FLEXIBLE_KINDS:
        itemsize = size * 4 if kind == "U" else size
        if 0 <= itemsize <= MAX_ITEMSIZE:
            return Dtype(FLEXIBLE_KINDS[kind], size)
    elif size in SIZED_KINDS.get(kind, {}):
        return Dtype(SIZED_KINDS[kind][size])
    raise NotADtype(f"data type {kind}{size} not understood")


def _is_comma_string(text: str) -> bool:
    ordered = len(text) > 1 and text[0] in BYTE_ORDERS
    if text[0] in _DIGITS or (ordered and text[1] in _DIGITS):
        return True
    if text.startswith("()") or (len(text) > 3 and ordered and text[1:3] == "()"):
        return True
    depth = 0
    for character in text:
        if character == "," and depth == 0:
            return True
        depth += {"[": 1, "]": -1}.get(character, 0)
    return False


def _is_datetime(body: str) -> bool:
    return (len(body) >= 2 and body[0] in "Mm" and body[1] == "8") or body.startswith(
        ("datetime64", "timedelta64")
    )


#: ``[unit]`` for each unit numpy knows (``[ns]``, ``[D]``, ``[generic]``)
_PLAIN_UNITS = frozenset(f"[{unit}]" for unit in (*DATETIME_UNITS, "generic"))


def _is_plain_unit(metadata: str) -> bool:
    """``_METADATA`` reads ``metadata`` as a known unit alone: no count, no divisor."""
    return metadata in _PLAIN_UNITS  # the pattern's `\[(?P<unit>[A-Za-z]+)\]`


def _from_datetime(body: str) -> Dtype:
    char = "M" if body[0] in "Md" else "m"
    prefix = 2 if body[1] == "8" else len("datetime64" if char == "M" else "timedelta64")
    metadata = body[prefix:]
    if _is_plain_unit(metadata):
        return Dtype(char)
    if metadata:
        match = re.fullmatch(_METADATA, metadata)
        if match is None:
            raise NotADtype(f"invalid datetime metadata {metadata!r}")
        unit = match["unit"]
        if unit != "generic" and unit not in DATETIME_UNITS:
            raise NotADtype(f"invalid datetime unit in {metadata!r}")
        if match["den"] is not None:
            _check_divisor(unit, int(match["den"].strip(_SPACE)))
    return Dtype(char)


def _check_divisor(unit: str, divisor: int) -> None:
    if divisor == 1:
        return
    if divisor <= 0 or unit == "generic":
        raise NotADtype(f"datetime divisor {divisor} for unit {unit!r}")
    if not any(multiple % divisor == 0 for multiple, _ in _MULTIPLES.get(unit, ())):
        raise NotADtype(f"divisor {divisor} is not a multiple of a lower unit of {unit!r}")


def _from_comma_string(text: str) -> Dtype:
    """numpy's ``_commastring``, then each item converted: a list makes a structured type,
    a single item with a repeat count a subarray."""
    items: list[tuple[str, str]] = []
    is_list, start = False, 0
    while start < len(text):
        match = re.compile(_FORMAT).match(text, start)
        assert match is not None  # every group may be empty
        order1, repeats, order2, dtype = match.groups()
        start = match.end()
        if start < len(text):
            if re.compile(_TRAILING_SPACE).match(text, start):
                start = len(text)
            else:
                separator = re.compile(_SEPARATOR).match(text, start)
                if separator is None:
                    raise NotADtype(f"format number {len(items) + 1} of {text!r}")
                start, is_list = separator.end(), True
        native1, native2 = ("<" if o == "=" else o for o in (order1, order2))
        if native1 and native2 and native1 != native2:
            raise NotADtype(f"inconsistent byte orders {order1} and {order2}")
        order = order2 or order1
        items.append((("" if order in ("", "|", "=", "<") else order) + dtype, repeats))
    if is_list and items[-1] == ("", ""):
        items.pop()  # numpy drops a last empty field ('f8,<' is 'f8,')
    if not items:
        raise NotADtype(f"no field in {text!r}")
    converted = [_from_item(dtype, repeats) for dtype, repeats in items]
    if is_list:
        return Dtype("V", itemsize=sum(item.bytes for item in converted))
    return converted[0]


def _from_item(dtype: str, repeats: str) -> Dtype:
    """One item: its type, a subarray of it when a repeat count other than ``()`` is given."""
    base = parse(dtype)
    if not repeats:
        return base
    import ast  # here: a shaped dtype is rare, and ast costs a cold validate 1 ms

    try:
        shape = ast.literal_eval(repeats)
    except (SyntaxError, ValueError) as exc:
        raise NotADtype(f"repeat count {repeats!r}: {exc}") from None
    if base.char in FLEXIBLE_KINDS and base.bytes == 0:  # an unsized S, U or V
        if not isinstance(shape, int):
            raise NotADtype(f"a shape {repeats!r} for a type of no size")
        return _from_kind_and_size(base.char, shape)  # '2S' is 'S2'
    if shape == ():
        return base
    dims = (shape,) if isinstance(shape, int) else shape
    if not isinstance(dims, tuple) or not all(isinstance(n, int) for n in dims):
        raise NotADtype(f"repeat count {repeats!r} is no shape")
    count = 1
    for n in dims:
        if n > MAX_ITEMSIZE:
            raise NotADtype(f"dimension {n} does not fit a C int")
        count *= n
    if base.bytes and count > MAX_ITEMSIZE // base.bytes:
        raise NotADtype(f"a subarray of {count} elements does not fit a C int of bytes")
    return Dtype("V", itemsize=base.bytes * count)
