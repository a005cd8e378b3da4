"""The custom Python models of the golden cases (importable in every matrix environment,
so a pickled instance unpickles wherever mlmodel-spec is installed)."""

from __future__ import annotations

import json
from typing import Any

from mlmodel_spec.pyfunc.model import PythonModel


def linear_score(frame: Any, weights: dict[str, float], scale: float = 1.0) -> Any:
    """``sum(weight * column) * scale`` over the frame's columns, as a float array."""
    import numpy as np

    total = np.zeros(len(frame), dtype="float64")
    for column, weight in sorted(weights.items()):
        total = total + np.asarray(frame[column], dtype="float64") * float(weight)
    return total * scale


def read_weights(path: str) -> dict[str, float]:
    with open(path, encoding="utf-8") as handle:
        weights: dict[str, float] = json.load(handle)
    return weights


class ArtifactLinearModel(PythonModel):
    """Reads its weights from the ``weights`` artifact; ``params={"scale": x}`` scales."""

    weights: dict[str, float]

    def load_context(self, context: Any) -> None:
        self.weights = read_weights(context.artifacts["weights"])

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        scale = float((params or {}).get("scale", 1.0))
        return linear_score(model_input, self.weights, scale)
