"""Serving payloads: turn an input example into the JSON a scoring server accepts, parse such
a payload back into model input, and check that a local model scores it.

Payload forms (MLflow's scoring protocol): ``{"dataframe_split": ...}``,
``{"dataframe_records": ...}``, ``{"instances": ...}`` or ``{"inputs": ...}``, each with an
optional ``"params"`` object; and the unified LLM form (a JSON object with ``messages``,
``prompt`` or ``input``) whose params are the keys the params schema names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mlmodel_spec.models.model import Model
from mlmodel_spec.types.errors import BAD_REQUEST, MlmodelSpecError
from mlmodel_spec.types.schema import Schema

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_LLM_KEYS = ("messages", "prompt", "input")


def convert_input_example_to_serving_input(input_example: Any) -> str | None:
    """The ``serving_input_example.json`` text MLflow would write for ``input_example``."""
    from mlmodel_spec.models.input_example import Example

    if input_example is None:
        return None
    return Example(input_example).json_serving_input


def _decode(payload: str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError as exc:
            raise MlmodelSpecError(
                f"The serving input is not valid JSON: {exc}", BAD_REQUEST
            ) from None
    if not isinstance(payload, dict):
        raise MlmodelSpecError(
            f"The serving input must be a JSON object, got {type(payload).__name__}", BAD_REQUEST
        )
    return payload


def parse_serving_input(payload: str | dict[str, Any], model: Model) -> tuple[Any, Any]:
    """(data, params) of a serving payload, parsed against the model's signature."""
    from mlmodel_spec.models.input_example import _dataframe, _tensors

    body = _decode(payload)
    if any(k in body for k in _LLM_KEYS) and not any(k in body for k in FORMATS):
        params_schema = model.get_params_schema()
        names = {p.name for p in params_schema.params} if params_schema else set()
        return (
            {k: v for k, v in body.items() if k not in names},
            {k: v for k, v in body.items() if k in names} or None,
        )
    keys = [k for k in FORMATS if k in body]
    if len(keys) != 1:
        raise MlmodelSpecError(
            f"The serving input needs exactly one of {list(FORMATS)} (or an LLM input with "
            f"{list(_LLM_KEYS)}); got keys {sorted(body)}",
            BAD_REQUEST,
        )
    key, params = keys[0], body.get("params")
    value = body[key]
    signature = model.signature
    if signature is not None and signature.is_signature_from_type_hint:
        if key != "inputs":
            raise MlmodelSpecError(
                "A model with a type-hint signature takes {'inputs': ...} payloads", BAD_REQUEST
            )
        return value, params
    schema: Schema | None = model.get_input_schema()
    if key == "dataframe_split":
        return _dataframe(value, schema), params
    if key == "dataframe_records":
        return _dataframe(list(value) if isinstance(value, list) else value, schema), params
    if schema is not None and not schema.is_tensor_spec():
        if (
            key == "instances"
            and isinstance(value, list)
            and all(isinstance(v, dict) for v in value)
        ):
            import pandas as pd

            return pd.DataFrame(value), params
        return value, params
    return _tensors({key: value}, schema), params


def validate_serving_input(model_uri: str | Path, serving_input: str | dict[str, Any]) -> Any:
    """Load a local model, parse ``serving_input`` as a scoring server would, and return the
    prediction (errors say what does not fit). **Executes model code**: trusted models only."""
    from mlmodel_spec.pyfunc import load_model

    model = load_model(model_uri)
    data, params = parse_serving_input(serving_input, model.metadata)
    return model.predict(data, params=params)
