"""Environment files and load-time environment checks (format reference §8, §10)."""

from __future__ import annotations

import platform
from pathlib import Path

import pytest
import yaml

from mlmodel_spec import environment as env
from mlmodel_spec.types import MlmodelSpecError, MlmodelSpecWarning


def test_pins_installed_versions() -> None:
    import sklearn

    assert env.pinned_requirement("scikit-learn") == f"scikit-learn=={sklearn.__version__}"
    with pytest.raises(MlmodelSpecError, match="not installed"):
        env.pinned_requirement("surely-not-installed-pkg")
    pins = env.pinned_requirements(["numpy"], ["surely-not-installed-pkg", "pandas"])
    assert [p.split("==")[0] for p in pins] == ["numpy", "pandas"]


def test_written_files(tmp_path: Path) -> None:
    reqs, cons, conda = env.resolve_requirements(["b==1", "a==2"])
    env.write_env_files(tmp_path, reqs, cons, conda)
    assert (tmp_path / "requirements.txt").read_text() == "b==1\na==2"  # no trailing newline
    assert not (tmp_path / "constraints.txt").exists()
    conda_doc = yaml.safe_load((tmp_path / "conda.yaml").read_text())
    assert conda_doc["name"] == "mlflow-env"
    assert conda_doc["channels"] == ["conda-forge"]
    assert conda_doc["dependencies"][0] == f"python={platform.python_version()}"
    assert conda_doc["dependencies"][1].startswith("pip")
    assert conda_doc["dependencies"][2] == {"pip": ["b==1", "a==2"]}
    text = (tmp_path / "python_env.yaml").read_text()
    assert text.startswith(f"python: {platform.python_version()}\nbuild_dependencies:\n- pip")
    assert text.endswith("dependencies:\n- -r requirements.txt\n")


def test_extra_requirements_and_constraints(tmp_path: Path) -> None:
    (tmp_path / "c.txt").write_text("numpy<3\n")
    (tmp_path / "r.txt").write_text("# comment\nrich==1\n-c c.txt\n")
    reqs, cons, _ = env.resolve_requirements(
        ["a==1"], extra_pip_requirements=str(tmp_path / "r.txt")
    )
    assert reqs == ["a==1", "rich==1", "-c constraints.txt"]
    assert cons == ["numpy<3"]
    reqs, _, _ = env.resolve_requirements(["a==1"], pip_requirements=["x", "x", "y"])
    assert reqs == ["x", "y"]


def test_user_conda_env(tmp_path: Path) -> None:
    conda = {"name": "mine", "dependencies": ["python=3.11", {"pip": ["z==1"]}]}
    reqs, _, written = env.resolve_requirements(["a==1"], conda_env=conda)
    assert reqs == ["z==1"]
    assert written == conda


def test_only_one_environment_argument() -> None:
    with pytest.raises(MlmodelSpecError, match="Only one of"):
        env.resolve_requirements([], pip_requirements=["a"], extra_pip_requirements=["b"])
    with pytest.raises(MlmodelSpecError, match="list of strings"):
        env.parse_requirements([1])  # type: ignore[list-item]


def test_mismatch_detection() -> None:
    import numpy

    assert (
        env.requirement_mismatches([f"numpy=={numpy.__version__}", "mlflow==3.17.2", "-c c.txt"])
        == []
    )
    problems = env.requirement_mismatches(["numpy==0.0.1", "surely-not-installed-pkg==1"])
    assert len(problems) == 2
    assert "uninstalled" in problems[1]


def test_load_time_warnings(tmp_path: Path) -> None:
    env.warn_on_environment_mismatch(tmp_path, platform.python_version())  # nothing to warn
    with pytest.warns(MlmodelSpecWarning, match="Python 2.7"):
        env.warn_on_environment_mismatch(tmp_path, "2.7.18")
    with pytest.warns(MlmodelSpecWarning, match="no python_version"):
        env.warn_on_environment_mismatch(tmp_path, None)
    (tmp_path / "requirements.txt").write_text("numpy==0.0.1")
    with pytest.warns(MlmodelSpecWarning, match="mismatches"):
        env.warn_on_environment_mismatch(tmp_path, platform.python_version())
