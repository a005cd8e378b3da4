"""rules/loader_module.py: loader_module is a module name that fits the flavors; never imported."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from mlmodel_spec.conformance.context import ModelContext
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.registry import Problem
from mlmodel_spec.conformance.rules import loader_module
from mlmodel_spec.conformance.validate import validate_model
from mlmodel_spec.conformance.yaml_source import load_yaml

RULES = {
    "loader-module-invalid",
    "loader-module-flavor-mismatch",
    "python-model-missing",
    "no-pyfunc-flavor",
}


def problems(text: str, tmp_path: Path) -> list[Problem]:
    ctx = ModelContext(tmp_path, load_yaml(text))
    return [*loader_module.loader_module_fits(ctx), *loader_module.has_pyfunc_flavor(ctx)]


def rules(text: str, tmp_path: Path) -> list[str]:
    return sorted(p.rule for p in problems(text, tmp_path))


def pyfunc(loader: str, extra: str = "", flavors: str = "") -> str:
    return f"flavors:\n  python_function:\n    loader_module: {loader}\n{extra}{flavors}"


@pytest.mark.parametrize(
    "name",
    [
        "mlflow.sklearn",
        "mlflow.pyfunc.loaders.chat_model",
        "my_package.loaders.v2",
        "_private",
        "ünïcode_module",  # Python 3 identifiers may be non-ASCII
        "a1.b2",
    ],
)
def test_valid_module_names(name: str) -> None:
    assert loader_module.module_name_problem(name) is None


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "is empty"),
        (" mlflow.sklearn", "white space"),
        ("mlflow/sklearn", "file path"),
        ("code\\loader", "file path"),
        ("loader.py", "file extension"),
        ("pkg.loader.pyc", "file extension"),
        (".loader", "relative"),
        ("pkg..loader", "empty component"),
        ("pkg.loader.", "empty component"),
        ("my-loader", "'my-loader'"),
        ("pkg.1loader", "'1loader'"),
        ("my loader", "'my loader'"),
    ],
)
def test_invalid_module_names(name: str, reason: str) -> None:
    problem = loader_module.module_name_problem(name)
    assert problem is not None
    assert reason in problem


def test_invalid_name_is_located_and_stops_further_checks(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(pyfunc("mlflow/pyfunc/model.py"))
    found = [f for f in validate_model(tmp_path) if f.rule in RULES]
    assert [(f.rule, f.pointer, f.line, f.column) for f in found] == [
        ("loader-module-invalid", "/flavors/python_function/loader_module", 3, 20)
    ]
    assert "'mlflow/pyfunc/model.py'" in found[0].message


@pytest.mark.parametrize(
    ("loader", "flavors", "expected"),
    [
        ("mlflow.sklearn", "  sklearn:\n    pickled_model: model.pkl\n", []),
        ("mlflow.lightgbm", "  lightgbm:\n    data: model.lgb\n", []),
        ("mlflow.xgboost", "  xgboost:\n    data: model.xgb\n", []),
        ("mlflow.sklearn", "  lightgbm:\n    data: model.lgb\n", ["loader-module-flavor-mismatch"]),
        ("mlflow.pytorch", "", ["loader-module-flavor-mismatch"]),
        ("mlflow.pyfunc", "", ["loader-module-flavor-mismatch"]),
        # MLflow helper modules and third-party loaders have no flavor block to match
        ("mlflow.prompt.promptlab_model", "", []),
        ("my_company.flavors.churn", "", []),
        ("sktime_flavor", "", []),
    ],
)
def test_flavor_modules_need_their_block(
    tmp_path: Path, loader: str, flavors: str, expected: list[str]
) -> None:
    assert rules(pyfunc(loader, flavors=flavors), tmp_path) == expected


def test_mismatch_message_names_the_flavors(tmp_path: Path) -> None:
    text = pyfunc("mlflow.sklearn", flavors="  lightgbm:\n    data: model.lgb\n")
    (problem,) = problems(text, tmp_path)
    assert "'sklearn'" in problem.message
    assert "['lightgbm', 'python_function']" in problem.message
    (problem,) = problems(pyfunc("mlflow.pyfunc"), tmp_path)
    assert "mlflow.pyfunc.model" in problem.message


@pytest.mark.parametrize(
    ("loader", "extra", "expected"),
    [
        ("mlflow.pyfunc.model", "    python_model: python_model.pkl\n", []),
        ("mlflow.pyfunc.model", "    model_code_path: /home/a/model.py\n", []),
        ("mlflow.pyfunc.model", "", ["python-model-missing"]),
        ("mlflow.pyfunc.model", "    python_model: null\n", ["python-model-missing"]),
        ("mlflow.pyfunc.loaders.code_model", "    model_code_path: /a/agent.py\n", []),
        ("mlflow.pyfunc.loaders.code_model", "", ["python-model-missing"]),
        ("mlflow.pyfunc.loaders.chat_model", "", ["python-model-missing"]),
        ("mlflow.pyfunc.loaders.responses_agent", "    python_model: p.pkl\n", []),
        ("my_loader", "", []),  # a loader-module model keeps its data under `data`
    ],
)
def test_custom_models_need_python_model_or_model_code_path(
    tmp_path: Path, loader: str, extra: str, expected: list[str]
) -> None:
    assert rules(pyfunc(loader, extra), tmp_path) == expected


def test_python_model_missing_is_an_error_at_the_loader(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text(pyfunc("mlflow.pyfunc.loaders.chat_model"))
    (finding,) = [f for f in validate_model(tmp_path) if f.rule in RULES]
    assert (finding.rule, finding.severity, finding.line) == (
        "python-model-missing",
        Severity.ERROR,
        3,
    )


def test_no_pyfunc_flavor_is_info(tmp_path: Path) -> None:
    (tmp_path / "MLmodel").write_text("flavors:\n  sklearn:\n    pickled_model: model.skops\n")
    (tmp_path / "model.skops").write_text("x")
    found: list[Finding] = [f for f in validate_model(tmp_path) if f.rule in RULES]
    assert [(f.rule, f.severity, f.pointer, f.line) for f in found] == [
        ("no-pyfunc-flavor", Severity.INFO, "/flavors", 1)
    ]
    assert "'sklearn'" in found[0].message


@pytest.mark.parametrize(
    "text",
    [
        "flavors: {}\n",  # nothing to load at all: the schema's business
        "flavors: []\n",
        "utc_time_created: '2026-01-01 00:00:00'\n",
        pyfunc("mlflow.sklearn", flavors="  sklearn:\n    pickled_model: m.pkl\n"),
        "flavors:\n  python_function: not-a-mapping\n",
    ],
)
def test_no_pyfunc_flavor_stays_silent(tmp_path: Path, text: str) -> None:
    assert "no-pyfunc-flavor" not in rules(text, tmp_path)


@pytest.mark.parametrize("value", ["42", "null", "[mlflow.sklearn]"])
def test_non_string_loader_is_left_to_the_schema(tmp_path: Path, value: str) -> None:
    assert rules(pyfunc(value), tmp_path) == []


def test_the_loader_module_is_never_imported(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    code = tmp_path / "code"
    code.mkdir()
    (code / "evil_loader.py").write_text(
        f"open({str(marker)!r}, 'w').write('imported')\ndef _load_pyfunc(path):\n    return None\n"
    )
    (tmp_path / "MLmodel").write_text(pyfunc("evil_loader", "    code: code\n"))
    sys.path.insert(0, str(code))
    try:
        validate_model(tmp_path)
    finally:
        sys.path.remove(str(code))
    assert not marker.exists()
    assert "evil_loader" not in sys.modules
