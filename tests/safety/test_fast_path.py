"""The reader's fast path (``fast_ops``) has exactly the effect of the opcode handlers.

Every payload of the corpora, and hostile mutations of them, is scanned twice, with and
without the fast path; the scans must agree on every global, offset, call, dynamic event,
break and trailing byte.
"""

from __future__ import annotations

import importlib
import random
import sys
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance.safety import reader
from mlmodel_spec.conformance.safety.payload import PayloadScan, scan_payload

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
crafted = importlib.import_module("crafted")
test_reader = importlib.import_module("test_reader")


def _summary(scan: PayloadScan) -> tuple[Any, ...]:
    uses = sorted(
        (u.ref.dotted, u.offset, u.opcode, u.pickle, u.call_offset, u.call_opcode)
        for u in scan.globals.values()
    )
    broken = (scan.broken.offset, scan.broken.opcode, scan.broken.detail) if scan.broken else None
    dynamic = [(e.kind, e.offset, e.opcode, e.detail) for e in scan.dynamic]
    code = scan.code
    return (
        scan.format,
        scan.pickles,
        uses,
        dynamic,
        broken,
        scan.broken_pickle,
        scan.trailing_offset,
        scan.error,
        sorted(code.functions),
        sorted(code.classes),
        sorted(code.modules),
        code.code_objects,
    )


def _both_ways(folder: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "FAST_PATH", True)
    fast = _summary(scan_payload(str(folder), name))
    monkeypatch.setattr(reader, "FAST_PATH", False)
    slow = _summary(scan_payload(str(folder), name))
    assert fast == slow, name


def _payloads() -> dict[str, bytes]:
    payloads = {name: data for name, (data, _) in test_reader.MALICIOUS.items()}
    for path in sorted((HERE / "data" / "benign").glob("*/*")):
        if path.suffix != ".json":
            payloads[f"{path.parent.name}/{path.name}"] = path.read_bytes()
    return payloads


def test_fast_path_agrees_on_every_corpus_payload(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payloads = _payloads()
    assert len(payloads) > 150
    for index, data in enumerate(payloads.values()):
        (tmp_path / str(index)).write_bytes(data)
        _both_ways(tmp_path, str(index), monkeypatch)


def test_fast_path_agrees_on_hostile_mutations(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(1414)
    seeds = [data for name, data in sorted(_payloads().items()) if name.endswith((".pkl", "l"))]
    seeds += [crafted.joblib_hostile_subpickle(), crafted.memo_overwrite()]
    for index in range(400):
        data = bytearray(rng.choice(seeds))
        for _flip in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        (tmp_path / str(index)).write_bytes(bytes(data[: rng.randrange(1, len(data) + 1)]))
        _both_ways(tmp_path, str(index), monkeypatch)


def test_fast_path_agrees_at_the_stack_and_memo_bounds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "MAX_STACK", 50)
    monkeypatch.setattr(reader, "MAX_MEMO", 5)
    cases = {
        "stack": crafted.proto(4) + b"K\x01" * 60 + b".",
        "marks": crafted.proto(4) + b"(" * 60 + b".",
        "memo": crafted.proto(4) + (crafted.unicode("x") + b"\x94") * 10 + b"h\x08.",
        "underflow": crafted.proto(4) + b"\x94.",
        "get before put": crafted.proto(4) + b"h\x03.",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        _both_ways(tmp_path, name, monkeypatch)
