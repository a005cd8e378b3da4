"""Fitted models for the generated conformance tests (the specs' ``tests.factory``).

Each factory returns ``(fitted_model, sample_input, signature)``; the generated test module
adds the flavor module. Data is made here, small and seeded, so the checks run in seconds.
"""

from __future__ import annotations

from typing import Any

from mlmodel_spec.models import infer_signature


def _features(rows: int = 60, columns: int = 3) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    data = rng.normal(size=(rows, columns))
    data[:3] += 6.0  # three clear outliers
    return pd.DataFrame(data, columns=[f"x{i}" for i in range(columns)])


def pyod_detector() -> tuple[Any, Any, Any]:
    """An isolation-forest outlier detector of PyOD (pickled by the ``pyod`` flavor)."""
    from pyod.models.iforest import IForest

    frame = _features()
    detector = IForest(n_estimators=20, random_state=0).fit(frame)
    sample = frame.iloc[:5]
    return detector, sample, infer_signature(sample, detector.predict(sample))


def statsmodels_ols() -> tuple[Any, Any, Any]:
    """Ordinary least squares results of statsmodels (saved by ``results.save``)."""
    import statsmodels.api as sm

    frame = _features()
    target = frame @ [1.5, -2.0, 0.5] + 0.1
    results = sm.OLS(target, sm.add_constant(frame)).fit()
    sample = sm.add_constant(frame.iloc[:5], has_constant="add")
    return results, sample, infer_signature(sample, results.predict(sample))
