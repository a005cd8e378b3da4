"""What a worker hands the parent: result records in a file, and YAML parsed once a text.

The records file is how results of checks that finished survive a worker that dies later
in the same model; a record cut short by the kill must be left out, not misread.
"""

from __future__ import annotations

import os
from pathlib import Path

from mlmodel_spec.conformance.dynamic import records
from mlmodel_spec.conformance.dynamic.run import CheckResult, harness_finding
from mlmodel_spec.conformance.dynamic.warm import load_yaml


def _write(path: Path, results: list[CheckResult]) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for result in results:
            records.append(fd, result)
    finally:
        os.close(fd)


def test_records_read_back_in_order_from_an_offset(tmp_path: Path) -> None:
    path = tmp_path / "worker.results"
    first = CheckResult("m", "loads", "passed", seconds=0.5)
    _write(path, [first])
    offset = path.stat().st_size
    finding = harness_finding("check-crashed", "died")
    later = [
        CheckResult("n", "loads", "failed", (finding,)),
        CheckResult("n", "predicts-on-example", "skipped", reason="not run"),
    ]
    _write(path, later)
    end = path.stat().st_size
    assert records.read(str(path), 0) == ([first, *later], end)
    assert records.read(str(path), offset) == (later, end)
    assert records.read(str(path), 0, limit=1) == ([first], offset)  # the next model's follow


def test_a_record_cut_short_by_a_kill_is_left_out(tmp_path: Path) -> None:
    path = tmp_path / "worker.results"
    whole = CheckResult("m", "loads", "passed")
    _write(path, [whole, CheckResult("m", "native-loads", "passed")])
    data = path.read_bytes()
    path.write_bytes(data[:-3])  # the last record lost its tail
    assert records.read(str(path), 0)[0] == [whole]
    path.write_bytes(data[:2])  # not even a whole length
    assert records.read(str(path), 0) == ([], 0)
    assert records.read(str(tmp_path / "missing"), 5) == ([], 5)


def test_yaml_parsed_once_gives_each_caller_its_own_copy() -> None:
    text = "flavors:\n  python_function:\n    loader_module: m\nsaved: [1, 2]\n"
    first = load_yaml(text)
    first["flavors"]["python_function"]["loader_module"] = "changed"
    first["saved"].append(3)
    assert load_yaml(text) == {
        "flavors": {"python_function": {"loader_module": "m"}},
        "saved": [1, 2],
    }
