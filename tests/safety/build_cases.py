"""Write the ``safety-*`` validation cases (tests/cases/*/safety-*/) from ``crafted``.

Run ``python tests/safety/build_cases.py`` to rewrite them; ``test_reader.py``
checks the committed cases match. The payloads are tiny hand-built pickles, never loaded.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import crafted

CASES = Path(__file__).resolve().parents[1] / "cases"
ENV = {
    "conda.yaml": "channels:\n- conda-forge\ndependencies:\n- python=3.11.7\n- pip\n- pip:\n"
    "  - mlflow==3.17.2\n  - scikit-learn==1.9.1\n  - cloudpickle==3.1.3\nname: mlflow-env\n",
    "python_env.yaml": "python: 3.11.7\nbuild_dependencies:\n- pip\ndependencies:\n"
    "- -r requirements.txt\n",
    "requirements.txt": "mlflow==3.17.2\nscikit-learn==1.9.1\ncloudpickle==3.1.3\n",
}


def sklearn_mlmodel(payload: str, fmt: str, trusted: list[str] | None = None) -> dict[str, object]:
    sklearn: dict[str, object] = {
        "code": None,
        "pickled_model": payload,
        "serialization_format": fmt,
        "sklearn_version": "1.9.1",
    }
    if fmt == "skops":
        sklearn["skops_trusted_types"] = trusted
    return {
        "flavors": {
            "python_function": {
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.sklearn",
                "model_path": payload,
                "predict_fn": "predict",
                "python_version": "3.11.7",
            },
            "sklearn": sklearn,
        },
        "mlflow_version": "3.17.2",
        "model_uuid": "0d6f4c2a9b8e4f1a8c3d2e1f0a9b8c7d",
        "utc_time_created": "2026-12-02 20:00:00.000000",
    }


def custom_mlmodel() -> dict[str, object]:
    return {
        "flavors": {
            "python_function": {
                "cloudpickle_version": "3.1.3",
                "code": None,
                "env": {"conda": "conda.yaml", "virtualenv": "python_env.yaml"},
                "loader_module": "mlflow.pyfunc.model",
                "python_model": "python_model.pkl",
                "python_version": "3.11.7",
                "streamable": False,
            }
        },
        "mlflow_version": "3.17.2",
        "model_uuid": "1e7a5d3b0c9f4a2b9d4e3f2a1b0c9d8e",
        "utc_time_created": "2026-12-02 20:00:00.000000",
    }


def cloudpickled_model_with(extra: bytes) -> bytes:
    """A cloudpickle-shaped custom model (a class rebuilt from code) plus ``extra`` opcodes."""
    cls = (
        crafted.stack_global("cloudpickle.cloudpickle", "_make_skeleton_class")
        + b"("
        + crafted.stack_global("builtins", "type")
        + crafted.unicode("AddN")
        + crafted.stack_global("mlflow.pyfunc.model", "PythonModel")
        + b"\x85}NNtR"
    )
    payload: bytes = crafted.proto(5) + cls + extra + b"."
    return payload


CASE_DEFS: list[tuple[str, str, dict[str, object], dict[str, bytes], list[str], list[str]]] = [
    (
        "invalid/safety-reduce-os-system",
        "a scikit-learn pickle that calls os.system by STACK_GLOBAL and REDUCE is dangerous",
        sklearn_mlmodel("model.pkl", "cloudpickle"),
        {"model.pkl": crafted.reduce_call("os", "system", "id")},
        ["safety-dangerous-global", "safety-payload-globals"],
        [],
    ),
    (
        "invalid/safety-unknown-global",
        "a scikit-learn pickle importing a class no allow-list admits draws a warning",
        sklearn_mlmodel("model.pkl", "pickle"),
        {"model.pkl": crafted.benign_estimator("churn_helpers.scaling", "RobustScaler")},
        ["safety-payload-globals", "safety-unknown-global"],
        [],
    ),
    (
        "invalid/safety-dynamic-global",
        "a pickle whose STACK_GLOBAL name is computed at load time hides what it calls",
        sklearn_mlmodel("model.pkl", "pickle"),
        {"model.pkl": crafted.dynamic_global()},
        ["safety-dynamic-global", "safety-payload-globals"],
        [],
    ),
    (
        "invalid/safety-truncated-pickle",
        "a pickle that ends before STOP cannot be scanned to its end",
        sklearn_mlmodel("model.pkl", "pickle"),
        {"model.pkl": crafted.truncated()},
        ["safety-payload-globals", "safety-scan-incomplete"],
        [],
    ),
    (
        "invalid/safety-custom-model-runs-command",
        "a cloudpickled custom model that also calls subprocess.Popen is dangerous, and its "
        "code is summarised once",
        custom_mlmodel(),
        {
            "python_model.pkl": cloudpickled_model_with(
                crafted.reduce_call("subprocess", "Popen", "id")[2:-1] + b"0"
            )
        },
        ["safety-carries-code", "safety-dangerous-global"],
        [],
    ),
    (
        "invalid/safety-skops-trusts-eval",
        "skops_trusted_types that trusts builtins.eval and a type the archive does not hold is "
        "flagged",
        sklearn_mlmodel("model.skops", "skops", ["builtins.eval", "churn_helpers.Anything"]),
        {
            "model.skops": crafted.skops_archive(
                [("sklearn.linear_model._logistic", "LogisticRegression")]
            )
        },
        ["safety-payload-globals", "safety-skops-trust-widened"],
        [],
    ),
    (
        "valid/safety-sklearn-pickle-benign",
        "a scikit-learn pickle importing only allow-listed globals draws only its inventory (info)",
        sklearn_mlmodel("model.pkl", "cloudpickle"),
        {"model.pkl": crafted.benign_estimator()},
        ["safety-payload-globals"],
        [
            "safety-dangerous-global",
            "safety-unknown-global",
            "safety-dynamic-global",
            "safety-scan-incomplete",
            "safety-carries-code",
        ],
    ),
    (
        "valid/safety-skops-trusts-what-it-holds",
        "skops_trusted_types naming only the types the archive holds is valid",
        sklearn_mlmodel(
            "model.skops", "skops", ["sklearn.linear_model._logistic.LogisticRegression"]
        ),
        {
            "model.skops": crafted.skops_archive(
                [("sklearn.linear_model._logistic", "LogisticRegression")]
            )
        },
        ["safety-payload-globals"],
        ["safety-skops-trust-widened", "safety-unknown-global"],
    ),
    (
        "valid/safety-placeholder-payload",
        "a model whose payload file is a placeholder, not a pickle, draws no safety finding",
        sklearn_mlmodel("model.pkl", "cloudpickle"),
        {"model.pkl": b"placeholder payload\n"},
        [],
        ["safety-payload-globals", "safety-scan-incomplete"],
    ),
]


def main() -> None:
    for rel, description, mlmodel, payloads, expect, exercises in CASE_DEFS:
        folder = CASES / rel
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "MLmodel").write_text(yaml.safe_dump(mlmodel, sort_keys=True))
        for name, text in ENV.items():
            (folder / name).write_text(text)
        for name, data in payloads.items():
            (folder / name).write_bytes(data)
        case: dict[str, object] = {"description": description, "expect": expect}
        if exercises:
            case["exercises"] = exercises
        (folder / "case.yaml").write_text(yaml.safe_dump(case, sort_keys=False, width=100))


if __name__ == "__main__":
    main()
