"""rules/environment.py: conda.yaml and python_env.yaml."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules.environment import MLFLOW_CONDA_DEP_PATTERN, conda_package

RULES = {
    "conda-schema",
    "python-env-schema",
    "conda-python-missing",
    "conda-python-unpinned",
    "conda-pip-section",
    "conda-deps-not-in-virtualenv",
    "env-file-unreadable",
    "unknown-key",
    "yaml-syntax",
    "yaml-duplicate-key",
    "yaml-tag",
}
LEGACY = """\
flavors:
  python_function:
    env: conda.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
    python_version: 3.7.9
  sklearn:
    pickled_model: model.pkl
    serialization_format: cloudpickle
    sklearn_version: 0.23.2
utc_time_created: '2021-01-19 16:02:51.118406'
"""
PYTHON_ENV = "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"
PIP = ["mlflow==3.17.2", "scikit-learn==1.9.1"]


def conda(*deps: str, pip: list[str] | None = PIP) -> str:
    text = "channels:\n- conda-forge\ndependencies:\n" + "".join(f"- {d}\n" for d in deps)
    if pip is not None:
        text += "- pip:\n" + "".join(f"  - {p}\n" for p in pip)
    return text + "name: mlflow-env\n"


Make = Callable[..., Path]
Findings = Callable[[Path], list[Finding]]
Rules = Callable[[Path], list[tuple[str, str, str]]]


@pytest.fixture(scope="module")
def make(sklearn_mlmodel: str, write_files: Callable[..., Path]) -> Make:
    def make(root: Path, files: dict[str, str | bytes | None], legacy: bool = False) -> Path:
        base: dict[str, str | bytes | None] = {
            "MLmodel": LEGACY if legacy else sklearn_mlmodel,
            "model.pkl": "placeholder\n",
            "requirements.txt": None if legacy else "\n".join(PIP),
            "python_env.yaml": None if legacy else PYTHON_ENV,
            "conda.yaml": conda("python=3.11.7", "pip"),
        }
        return write_files(root, {**base, **files})

    return make


@pytest.fixture(scope="module")
def findings(rule_findings: Callable[..., list[Finding]]) -> Findings:
    return lambda root: rule_findings(root, RULES)


@pytest.fixture(scope="module")
def rules(findings: Findings) -> Rules:
    return lambda root: [(f.rule, f.file, f.pointer) for f in findings(root)]


def test_mlflow_written_files_are_silent(tmp_path: Path, make: Make, findings: Findings) -> None:
    assert findings(make(tmp_path, {})) == []


# -- YAML and schema ---------------------------------------------------------------------------


def test_yaml_problems_are_located_in_the_env_file(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"conda.yaml": "name: a\nname: b\nchannels: [x\n"})
    found = {(f.rule, f.file, f.line) for f in findings(tmp_path)}
    assert found == {("yaml-syntax", "conda.yaml", 4), ("yaml-duplicate-key", "conda.yaml", 2)}


def test_duplicate_key_in_python_env(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, {"python_env.yaml": PYTHON_ENV + "python: 3.10.0\n"})
    found = [f for f in findings(tmp_path) if f.rule == "yaml-duplicate-key"]
    assert [(f.file, f.line) for f in found] == [("python_env.yaml", 6)]


def test_unsafe_tag_in_conda_file(tmp_path: Path, make: Make, rules: Rules) -> None:
    make(tmp_path, {"conda.yaml": "name: !!python/object:os.system x\n" + conda("python=3.11.7")})
    assert ("yaml-tag", "conda.yaml", "/name") in rules(tmp_path)


@pytest.mark.parametrize(
    ("file", "content", "rule"),
    [
        ("conda.yaml", b"name: caf\xe9\n", "env-file-unreadable"),
        ("python_env.yaml", b"python: 3.11.7\x00\n", "env-file-unreadable"),
        ("conda.yaml", "", "conda-schema"),
        ("conda.yaml", "- python=3.11.7\n", "conda-schema"),
        ("python_env.yaml", "3.11.7\n", "python-env-schema"),
        ("python_env.yaml", "# nothing here\n", "python-env-schema"),
    ],
)
def test_unreadable_or_empty(
    tmp_path: Path, file: str, content: str | bytes, rule: str, *, make: Make, findings: Findings
) -> None:
    make(tmp_path, {file: content})
    found = findings(tmp_path)
    assert [(f.rule, f.file) for f in found] == [(rule, file)]
    # MLflow 2.22/3.17 load and predict: only env managers read conda.yaml/python_env.yaml
    assert found[0].severity is Severity.WARNING


def test_conda_schema_findings_point_into_the_conda_file(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    text = conda("python=3.11.7", "pip", pip=["mlflow", "x"]).replace("  - x\n", "  - [x]\n")
    make(tmp_path, {"conda.yaml": text})
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.pointer, found.line) == (
        "conda-schema",
        "conda.yaml",
        "/dependencies/2/pip/1",
        8,
    )


def test_unknown_conda_key_is_info(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, {"conda.yaml": conda("python=3.11.7", "pip") + "prefixx: /opt/env\n"})
    (found,) = findings(tmp_path)
    assert (found.rule, found.severity, found.file, found.line) == (
        "unknown-key",
        Severity.INFO,
        "conda.yaml",
        10,
    )


def test_python_env_extra_key_is_a_warning(tmp_path: Path, make: Make, findings: Findings) -> None:
    # MLflow's virtualenv restore raises TypeError on it; loading never reads python_env.yaml
    make(tmp_path, {"python_env.yaml": PYTHON_ENV + "name: x\n"})
    (found,) = findings(tmp_path)
    assert (found.rule, found.severity, found.line) == ("python-env-schema", Severity.WARNING, 6)


def test_referenced_python_env_file_under_another_name(
    tmp_path: Path, make: Make, rules: Rules, sklearn_mlmodel: str
) -> None:
    mlmodel = sklearn_mlmodel.replace("virtualenv: python_env.yaml", "virtualenv: env/venv.yaml")
    make(tmp_path, {"MLmodel": mlmodel, "env/venv.yaml": "python: [3]\n"})
    assert rules(tmp_path) == [("python-env-schema", "env/venv.yaml", "/python")]


# -- conda python ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("python=3.11.7", None),
        ("python==3.11.7", None),
        ("python>=3.8", None),
        ("python=3.11", None),
        ("python 3.11.7", None),  # conda reads it; python_env.yaml pins Python
        ("python=3.11.*", None),
        ("python", Severity.WARNING),
        ("python<3.12", Severity.WARNING),
        ("python!=3.10.0", Severity.WARNING),
        ("conda-forge::python", Severity.WARNING),
    ],
)
def test_conda_python_with_python_env(
    tmp_path: Path, spec: str, expected: Severity | None, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"conda.yaml": conda(spec, "pip")})
    found = [f for f in findings(tmp_path) if f.rule == "conda-python-unpinned"]
    assert [f.severity for f in found] == ([expected] if expected else [])
    assert all(f.pointer == "/dependencies/0" for f in found)
    assert not [f for f in findings(tmp_path) if f.rule == "conda-schema"]  # no double report


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("python=3.7.9", None),
        ("python>=3.7", None),
        ("python", Severity.WARNING),  # MLflow refuses to build the virtualenv (loads fine)
        ("python<3.8", Severity.WARNING),
        ("python 3.7.9", Severity.WARNING),  # MLflow ignores it and uses its own Python
        ("python=3.7.*", Severity.WARNING),
        ("python=3.7.9=h1_0", Severity.WARNING),
        ("conda-forge::python=3.7.9", Severity.WARNING),  # MLflow does not strip the channel
    ],
)
def test_conda_python_without_python_env(
    tmp_path: Path, spec: str, expected: Severity | None, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"conda.yaml": conda(spec, "pip")}, legacy=True)
    found = [f for f in findings(tmp_path) if f.rule == "conda-python-unpinned"]
    assert [f.severity for f in found] == ([expected] if expected else [])


@pytest.mark.parametrize(
    ("text", "pointer"),
    [
        (conda("pip"), "/dependencies"),
        ("channels:\n- conda-forge\nname: x\n", ""),
        (conda("pythonx=1", "pip"), "/dependencies"),
    ],
)
def test_conda_python_missing(
    tmp_path: Path, text: str, pointer: str, make: Make, rules: Rules
) -> None:
    make(tmp_path, {"conda.yaml": text})
    assert ("conda-python-missing", "conda.yaml", pointer) in rules(tmp_path)


def test_conda_dependencies_not_a_list_is_left_to_the_schema(
    tmp_path: Path, make: Make, rules: Rules
) -> None:
    make(tmp_path, {"conda.yaml": "name: x\ndependencies: python=3.11.7\n"})
    assert [r for r, _, _ in rules(tmp_path)] == ["conda-schema"]


# -- pip section -------------------------------------------------------------------------------


def test_two_pip_sections(tmp_path: Path, make: Make, rules: Rules) -> None:
    text = conda("python=3.11.7", "pip", "pip:\n  - numpy", pip=PIP)
    make(tmp_path, {"conda.yaml": text})
    assert rules(tmp_path) == [("conda-pip-section", "conda.yaml", "/dependencies/2")]


def test_pip_section_with_extra_key(tmp_path: Path, make: Make, findings: Findings) -> None:
    text = conda("python=3.11.7", "pip", pip=PIP).replace("- pip:\n", "- pip:\n")
    text = text.replace("name: mlflow-env", "name: mlflow-env").replace(
        "- pip:\n", "- conda: [numpy]\n  pip:\n"
    )
    make(tmp_path, {"conda.yaml": text})
    (found,) = [f for f in findings(tmp_path) if f.rule == "conda-pip-section"]
    assert found.pointer == "/dependencies/2/conda"
    assert found.line == 6


def test_pip_section_without_pip(tmp_path: Path, make: Make, rules: Rules) -> None:
    make(tmp_path, {"conda.yaml": conda("python=3.11.7")})
    assert rules(tmp_path) == [("conda-pip-section", "conda.yaml", "/dependencies/1")]


def test_pip_with_channel_and_version_counts(tmp_path: Path, make: Make, rules: Rules) -> None:
    make(tmp_path, {"conda.yaml": conda("python=3.11.7", "conda-forge::pip<=23.2.1")})
    assert rules(tmp_path) == []


# -- virtualenv restores from conda.yaml ---------------------------------------------------------


def test_conda_packages_skipped_without_python_env(
    tmp_path: Path, make: Make, rules: Rules
) -> None:
    text = conda("python=3.7.9", "scikit-learn=0.23.2", "pip", "setuptools>=40", "wheel")
    make(tmp_path, {"conda.yaml": text}, legacy=True)
    assert rules(tmp_path) == [("conda-deps-not-in-virtualenv", "conda.yaml", "/dependencies/1")]


def test_conda_packages_are_fine_with_python_env(tmp_path: Path, make: Make, rules: Rules) -> None:
    make(tmp_path, {"conda.yaml": conda("python=3.11.7", "scikit-learn=1.9.1", "pip")})
    assert rules(tmp_path) == []


@pytest.mark.parametrize(
    ("spec", "package", "mlflow_reads"),
    [
        ("python=3.11.7", "python", True),
        ("pip<=23.2.1", "pip", True),
        ("setuptools", "setuptools", True),
        ("conda-forge::numpy=1.26", "numpy", False),
        ("  Scikit-Learn >=1.0", "scikit-learn", False),
        ("python 3.11", "python", False),
    ],
)
def test_conda_spec_helpers(spec: str, package: str, mlflow_reads: bool) -> None:
    assert conda_package(spec) == package
    assert (re.match(MLFLOW_CONDA_DEP_PATTERN, spec.strip()) is not None) is mlflow_reads


def test_schema_warnings_keep_their_severity(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"python_env.yaml": PYTHON_ENV.replace("python: 3.11.7", "python: latest")})
    (found,) = findings(tmp_path)
    assert (found.rule, found.severity, found.pointer) == (
        "python-env-schema",
        Severity.WARNING,
        "/python",
    )
