"""Save the small MLflow models that ``build_sig_cases.py`` turns into the ``sig-*`` cases.

Run it with an interpreter that has MLflow, scikit-learn, pandas, numpy and scipy (not the
project's own: this is the one script here that needs MLflow), once per MLflow version the
cases come from: MLflow 3.17 writes the ``m3`` models, MLflow 2.22 the ``m2`` ones. With the
venvs the differential tests use::

    /tmp/oracle/mlflow3/bin/python tools/cases/make_sig_models.py MODELS_DIR
    /tmp/oracle/mlflow2/bin/python tools/cases/make_sig_models.py MODELS_DIR
    python tools/cases/build_sig_cases.py MODELS_DIR --cases OUT_DIR

Each run replaces ``MODELS_DIR/<tag>`` (the tag is ``m`` + MLflow's major version unless
``--tag`` says otherwise) with one model directory per example, named ``<tag>-<example>``.
MLflow also leaves an ``mlruns`` tracking store in the working directory (git ignores it).

Cases rebuilt from a new run differ from the committed ones in ``model_uuid``,
``utc_time_created``, ``model_id`` and, for pyfunc models, ``model_size_bytes``: the
``Echo`` class is pickled by value, with this script's path and line numbers.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import warnings
from pathlib import Path
from typing import Any

import mlflow
import mlflow.sklearn
import numpy as np
import pandas as pd
import scipy.sparse as sp
from mlflow.models import infer_signature
from sklearn.linear_model import LogisticRegression

warnings.filterwarnings("ignore")  # MLflow's advice on type hints, pickles, etc.


# A model that returns its input: only its signature and example matter. No type hints:
# MLflow infers a signature from them. No docstring: the class is pickled by value, and the
# pickle is most of model_size_bytes.
class Echo(mlflow.pyfunc.PythonModel):  # type: ignore[misc]
    def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
        return model_input


def save_models(out: Path, tag: str) -> list[str]:
    """Save every example model under ``out`` as ``<tag>-<name>``; return the names."""

    def pyfunc(name: str, example: Any, **kwargs: Any) -> None:
        path = os.path.join(out, f"{tag}-{name}")
        mlflow.pyfunc.save_model(path, python_model=Echo(), input_example=example, **kwargs)

    # a DataFrame with named columns, sklearn flavor
    x = pd.DataFrame({"sepal_length": [5.1, 4.9, 4.7, 6.3], "sepal_width": [3.5, 3.0, 3.2, 3.3]})
    clf = LogisticRegression().fit(x, [0, 0, 1, 1])
    mlflow.sklearn.save_model(
        clf,
        os.path.join(out, f"{tag}-sklearn-df"),
        input_example=x.head(3),
        signature=infer_signature(x, clf.predict(x)),
    )
    pyfunc("df-default-cols", pd.DataFrame([[1, 2.5], [3, 4.5]]))
    pyfunc("ndarray", np.array([[1.5, 2.0, 3.0], [0.5, 1.0, 2.0]], dtype=np.float32))
    pyfunc("dict-arrays", {"t1": np.array([1, 2, 3], dtype=np.int64), "t2": np.array([[0.5, 1.5]])})
    pyfunc(
        "dict-params",
        ({"x": [1, 2], "s": "hi"}, {"temperature": 0.5, "max_tokens": 16, "stop": ["a", "b"]}),
    )
    # strings next to a long and a boolean column
    pyfunc(
        "strings",
        pd.DataFrame({"text": ["hello", "world"], "n": [1, 2], "flag": [True, False]}),
    )
    # a missing value in a float and in a string column
    pyfunc("nan", pd.DataFrame({"x": [1.0, np.nan, 3.0], "city": ["a", None, "c"]}))
    pyfunc("list-strings", ["what is mlflow?", "hello"])
    dates = pd.to_datetime(["2024-01-01", "2024-02-01"])
    pyfunc(
        "datetime-params",
        (pd.DataFrame({"ts": dates, "v": [1.5, 2.5]}), {"k": 3, "when": "2024-01-01T00:00:00"}),
    )
    # an object column and an array column (json_object)
    pyfunc("object-column", {"user": {"age": 3, "name": "x"}, "tags": ["a", "b"]})
    pyfunc("binary", pd.DataFrame({"payload": [b"hello", b"\x00\x01"], "k": [1, 2]}))
    pyfunc("sparse-csr", sp.csr_matrix(np.array([[0.0, 1.5, 0.0], [2.0, 0.0, 0.0]])))
    return sorted(os.listdir(out))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "models_dir", type=Path, help="where to write <tag>/<tag>-<example>/ model directories"
    )
    parser.add_argument(
        "--tag", help="prefix of the model names (default: m + MLflow's major version)"
    )
    args = parser.parse_args(argv)
    tag = args.tag or f"m{mlflow.__version__.split('.')[0]}"
    out = args.models_dir / tag
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    names = save_models(out, tag)
    sys.stdout.write(f"MLflow {mlflow.__version__}: {len(names)} models in {out}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
