"""Read the plain block YAML that MLflow writes, without importing PyYAML.

MLflow writes ``MLmodel``, ``conda.yaml`` and ``python_env.yaml`` with
``yaml.safe_dump(..., default_flow_style=False)``: nested block mappings and sequences,
plain scalars, single-quoted scalars (folded over several lines when long), ``{}`` and
``[]``. Importing PyYAML costs a cold ``validate`` more than everything else it does, so
:func:`read_block_yaml` reads that subset itself and gives up — returns ``None`` — at the
first thing outside it; the caller then reads the text with PyYAML (``yaml_libyaml``).

It never guesses. A text it accepts is one PyYAML reads without error, and it returns the
document PyYAML's path returns: the same values (YAML 1.1 scalar resolution, as
``yaml.safe_load``), the same positions under the same pointers, the same duplicate-key
problems. ``tests/test_yaml_block.py`` holds it to that on every case file and on generated
and mutated documents. Everything else goes to PyYAML: tabs, carriage returns, non-ASCII
characters, anchors, aliases, tags, directives, document markers, block scalars, flow
collections other than empty ones, complex or quoted keys, keys that are not plain words,
multi-line plain scalars, escapes in double-quoted scalars, trailing comments, timestamps
and any number that is not a plain decimal.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .findings import escape_pointer_token
from .yaml_source import YamlDocument, duplicate_key_problem

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

#: a plain key of letters, digits and ``_.-/~``, its colon, and the spaces after it (per
#: line of every file, the compiled pattern beats string methods 3 to 1)
_KEY = re.compile(r"([A-Za-z0-9_][A-Za-z0-9_./~-]*):(?: +|$)")
_MAX_TEXT = 1 << 20
_MAX_DEPTH = 64
#: characters a plain scalar cannot start with (``-?:`` only when followed by a space)
_INDICATORS = frozenset(",[]{}#&*!|>'\"%@`")

_BOOLEANS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("~", "null", "Null", "NULL"))
_NUMBER_START = frozenset("-+0123456789.")


def _opens_item(text: str) -> bool:
    """Whether ``text`` (a line's content) starts a block sequence item."""
    return text[0] == "-" and text[1:2] in ("", " ")


class _Unsupported(Exception):
    """The text leaves the subset: PyYAML must read it."""


# YAML 1.1's implicit float, int and timestamp patterns (PyYAML's). Strings, compiled (and
# cached by ``re``) on first use: the numbers MLflow writes are read without them.
_FLOAT = (
    r"^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN))$"
)
_INT = (
    r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)"
    r"|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_TIMESTAMP = (
    r"^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"
    r"|[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?"
    r"(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$"
)
_DECIMAL = r"[-+]?(?:0|[1-9][0-9]{0,30})"
_UNDECIDED = object()  # only the patterns can tell


def _common_number(text: str) -> Any:
    """The value of the numbers, versions and ids MLflow writes, found without the patterns;
    ``_UNDECIDED`` when only the patterns can tell. ``text`` is printable ASCII.

    What the patterns allow: a float or an int starts ``[-+]?[0-9.]``, a timestamp with four
    digits and a ``-``; each float alternative has one ``.`` and ints and timestamps none
    outside a timestamp's fraction; the only letters are a float's ``e``/``E``, ``.inf`` and
    ``.nan``, an int's leading ``0b`` / ``0x`` and a timestamp's ``T``/``t``/``Z``. Decimal
    digits are an int unless a leading ``0`` makes them octal (or, as ``09``, a string).
    """
    unsigned = text[1:] if text[0] in "+-" else text
    if not unsigned or not (unsigned[0].isdigit() or unsigned[0] == "."):
        return text  # -r requirements.txt
    timestamp = text[:4].isdigit() and text[4:5] == "-"
    if text.count(".") > 1 and not timestamp:
        return text  # 3.11.7
    if unsigned.isdigit() and len(unsigned) <= 30:
        return int(text) if unsigned[0] != "0" or unsigned == "0" else _UNDECIDED
    whole, dot, fraction = unsigned.partition(".")
    whole_ok = whole.isdigit() or (not whole and unsigned is text)  # .5, but -.5 is a string
    fraction_ok = fraction.isdigit() or (not fraction and whole != "")  # 0., but not .
    if dot and whole_ok and fraction_ok and len(unsigned) <= 64:
        return float(text)  # 3.10, -1.5
    if timestamp or unsigned.startswith(("0x", "0b", ".")):
        return _UNDECIDED
    if any(char.isalpha() and char not in "eE" for char in text):
        return text  # a run id or a model uuid
    return _UNDECIDED


def _number(text: str) -> Any:
    """A plain scalar that starts like a number: its value, or ``_Unsupported``."""
    value = _common_number(text)
    if value is not _UNDECIDED:
        return value
    if re.match(_FLOAT, text):
        if "_" in text or ":" in text or len(text) > 64:
            raise _Unsupported
        unsigned = text.lstrip("+-")
        if unsigned[1:2] in ("i", "I", "n", "N"):  # .inf, .nan in any of their spellings
            sign = -1.0 if text[0] == "-" else 1.0
            return sign * float("inf") if unsigned[1] in "iI" else float("nan")
        return float(text)
    if re.match(_INT, text):
        if re.fullmatch(_DECIMAL, text) is None:  # octal, hex, binary, sexagesimal, 1_000
            raise _Unsupported
        return int(text)
    if re.match(_TIMESTAMP, text):
        raise _Unsupported
    return text


@lru_cache(maxsize=20_000)  # keys, file names, versions and null recur in every file
def _plain(text: str) -> Any:
    """A plain scalar's value as ``yaml.safe_load`` resolves it (``text`` has no edges);
    a text it refuses is not remembered (it raises every time)."""
    if text in _BOOLEANS:
        return _BOOLEANS[text]
    if text in _NULLS:
        return None
    first = text[0]
    if first in _INDICATORS or (first in "-?:" and text[1:2] in ("", " ")):
        raise _Unsupported
    if ": " in text or " #" in text or text[-1] == ":" or text in ("<<", "="):
        raise _Unsupported  # a key, a comment, a merge key or a value key, not a scalar
    if first in _NUMBER_START:
        return _number(text)
    return text


class _Reader:
    """Recursive descent over the significant lines.

    ``index``, ``col`` and ``content`` describe the current line (``content`` is ``None`` at
    the end); every method that reads a value leaves the reader on the line after it.
    """

    def __init__(self, text: str, doc: YamlDocument) -> None:
        self.lines = text.split("\n")
        self.doc = doc
        self.index = -1
        self.col = 0
        self.content: str | None = None
        self.depth = 0
        self.advance()

    def advance(self) -> None:
        """Move to the next line that is neither blank nor a comment."""
        lines = self.lines
        index = self.index + 1
        while index < len(lines):
            stripped = lines[index].strip(" ")
            if stripped and stripped[0] != "#":
                line = lines[index].rstrip(" ")
                self.index, self.col = index, len(line) - len(stripped)
                self.content = stripped
                return
            index += 1
        self.index, self.content = index, None

    def mark(self, col: int) -> tuple[int, int]:
        return self.index + 1, col + 1

    def document(self) -> Any:
        if self.content is None or self.col != 0:
            raise _Unsupported  # empty, or an indented root: rare, PyYAML decides
        value = self.node(0, "")
        if self.index < len(self.lines):
            raise _Unsupported  # something after the root: PyYAML reports it
        return value

    def node(self, col: int, pointer: str) -> Any:
        """The block collection that starts on the current line at ``col``."""
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise _Unsupported
        content = self.content
        assert content is not None
        if _opens_item(content):
            value: Any = self.sequence(col, pointer)
        else:
            value = self.mapping(col, pointer)
        self.depth -= 1
        return value

    def mapping(self, col: int, pointer: str) -> dict[Any, Any]:
        doc = self.doc
        result: dict[Any, Any] = {}
        doc.value_marks[pointer] = self.mark(col)
        while self.content is not None and self.col == col:
            match = _KEY.match(self.content)
            if match is None:
                raise _Unsupported
            key = _plain(match.group(1))
            if not isinstance(key, str):
                raise _Unsupported  # a key that resolves to a number, a bool or null
            key_mark = self.mark(col)
            child = f"{pointer}/{escape_pointer_token(key)}"
            rest = self.content[match.end() :]
            if rest:
                value = self.scalar(rest, col + match.end(), col, child)
            else:
                colon_end = self.mark(col + len(key) + 1)
                self.advance()
                if self.content is not None and self.col > col:
                    value = self.node(self.col, child)
                elif self.content is not None and self.col == col and self.at_item():
                    value = self.node(col, child)  # a sequence not indented under its key
                else:
                    value, doc.value_marks[child] = None, colon_end
            if key in result:
                doc.problems.append(duplicate_key_problem(child, key, key_mark))
            result[key] = value
            doc.key_marks[child] = key_mark
        if self.content is not None and self.col > col:
            raise _Unsupported  # a continuation line or a bad indentation
        return result

    def at_item(self) -> bool:
        return self.content is not None and _opens_item(self.content)

    def sequence(self, col: int, pointer: str) -> list[Any]:
        doc = self.doc
        result: list[Any] = []
        doc.value_marks[pointer] = self.mark(col)
        while self.content is not None and self.col == col and self.at_item():
            content = self.content
            item = content[1:].lstrip(" ")
            if not item or _opens_item(item):
                raise _Unsupported  # an item on the following lines, or a nested sequence
            item_col = col + len(content) - len(item)
            child = f"{pointer}/{len(result)}"
            if _KEY.match(item):  # "- key: ..." opens a mapping at the key's column
                self.col, self.content = item_col, item
                self.depth += 1
                result.append(self.mapping(item_col, child))
                self.depth -= 1
            else:
                result.append(self.scalar(item, item_col, col, child))
        if self.content is not None and self.col > col:
            raise _Unsupported
        return result

    def scalar(self, text: str, col: int, parent_col: int, pointer: str) -> Any:
        """The value that starts at ``col`` on the current line; moves past it."""
        self.doc.value_marks[pointer] = self.mark(col)
        first = text[0]
        if first == "'":
            value: Any = self.single_quoted(text, parent_col)
        elif first == '"':
            if text[-1] != '"' or len(text) < 2 or '"' in text[1:-1] or "\\" in text:
                raise _Unsupported  # escapes or more lines: PyYAML
            value = text[1:-1]
        elif text == "{}":
            value = {}
        elif text == "[]":
            value = []
        else:
            value = _plain(text)
        self.advance()
        return value

    def single_quoted(self, text: str, parent_col: int) -> str:
        """A single-quoted scalar, folded as YAML folds it; leaves the reader on its last line."""
        pieces: list[str] = []
        breaks = 0  # empty lines before the current one
        line, first = text[1:], True
        while True:
            closing = _closing_quote(line)
            body = line if closing < 0 else line[:closing]
            body = body.replace("''", "'")
            if not first:
                body = body.lstrip(" ")
            if closing < 0:
                body = body.rstrip(" ")
            if first:
                pieces.append(body)
            elif body or closing >= 0:
                pieces.append("\n" * breaks if breaks else " ")
                pieces.append(body)
                breaks = 0
            else:
                breaks += 1
            if closing >= 0:
                if line[closing + 1 :].strip(" "):
                    raise _Unsupported  # something after the closing quote
                return "".join(pieces)
            first = False
            self.index += 1
            if self.index >= len(self.lines):
                raise _Unsupported  # unterminated: PyYAML reports it
            line = self.lines[self.index]
            stripped = line.lstrip(" ")
            if stripped and len(line) - len(stripped) <= parent_col:
                raise _Unsupported  # not indented under its parent: PyYAML decides


def _closing_quote(line: str) -> int:
    """Index of the quote that closes a single-quoted scalar in ``line``, or -1."""
    start = 0
    while True:
        found = line.find("'", start)
        if found < 0 or line[found + 1 : found + 2] != "'":
            return found
        start = found + 2


def _supported_characters(text: str) -> bool:
    """Whether ``text`` holds only line feeds and printable ASCII (no tab, CR, control, DEL
    or non-ASCII character): ``re.search(r"[^\\n -~]", text) is None``."""
    return text.isascii() and text.replace("\n", "").isprintable()


def read_block_yaml(text: str) -> YamlDocument | None:
    """The document, read as ``yaml_source.load_yaml`` would; ``None`` outside the subset."""
    if len(text) > _MAX_TEXT or not _supported_characters(text):
        return None
    doc = YamlDocument()
    try:
        doc.data = _Reader(text, doc).document()
    except _Unsupported:
        return None
    return doc
