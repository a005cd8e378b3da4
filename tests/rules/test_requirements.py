"""rules/requirements.py: pip lines in requirements/constraints files and the env YAML files."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.context import ModelContext
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules import requirements
from mlmodel_spec.conformance.validate import validate_model
from mlmodel_spec.conformance.yaml_source import load_yaml

RULES = {
    "requirements-syntax",
    "requirements-option-ignored",
    "requirements-include-invalid",
    "requirements-conflict",
    "env-file-unreadable",
}
REQS = "mlflow==3.17.2\ncloudpickle==3.1.3\nscikit-learn==1.9.1"
PYTHON_ENV = "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n- -r requirements.txt\n"


def conda(*pip: str) -> str:
    lines = "".join(f"  - {p}\n" for p in pip)
    head = "channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip\n"
    return f"{head}- pip:\n{lines}name: env\n"


Make = Callable[[Path, dict[str, str | bytes]], Path]
Findings = Callable[[Path], list[Finding]]


@pytest.fixture(scope="module")
def make(sklearn_mlmodel: str, write_files: Callable[..., Path]) -> Make:
    def make(root: Path, files: dict[str, str | bytes]) -> Path:
        base: dict[str, str | bytes] = {
            "MLmodel": sklearn_mlmodel,
            "model.pkl": "placeholder\n",
            "requirements.txt": REQS,
            "python_env.yaml": PYTHON_ENV,
            "conda.yaml": conda(*REQS.splitlines()),
        }
        return write_files(root, {**base, **files})

    return make


@pytest.fixture(scope="module")
def findings(rule_findings: Callable[..., list[Finding]]) -> Findings:
    return lambda root: rule_findings(root, RULES)


def test_consistent_model_is_silent(tmp_path: Path, make: Make, findings: Findings) -> None:
    assert findings(make(tmp_path, {})) == []


def test_syntax_error_position_in_requirements_file(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"requirements.txt": "mlflow==3.17.2\n\n  scikit-learn=1.9.1\n"})
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.line, found.column) == (
        "requirements-syntax",
        "requirements.txt",
        3,
        15,
    )
    assert "scikit-learn=1.9.1" in found.message
    assert found.severity is Severity.WARNING  # MLflow 2.22/3.17 load and predict with it


def test_syntax_error_in_yaml_entries_points_into_the_yaml(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"conda.yaml": conda("mlflow==3.17.2", "numpy=2.4.6")})
    (found,) = findings(tmp_path)
    assert (found.file, found.pointer, found.line) == ("conda.yaml", "/dependencies/2/pip/1", 8)


def test_python_env_build_dependencies_are_checked(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"python_env.yaml": PYTHON_ENV.replace("- pip\n", "- pip=23.2.1\n")})
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.pointer) == (
        "requirements-syntax",
        "python_env.yaml",
        "/build_dependencies/0",
    )


def test_env_variables_make_a_syntax_error_a_warning(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"requirements.txt": REQS + "\nprivate-lib==${PRIVATE_LIB_VERSION}"})
    (found,) = findings(tmp_path)
    assert found.severity is Severity.WARNING
    assert "${VARIABLES}" in found.message


@pytest.mark.parametrize(
    ("include", "fragment"),
    [
        ("-r missing.txt", "does not exist"),
        ("-r /etc/requirements.txt", "absolute path"),
        ("-r ../outside.txt", "escapes the model directory"),
        ("-c sub", "not a regular file"),
    ],
)
def test_include_problems(
    tmp_path: Path, include: str, fragment: str, make: Make, findings: Findings
) -> None:
    make(tmp_path / "model", {"requirements.txt": REQS + "\n" + include, "sub/x.txt": "a\n"})
    (tmp_path / "outside.txt").write_text("numpy\n")
    (found,) = findings(tmp_path / "model")
    assert found.rule == "requirements-include-invalid"
    assert (found.file, found.line) == ("requirements.txt", 4)
    assert fragment in found.message
    # pyfunc.load_model follows -r/-c from requirements.txt and fails (FileNotFoundError)
    assert found.severity is Severity.ERROR


def test_include_problem_only_env_managers_reach_is_a_warning(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    # python_env.yaml's dependencies reach virtualenv/uv only; MLflow loads the model
    make(tmp_path, {"python_env.yaml": PYTHON_ENV.replace("requirements.txt", "prod.txt")})
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.severity) == (
        "requirements-include-invalid",
        "python_env.yaml",
        Severity.WARNING,
    )
    assert "only environment managers read it" in found.message


def test_include_problem_reached_from_requirements_and_envs_is_one_error(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    # requirements.txt's -r line is reached again through python_env.yaml's -r requirements.txt
    make(tmp_path, {"requirements.txt": REQS + "\n-r missing.txt"})
    (found,) = findings(tmp_path)
    assert (found.file, found.severity) == ("requirements.txt", Severity.ERROR)


def test_include_through_a_symlink_leaving_the_model(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path / "model", {"requirements.txt": REQS + "\n-r extra.txt"})
    (tmp_path / "outside.txt").write_text("numpy\n")
    (tmp_path / "model" / "extra.txt").symlink_to(tmp_path / "outside.txt")
    (found,) = findings(tmp_path / "model")
    assert found.rule == "requirements-include-invalid"
    assert "symlink" in found.message


def test_include_of_a_fifo_is_refused_without_blocking(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"requirements.txt": REQS + "\n-r pipe.txt"})
    os.mkfifo(tmp_path / "pipe.txt")
    (found,) = findings(tmp_path)
    assert "not a regular file" in found.message


def test_includes_resolve_relative_to_the_including_file(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(
        tmp_path,
        {
            "requirements.txt": REQS + "\n-r reqs/base.txt",
            "reqs/base.txt": "-c pins.txt\nnumpy\n",
            "reqs/pins.txt": "numpy==2.4.6\nbad=1\n",
        },
    )
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.line) == ("requirements-syntax", "reqs/pins.txt", 2)


def test_conda_pip_includes_resolve_next_to_the_conda_file(
    tmp_path: Path, make: Make, findings: Findings, sklearn_mlmodel: str
) -> None:
    files: dict[str, str | bytes] = {
        "conda.yaml": "",
        "envs/conda.yaml": conda("-r extra.txt"),
        "envs/extra.txt": "x\n",
    }
    make(tmp_path, files)
    mlmodel = sklearn_mlmodel.replace("conda: conda.yaml", "conda: envs/conda.yaml")
    (tmp_path / "MLmodel").write_text(mlmodel)
    assert findings(tmp_path) == []
    (tmp_path / "envs" / "extra.txt").unlink()
    (found,) = findings(tmp_path)
    assert (found.file, found.rule) == ("envs/conda.yaml", "requirements-include-invalid")


def test_url_includes_are_not_checked(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, {"requirements.txt": REQS + "\n-r https://example.org/requirements.txt"})
    assert findings(tmp_path) == []


def test_include_cycle(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(
        tmp_path,
        {"requirements.txt": REQS + "\n-r a.txt", "a.txt": "-r b.txt\n", "b.txt": "-r a.txt\n"},
    )
    (found,) = findings(tmp_path)
    assert found.file == "b.txt"
    assert "(a.txt -> b.txt -> a.txt)" in found.message


def test_self_include(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, {"requirements.txt": REQS + "\n-r ./requirements.txt"})
    (found,) = findings(tmp_path)
    assert "(requirements.txt -> requirements.txt)" in found.message


def test_diamond_includes_are_read_once_and_not_a_cycle(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(
        tmp_path,
        {
            "requirements.txt": REQS + "\n-r a.txt\n-r b.txt",
            "a.txt": "-r common.txt\n",
            "b.txt": "-r common.txt\n",
            "common.txt": "numpy=1\n",
        },
    )
    (found,) = findings(tmp_path)
    assert (found.file, found.line) == ("common.txt", 1)


def test_include_chain_is_bounded(tmp_path: Path, make: Make, findings: Findings) -> None:
    files: dict[str, str | bytes] = {"requirements.txt": REQS + "\n-r r0.txt"}
    for index in range(requirements.MAX_FILES + 10):
        files[f"r{index}.txt"] = f"-r r{index + 1}.txt\n"
    make(tmp_path, files)
    (found,) = findings(tmp_path)  # the missing last file is never reached
    assert (found.rule, found.severity) == ("requirements-include-invalid", Severity.WARNING)
    assert "are not checked" in found.message


@pytest.mark.parametrize(
    ("content", "fragment", "line"),
    [
        (b"mlflow==3.17.2\nnumpy==2.4.6 # \xe9\n", "not UTF-8", 2),
        (b"mlflow==3.17.2\x00\n", "NUL", 1),
    ],
)
def test_unreadable_requirements(
    tmp_path: Path, content: bytes, fragment: str, line: int, *, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"requirements.txt": content})
    found = findings(tmp_path)
    unreadable = [f for f in found if f.rule == "env-file-unreadable"]
    assert len(unreadable) == 1
    assert fragment in unreadable[0].message
    assert unreadable[0].line == line
    # pyfunc.load_model reads requirements.txt: UnicodeDecodeError (MLflow 2.22, 3.17)
    assert unreadable[0].severity is Severity.ERROR


def test_unreadable_file_only_env_managers_read_is_a_warning(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"constraints.txt": b"numpy==2.4.6  # caf\xe9\n"})
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.severity) == (
        "env-file-unreadable",
        "constraints.txt",
        Severity.WARNING,
    )


def test_conflicting_pins_across_requirements_and_constraints(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(
        tmp_path,
        {
            "requirements.txt": REQS + "\nnumpy==2.4.6\n-c constraints.txt",
            "constraints.txt": "numpy==2.3.0\n",
        },
    )
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.line) == ("requirements-conflict", "constraints.txt", 1)
    assert found.severity is Severity.WARNING  # only installing fails; loading installs nothing
    assert "requirements.txt line 4" in found.message


@pytest.mark.parametrize(
    "extra",
    [
        "numpy==2.4.6\nnumpy==2.4.6.0",  # the same version spelled twice
        'numpy==2.4.6\nnumpy==2.3.0; python_version < "3.9"',  # markers choose one
        "numpy==2.4.6\nnumpy>=2",  # not two exact pins
        "Scikit_Learn==1.9.1",  # same normalised name, same version
    ],
)
def test_no_conflict(tmp_path: Path, extra: str, make: Make, findings: Findings) -> None:
    make(tmp_path, {"requirements.txt": REQS + "\n" + extra})
    assert findings(tmp_path) == []


def test_conflict_with_normalised_names(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, {"requirements.txt": REQS + "\nScikit_Learn==1.8.0"})
    assert [f.rule for f in findings(tmp_path)] == ["requirements-conflict"]


def test_requirement_sets_are_cached_per_model(
    tmp_path: Path, make: Make, model_context: Callable[[Path], ModelContext]
) -> None:
    ctx = model_context(make(tmp_path, {}))
    first = requirements.requirement_sets(ctx)
    assert requirements.requirement_sets(ctx) is first
    assert set(first.sets) == {
        "requirements.txt",
        "python_env.yaml build_dependencies",
        "python_env.yaml dependencies",
        "conda.yaml pip",
    }
    pins = {r.key for _, r in first.sets["python_env.yaml dependencies"].requirements()}
    assert pins == {"mlflow", "cloudpickle", "scikit-learn"}  # followed -r requirements.txt


@pytest.mark.parametrize(
    ("env", "conda_file", "python_env_file"),
    [
        (None, "conda.yaml", "python_env.yaml"),
        ("conda.yaml", "conda.yaml", "python_env.yaml"),
        ({"conda": "c.yaml", "virtualenv": "p.yaml"}, "c.yaml", "p.yaml"),
        ({"conda": "c.yaml"}, "c.yaml", None),
        ({"conda": 3, "virtualenv": ["x"]}, None, None),
        (7, None, "python_env.yaml"),
    ],
)
def test_env_file_names(tmp_path: Path, env: object, conda_file: str, python_env_file: str) -> None:
    pyfunc: dict[str, object] = {"loader_module": "mlflow.sklearn"}
    if env is not None:
        pyfunc["env"] = env
    doc = load_yaml("flavors: {}\n")
    doc.data = {"flavors": {"python_function": pyfunc}}
    ctx = ModelContext(tmp_path, doc)
    assert requirements.conda_file_name(ctx) == conda_file
    assert requirements.python_env_file_name(ctx) == python_env_file


def test_metadata_only_skips_file_checks(tmp_path: Path, make: Make) -> None:
    from mlmodel_spec.conformance.context import ValidationOptions

    make(tmp_path, {"requirements.txt": "bad=1"})
    found = validate_model(tmp_path, options=ValidationOptions(metadata_only=True))
    assert not [f for f in found if f.rule in RULES]


def test_huge_requirements_file_is_not_parsed(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(tmp_path, {"requirements.txt": "numpy==2.4.6\n" * (requirements.MAX_BYTES // 10)})
    (found,) = findings(tmp_path)
    assert (found.rule, found.severity) == ("env-file-unreadable", Severity.WARNING)
    assert "not checked" in found.message


def test_include_ladder_is_walked_once_per_file(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    # 40 diamonds in a row: walking every path would take 2**40 steps
    files: dict[str, str | bytes] = {"requirements.txt": REQS + "\n-r d0.txt"}
    for index in range(40):
        files[f"d{index}.txt"] = f"-r a{index}.txt\n-r b{index}.txt\n"
        files[f"a{index}.txt"] = f"-r d{index + 1}.txt\n"
        files[f"b{index}.txt"] = f"-r d{index + 1}.txt\n"
    files["d40.txt"] = "numpy==2.4.6\n"
    make(tmp_path, files)
    found = findings(tmp_path)
    assert [f.rule for f in found] == ["requirements-include-invalid"]  # over MAX_FILES
