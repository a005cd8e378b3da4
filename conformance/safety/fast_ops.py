"""The reader's fast path: the data opcodes of a pickle, run in place over the read buffer.

Model payloads are mostly data: numbers, short strings, tuples, lists, dicts and memo traffic
(a forest's node arrays, a pandas index, a list of rows). :func:`run_data` runs those opcodes
in one tight loop over the source's buffer, with exactly the effect the handlers of
``reader`` have, and stops *before* the first opcode it does not handle or that would fail
(an underflow, a bad argument, the end of the buffer). The general loop then runs that one
opcode, raises where a loader would, and reports events. So every import, call, BUILD and
error still goes through the handlers; this loop only saves the dispatch of plain data.
"""

from __future__ import annotations

from .values import MAX_STRING, UNKNOWN, Call, Global, SymDict, small_tuple

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from .reader import _Machine

#: bytes kept available ahead of the position (the longest inline argument is 4 + 4096)
WINDOW = 1 << 16
#: the longest fixed-size inline opcode (BINFLOAT, FRAME: 1 + 8 bytes)
MARGIN = 9
_KEPT = (str, Global, Call, SymDict, tuple)


def run_data(  # noqa: PLR0915 (one loop on purpose: the calls it saves are its point)
    m: _Machine, budget: int, max_stack: int, max_memo: int, max_decoded: int
) -> int:
    """Run data opcodes from the source's position; returns how many ran (at most ``budget``)."""
    source = m.source
    buf, pos = source.window(WINDOW)
    size = len(buf)
    end = size - MARGIN
    stack, marks, memo = m.stack, m.marks, m.memo
    push = stack.append
    ran = 0
    while pos < end and ran < budget and len(stack) < max_stack:
        code = buf[pos]
        floor = marks[-1] if marks else 0
        if code == 0x4B:  # BININT1
            push(buf[pos + 1])
            pos += 2
        elif code == 0x94:  # MEMOIZE
            if len(stack) <= floor:
                break
            index = m.memo_len
            m.memo_len = index + 1
            value = stack[-1]
            if isinstance(value, _KEPT) and len(memo) < max_memo:
                memo[index] = value
            pos += 1
        elif code == 0x8C:  # SHORT_BINUNICODE
            length = buf[pos + 1]
            if pos + 2 + length > size:
                break
            try:
                push(buf[pos + 2 : pos + 2 + length].decode("utf-8", "surrogatepass"))
            except UnicodeDecodeError:
                break
            pos += 2 + length
        elif code in (0x85, 0x86, 0x87):  # TUPLE1, TUPLE2, TUPLE3
            count = code - 0x84
            if len(stack) - floor < count:
                break
            items = stack[-count:]
            del stack[-count:]
            push(small_tuple(items))
            pos += 1
        elif code == 0x47:  # BINFLOAT
            push(UNKNOWN)
            pos += 9
        elif code == 0x4A:  # BININT
            push(int.from_bytes(buf[pos + 1 : pos + 5], "little", signed=True))
            pos += 5
        elif code == 0x4D:  # BININT2
            push(buf[pos + 1] | buf[pos + 2] << 8)
            pos += 3
        elif code == 0x28:  # MARK
            if len(marks) >= max_stack:
                break
            marks.append(len(stack))
            pos += 1
        elif code in (0x5D, 0x8F):  # EMPTY_LIST, EMPTY_SET
            push(UNKNOWN)
            pos += 1
        elif code == 0x29:  # EMPTY_TUPLE
            push(())
            pos += 1
        elif code == 0x7D:  # EMPTY_DICT
            push(SymDict())
            pos += 1
        elif code == 0x4E:  # NONE
            push(None)
            pos += 1
        elif code in (0x88, 0x89):  # NEWTRUE, NEWFALSE
            push(code == 0x88)
            pos += 1
        elif code in (0x68, 0x6A):  # BINGET, LONG_BINGET
            if code == 0x68:
                index, width = buf[pos + 1], 2
            else:
                index, width = int.from_bytes(buf[pos + 1 : pos + 5], "little"), 5
            if index >= m.memo_len:
                break
            push(memo.get(index, UNKNOWN))
            pos += width
        elif code in (0x71, 0x72):  # BINPUT, LONG_BINPUT
            if len(stack) <= floor:
                break
            if code == 0x71:
                index, width = buf[pos + 1], 2
            else:
                index, width = int.from_bytes(buf[pos + 1 : pos + 5], "little"), 5
            m.remember(index, stack[-1])
            pos += width
        elif code == 0x95:  # FRAME
            pos += 9
        elif code == 0x43:  # SHORT_BINBYTES
            if pos + 2 + buf[pos + 1] > size:
                break
            push(UNKNOWN)
            pos += 2 + buf[pos + 1]
        elif code == 0x58:  # BINUNICODE
            length = int.from_bytes(buf[pos + 1 : pos + 5], "little")
            if length > max_decoded or pos + 5 + length > size:
                break
            try:
                value = buf[pos + 5 : pos + 5 + length].decode("utf-8", "surrogatepass")
            except UnicodeDecodeError:
                break
            push(value if len(value) <= MAX_STRING else UNKNOWN)
            pos += 5 + length
        elif code == 0x74:  # TUPLE
            if not marks:
                break
            start = marks.pop()
            items = stack[start:]
            del stack[start:]
            push(small_tuple(items))
            pos += 1
        elif code == 0x61:  # APPEND
            if len(stack) - floor < 2:
                break
            stack.pop()
            pos += 1
        elif code in (0x65, 0x90):  # APPENDS, ADDITEMS
            if not marks or marks[-1] <= (marks[-2] if len(marks) > 1 else 0):
                break
            del stack[marks.pop() :]
            pos += 1
        elif code == 0x73:  # SETITEM
            if len(stack) - floor < 3:
                break
            value = stack.pop()
            key = stack.pop()
            target = stack[-1]
            if isinstance(target, SymDict):
                target.set(key, value)
            pos += 1
        elif code == 0x75:  # SETITEMS
            if not marks or (len(stack) - marks[-1]) % 2:
                break
            start = marks[-1]
            if start <= (marks[-2] if len(marks) > 1 else 0):
                break
            marks.pop()
            items = stack[start:]
            del stack[start:]
            target = stack[-1]
            if isinstance(target, SymDict):
                for index in range(0, len(items), 2):
                    target.set(items[index], items[index + 1])
            pos += 1
        else:
            break
        ran += 1
    source.advance_to(pos)
    return ran
