"""Model directories for the dynamic checks: good ones, and ones broken in exactly one way.

Every directory is written by our runtime (``mlmodel_spec.*.save_model``) and, for the broken
ones, then changed by hand where the runtime would refuse to write the fault. The custom
model classes live here and are pickled by value, so the check's child process (and MLflow)
can load them without importing this file.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cloudpickle
import numpy as np
import pandas as pd
import pytest
import yaml

from mlmodel_spec import pyfunc
from mlmodel_spec.models import infer_signature

cloudpickle.register_pickle_by_value(sys.modules[__name__])

FEATURES = ["a", "b", "c"]


def frame(rows: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(rows, len(FEATURES))), columns=FEATURES)


class SumModel(pyfunc.PythonModel):
    """A well-behaved custom model: the row sums."""

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return model_input[FEATURES].sum(axis=1).to_numpy()


class WrongShape(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return np.zeros((len(model_input), 2))


class TooFewRows(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return super().predict(context, model_input)[:-1]


class Raises(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        raise ValueError("this model cannot predict")


class Segfaults(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        print("about to dereference NULL", file=sys.stderr, flush=True)
        ctypes.string_at(0)


class ExitsHard(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        os._exit(3)


class SleepsForever(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        while True:
            time.sleep(1)


class Allocates20GB(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return np.ones(20 * 2**30 // 8)


class Nondeterministic(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return np.random.default_rng().random(len(model_input))


class BatchDependent(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        values = super().predict(context, model_input)
        return values - values.mean()


class ChangesWhenReloaded(SumModel):
    """Each unpickling adds one: the payload does not capture the model."""

    def __init__(self) -> None:
        self.generation = 0

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state, generation=state["generation"] + 1)

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return super().predict(context, model_input) + self.generation


class Pollutes(SumModel):
    """Changes the process' global state when it predicts."""

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        os.environ["MLMODEL_SPEC_TEST_POLLUTED"] = "1"
        return super().predict(context, model_input)


class NeedsCleanProcess(SumModel):
    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        if os.environ.get("MLMODEL_SPEC_TEST_POLLUTED"):
            raise RuntimeError("a previous model's global state leaked into this process")
        return super().predict(context, model_input)


class PlainObject:
    """Not a scikit-learn object, though it predicts."""

    def predict(self, data: Any) -> Any:
        return np.zeros(len(data))


class TellsRuntimesApart(SumModel):
    """Predicts 1 under MLflow's runtime and 0 under ours (to prove mlflow-predicts-equal)."""

    def load_context(self, context: Any) -> None:
        self.under_mlflow = type(context).__module__.startswith("mlflow")

    def predict(self, context: Any, model_input: Any, params: Any = None) -> Any:
        return np.full(len(model_input), float(self.under_mlflow))


def save_custom(path: Path, model: pyfunc.PythonModel, *, outputs: bool = True) -> Path:
    example = frame()
    signature = infer_signature(example, SumModel().predict(None, example) if outputs else None)
    pyfunc.save_model(path, python_model=model, signature=signature, input_example=example)
    return path


def save_iris(path: Path, serialization_format: str = "skops") -> Path:
    from sklearn.linear_model import LogisticRegression

    import mlmodel_spec.sklearn

    x = frame(20)
    y = (x["a"] > 0).astype(int)
    clf = LogisticRegression().fit(x, y)
    mlmodel_spec.sklearn.save_model(
        clf,
        path,
        serialization_format=serialization_format,
        signature=infer_signature(x, clf.predict(x)),
        input_example=x[:5],
    )
    return path


def save_lightgbm(path: Path) -> Path:
    import lightgbm as lgb

    import mlmodel_spec.lightgbm

    x = frame(40)
    booster = lgb.train(
        {"objective": "regression", "verbose": -1, "min_data_in_leaf": 2, "num_threads": 1},
        lgb.Dataset(x, label=x["a"] * 2),
        num_boost_round=3,
    )
    mlmodel_spec.lightgbm.save_model(
        booster, path, signature=infer_signature(x, booster.predict(x)), input_example=x[:5]
    )
    return path


def edit_mlmodel(path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    document = yaml.safe_load((path / "MLmodel").read_text(encoding="utf-8"))
    change(document)
    (path / "MLmodel").write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def save_raises_on_import(path: Path) -> Path:
    """A pickle whose class lives in a module that raises when imported (from code/)."""
    source = path.parent / f"{path.name}-src"
    source.mkdir()
    (source / "boom_on_import.py").write_text("raise RuntimeError('refusing to be imported')\n")
    pyfunc.save_model(
        path,
        python_model=SumModel(),
        code_paths=[source / "boom_on_import.py"],
        input_example=frame(),
    )
    (path / "python_model.pkl").write_bytes(b"cboom_on_import\nModel\n.")
    return path


def save_type_hint_signature(path: Path) -> Path:
    """Its signature claims to come from type hints, so it is not enforced on input."""
    save_custom(path, SumModel())
    return edit_mlmodel(path, lambda d: d.update(is_signature_from_type_hint=True))


def save_extra_key(path: Path) -> Path:
    save_iris(path)
    return edit_mlmodel(path, lambda d: d.update(custom_field="kept by MLflow's Model"))


def _mlflow_1x_forms(document: dict[str, Any]) -> None:
    document["flavors"]["python_function"]["env"] = "conda.yaml"
    inputs = json.loads(document["signature"]["inputs"])
    document["signature"]["inputs"] = json.dumps(
        [{k: v for k, v in spec.items() if k != "required"} for spec in inputs]
    )


def _linear(path: Path, example: Any) -> Path:
    from sklearn.linear_model import LinearRegression

    import mlmodel_spec.sklearn

    train = frame() if isinstance(example, pd.DataFrame) else frame().to_numpy()
    model = LinearRegression().fit(train, frame().sum(axis=1))
    signature = infer_signature(example, model.predict(example))
    mlmodel_spec.sklearn.save_model(model, path, signature=signature, input_example=example)
    return path


def save_mlflow_1x_forms(path: Path) -> Path:
    """MLmodel forms MLflow 1.x wrote: ``env`` as the conda file name, column specs without
    ``required``."""
    return edit_mlmodel(_linear(path, frame()), _mlflow_1x_forms)


def save_mlflow_1x_tensor_example(path: Path) -> Path:
    """An ndarray example as MLflow 1.x wrote it: ``{"inputs": ...}``, ``format: tf-serving``."""
    x = frame().to_numpy()[:2]
    _linear(path, x)
    (path / "input_example.json").write_text(json.dumps({"inputs": x.tolist()}))
    (path / "serving_input_example.json").unlink(missing_ok=True)

    def change(document: dict[str, Any]) -> None:
        document["saved_input_example_info"]["format"] = "tf-serving"
        document["saved_input_example_info"].pop("serving_input_path", None)

    return edit_mlmodel(path, change)


def save_not_sklearn(path: Path) -> Path:
    import mlmodel_spec.sklearn

    mlmodel_spec.sklearn.save_model(
        PlainObject(), path, serialization_format="cloudpickle", input_example=frame()
    )
    return path


def save_stale_pins(path: Path) -> Path:
    save_iris(path)
    (path / "requirements.txt").write_text("scikit-learn==0.20.0\nnumpy>=1.0\n", encoding="utf-8")
    env = yaml.safe_load((path / "python_env.yaml").read_text(encoding="utf-8"))
    env["python"] = "3.8.0"
    (path / "python_env.yaml").write_text(yaml.safe_dump(env), encoding="utf-8")
    return path


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "iris": save_iris,
    "iris-cloudpickle": lambda p: save_iris(p, "cloudpickle"),
    "booster": save_lightgbm,
    "sum": lambda p: save_custom(p, SumModel()),
    "wrong-shape": lambda p: save_custom(p, WrongShape()),
    "too-few-rows": lambda p: save_custom(p, TooFewRows()),
    "raises": lambda p: save_custom(p, Raises(), outputs=False),
    "segfaults": lambda p: save_custom(p, Segfaults(), outputs=False),
    "exits-hard": lambda p: save_custom(p, ExitsHard(), outputs=False),
    "sleeps": lambda p: save_custom(p, SleepsForever(), outputs=False),
    "allocates": lambda p: save_custom(p, Allocates20GB(), outputs=False),
    "nondeterministic": lambda p: save_custom(p, Nondeterministic()),
    "batch-dependent": lambda p: save_custom(p, BatchDependent()),
    "changes-when-reloaded": lambda p: save_custom(p, ChangesWhenReloaded()),
    "raises-on-import": save_raises_on_import,
    "type-hint-signature": save_type_hint_signature,
    "extra-key": save_extra_key,
    "not-sklearn": save_not_sklearn,
    "stale-pins": save_stale_pins,
    "mlflow-1x-forms": save_mlflow_1x_forms,
    "mlflow-1x-tensor-example": save_mlflow_1x_tensor_example,
    "pollutes": lambda p: save_custom(p, Pollutes()),
    "needs-clean-process": lambda p: save_custom(p, NeedsCleanProcess()),
    "tells-runtimes-apart": lambda p: save_custom(p, TellsRuntimesApart()),
}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """``model_dir(name)``: the directory of one of :data:`BUILDERS`, built once a session."""
    root = tmp_path_factory.mktemp("dynamic-models")
    built: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in built:
            built[name] = BUILDERS[name](root / name)
        return built[name]

    return get


@pytest.fixture
def run_pytest() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``run_pytest(cwd, *args)``: a separate pytest, as a user runs it (entry points loaded)."""

    def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider"]
        return subprocess.run(
            [*command, *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    return run
