"""The fixed training data and prediction inputs of the golden cases.

Pure arithmetic (no random generator), so every numpy/pandas version builds the same values.
"""

from __future__ import annotations

from typing import Any

COLUMNS = ("f0", "f1", "f2", "f3")
TRAIN_ROWS = 60
PREDICT_ROWS = 12
WEIGHTS = {"f0": 0.5, "f1": -1.25, "f2": 2.0, "f3": 0.75}
PARAMS = {"scale": 2.0}  # passed at predict time to the case with a params schema


def _value(row: int, column: int, salt: int) -> float:
    return (((row + salt) * (column + 3) + 7 * column) % 17) / 8.0 - 1.0


def rows(count: int, salt: int) -> list[list[float]]:
    return [[_value(r, c, salt) for c in range(len(COLUMNS))] for r in range(count)]


def train_array() -> tuple[Any, Any]:
    import numpy as np

    x = np.array(rows(TRAIN_ROWS, 0), dtype="float64")
    y = (x[:, 0] + 0.5 * x[:, 1] - x[:, 2] > 0).astype("int64")
    return x, y


def frame(x: Any) -> Any:
    import pandas as pd

    return pd.DataFrame(x, columns=list(COLUMNS))


def predict_array() -> Any:
    import numpy as np

    return np.array(rows(PREDICT_ROWS, 5), dtype="float64")
