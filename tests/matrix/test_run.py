"""Building environments, the worker and the runner (with this interpreter standing in for
the environments' venvs), and the `matrix run|list` command's errors."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from mlmodel_spec.cli import main
from mlmodel_spec.conformance.matrix import envs, runner, spec, worker


def fake_python(root: Path, version: str) -> Path:
    exe = root / "versions" / version / "bin" / f"python{version.rsplit('.', 1)[0]}"
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    return exe


def test_find_python_takes_the_newest_patch_from_pyenv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_python(tmp_path, "3.11.2")
    newest = fake_python(tmp_path, "3.11.10")
    fake_python(tmp_path, "3.12.1")
    (tmp_path / "versions" / "3.11-dev").mkdir()
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    assert envs.find_python("3.11") == str(newest)


def test_find_python_fails_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(envs.EnvironmentError_, match=r"no CPython 3\.99: not in"):
        envs.find_python("3.99")


ENV = spec.load().environments[0]


def test_a_venv_with_unchanged_pins_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_uv() -> str:
        raise AssertionError("uv must not run")

    monkeypatch.setattr(envs, "find_uv", no_uv)
    venv = tmp_path / ".venvs" / ENV.name
    venv.mkdir(parents=True)
    pins = "\n".join([*ENV.requirements("mlflow-skinny"), f"-e {tmp_path}"]) + "\n"
    (venv / envs.PINS_FILE).write_text(pins)
    assert envs.ensure(tmp_path, ENV, "mlflow-skinny", tmp_path, tmp_path / "b.log") is False


def test_a_failed_build_step_names_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envs, "find_uv", lambda: shutil.which("false"))
    monkeypatch.setattr(envs, "find_python", lambda minor: sys.executable)
    log = tmp_path / "logs" / "build.log"
    with pytest.raises(envs.EnvironmentError_, match=f"{ENV.name}: .* failed; see {log}"):
        envs.ensure(tmp_path, ENV, "mlflow-skinny", tmp_path, log)
    assert not (tmp_path / ".venvs" / ENV.name / envs.PINS_FILE).exists()


def test_worker_needs_an_env_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TOX_ENV_NAME", raising=False)
    with pytest.raises(SystemExit) as caught:
        worker.main(["read", "--matrix-dir", "."])
    assert caught.value.code == 2


def test_runner_writes_reads_and_reuses(golden_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two environments, both directions; this interpreter plays both venvs."""
    first, second = spec.load().environments[:2]
    for env in (first, second):
        shutil.copytree(golden_copy / "golden" / "here", golden_copy / "golden" / env.name)
    shutil.rmtree(golden_copy / "golden" / "here")
    monkeypatch.setattr(envs, "ensure", lambda *args: False)
    monkeypatch.setattr(envs, "venv_python", lambda matrix_dir, env: Path(sys.executable))
    said: list[str] = []
    kwargs = {"mlflow_package": "mlflow-skinny", "source": Path(), "jobs": 2, "say": said.append}
    stats = runner.run(golden_copy, [first, second], **kwargs)  # type: ignore[arg-type]
    assert stats.failures == []
    cases = len(
        json.loads((golden_copy / "golden" / first.name / "manifest.json").read_text())["cases"]
    )
    assert stats.cases_computed == 4 * cases  # each reader: both writers
    assert f"{first.name}: golden models already there" in said
    for reader in (first, second):
        for writer in (first, second):
            assert (golden_copy / "cells" / reader.name / f"{writer.name}.json").is_file()
    again = runner.run(golden_copy, [first, second], **kwargs)  # type: ignore[arg-type]
    assert (again.cases_computed, again.cases_reused) == (0, 4 * cases)
    recorded = json.loads((golden_copy / "run.json").read_text())
    assert recorded["last"]["cases_reused"] == 4 * cases
    assert recorded["previous"]["cases_computed"] == 4 * cases


def test_runner_drops_an_environment_that_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(matrix_dir: Path, env: spec.Environment, *args: object) -> bool:
        raise envs.EnvironmentError_(f"{env.name}: `uv pip install` failed")

    monkeypatch.setattr(envs, "ensure", broken)
    stats = runner.run(
        tmp_path, [ENV], mlflow_package="mlflow-skinny", source=tmp_path, say=lambda line: None
    )
    assert stats.failures == [f"build: {ENV.name}: `uv pip install` failed"]


def test_matrix_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(spec.load().environments)
    assert lines[0].startswith(f"{ENV.name} (slice): python {ENV.python}, cloudpickle==")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["matrix", "run", "--env", "py27-sk01-lgb01"], "unknown environment(s) py27-sk01-lgb01"),
        (["matrix", "list", "--spec", "/nonexistent/matrix.yaml"], "cannot read"),
    ],
)
def test_matrix_run_errors_are_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("mlmodel-spec matrix: error: ")
    assert message in err
    assert err.count("\n") == 1


def test_a_reader_that_dies_in_a_cell_is_restarted_past_it(
    golden_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model whose loader kills the process (as a segfaulting library would): the run
    records that cell as ReaderCrashed and reads the rest."""
    env = spec.load().environments[0]
    shutil.move(golden_copy / "golden" / "here", golden_copy / "golden" / env.name)
    writer = golden_copy / "golden" / env.name
    crash = writer / "crash"
    (crash / "code").mkdir(parents=True)
    (crash / "code" / "crashmod.py").write_text(
        "import os\n\ndef _load_pyfunc(path):\n    os._exit(3)\n"
    )
    (crash / "MLmodel").write_text(
        "flavors:\n  python_function:\n    loader_module: crashmod\n    code: code\n"
    )
    data = json.loads((writer / "manifest.json").read_text())
    data["cases"]["crash"] = {**data["cases"]["sk-pickle"], "files": {}}
    (writer / "manifest.json").write_text(json.dumps(data))
    monkeypatch.setattr(envs, "ensure", lambda *args: False)
    monkeypatch.setattr(envs, "venv_python", lambda matrix_dir, env: Path(sys.executable))
    stats = runner.run(
        golden_copy, [env], mlflow_package="mlflow-skinny", source=Path(), say=lambda _: None
    )
    assert stats.failures == []
    results = json.loads((golden_copy / "cells" / env.name / f"{env.name}.json").read_text())
    crashed = results["crash"]["cells"]["mlmodel-spec"]
    assert (crashed["status"], crashed["exception"]) == ("error", "ReaderCrashed")
    assert results["sk-pickle"]["cells"]["mlmodel-spec"]["status"] in {"ok", "warning"}
    assert len(results) == len(data["cases"])
