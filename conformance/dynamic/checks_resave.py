"""Checks that re-save the model with our writer: round-trip and resave-equivalent.

The native object (the flavor's ``load_model``, or the custom ``PythonModel``) is saved
with ``save_model`` into a temporary directory — same serialization format, signature,
input example, metadata, artifacts and code — then loaded again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import catalogue as ids
from .base import Issue, implements
from .compare import TOLERANCE_NOTE, difference
from .flavors import native_flavor
from .session import Failure, Session, Skip

#: top-level MLmodel keys that a new save must change (identity, time, size, provenance)
MUST_CHANGE = frozenset(
    {
        "model_uuid",
        "model_id",
        "run_id",
        "artifact_path",
        "utc_time_created",
        "model_size_bytes",
        "mlflow_version",
        "mlmodel_spec_version",
        "databricks_runtime",
    }
)
#: flavor keys whose list value is a set (order carries no meaning)
UNORDERED = frozenset({"skops_trusted_types"})
MAX_DIFFS = 8


def _code_paths(directory: Path, code: object) -> list[str | Path] | None:
    if not isinstance(code, str) or not (directory / code).is_dir():
        return None
    return sorted((directory / code).iterdir())


def _resave(session: Session) -> Path:
    """Save the native object again; return the new directory."""
    meta, directory = session.meta, session.directory
    target = session.workdir() / "resaved"
    pyfunc_conf = meta.flavors.get("python_function") or {}
    data, params = session.example() if meta.saved_input_example_info else (None, None)
    example = (data, params) if params else data
    common: dict[str, Any] = {
        "signature": meta.signature if meta.signature is not None else False,
        "input_example": example,
        "metadata": meta.metadata,
    }
    found = native_flavor(meta.flavors)
    if found is not None:
        name, module = found
        conf = meta.flavors[name]
        native = session.require("native", lambda: module.load_model(directory), "native-loads")
        options: dict[str, Any] = {}
        if conf.get("serialization_format"):
            options["serialization_format"] = conf["serialization_format"]
        elif str(conf.get("data") or conf.get("pickled_model") or "").endswith(".pkl"):
            options["serialization_format"] = "cloudpickle"  # MLflow 2 wrote no format key
        if conf.get("skops_trusted_types"):
            options["skops_trusted_types"] = conf["skops_trusted_types"]
        if "pyfunc_predict_fn" in module.save_model.__code__.co_varnames:
            options["pyfunc_predict_fn"] = pyfunc_conf.get("predict_fn") or "predict"
        code = _code_paths(directory, conf.get("code") or pyfunc_conf.get("code"))
        from mlmodel_spec._flavor_serialization import REREAD_SKOPS

        # the round trip loads the re-saved model next: a skops save need not re-read it first
        token = REREAD_SKOPS.set(False)
        try:
            module.save_model(native, target, code_paths=code, **common, **options)
        finally:
            REREAD_SKOPS.reset(token)
        return target
    if not pyfunc_conf.get("python_model"):  # a loader module that is not a compiled flavor
        raise Skip(f"{pyfunc_conf.get('loader_module')} is not a compiled flavor module")
    from mlmodel_spec import pyfunc

    python_model = session.pyfunc().unwrap_python_model()
    artifacts = {
        name: str(directory / entry["path"])
        for name, entry in (pyfunc_conf.get("artifacts") or {}).items()
        if isinstance(entry, dict) and "path" in entry
    }
    pyfunc.save_model(
        target,
        python_model=python_model,
        artifacts=artifacts or None,
        code_paths=_code_paths(directory, pyfunc_conf.get("code")),
        model_config=pyfunc_conf.get("config") or None,
        **common,
    )
    return target


@implements(ids.ROUND_TRIP)
def round_trip(session: Session) -> Iterator[Issue]:
    """Native object → ``save_model`` → ``load_model`` predicts the same as the original."""
    from mlmodel_spec.pyfunc import load_model

    original = session.prediction()
    resaved = session.attempt("resave", lambda: _resave(session))
    if isinstance(resaved, Failure):
        yield Issue(f"save_model of the loaded model failed: {resaved.summary}")
        return
    data, params = session.example()
    again = session.attempt(
        "resaved-prediction",
        lambda: load_model(resaved, suppress_warnings=True).predict(data, params=params),
    )
    if isinstance(again, Failure):
        yield Issue(f"the re-saved model does not load or predict: {again.summary}")
    elif found := difference(original, again):
        yield Issue(f"the re-saved model predicts differently ({TOLERANCE_NOTE}): {found}")


def _normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The MLmodel mapping without keys that must change; signature JSON parsed."""
    out = {k: v for k, v in document.items() if k not in MUST_CHANGE}
    flavors = out.get("flavors")
    if isinstance(flavors, dict):
        out["flavors"] = {
            name: _flavor_conf(conf) if isinstance(conf, dict) else conf
            for name, conf in flavors.items()
        }
    signature = out.get("signature")
    if isinstance(signature, dict):
        out["signature"] = {
            k: _without_default_required(json.loads(v) if isinstance(v, str) else v)
            for k, v in signature.items()
        }
    info = out.get("saved_input_example_info")
    if isinstance(info, dict):  # `format`: how MLflow 1.x encoded the file (tf-serving); the
        # example itself is what round-trip predicts on
        out["saved_input_example_info"] = {k: v for k, v in info.items() if k != "format"}
    return out


def _without_default_required(specs: Any) -> Any:
    """Column specs without ``"required": true``: MLflow < 2.10 wrote no ``required`` key,
    and a spec without one is required (``ColSpec.from_json_dict``)."""
    if not isinstance(specs, list):
        return specs
    return [
        {k: v for k, v in spec.items() if (k, v) != ("required", True)}
        if isinstance(spec, dict)
        else spec
        for spec in specs
    ]


def _flavor_conf(conf: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in conf.items():
        if key.endswith("_version"):
            continue  # library and Python versions follow the running interpreter
        if key == "env" and isinstance(value, str):  # MLflow < 2.0: the conda file alone
            out[key] = {"conda": value}
            continue
        if key in UNORDERED and isinstance(value, list):
            out[key] = sorted(value, key=repr)
        elif key == "artifacts" and isinstance(value, dict):  # `uri`: where it was copied from
            out[key] = {
                n: {k: v for k, v in a.items() if k != "uri"} if isinstance(a, dict) else a
                for n, a in value.items()
            }
        else:
            out[key] = value
    return out


def _diff(before: Any, after: Any, pointer: str = "") -> Iterator[str]:
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            child = f"{pointer}/{key}"
            if key not in after:
                yield f"{child} dropped (was {before[key]!r})"
            else:
                yield from _diff(before[key], after[key], child)
    elif before != after:
        yield f"{pointer or '/'} changed from {before!r} to {after!r}"


@implements(ids.RESAVE_EQUIVALENT)
def resave_equivalent(session: Session) -> Iterator[Issue]:
    """The re-saved MLmodel keeps every key and value except those that must change.

    Keys our writer adds (it writes the MLflow 3 form) are not differences."""
    from .warm import load_yaml

    resaved = session.require("resave", lambda: _resave(session), "round-trip (save_model)")
    before = load_yaml((session.directory / "MLmodel").read_text("utf-8"))
    after = load_yaml((Path(resaved) / "MLmodel").read_text("utf-8"))
    diffs = list(_diff(_normalised(before), _normalised(after)))
    if diffs:
        more = f" (and {len(diffs) - MAX_DIFFS} more)" if len(diffs) > MAX_DIFFS else ""
        yield Issue("the re-saved MLmodel differs: " + "; ".join(diffs[:MAX_DIFFS]) + more)
