"""What one payload would import and call while loading, as one line of text.

The ``safety-payload-globals`` finding (info) carries it for every pickle and skops archive a
model names, so
a report says what each payload would execute even when nothing in it is flagged. Calls
come first (with the opcode and byte of the first call), then what is only imported.
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet

from .payload import GlobalUse, PayloadScan
from .values import Global

#: globals named one by one; the rest are counted
MAX_LISTED = 40


def _called(use: GlobalUse) -> str:
    return f"{use.ref.dotted} ({use.call_opcode} at byte {use.call_offset})"


def describe(
    rel: str, scan: PayloadScan, code_files: Sequence[str] = (), own: AbstractSet[str] = frozenset()
) -> str:
    """``code_files``: the ``code/`` files on the import path while loading; ``own``: the
    top-level modules they provide (globals from them are the model's own code)."""
    uses = sorted(scan.globals.values(), key=lambda u: u.offset)
    called = [u for u in uses if u.call_offset is not None]
    imported = [u for u in uses if u.call_offset is None]
    kind = f"{scan.compression}-compressed " if scan.compression else ""
    pickles = f", {scan.pickles} pickles" if scan.pickles > 1 else ""
    head = (
        f"{rel} ({kind}pickle{pickles}) would import {len(uses)} "
        f"global{'' if len(uses) == 1 else 's'} and call {len(called)} while loading"
    )
    if not uses and not code_files:
        return head
    parts = []
    budget = MAX_LISTED
    if called:
        parts.append("calls " + ", ".join(_called(u) for u in called[:budget]))
        budget -= min(budget, len(called))
    if imported and budget:
        parts.append("imports " + ", ".join(u.ref.dotted for u in imported[:budget]))
    rest = len(uses) - min(len(uses), MAX_LISTED)
    if rest:
        parts.append(f"and {rest} more")
    offsets = " (offsets in the decompressed stream)" if scan.compression else ""
    mine = sorted(u.ref.dotted for u in uses if u.ref.module.split(".")[0] in own)
    if mine:
        parts.append("from code/: " + ", ".join(mine[:MAX_LISTED]))
    if code_files:
        parts.append("code/ files on the import path: " + ", ".join(code_files[:20]))
    return f"{head}: " + "; ".join(parts) + offsets


def describe_skops(rel: str, types: AbstractSet[Global]) -> str:
    """The types and functions a skops archive names (``skops.io.load`` imports each)."""
    names = sorted(g.dotted for g in types)
    listed = ", ".join(names[:MAX_LISTED])
    more = f", and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    plural = "" if len(names) == 1 else "s"
    return f"{rel} (skops archive) names {len(names)} type{plural} loading imports: {listed}{more}"
