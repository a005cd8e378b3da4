"""A directory of the tree that cannot be listed is a ``path-unreadable`` finding in every
format and in the summary, and the exit code stays 2.

Tests run as root here, and root lists a mode-000 directory anyway. So unreadability is
made two ways: ``os.scandir`` patched to raise ``PermissionError`` for one directory (every
format, through the CLI), and a real mode-000 directory walked by a forked child that has
dropped root for ``nobody`` (or by this process when it is not root)."""

from __future__ import annotations

import io
import json
import os
import pwd
import shutil
import stat
import tempfile
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.validate import Report, validate_paths
from mlmodel_spec.reporters import REPORTERS, ReportStyle

MODEL = "flavors:\n  my_flavor:\n    a: 1\n"


def _tree(root: Path) -> Path:
    for name in ("a", "locked/b"):
        (root / name).mkdir(parents=True)
        (root / name / "MLmodel").write_text(MODEL, encoding="utf-8")
    return root / "locked"


@pytest.fixture
def locked(tmp_path: Path, unlistable: Callable[[Path], Path]) -> Path:
    """A tree with a readable model and a directory ``os.scandir`` refuses to list."""
    return unlistable(_tree(tmp_path))


def _validate(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["validate", *argv])
    return code, out.getvalue(), err.getvalue()


def test_every_format_names_the_unreadable_directory(locked: Path) -> None:
    tree = str(locked.parent)
    outputs = {}
    for fmt in REPORTERS:
        code, out, err = _validate(tree, "--format", fmt)
        assert code == 2, fmt
        assert f"{locked}: cannot list directory: Permission denied" in err
        outputs[fmt] = out
    data = json.loads(outputs["json"])
    assert data["summary"] == {
        "targets": 1,
        "errors": 1,
        "warnings": 0,
        "infos": 2,
        "unreadable": 1,
    }
    (entry,) = [t for t in data["targets"] if t["path"] == str(locked)]
    assert [f["rule"] for f in entry["findings"]] == ["path-unreadable"]
    assert f"{locked}: error [path-unreadable]" in outputs["text"]
    assert "1 path could not be read" in outputs["text"]
    assert f"::error file={locked},line=1,title=path-unreadable::" in outputs["github"]
    (result,) = [
        r
        for r in json.loads(outputs["sarif"])["runs"][0]["results"]
        if r["ruleId"] == "path-unreadable"
    ]
    assert result["level"] == "error"
    cases = {c.get("name", ""): c for c in ET.fromstring(outputs["junit"]).iter("testcase")}
    assert cases[str(locked)].find("error") is not None


def test_ignore_leaves_it_out_but_the_exit_code_stays_2(locked: Path) -> None:
    code, out, _ = _validate(str(locked.parent), "--format", "json", "--ignore", "path-unreadable")
    assert code == 2
    assert json.loads(out)["summary"]["unreadable"] == 0


def test_a_tree_that_is_all_unreadable_still_reports(locked: Path) -> None:
    code, out, _ = _validate(str(locked), "--format", "json")
    assert code == 2
    assert json.loads(out)["summary"] == {
        "targets": 0,
        "errors": 1,
        "warnings": 0,
        "infos": 0,
        "unreadable": 1,
    }


def test_readable_trees_have_no_such_finding(tmp_path: Path) -> None:
    _tree(tmp_path)
    code, out, _ = _validate(str(tmp_path), "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["unreadable"] == 0


@pytest.fixture
def world_readable_tmp() -> Iterator[Path]:
    """A directory ``nobody`` can reach (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="mlmodel-spec-unreadable-"))
    path.chmod(0o755)
    yield path
    for directory, _, _ in os.walk(path):
        os.chmod(directory, 0o755)
    shutil.rmtree(path)


def _as_unprivileged(call: Callable[[], str]) -> str:
    """``call()`` in a forked child that has given up root for ``nobody``."""
    if os.geteuid() != 0:
        return call()
    nobody = pwd.getpwnam("nobody")
    read, write = os.pipe()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # fork in a threaded process
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(read)
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            os.write(write, call().encode("utf-8"))
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read().decode("utf-8")
    os.waitpid(pid, 0)
    return data


def test_a_real_mode_000_directory(world_readable_tmp: Path) -> None:
    locked = _tree(world_readable_tmp)
    for directory, _, files in os.walk(world_readable_tmp):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    locked.chmod(0)
    assert stat.S_IMODE(locked.stat().st_mode) == 0

    def report() -> str:
        found: Report = validate_paths([world_readable_tmp])
        return REPORTERS["json"](found, ReportStyle())

    data = json.loads(_as_unprivileged(report))
    assert data["summary"]["unreadable"] == 1 and data["summary"]["targets"] == 1
    (entry,) = [t for t in data["targets"] if t["path"] == str(locked)]
    assert entry["findings"][0]["rule"] == "path-unreadable"
    assert "Permission denied" in entry["findings"][0]["message"]
