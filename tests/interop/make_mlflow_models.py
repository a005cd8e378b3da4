"""Save a broad set of real MLflow models into a directory (run under an MLflow venv).

    python tests/interop/make_mlflow_models.py OUTDIR

Writes, below OUTDIR, models saved with ``save_model`` (``saved/<name>``) and models logged
with ``log_model`` into a SQLite tracking store whose artifacts live in ``OUTDIR/mlruns``
(and, where MLflow still supports it, a file store ``OUTDIR/file_store``). Finally it
writes ``OUTDIR/manifest.json``: the MLflow version and the list of model directories it
produced, so a test can check that the validator finds exactly those.

What it covers: sklearn in every serialization format the installed MLflow supports, with
and without signature / input example (DataFrame, ndarray), ``code_paths`` and a pip
constraints file; lightgbm Booster (with a NaN-holding DataFrame example) and
``LGBMClassifier``; custom ``PythonModel`` with an artifact, with a dict + params example,
with a type-hinted predict, with a signature of every column and param kind, and from code
(models-from-code).
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import lightgbm as lgb
import mlflow
import mlflow.lightgbm
import mlflow.pyfunc
import mlflow.sklearn
import numpy as np
import pandas as pd
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

MODEL_CODE = """\
import mlflow
from mlflow.pyfunc import PythonModel


class Echo(PythonModel):
    def predict(self, context, model_input, params=None):
        return model_input


mlflow.models.set_model(Echo())
"""


class AddN(mlflow.pyfunc.PythonModel):
    """Adds the number stored in the ``n`` artifact to every input value."""

    def load_context(self, context):  # type: ignore[no-untyped-def]
        self.n = float(Path(context.artifacts["n"]).read_text())

    # no type hints: with them MLflow would infer a signature from the hints instead
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input.sum(axis=1) + self.n


class Chat(mlflow.pyfunc.PythonModel):
    """Takes a dict and a ``temperature`` parameter."""

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return ["ok"]


class Upper(mlflow.pyfunc.PythonModel):
    """A type-hinted predict: MLflow (2.20+) infers the signature from the hints and pickles
    the validating wrapper it puts around predict."""

    def predict(self, model_input: list[str], params: dict[str, Any] | None = None) -> list[str]:
        return [text.upper() for text in model_input]


class Answer(mlflow.pyfunc.PythonModel):
    """One answer per row, for a signature with every column and param kind."""

    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return ["ok"] * len(model_input)


def _rich_signature() -> Any:
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Array, ColSpec, Object, ParamSchema, ParamSpec, Property, Schema

    inputs = Schema(
        [
            ColSpec("string", "q"),
            ColSpec(Array("double"), "v"),
            ColSpec(Object([Property("k", "long"), Property("tag", "string", False)]), "o"),
            ColSpec("datetime", "when", required=False),
        ]
    )
    params = ParamSchema(
        [
            ParamSpec("temperature", "double", 0.5),
            ParamSpec("stop", "string", ["END"], (-1,)),
            ParamSpec("since", "datetime", np.datetime64("2024-01-01T00:00:00")),
        ]
    )
    return ModelSignature(inputs=inputs, outputs=Schema([ColSpec("string")]), params=params)


def _frame() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    y = np.array([0, 1, 2] * 20)
    return x, y


def _path(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)


def _name_kw(fn: Callable[..., Any]) -> str:
    """3.x ``log_model`` takes ``name``; 2.x takes ``artifact_path``."""
    return "name" if "name" in inspect.signature(fn).parameters else "artifact_path"


class Maker:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.saved = out / "saved"
        self.models: list[dict[str, str]] = []
        self.x, self.y = _frame()
        self.clf = LogisticRegression(max_iter=200).fit(self.x, self.y)
        self.booster = lgb.train(
            {"objective": "multiclass", "num_class": 3, "verbose": -1},
            lgb.Dataset(self.x, self.y),
            num_boost_round=3,
        )
        self.lgbm = lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(self.x, self.y)
        artifact = out / "inputs" / "n.txt"
        artifact.parent.mkdir(parents=True, exist_ok=True)
        artifact.write_text("2")
        self.artifact = artifact
        (out / "inputs" / "helpers").mkdir(exist_ok=True)
        (out / "inputs" / "helpers" / "features.py").write_text("SCALE = 1.0\n")
        (out / "inputs" / "constraints.txt").write_text("threadpoolctl<4\n")
        (out / "inputs" / "model_code.py").write_text(MODEL_CODE)

    def record(self, path: Path, what: str) -> None:
        self.models.append({"path": str(path.relative_to(self.out)), "what": what})

    # -- save_model ------------------------------------------------------------------------
    def sklearn(self) -> None:
        signature = infer_signature(self.x, self.clf.predict(self.x))
        for fmt in mlflow.sklearn.SUPPORTED_SERIALIZATION_FORMATS:
            path = self.saved / f"sklearn-{fmt}"
            mlflow.sklearn.save_model(
                self.clf,
                path,
                serialization_format=fmt,
                signature=signature,
                input_example=self.x.head(3),
            )
            self.record(path, f"sklearn {fmt}, signature + DataFrame example")
        path = self.saved / "sklearn-bare"
        mlflow.sklearn.save_model(self.clf, path)
        self.record(path, "sklearn, no signature, no example")
        path = self.saved / "sklearn-ndarray"
        mlflow.sklearn.save_model(self.clf, path, input_example=self.x.to_numpy()[:2])
        self.record(path, "sklearn, ndarray example (signature inferred)")
        path = self.saved / "sklearn-code-constraints"
        mlflow.sklearn.save_model(
            self.clf,
            path,
            code_paths=[str(self.out / "inputs" / "helpers")],
            extra_pip_requirements=[
                f"-c {self.out / 'inputs' / 'constraints.txt'}",
                'pandas>=1.0; python_version >= "3.8"',
            ],
        )
        self.record(path, "sklearn with code_paths, a constraints file and a marker")
        path = self.saved / "sklearn-proba"
        mlflow.sklearn.save_model(self.clf, path, pyfunc_predict_fn="predict_proba")
        self.record(path, "sklearn, predict_fn predict_proba")

    def lightgbm(self) -> None:
        example = self.x.head(3).copy()
        example.loc[1, "a"] = np.nan
        path = self.saved / "lightgbm-booster"
        mlflow.lightgbm.save_model(self.booster, path, input_example=example)
        self.record(path, "lightgbm Booster, DataFrame example with NaN")
        path = self.saved / "lightgbm-classifier"
        mlflow.lightgbm.save_model(self.lgbm, path, input_example=self.x.head(3))
        self.record(path, "lightgbm LGBMClassifier")

    def pyfunc(self) -> None:
        path = self.saved / "pyfunc-artifacts"
        mlflow.pyfunc.save_model(
            path,
            python_model=AddN(),
            artifacts={"n": str(self.artifact)},
            input_example=self.x.head(3),
            metadata={"owner": "interop"},
        )
        self.record(path, "custom PythonModel with an artifact")
        path = self.saved / "pyfunc-params"
        mlflow.pyfunc.save_model(
            path,
            python_model=Chat(),
            input_example=({"x": [1, 2], "s": "hi"}, {"temperature": 0.5}),
        )
        self.record(path, "custom PythonModel with a dict + params example")
        path = self.saved / "pyfunc-type-hints"
        mlflow.pyfunc.save_model(path, python_model=Upper(), input_example=["a", "b"])
        self.record(path, "custom PythonModel with a type-hinted predict")
        path = self.saved / "pyfunc-rich-signature"
        mlflow.pyfunc.save_model(path, python_model=Answer(), signature=_rich_signature())
        self.record(path, "custom PythonModel, signature with array/object/datetime and params")
        path = self.saved / "pyfunc-from-code"
        mlflow.pyfunc.save_model(path, python_model=str(self.out / "inputs" / "model_code.py"))
        self.record(path, "models-from-code PythonModel")

    # -- log_model -------------------------------------------------------------------------
    def logged(self, tracking_uri: str, label: str) -> None:
        mlflow.set_tracking_uri(tracking_uri)
        artifacts = (self.out / "mlruns" / label).resolve()
        experiment = mlflow.create_experiment(f"interop-{label}", artifacts.as_uri())
        signature = infer_signature(self.x, self.clf.predict(self.x))
        with mlflow.start_run(experiment_id=experiment):
            infos = [
                (mlflow.sklearn.log_model, self.clf, {"signature": signature}, "sklearn"),
                (
                    mlflow.lightgbm.log_model,
                    self.booster,
                    {"input_example": self.x.head(2)},
                    "lightgbm Booster",
                ),
                (
                    mlflow.pyfunc.log_model,
                    None,
                    {"python_model": AddN(), "artifacts": {"n": str(self.artifact)}},
                    "custom PythonModel",
                ),
            ]
            for index, (log, model, kwargs, what) in enumerate(infos):
                args = (model,) if model is not None else ()
                info = log(*args, **{_name_kw(log): f"model{index}"}, **kwargs)
                self.record(self.logged_dir(info, f"model{index}"), f"log_model ({label}): {what}")

    def logged_dir(self, info: Any, name: str) -> Path:
        model_id = getattr(info, "model_id", None)
        if model_id:  # 3.x: a LoggedModel with its own artifact location
            return _path(mlflow.get_logged_model(model_id).artifact_location)
        return _path(mlflow.get_artifact_uri(name))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    maker = Maker(out)
    maker.sklearn()
    maker.lightgbm()
    maker.pyfunc()
    stores = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # keep MLflow's default ./mlruns out of the working tree
        os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"  # 3.x refuses the file store otherwise
        for uri, label in (
            (f"sqlite:///{out / 'mlflow.db'}", "sqlite"),
            ((out / "file_store").as_uri(), "file"),
        ):
            try:
                maker.logged(uri, label)
                stores += 1
            except Exception as exc:  # e.g. a venv whose SQLAlchemy MLflow cannot use
                print(f"{label} store skipped: {type(exc).__name__}: {exc}", file=sys.stderr)
    if not stores:
        print("no tracking store worked; no logged models", file=sys.stderr)
        return 1
    manifest = {"mlflow_version": mlflow.__version__, "models": maker.models}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    print(f"{len(maker.models)} models written by MLflow {mlflow.__version__} into {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
