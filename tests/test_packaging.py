"""The wheel ships one import name, ``mlmodel_spec``, with its data and nothing else; an
installed wheel never becomes a place where ``codegen`` writes.

The wheel is built the way users build it, ``python -m build`` (sdist, then a wheel from
the unpacked sdist), so a file lost on either step fails here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "mlmodel_spec"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (built,) = out.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _checkout_files(pattern: str) -> set[str]:
    """Files of the package as the checkout lays it out (through mlmodel_spec/'s symlinks)."""
    found: set[str] = set()
    for directory, subdirs, files in os.walk(ROOT / PACKAGE, followlinks=True):
        subdirs[:] = [d for d in subdirs if d != "__pycache__"]
        rel = Path(directory).relative_to(ROOT)
        found.update((rel / name).as_posix() for name in files if Path(name).match(pattern))
    return found


def test_only_the_package_and_its_metadata(wheel_names: set[str]) -> None:
    tops = {name.split("/", 1)[0] for name in wheel_names}
    assert tops == {PACKAGE, next(t for t in tops if t.endswith(".dist-info"))}
    leaked = [n for n in wheel_names if any(p in n.split("/") for p in ("tests", "tools", "bench"))]
    assert leaked == []


def test_every_module_of_the_checkout_ships(wheel_names: set[str]) -> None:
    modules = {n for n in wheel_names if n.endswith(".py")}
    assert modules == _checkout_files("*.py")


def test_spec_data_and_templates_ship(wheel_names: set[str]) -> None:
    spec_docs = {f for f in _checkout_files("*.md") | _checkout_files("*.yaml") if "/spec/" in f}
    data = _checkout_files("*.json") | _checkout_files("*.jinja2") | spec_docs
    assert data, "no data files found in the checkout"
    assert data <= wheel_names, sorted(data - wheel_names)
    assert f"{PACKAGE}/py.typed" in wheel_names
    assert f"{PACKAGE}/spec/schemas/v1/mlmodel.schema.json" in wheel_names
    assert not any(n.startswith(f"{PACKAGE}/spec/") and n.endswith(".py") for n in wheel_names)


def test_spec_is_data_only() -> None:
    code = [p.relative_to(ROOT).as_posix() for p in (ROOT / "spec").rglob("*.py")]
    assert code == []


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), wheel],
        check=True,
        capture_output=True,
    )
    return target


def _run_installed(site: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, "-m", PACKAGE, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _snapshot(tree: Path) -> dict[str, int]:
    return {str(p.relative_to(tree)): p.stat().st_mtime_ns for p in tree.rglob("*") if p.is_file()}


@pytest.mark.parametrize("args", [("codegen",), ("codegen", "--check")])
def test_codegen_in_an_installed_wheel_needs_a_checkout(
    installed: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    before = _snapshot(installed)
    done = _run_installed(installed, tmp_path, *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1
    assert "checkout" in done.stderr and "--out" in done.stderr
    assert _snapshot(installed) == before


def test_codegen_from_a_wheel_writes_only_below_out(installed: Path, tmp_path: Path) -> None:
    before = _snapshot(installed)
    out = tmp_path / "generated"
    done = _run_installed(installed, tmp_path, "codegen", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert (out / "spec/schemas/draft-07/mlmodel.schema.json").is_file()
    assert _snapshot(installed) == before
    again = _run_installed(installed, tmp_path, "codegen", "--check", "--out", str(out))
    assert again.returncode == 0, again.stderr
