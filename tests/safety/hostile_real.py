"""Malicious payloads written by the real picklers (pickle, joblib, cloudpickle).

Dumping an object whose ``__reduce__`` returns ``(os.system, ("id",))`` only writes the
*names* ``os.system`` and ``"id"``: nothing runs until someone loads the file, and nothing
here (or in the tests) ever loads one. Each builder returns the bytes of a file; the tests
and ``bench/bench_safety.py`` judge them next to the hand-built ones of ``crafted``.
"""

from __future__ import annotations

import builtins
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any


class ReduceTo:
    """Pickles as ``callee(*args)``: what an attacker's ``__reduce__`` returns."""

    def __init__(self, callee: Any, *args: Any) -> None:
        self.callee, self.args = callee, args

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return self.callee, self.args


def reduce_eval(protocol: int) -> bytes:
    """``__reduce__`` returning ``(eval, (...))`` pickled by ``pickle.dumps``."""
    return pickle.dumps(ReduceTo(builtins.eval, "__import__('os').system('id')"), protocol)


def reduce_system(protocol: int) -> bytes:
    return pickle.dumps(ReduceTo(os.system, "id"), protocol)


def _real_estimator() -> object:
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    x, y = load_iris(return_X_y=True)
    return LogisticRegression(max_iter=200).fit(x, y)


def after_real_model() -> bytes:
    """A real fitted scikit-learn model, then a second pickle that calls os.system."""
    return pickle.dumps(_real_estimator(), 4) + reduce_system(4)


def inside_real_model() -> bytes:
    """A real model whose attribute is a hostile object (it runs while the model loads)."""
    model = _real_estimator()
    model.hostile_ = ReduceTo(os.system, "id")  # type: ignore[attr-defined]
    return pickle.dumps(model, 5)


def joblib_object_array(compress: Any) -> bytes:
    """joblib.dump of a numpy object array holding a hostile object: joblib writes it as a
    nested pickle after the array wrapper."""
    import joblib
    import numpy as np

    array = np.empty(2, dtype=object)
    array[0], array[1] = "fine", ReduceTo(os.system, "id")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.joblib"
        joblib.dump({"weights": np.arange(4.0), "objects": array}, path, compress=compress)
        return path.read_bytes()


def cloudpickled_lambda() -> bytes:
    """Code (a cloudpickled function) where a scikit-learn model is expected."""
    import cloudpickle

    return bytes(cloudpickle.dumps(lambda: os.system("id")))


def nested_real() -> bytes:
    """``pickle.loads(<bytes of a pickle calling os.system>)``, both written by pickle."""
    return pickle.dumps(ReduceTo(pickle.loads, reduce_system(4)), 4)


def all_payloads() -> dict[str, bytes]:
    """Name -> bytes; every one must draw ``safety-dangerous-global`` (error)."""
    payloads = {f"real __reduce__ eval p{p}": reduce_eval(p) for p in (0, 1, 2, 4, 5)}
    payloads["real __reduce__ os.system p0"] = reduce_system(0)
    payloads["real model then os.system"] = after_real_model()
    payloads["real model with hostile attribute"] = inside_real_model()
    payloads["real joblib object array"] = joblib_object_array(0)
    payloads["real joblib object array gzip"] = joblib_object_array(("gzip", 3))
    payloads["real joblib object array lzma"] = joblib_object_array("lzma")
    payloads["real cloudpickled lambda"] = cloudpickled_lambda()
    payloads["real nested pickle.loads"] = nested_real()
    return payloads
