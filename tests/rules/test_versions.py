"""rules/versions.py: recorded versions against the pins of the environment files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules.versions import (
    FLAVOR_VERSIONS,
    conda_satisfies,
    conda_version_spec,
    mlflow_pin_matches,
)

RULES = {
    "flavor-version-mismatch",
    "python-version-mismatch",
    "mlflow-version-mismatch",
    "env-pins-disagree",
}
PINS = ["mlflow==3.17.2", "cloudpickle==3.1.3", "scikit-learn==1.9.1"]


def conda(pip: list[str], python: str = "python=3.11.7", extra: tuple[str, ...] = ()) -> str:
    deps = "".join(f"- {d}\n" for d in (python, *extra, "pip"))
    return (
        "channels:\n- conda-forge\ndependencies:\n"
        + deps
        + "- pip:\n"
        + "".join(f"  - {p}\n" for p in pip)
        + "name: mlflow-env\n"
    )


Make = Callable[..., Path]
Findings = Callable[[Path], list[Finding]]


@pytest.fixture(scope="module")
def make(sklearn_mlmodel: str, write_files: Callable[..., Path]) -> Make:
    def make(root: Path, **files: str) -> Path:
        base = {
            "MLmodel": sklearn_mlmodel,
            "model.pkl": "placeholder\n",
            "requirements.txt": "\n".join(PINS),
            "conda.yaml": conda(PINS),
            "python_env.yaml": "python: 3.11.7\ndependencies:\n- -r requirements.txt\n",
        }
        base.update({k.replace("__", "."): v for k, v in files.items()})
        return write_files(root, base)

    return make


@pytest.fixture(scope="module")
def findings(rule_findings: Callable[..., list[Finding]]) -> Findings:
    return lambda root: rule_findings(root, RULES)


def test_consistent_model(tmp_path: Path, make: Make, findings: Findings) -> None:
    assert findings(make(tmp_path)) == []


def test_flavor_version_mismatch_names_both_places(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    pins = ["mlflow==3.17.2", "cloudpickle==3.1.3", "scikit-learn==1.8.0"]
    make(tmp_path, requirements__txt="\n".join(pins), conda__yaml=conda(pins))
    found = findings(tmp_path)
    assert {(f.rule, f.pointer, f.line, f.severity) for f in found} == {
        ("flavor-version-mismatch", "/flavors/sklearn/sklearn_version", 13, Severity.WARNING)
    }
    messages = sorted(f.message for f in found)
    assert messages == [
        "sklearn.sklearn_version is 1.9.1 but conda.yaml line 9 pins scikit-learn==1.8.0",
        "sklearn.sklearn_version is 1.9.1 but requirements.txt line 3 pins scikit-learn==1.8.0",
    ]


def test_cloudpickle_version_mismatch(
    tmp_path: Path, make: Make, findings: Findings, sklearn_mlmodel: str
) -> None:
    mlmodel = sklearn_mlmodel.replace("cloudpickle_version: 3.1.3", "cloudpickle_version: 3.0.0")
    make(tmp_path, MLmodel=mlmodel)
    found = findings(tmp_path)
    assert {f.pointer for f in found} == {"/flavors/python_function/cloudpickle_version"}


@pytest.mark.parametrize(
    "pin",
    [
        "scikit-learn==1.9.1.0",  # PEP 440 equal
        "scikit-learn==1.9.*",  # a wildcard pin it satisfies
        "scikit-learn>=1.0",  # not a pin
        'scikit-learn==1.8.0; python_version < "3.0"',  # a marker: not for this Python
        "scikit-learn @ https://example.org/scikit_learn-1.8.0.whl",
        "Scikit_Learn==1.9.1",  # normalised name
    ],
)
def test_no_flavor_mismatch(tmp_path: Path, pin: str, make: Make, findings: Findings) -> None:
    pins = ["mlflow==3.17.2", "cloudpickle==3.1.3", pin]
    make(tmp_path, requirements__txt="\n".join(pins), conda__yaml=conda(PINS))
    assert [f for f in findings(tmp_path) if f.rule == "flavor-version-mismatch"] == []


def test_wildcard_pin_mismatch(tmp_path: Path, make: Make, findings: Findings) -> None:
    pins = ["mlflow==3.17.2", "cloudpickle==3.1.3", "scikit-learn==1.8.*"]
    make(tmp_path, requirements__txt="\n".join(pins))
    assert [f.rule for f in findings(tmp_path)] == ["flavor-version-mismatch"]


def test_local_version_label_on_the_flavor_side(
    tmp_path: Path, make: Make, findings: Findings, sklearn_mlmodel: str
) -> None:
    mlmodel = sklearn_mlmodel.replace("sklearn_version: 1.9.1", "sklearn_version: 1.9.1+custom")
    make(tmp_path, MLmodel=mlmodel)
    assert findings(tmp_path) == []


def test_pins_in_constraints_and_included_files_count(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(
        tmp_path,
        requirements__txt="mlflow==3.17.2\ncloudpickle==3.1.3\nscikit-learn\n-c constraints.txt",
        constraints__txt="scikit-learn==1.7.2\n",
    )
    (found,) = [f for f in findings(tmp_path) if f.rule == "flavor-version-mismatch"]
    assert "constraints.txt line 1" in found.message


def test_old_conda_package_pin(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, conda__yaml=conda(PINS[:2], extra=("scikit-learn=0.23.2",)))
    found = findings(tmp_path)
    assert [f.rule for f in found] == ["flavor-version-mismatch"]
    assert "conda package 'scikit-learn=0.23.2'" in found[0].message


@pytest.mark.parametrize("flavor", sorted(FLAVOR_VERSIONS))
def test_every_known_flavor_version_key(
    tmp_path: Path, flavor: str, make: Make, findings: Findings
) -> None:
    key, names = FLAVOR_VERSIONS[flavor]
    block = f"  {flavor}:\n    {key}: 2.0.0\n    loader_module: x\n"
    mlmodel = f"flavors:\n{block}utc_time_created: '2026-11-26 20:54:05.773815'\n"
    make(tmp_path, MLmodel=mlmodel, requirements__txt=f"{names[0]}==1.0.0", conda__yaml=conda([]))
    found = [f for f in findings(tmp_path) if f.rule == "flavor-version-mismatch"]
    assert [f.pointer for f in found] == [f"/flavors/{flavor}/{key}"]


# -- python ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("python_env", "conda_python", "mismatches"),
    [
        ("3.11.7", "python=3.11.7", 0),
        ("3.11", "python=3.11", 0),
        ("3.11.7", "python=3.11.*", 0),
        ("3.11.7", "python>=3.8", 0),
        ("3.11.7", "python 3.11.7", 0),
        ("3.11.7", "python", 0),
        ("3.10.12", "python=3.11.7", 1),
        ("3.11.7", "python=3.10", 1),
        ("3.11.7", "python==3.11.6", 1),
        ("3.11.7", "python<3.11", 1),
        ("3.1", "python=3.1", 2),  # 3.1 is not a prefix of 3.11.7
        ("3.10.12", "python=3.10.12", 2),
    ],
)
def test_python_versions(
    tmp_path: Path,
    python_env: str,
    conda_python: str,
    mismatches: int,
    *,
    make: Make,
    findings: Findings,
) -> None:
    make(
        tmp_path,
        python_env__yaml=f"python: '{python_env}'\ndependencies:\n- -r requirements.txt\n",
        conda__yaml=conda(PINS, python=conda_python),
    )
    found = [f for f in findings(tmp_path) if f.rule == "python-version-mismatch"]
    assert len(found) == mismatches, [f.message for f in found]
    assert all(f.pointer == "/flavors/python_function/python_version" for f in found)


def test_python_mismatch_message(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, python_env__yaml="python: 3.10.12\n")
    (found,) = findings(tmp_path)
    assert (
        found.message == "python_version is 3.11.7 but python_env.yaml line 1 has python: 3.10.12"
    )


# -- mlflow ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recorded", "pin", "expected"),
    [
        ("3.17.2", "3.17.2", True),
        ("3.17.2", "3.17.1", False),
        ("2.4.1", "2.4", True),  # MLflow 2.4 pinned major.minor
        ("2.5.0", "2.4", False),
        ("2.8.1.dev0", "2.8.0", True),  # dev builds pin micro - 1
        ("2.8.1.dev0", "2.8.1.dev0", True),  # ... except in MLflow's own CI
        ("2.8.1.dev0", "2.7.0", False),
        ("3.0.0.dev0", "3.0.0", False),
        ("3.17.2", "3.17.2.0", True),
        ("garbage", "3.17.2", None),
    ],
)
def test_mlflow_pin_matches(recorded: str, pin: str, expected: bool | None) -> None:
    assert mlflow_pin_matches(recorded, pin) is expected


def test_mlflow_version_mismatch(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(tmp_path, requirements__txt="mlflow==3.16.0\ncloudpickle==3.1.3\nscikit-learn==1.9.1")
    found = findings(tmp_path)
    assert {f.rule for f in found} == {"mlflow-version-mismatch", "env-pins-disagree"}
    (mismatch,) = [f for f in found if f.rule == "mlflow-version-mismatch"]
    assert (mismatch.pointer, mismatch.line) == ("/mlflow_version", 14)


@pytest.mark.parametrize("pin", ["mlflow", "mlflow<3,>=2.1", "mlflow==3.*"])
def test_mlflow_without_exact_pin(tmp_path: Path, pin: str, make: Make, findings: Findings) -> None:
    pins = [pin, *PINS[1:]]
    make(tmp_path, requirements__txt="\n".join(pins), conda__yaml=conda(pins))
    assert findings(tmp_path) == []


# -- conda vs pip ----------------------------------------------------------------------------


def test_pins_disagree(tmp_path: Path, make: Make, findings: Findings) -> None:
    make(
        tmp_path,
        requirements__txt="\n".join([*PINS, "numpy==2.4.6"]),
        conda__yaml=conda([*PINS, "numpy==2.3.0"]),
    )
    (found,) = findings(tmp_path)
    assert (found.rule, found.file, found.pointer, found.line) == (
        "env-pins-disagree",
        "conda.yaml",
        "/dependencies/2/pip/3",
        10,
    )
    assert "requirements.txt line 4 pins numpy==2.4.6" in found.message


def test_pins_disagree_with_python_env_dependencies(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(
        tmp_path,
        python_env__yaml="python: 3.11.7\ndependencies:\n- numpy==2.4.6\n",
        conda__yaml=conda([*PINS, "numpy==2.3.0"]),
    )
    (found,) = findings(tmp_path)
    assert "python_env.yaml line 3" in found.message


def test_shared_constraints_are_not_a_disagreement(
    tmp_path: Path, make: Make, findings: Findings
) -> None:
    make(
        tmp_path,
        requirements__txt="\n".join([*PINS, "-c constraints.txt"]),
        constraints__txt="numpy==2.3.0\n",
        conda__yaml=conda([*PINS, "numpy==2.3.0", "-c constraints.txt"]),
    )
    assert findings(tmp_path) == []


# -- conda spec helpers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("python=3.11.7", ("=", "3.11.7")),
        ("python==3.11.7", ("==", "3.11.7")),
        ("python 3.11", ("=", "3.11")),
        ("python=3.11.*", ("=", "3.11")),
        ("python=3.11*", ("=", "3.11")),
        ("python=3.11.7=h955ad1f_0", ("=", "3.11.7")),
        ("python 3.11.7 h955ad1f_0", ("=", "3.11.7")),
        ("conda-forge::python=3.10", ("=", "3.10")),
        ("python>=3.8", (">=", "3.8")),
        ("python", None),
        ("python>=3.8,<3.12", None),
        ("python3.11", None),
    ],
)
def test_conda_version_spec(spec: str, expected: tuple[str, str] | None) -> None:
    assert conda_version_spec(spec) == expected


@pytest.mark.parametrize(
    ("version", "operator", "pin", "expected"),
    [
        ("1.9.1", "=", "1.9", True),
        ("1.9.1", "=", "1.9.1", True),
        ("1.9", "=", "1.9.0", True),
        ("1.10.0", "=", "1.1", False),
        ("1.9.1", "==", "1.9", False),
        ("1.9.1rc1", "=", "1.9.1rc1", True),
        ("1.9.1", "=", "1.9.1rc1", False),
    ],
)
def test_conda_satisfies(version: str, operator: str, pin: str, expected: bool) -> None:
    assert conda_satisfies(version, operator, pin) is expected
