"""The factory the acme_trees spec names for its generated conformance tests."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier


def fitted_model() -> tuple[Any, pd.DataFrame]:
    x = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) % 3})
    return DecisionTreeClassifier(max_depth=2).fit(x, x["a"] > 9), x[:5]
