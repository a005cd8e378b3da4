"""Ask real MLflow what it does with each of a list of model directories (one process).

    python tests/interop/oracle_runner.py JOBS.json OUT.json

``JOBS.json`` is ``{"workdir": DIR, "models": [{"name": ..., "dir": ...}, ...]}``: copies the
caller made inside ``DIR`` (they are rehydrated in place, see ``oracle_rehydrate.py``). For
each model the runner records, in ``OUT.json``, what each stage did, in MLflow's order:

- ``model_load``: ``mlflow.models.Model.load(dir)``;
- ``pyfunc_load``: ``mlflow.pyfunc.load_model(dir)``, when there is a ``python_function``
  flavor;
- ``native_load``: the flavor's own ``load_model`` (``mlflow.sklearn``/``mlflow.lightgbm``),
  when the model has that flavor;
- ``predict``: predict on the input example as ``Model.load_input_example`` and
  ``load_input_example_params`` read it;
- ``serving``: ``mlflow.models.validate_serving_input`` on the serving input example as
  ``Model.get_serving_input`` reads it.

A stage is ``"ok"``, ``"skipped: why"`` or ``"ExceptionClass: first line of the message"``.
A stage after a failed one is skipped. Runs under the interpreter of an interop tox env.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")

import mlflow  # noqa: E402
import mlflow.pyfunc  # noqa: E402
from mlflow.models import Model  # noqa: E402
from oracle_rehydrate import NotRehydratable, rehydrate  # noqa: E402

STAGES = ("model_load", "pyfunc_load", "native_load", "predict", "serving")


def _failure(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first}"[:2000]  # cut to length once sanitised (compare.py)


def _native_load(model: Any, root: str) -> str:
    import mlflow.lightgbm
    import mlflow.sklearn

    for name, module in (("sklearn", mlflow.sklearn), ("lightgbm", mlflow.lightgbm)):
        if name in model.flavors:
            module.load_model(root)
            return "ok"
    return "skipped: no sklearn or lightgbm flavor"


def _predict(loaded: Any, model: Any, root: str) -> str:
    example = model.load_input_example(root)
    if example is None:
        return "skipped: no input example"
    params = model.load_input_example_params(root)
    if params:
        loaded.predict(example, params=params)
    else:
        loaded.predict(example)
    return "ok"


def _serving(model: Any, root: str) -> str:
    validate = getattr(mlflow.models, "validate_serving_input", None)
    if validate is None:
        return "skipped: this MLflow has no validate_serving_input"
    serving_input = model.get_serving_input(root)
    if serving_input is None:
        return "skipped: no serving input example"
    validate(root, serving_input)
    return "ok"


def run_one(root: str, workdir: Path) -> dict[str, Any]:
    result: dict[str, Any] = dict.fromkeys(STAGES, "skipped: an earlier stage failed")
    try:
        result["rehydrated"] = rehydrate(Path(root), workdir)
    except NotRehydratable as exc:
        result["rehydrated"] = None
        result["not_rehydratable"] = str(exc)
    model = None
    try:
        model = Model.load(root)
        result["model_load"] = "ok"
    except BaseException as exc:
        result["model_load"] = _failure(exc)
        return result
    if result["rehydrated"] is None:
        for stage in STAGES[1:]:
            result[stage] = "skipped: not rehydratable"
        return result
    stage = "pyfunc_load"
    try:
        loaded = None
        # a flavors value that is no mapping still goes to pyfunc (it fails there): `in` on
        # a string would skip every stage and call that a success
        if not isinstance(model.flavors, dict) or "python_function" in model.flavors:
            loaded = mlflow.pyfunc.load_model(root)
            result[stage] = "ok"
        else:
            result[stage] = "skipped: no python_function"
        stage = "native_load"
        result[stage] = _native_load(model, root)
        if loaded is None:
            result["predict"] = result["serving"] = "skipped: no python_function"
            return result
        stage = "predict"
        result[stage] = _predict(loaded, model, root)
        stage = "serving"
        result[stage] = _serving(model, root)
    except Exception as exc:
        result[stage] = _failure(exc)
    return result


def main(argv: list[str]) -> int:
    jobs = json.loads(Path(argv[1]).read_text())
    workdir = Path(jobs["workdir"])
    results: dict[str, Any] = {}
    for job in jobs["models"]:
        try:
            results[job["name"]] = run_one(job["dir"], workdir)
        except NotRehydratable:
            raise
        except BaseException as exc:
            if isinstance(exc, KeyboardInterrupt):
                raise
            results[job["name"]] = {"oracle_error": traceback.format_exc()[-2000:]}
    out = {"mlflow_version": mlflow.__version__, "results": results}
    Path(argv[2]).write_text(json.dumps(out, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
