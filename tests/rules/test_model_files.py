"""conformance/model_files.py: classifying untrusted paths and reading files without blocking."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from mlmodel_spec.conformance.model_files import (
    MAX_TEXT_BYTES,
    PathState,
    looks_absolute,
    read_bounded,
    resolve_inside,
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    (model / "data").mkdir(parents=True)
    (model / "data" / "weights.bin").write_bytes(b"\0" * 10)
    (model / "model.pkl").write_bytes(b"x" * 7)
    return model


def resolve(root: Path, rel: object) -> PathState:
    return resolve_inside(os.path.realpath(root), rel).state


# -- resolve_inside ------------------------------------------------------------------------------


def test_plain_file_and_directory(root: Path) -> None:
    found = resolve_inside(os.path.realpath(root), "model.pkl")
    assert (found.state, found.is_file, found.is_dir, found.size) == (PathState.OK, True, False, 7)
    found = resolve_inside(os.path.realpath(root), "data")
    assert (found.state, found.is_file, found.is_dir) == (PathState.OK, False, True)
    assert found.path == os.path.realpath(root / "data")


@pytest.mark.parametrize("rel", ["data/../model.pkl", "./model.pkl", "data//weights.bin", "data/."])
def test_dot_segments_that_stay_inside(root: Path, rel: str) -> None:
    assert resolve(root, rel) is PathState.OK


@pytest.mark.parametrize("rel", ["..", "../model/model.pkl", "data/../../x", "a/../../b"])
def test_dotdot_that_climbs_out(root: Path, rel: str) -> None:
    assert resolve(root, rel) is PathState.ESCAPES


@pytest.mark.parametrize(
    "rel", ["/etc/passwd", "\\server\\share\\m.pkl", "C:\\models\\m.pkl", "c:/models/m.pkl", "D:m"]
)
def test_absolute_and_windows_drive_paths(root: Path, rel: str) -> None:
    assert looks_absolute(rel)
    assert resolve(root, rel) is PathState.ABSOLUTE


@pytest.mark.parametrize("rel", ["model.pkl", "data/weights.bin", "C", "ab:c", "s3:x"])
def test_relative_paths_are_not_absolute(rel: str) -> None:
    assert not looks_absolute(rel)


@pytest.mark.parametrize(
    ("rel", "state"),
    [
        ("", PathState.EMPTY),
        ("  ", PathState.EMPTY),
        ("a\x00b", PathState.EMPTY),
        (3, PathState.NOT_A_STRING),
        (None, PathState.NOT_A_STRING),
    ],
)
def test_unusable_values(root: Path, rel: object, state: PathState) -> None:
    assert resolve(root, rel) is state


def test_missing_and_missing_below_a_file(root: Path) -> None:
    found = resolve_inside(os.path.realpath(root), "data/nope.bin")
    assert (found.state, found.detail) == (PathState.MISSING, "data/nope.bin")
    found = resolve_inside(os.path.realpath(root), "model.pkl/inner")
    assert found.state is PathState.MISSING
    assert "is a file" in found.detail


def test_symlink_inside_is_followed(root: Path) -> None:
    (root / "link.pkl").symlink_to("model.pkl")
    (root / "linked_data").symlink_to(root / "data")
    assert resolve(root, "link.pkl") is PathState.OK
    assert resolve(root, "linked_data/weights.bin") is PathState.OK


def test_symlink_that_leaves_the_directory(root: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("outside")
    (root / "escape.pkl").symlink_to(tmp_path / "secret.txt")
    (root / "escape_dir").symlink_to(tmp_path)
    found = resolve_inside(os.path.realpath(root), "escape.pkl")
    assert found.state is PathState.SYMLINK_ESCAPES
    assert found.detail == os.path.realpath(tmp_path / "secret.txt")
    assert resolve(root, "escape_dir/secret.txt") is PathState.SYMLINK_ESCAPES
    # a relative symlink that climbs out is caught the same way
    (root / "data" / "up").symlink_to("../../secret.txt")
    assert resolve(root, "data/up") is PathState.SYMLINK_ESCAPES


def test_symlink_to_the_root_itself_stays_inside(root: Path) -> None:
    (root / "self").symlink_to(".")
    assert resolve(root, "self/model.pkl") is PathState.OK


def test_symlink_loops(root: Path) -> None:
    (root / "a").symlink_to("b")
    (root / "b").symlink_to("a")
    (root / "self_loop").symlink_to("self_loop")
    assert resolve(root, "a") is PathState.LOOP
    assert resolve(root, "self_loop/x") is PathState.LOOP


def test_many_chained_links_hit_the_link_budget(root: Path) -> None:
    previous = "model.pkl"
    for index in range(45):
        (root / f"l{index}").symlink_to(previous)
        previous = f"l{index}"
    # each component is resolved fully by realpath, so only one link per component counts
    assert resolve(root, previous) is PathState.OK
    nested = "/".join(["self"] * 45) + "/model.pkl"
    (root / "self").symlink_to(".")
    assert resolve(root, nested) is PathState.LOOP


def test_dangling_symlink_is_missing(root: Path) -> None:
    (root / "gone.pkl").symlink_to("does-not-exist.pkl")
    found = resolve_inside(os.path.realpath(root), "gone.pkl")
    assert found.state is PathState.MISSING
    assert "dangling" in found.detail


def test_fifo_is_found_but_not_a_regular_file(root: Path) -> None:
    os.mkfifo(root / "pipe")
    found = resolve_inside(os.path.realpath(root), "pipe")
    assert (found.state, found.is_file, found.is_dir) == (PathState.OK, False, False)


def test_name_too_long_is_unreadable_not_a_crash(root: Path) -> None:
    found = resolve_inside(os.path.realpath(root), "x" * 300)
    assert found.state is PathState.UNREADABLE
    assert found.detail


def test_backslashes_are_separators(root: Path) -> None:
    assert resolve(root, "data\\weights.bin") is PathState.OK
    assert resolve(root, "data\\..\\..\\x") is PathState.ESCAPES


# -- read_bounded --------------------------------------------------------------------------------


def test_reads_utf8_and_strips_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"\xef\xbb\xbfnumpy==2.0\ncaf\xc3\xa9\n")
    assert read_bounded(path).text == "numpy==2.0\ncafé\n"


def test_non_utf8_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"ok\nab\xe9\n")
    read = read_bounded(path)
    assert read.text is None
    assert (read.line, read.column) == (2, 3)
    assert "0xe9" in read.error


def test_nul_bytes_are_binary(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"a\nbc\x00d")
    read = read_bounded(path)
    assert read.text is None
    assert (read.line, read.column) == (2, 3)


def test_directory_is_not_read(tmp_path: Path) -> None:
    read = read_bounded(tmp_path)
    assert read.text is None
    assert "directory" in read.error


def test_missing_file_is_an_error_value(tmp_path: Path) -> None:
    read = read_bounded(tmp_path / "nope")
    assert read.text is None
    assert read.error.startswith("cannot be read")


def test_fifo_does_not_block(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(read_bounded(fifo)), daemon=True)
    worker.start()
    worker.join(timeout=5)
    if worker.is_alive():  # unblock the reader before failing, so the test run can finish
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        os.close(fd)
        pytest.fail("read_bounded blocked on a FIFO")
    (read,) = result
    assert read.text is None  # type: ignore[attr-defined]
    assert "not a regular file" in read.error  # type: ignore[attr-defined]


def test_sparse_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    with path.open("wb") as handle:
        handle.truncate(2 * 1024**3)  # 2 GiB, sparse: costs no disk and must cost no reading
    read = read_bounded(path)
    assert read.text is None
    assert "over the" in read.error
    assert "2,147,483,648" in read.error


def test_limit_is_exact(tmp_path: Path) -> None:
    path = tmp_path / "r.txt"
    path.write_bytes(b"a" * 100)
    assert read_bounded(path, limit=100).text == "a" * 100
    assert read_bounded(path, limit=99).text is None
    assert MAX_TEXT_BYTES >= 1024 * 1024


def test_real_directory_is_realpath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``real_directory`` (which remembers ancestors) gives ``os.path.realpath``'s answer for
    plain directories, directory links at every level (relative, absolute, chained, dangling,
    looping), ``..`` and ``.`` in the path, missing paths and a relative path."""
    from mlmodel_spec.conformance import model_files

    tree = tmp_path / "tree"
    (tree / "exp" / "run" / "artifacts" / "model").mkdir(parents=True)
    (tree / "other" / "deep").mkdir(parents=True)
    os.symlink("exp", tree / "exp_link")  # relative
    os.symlink(tree / "other", tree / "exp" / "run" / "abs_link")  # absolute
    os.symlink("abs_link/deep", tree / "exp" / "run" / "chained")
    os.symlink("nowhere", tree / "exp" / "dangling")
    os.symlink("loop_b", tree / "loop_a")
    os.symlink("loop_a", tree / "loop_b")
    paths = [
        "exp/run/artifacts/model",
        "exp_link/run/artifacts/model",
        "exp/run/abs_link/deep",
        "exp/run/chained",
        "exp/run/chained/..",
        "exp/dangling",
        "exp/dangling/below",
        "loop_a/x",
        "exp/./run/../run/artifacts",
        "missing/a/b",
    ]
    for _ in range(2):  # the second time from what it remembered
        for rel in paths:
            path = str(tree / rel)
            assert model_files.real_directory(path) == os.path.realpath(path), rel
    monkeypatch.chdir(tree / "exp")
    assert model_files.real_directory("run/artifacts") == os.path.realpath("run/artifacts")
    assert model_files.real_directory("/") == "/"
