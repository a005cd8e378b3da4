"""Give a copy of a case real payloads, so real MLflow can load it and predict.

The case directories under tests/cases hold *placeholder* payloads (``model.pkl`` is a line
of text). Before MLflow can be asked whether a case loads and predicts, every placeholder at
a path MLmodel names is replaced by a real payload of that flavor and serialization format
that predicts on any input with the right number of rows:

- sklearn (``pickled_model``, and ``python_function.model_path`` under ``mlflow.sklearn``):
  a fitted ``DummyClassifier`` (it has every ``predict_fn``: predict, predict_proba,
  ...), pickled / cloudpickled / skops-dumped per
  ``serialization_format`` (it never checks feature counts or types);
- lightgbm (``data``): a ``Booster`` text file with as many features as the input example
  or the signature has columns; a ``DummyClassifier`` in sklearn form for other
  ``model_class`` values;
- custom pyfunc (``python_model``): a cloudpickled identity ``PythonModel``.

Only regular files whose content starts with ``placeholder`` are replaced, so deliberate
payload defects (a Git LFS pointer, a dangling symlink, a directory) stay as they are. A
path that leaves the case directory (``../shared/python_model.pkl``) gets a payload too when
it stays inside the work directory, so the oracle sees what MLflow does with an escaping
path. Models whose loader we cannot feed (other flavors, custom ``loader_module`` code,
chat models) raise :class:`NotRehydratable`: only ``Model.load`` runs on them.

Runs inside the MLflow interpreter (it imports sklearn, lightgbm and cloudpickle).
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import yaml

PLACEHOLDER_PREFIX = b"placeholder"
#: loader modules whose payload we can write, and the ones that need none
FED_LOADERS = {"mlflow.sklearn", "mlflow.lightgbm", "mlflow.pyfunc.model"}
PAYLOAD_FREE_LOADERS = {"mlflow.pyfunc.loaders.code_model"}
NATIVE_FLAVORS = {"sklearn", "lightgbm"}


class NotRehydratable(Exception):
    """The model's loader needs a payload this module cannot write."""


def _identity_model() -> Any:
    import mlflow.pyfunc

    class Identity(mlflow.pyfunc.PythonModel):  # type: ignore[misc,name-defined]
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return model_input

    return Identity()


def _dummy_classifier() -> Any:
    from sklearn.dummy import DummyClassifier

    return DummyClassifier().fit([[0.0], [1.0]], [0, 1])


def _write_sklearn(path: Path, model: Any, serialization_format: Any) -> None:
    if serialization_format == "skops":
        try:
            import skops.io
        except ImportError:
            raise NotRehydratable("serialization_format skops but skops is not installed") from None
        skops.io.dump(model, str(path))
        return
    if serialization_format in (None, "cloudpickle"):
        import cloudpickle

        path.write_bytes(cloudpickle.dumps(model))
    else:  # "pickle", and anything MLflow will refuse on its own
        path.write_bytes(pickle.dumps(model))


def _feature_count(root: Path, document: dict[str, Any]) -> int:
    """Columns of the input example (split orient), else of the signature inputs, else 2."""
    info = document.get("saved_input_example_info")
    if isinstance(info, dict) and isinstance(info.get("artifact_path"), str):
        try:
            example = json.loads((root / info["artifact_path"]).read_text())
        except (OSError, ValueError):
            example = None
        if isinstance(example, dict) and isinstance(example.get("columns"), list):
            return max(1, len(example["columns"]))
    signature = document.get("signature")
    if isinstance(signature, dict) and isinstance(signature.get("inputs"), str):
        try:
            inputs = json.loads(signature["inputs"])
        except ValueError:
            inputs = None
        if isinstance(inputs, list) and inputs:
            return len(inputs)
    return 2


def _write_booster(path: Path, features: int) -> None:
    import lightgbm as lgb
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, features))
    data = lgb.Dataset(x, label=(x[:, 0] > 0).astype(float))
    params = {"objective": "regression", "verbose": -1, "num_leaves": 3, "min_data_in_leaf": 2}
    lgb.train(params, data, num_boost_round=2).save_model(str(path))


class _Writer:
    def __init__(self, root: Path, workdir: Path) -> None:
        self.root = root
        self.workdir = workdir.resolve()
        self.written: list[str] = []

    def target(self, rel: Any) -> Path | None:
        """The placeholder file ``rel`` names, or ``None`` when there is none to replace."""
        if not isinstance(rel, str) or not rel or "\0" in rel:
            return None
        path = self.root / rel
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError):
            return None
        if not resolved.is_relative_to(self.workdir) or path.is_symlink():
            return None
        if not path.exists() and not resolved.is_relative_to(self.root.resolve()):
            # an escaping path (``../shared/x.pkl``): give MLflow something to read there
            resolved.parent.mkdir(parents=True, exist_ok=True)
            resolved.write_bytes(PLACEHOLDER_PREFIX)
        if not path.is_file():
            return None
        with path.open("rb") as handle:
            if handle.read(len(PLACEHOLDER_PREFIX)) != PLACEHOLDER_PREFIX:
                return None
        return path

    def sklearn(self, rel: Any, serialization_format: Any) -> None:
        path = self.target(rel)
        if path is not None:
            _write_sklearn(path, _dummy_classifier(), serialization_format)
            self.written.append(str(rel))

    def booster(self, rel: Any, features: int) -> None:
        path = self.target(rel)
        if path is not None:
            _write_booster(path, features)
            self.written.append(str(rel))

    def python_model(self, rel: Any) -> None:
        path = self.target(rel)
        if path is not None:
            import cloudpickle

            path.write_bytes(cloudpickle.dumps(_identity_model()))
            self.written.append(str(rel))


def _block(flavors: dict[str, Any], name: str) -> dict[str, Any]:
    value = flavors.get(name)
    return value if isinstance(value, dict) else {}


def rehydrate(root: Path, workdir: Path) -> list[str]:
    """Replace the placeholders of the model at ``root`` (inside ``workdir``); return the
    paths written. Raises :class:`NotRehydratable` when the loader cannot be fed."""
    try:
        document = yaml.safe_load((root / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return []  # Model.load fails on it; there is nothing to load with
    if not isinstance(document, dict) or not isinstance(document.get("flavors"), dict):
        return []
    flavors: dict[str, Any] = document["flavors"]
    pyfunc = _block(flavors, "python_function")
    loader = pyfunc.get("loader_module")
    if isinstance(loader, str) and loader not in FED_LOADERS | PAYLOAD_FREE_LOADERS:
        # (a missing or non-string loader_module: MLflow fails on it by itself)
        raise NotRehydratable(f"loader_module {loader!r}: no payload we can write for it")
    if not pyfunc and not NATIVE_FLAVORS & set(flavors):
        raise NotRehydratable(f"no python_function and no flavor of {sorted(NATIVE_FLAVORS)}")
    writer = _Writer(root, workdir)
    sklearn = _block(flavors, "sklearn")
    lightgbm = _block(flavors, "lightgbm")
    if sklearn:
        writer.sklearn(sklearn.get("pickled_model"), sklearn.get("serialization_format"))
    if loader == "mlflow.sklearn":
        writer.sklearn(pyfunc.get("model_path"), sklearn.get("serialization_format"))
    if lightgbm or loader == "mlflow.lightgbm":
        model_class = lightgbm.get("model_class", "lightgbm.basic.Booster")
        features = _feature_count(root, document)
        for rel in {lightgbm.get("data"), pyfunc.get("data")} - {None}:
            if model_class == "lightgbm.basic.Booster":
                writer.booster(rel, features)
            else:
                writer.sklearn(rel, lightgbm.get("serialization_format", "cloudpickle"))
    if loader == "mlflow.pyfunc.model":
        writer.python_model(pyfunc.get("python_model"))
    return sorted(set(writer.written))
