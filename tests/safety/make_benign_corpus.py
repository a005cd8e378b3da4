"""Write the committed benign corpus: real pickles from OLDER library versions.

The tests write benign payloads with the installed libraries at test time; this script keeps
what older versions wrote (other module paths, reconstructors, joblib layouts), which the
tests cannot install. Run it with the interpreter of a throwaway venv holding the old
versions, e.g.::

    python3.11 -m venv /tmp/old && /tmp/old/bin/pip install scikit-learn==1.3.2 \\
        numpy==1.26.4 scipy==1.11.4 lightgbm==3.3.5 joblib==1.3.2 cloudpickle==2.2.1 pandas==2.0.3
    /tmp/old/bin/python tests/safety/make_benign_corpus.py

Where pyarrow is installed (it is wherever MLflow is), pandas' Arrow-backed columns are
written too (``arrow-frame-*``): pandas 3 stores strings in pyarrow arrays by default.

It writes ``tests/safety/data/benign/<python>-sklearn-<version>/`` with ``manifest.json`` (the
versions, and per file the context it is judged in: ``sklearn`` or ``custom-model``).
``test_benign_corpus.py`` validates every file there and expects no finding above info.
The files are written by the libraries' own dump functions; nothing is ever loaded.
"""

from __future__ import annotations

import importlib
import json
import pickle
import platform
import sys
from pathlib import Path

import cloudpickle
import joblib
import lightgbm
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

HERE = Path(__file__).resolve().parent
MAX_BYTES = 100_000  # committed test data stays small


class ScaledSum:
    """A custom model defined in ``__main__``: cloudpickle carries its code by value."""

    def __init__(self, factor: float) -> None:
        self.factor = factor

    def predict(self, context: object, model_input: object) -> object:
        return np.asarray(model_input).sum(axis=1) * self.factor


def _objects() -> dict[str, object]:
    x, y = load_iris(return_X_y=True)
    frame = pd.DataFrame(x, columns=["a", "b", "c", "d"]).assign(kind=np.where(y > 0, "u", "v"))
    column = ColumnTransformer(
        [("num", StandardScaler(), ["a", "b", "c", "d"]), ("cat", OneHotEncoder(), ["kind"])]
    )
    objects: dict[str, object] = {
        "logreg": LogisticRegression(max_iter=200).fit(x, y),
        "tree": DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y),
        "forest": RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(x, y),
        "gbc": GradientBoostingClassifier(n_estimators=3, max_depth=2, random_state=0).fit(x, y),
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression(max_iter=200)).fit(x, y),
        "columns": make_pipeline(column, LogisticRegression(max_iter=200)).fit(frame, y),
        "lgbm": lightgbm.LGBMClassifier(n_estimators=3, num_leaves=4, verbose=-1).fit(x, y),
        "frame": frame.head(20),
    }
    try:
        from sklearn.ensemble import HistGradientBoostingClassifier
    except ImportError:  # scikit-learn < 1.0 keeps it behind an experimental import
        importlib.import_module("sklearn.experimental.enable_hist_gradient_boosting")
        from sklearn.ensemble import HistGradientBoostingClassifier
    objects["hist"] = HistGradientBoostingClassifier(max_iter=3, max_depth=2).fit(x, y)
    try:
        import pyarrow as pa
    except ImportError:
        return objects
    objects["arrow-frame"] = pd.DataFrame(  # pandas' Arrow-backed columns, each kind of type
        {
            "text": pd.Series(["a", None], dtype="string[pyarrow]"),
            "ints": pd.Series([1, 2], dtype="int64[pyarrow]"),
            "when": pd.Series([0, 1], dtype=pd.ArrowDtype(pa.timestamp("us", tz="UTC"))),
            "lists": pd.Series([[1], [2, 3]], dtype=pd.ArrowDtype(pa.list_(pa.int64()))),
            "records": pd.Series(
                [{"k": 1}, {"k": 2}], dtype=pd.ArrowDtype(pa.struct([("k", pa.int64())]))
            ),
            "codes": pd.Series(
                ["x", "y"], dtype=pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string()))
            ),
        }
    )
    return objects


def _write(folder: Path, name: str, obj: object) -> list[str]:
    written = []
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        path = folder / f"{name}-p{protocol}.pkl"
        path.write_bytes(pickle.dumps(obj, protocol=protocol))
        written.append(path.name)
    path = folder / f"{name}.cloudpickle"
    path.write_bytes(cloudpickle.dumps(obj))
    written.append(path.name)
    for compress in (0, "zlib", "gzip", "bz2", "xz", "lzma"):
        path = folder / f"{name}-{compress or 'raw'}.joblib"
        joblib.dump(obj, path, compress=compress)
        written.append(path.name)
    return written


def main() -> None:
    python = "py" + "".join(platform.python_version_tuple()[:2])
    label = f"{python}-sklearn-{sklearn.__version__}"
    folder = HERE / "data" / "benign" / label
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, str] = {}
    for name, obj in _objects().items():
        for file_name in _write(folder, name, obj):
            files[file_name] = "sklearn"
    custom = folder / "custom-model.cloudpickle"
    custom.write_bytes(cloudpickle.dumps(ScaledSum(2.0)))
    files[custom.name] = "custom-model"
    too_big = [f for f in files if (folder / f).stat().st_size > MAX_BYTES]
    if too_big:
        sys.exit(f"files over {MAX_BYTES} bytes: {too_big}")
    versions = {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "lightgbm": lightgbm.__version__,
        "joblib": joblib.__version__,
        "cloudpickle": cloudpickle.__version__,
    }
    if "arrow-frame-p2.pkl" in files:
        versions["pyarrow"] = importlib.import_module("pyarrow").__version__
    manifest = {"versions": versions, "files": dict(sorted(files.items()))}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    print(f"wrote {len(files)} files to {folder}")


if __name__ == "__main__":
    main()
