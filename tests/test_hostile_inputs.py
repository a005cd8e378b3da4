"""Hostile inputs: every one gives a finding or one clear error line, bounded, never a traceback."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.validate import validate_model

MINIMAL = (
    "flavors:\n  python_function:\n    loader_module: mlflow.sklearn\n    model_path: model.pkl\n"
)


def rules_for(root: Path) -> set[str]:
    return {f.rule for f in validate_model(root)}


def write_model(root: Path, content: bytes | str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    data = content.encode() if isinstance(content, str) else content
    (root / "MLmodel").write_bytes(data)
    return root


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
        ("binary-garbage", bytes(range(256)) * 4, "mlmodel-unreadable"),
        ("latin-1", "flavors:\n  caf\xe9: {}\n".encode("latin-1"), "mlmodel-unreadable"),
        ("nul-bytes", b"flavors:\n  a: \x00\n", "mlmodel-unreadable"),
        ("alias-bomb", None, "yaml-limits"),
        ("deep-flow", "[" * 20_000 + "]" * 20_000, "yaml-limits"),
        ("deep-block", "".join(" " * i + "a:\n" for i in range(2_000)), "yaml-limits"),
        ("python-tag", "flavors: !!python/object/apply:os.system ['touch pwned']\n", "yaml-tag"),
        ("unclosed", "flavors: [1, 2\n", "yaml-syntax"),
        ("tab-indent", "flavors:\n\tsklearn: {}\n", "yaml-syntax"),
        ("two-documents", MINIMAL + "---\nflavors: {}\n", "yaml-syntax"),
        ("empty", "", "mlmodel-empty"),
        ("only-comment", "# nothing here\n", "mlmodel-empty"),
        ("scalar", "just a string\n", "mlmodel-not-mapping"),
        ("list", "- flavors\n", "mlmodel-not-mapping"),
        ("duplicate", MINIMAL + "flavors: {}\n", "yaml-duplicate-key"),
        ("complex-key", "? [a, b]\n: 1\nflavors: {}\n", "yaml-syntax"),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else "",
)
def test_bad_mlmodel_text_is_a_finding(
    tmp_path: Path, name: str, content: str | bytes | None, rule: str
) -> None:
    if content is None:  # "billion laughs"
        lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
        for i in range(1, 10):
            refs = ", ".join([f"*a{i - 1}"] * 9)
            lines.append(f"a{i}: &a{i} [{refs}]")
        content = "\n".join(lines) + "\n"
    root = write_model(tmp_path / name, content)
    start = time.monotonic()
    found = rules_for(root)
    assert rule in found
    assert "internal-error" not in found
    assert time.monotonic() - start < 5


def test_positions_of_yaml_errors(tmp_path: Path) -> None:
    root = write_model(tmp_path / "m", "flavors:\n  a: 1\n  a: 2\n")
    (finding,) = [f for f in validate_model(root) if f.rule == "yaml-duplicate-key"]
    assert (finding.line, finding.column, finding.pointer) == (3, 3, "/flavors/a")
    root = write_model(tmp_path / "n", b"flavors:\n  x: \xff\n")
    (finding,) = validate_model(root)
    assert (finding.rule, finding.line, finding.column) == ("mlmodel-unreadable", 2, 6)


def test_mlmodel_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "m" / "MLmodel").mkdir(parents=True)
    assert rules_for(tmp_path / "m") == {"mlmodel-unreadable"}


def test_mlmodel_that_is_a_fifo_does_not_block(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    os.mkfifo(tmp_path / "m" / "MLmodel")
    start = time.monotonic()
    assert rules_for(tmp_path / "m") == {"mlmodel-unreadable"}
    assert time.monotonic() - start < 2


def test_mlmodel_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "m").mkdir()
    os.symlink("MLmodel", tmp_path / "m" / "MLmodel")
    assert rules_for(tmp_path / "m") == {"mlmodel-unreadable"}


def test_huge_mlmodel_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "m"
    root.mkdir()
    with (root / "MLmodel").open("wb") as handle:
        handle.truncate(60 * 1024 * 1024)  # sparse: costs no disk
    (finding,) = validate_model(root)
    assert finding.rule == "mlmodel-unreadable"
    assert "limit" in finding.message


def test_validation_never_executes_model_code(tmp_path: Path) -> None:
    """A pickle and a loader module that would each create a file if run."""
    sentinel = tmp_path / "executed"
    root = tmp_path / "model"
    (root / "code" / "evil").mkdir(parents=True)
    (root / "code" / "evil" / "__init__.py").write_text(
        f"open({str(sentinel)!r}, 'w').write('import')\n"
    )

    class Bomb:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, (f"touch {sentinel}",))

    (root / "model.pkl").write_bytes(pickle.dumps(Bomb()))
    (root / "python_model.pkl").write_bytes(pickle.dumps(Bomb()))
    write_model(
        root,
        textwrap.dedent(
            """\
            flavors:
              python_function:
                loader_module: evil
                code: code
                python_model: python_model.pkl
                model_path: model.pkl
              sklearn:
                pickled_model: model.pkl
                serialization_format: cloudpickle
            """
        ),
    )
    before = set(sys.modules)
    assert main(["validate", str(root), "--format", "json", "-o", str(tmp_path / "r.json")]) in (
        0,
        1,
    )
    assert not sentinel.exists()
    assert "evil" not in sys.modules
    assert not {m for m in set(sys.modules) - before if m.startswith(("sklearn", "cloudpickle"))}


def test_cli_exit_codes_and_one_line_errors(tmp_path: Path) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    cli = [sys.executable, "-m", "mlmodel_spec", "validate"]
    nothing = subprocess.run(
        [*cli, str(tmp_path)], capture_output=True, text=True, env=env, check=False
    )
    assert nothing.returncode == 3
    assert nothing.stderr.count("\n") == 1 and "Traceback" not in nothing.stderr
    missing = subprocess.run(
        [*cli, str(tmp_path / "nope")], capture_output=True, text=True, env=env, check=False
    )
    assert missing.returncode == 2
    assert "no such file or directory" in missing.stderr and "Traceback" not in missing.stderr
    write_model(tmp_path / "bad", b"\xff\xfe garbage")
    bad = subprocess.run(
        [*cli, str(tmp_path / "bad")], capture_output=True, text=True, env=env, check=False
    )
    assert bad.returncode == 1
    assert "mlmodel-unreadable" in bad.stdout and "Traceback" not in bad.stderr
    usage = subprocess.run(
        [*cli, "--jobs", "x", "p"], capture_output=True, text=True, env=env, check=False
    )
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
