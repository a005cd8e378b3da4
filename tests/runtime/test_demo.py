"""The demo runs the seed example end to end."""

from __future__ import annotations

import io
from pathlib import Path

from mlmodel_spec.demo import run_demo


def test_demo_trains_saves_validates_loads_and_predicts(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_demo(tmp_path, out) == 0, out.getvalue()
    text = out.getvalue()
    assert (tmp_path / "iris-classifier" / "MLmodel").is_file()
    assert "load: mlflow.lightgbm -> LGBMClassifier" in text
    accuracy = float(text.rsplit("=", 1)[1])
    assert accuracy > 0.9
    assert run_demo(tmp_path, io.StringIO()) == 1  # refuses to overwrite
