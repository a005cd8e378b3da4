"""``mlmodel-spec demo``: the seed example end to end, without MLflow.

Trains ``LGBMClassifier(n_estimators=10, max_depth=3, learning_rate=1, random_state=123)``
(objective ``multiclass``) on iris, saves it with :mod:`mlmodel_spec.lightgbm`, validates the
directory, loads it back through :mod:`mlmodel_spec.pyfunc` and predicts.
"""

from __future__ import annotations

import pathlib
from typing import Any, TextIO

MODEL_DIR_NAME = "iris-classifier"


def _validate(path: pathlib.Path, out: TextIO) -> bool:
    """Run the static validator; return False when it reports errors."""
    try:
        from mlmodel_spec.conformance.validate import validate_paths
    except ImportError as exc:
        out.write(f"validate: skipped (validator not available: {exc})\n")
        return True
    report = validate_paths([path])
    findings = [f for target in report.targets for f in target.findings]
    errors = [f for f in findings if str(getattr(f, "severity", "")).lower().endswith("error")]
    out.write(f"validate: {len(findings)} finding(s), {len(errors)} error(s)\n")
    for finding in findings:
        severity = getattr(getattr(finding, "severity", None), "value", "")
        rule, message = getattr(finding, "rule", ""), getattr(finding, "message", finding)
        out.write(f"  - {severity} {rule}: {message}\n")
    return not errors


def seed_classifier() -> Any:
    """The seed example's classifier (unfitted). Its original ``objective="binary:logistic"``
    is an XGBoost name that LightGBM 4 rejects; iris has three classes, so ``multiclass``."""
    import lightgbm as lgb

    return lgb.LGBMClassifier(
        n_estimators=10,
        max_depth=3,
        learning_rate=1,
        random_state=123,
        objective="multiclass",
        verbose=-1,
    )


def run_demo(workdir: pathlib.Path, out: TextIO) -> int:
    """Train, save to ``workdir/iris-classifier``, validate, load, predict and print.

    Returns 0 on success, 1 when the target exists or validation reports errors.
    """
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split

    import mlmodel_spec.lightgbm
    import mlmodel_spec.pyfunc
    from mlmodel_spec.models import infer_signature

    path = pathlib.Path(workdir) / MODEL_DIR_NAME
    if path.exists():
        out.write(f"error: {path} already exists; choose another workdir\n")
        return 1
    x, y = load_iris(return_X_y=True, as_frame=True)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42)
    clf = seed_classifier().fit(x_train, y_train)
    out.write(f"train: LGBMClassifier on {len(x_train)} iris rows\n")
    signature = infer_signature(x_train, clf.predict(x_train))
    mlmodel_spec.lightgbm.save_model(clf, path, signature=signature, input_example=x_train[:5])
    files = ", ".join(sorted(p.name for p in path.iterdir()))
    out.write(f"save: {path} ({files})\n")
    valid = _validate(path, out)
    model = mlmodel_spec.pyfunc.load_model(path)
    predictions = model.predict(x_test)
    accuracy = float((predictions == y_test.to_numpy()).mean())
    out.write(f"load: {model.loader_module} -> {type(model.get_raw_model()).__name__}\n")
    out.write(
        f"predict: first 10 = {predictions[:10].tolist()}; accuracy on "
        f"{len(x_test)} test rows = {accuracy:.3f}\n"
    )
    return 0 if valid else 1
