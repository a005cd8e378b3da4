"""Model signatures: input/output schemas and the params schema, and their inference."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from mlmodel_spec.types.datatypes import AnyType
from mlmodel_spec.types.errors import MlmodelSpecWarning, SchemaError, SchemaTypeError
from mlmodel_spec.types.params import ParamSchema
from mlmodel_spec.types.schema import ColSpec, Schema


class ModelSignature:
    """The inputs, outputs and params schemas of a model (at least one must be given).

    ``to_dict()`` gives the MLmodel ``signature`` block: each schema as a JSON *string*.
    """

    def __init__(
        self,
        inputs: Schema | None = None,
        outputs: Schema | None = None,
        params: ParamSchema | None = None,
    ) -> None:
        for label, value, kind in (
            ("inputs", inputs, Schema),
            ("outputs", outputs, Schema),
            ("params", params, ParamSchema),
        ):
            if value is not None and not isinstance(value, kind):
                raise SchemaTypeError(
                    f"{label} must be None or a {kind.__name__}, got {type(value).__name__}"
                )
        if inputs is None and outputs is None and params is None:
            raise SchemaError("At least one of inputs, outputs or params must be provided")
        self.inputs = inputs
        self.outputs = outputs
        self.params = params
        self.is_signature_from_type_hint = False
        self.type_hint_from_example = False

    def to_dict(self) -> dict[str, str | None]:
        return {
            "inputs": self.inputs.to_json() if self.inputs else None,
            "outputs": self.outputs.to_json() if self.outputs else None,
            "params": self.params.to_json() if self.params else None,
        }

    @classmethod
    def from_dict(cls, signature_dict: dict[str, Any]) -> ModelSignature:
        """Parse an MLmodel ``signature`` block (missing, null or empty entries are absent)."""
        if not isinstance(signature_dict, dict):
            raise SchemaError(f"A signature must be a mapping, got {type(signature_dict).__name__}")
        inputs = signature_dict.get("inputs")
        outputs = signature_dict.get("outputs")
        params = signature_dict.get("params")
        return cls(
            Schema.from_json(inputs) if inputs else None,
            Schema.from_json(outputs) if outputs else None,
            ParamSchema.from_json(params) if params else None,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ModelSignature) and (
            self.inputs,
            self.outputs,
            self.params,
        ) == (other.inputs, other.outputs, other.params)

    def __hash__(self) -> int:
        return hash((self.inputs, self.outputs, self.params))

    def __repr__(self) -> str:
        return (
            f"inputs: \n  {self.inputs!r}\noutputs: \n  {self.outputs!r}\n"
            f"params: \n  {self.params!r}\n"
        )


def infer_signature(
    model_input: Any = None, model_output: Any = None, params: dict[str, Any] | None = None
) -> ModelSignature:
    """Infer a signature from example input, output and params (``mlflow.models.infer_signature``).

    Inputs may be pandas DataFrames/Series, numpy arrays, dicts of arrays, dicts/lists of
    JSON-like values or scalars. Data whose schema cannot be inferred gets
    ``Schema([ColSpec(AnyType())])`` with a warning, as in MLflow.
    """
    from mlmodel_spec.types.infer import infer_param_schema, infer_schema

    schemas: dict[str, Schema | None] = {}
    for key, data in (("inputs", model_input), ("outputs", model_output)):
        if data is None:
            schemas[key] = None
            continue
        try:
            schemas[key] = infer_schema(data)
        except SchemaError as exc:
            warnings.warn(
                f"Failed to infer schema for {key} ({exc}). Setting schema to "
                "`Schema([ColSpec(type=AnyType())])` as default.",
                MlmodelSpecWarning,
                stacklevel=2,
            )
            schemas[key] = Schema([ColSpec(AnyType())])
    return ModelSignature(
        schemas["inputs"], schemas["outputs"], infer_param_schema(params) if params else None
    )


def infer_signature_from_example(example: Any, predictor: Any) -> ModelSignature | None:
    """Infer inputs (and params) from a saved example and outputs from ``predictor.predict``
    on it, as MLflow's flavors do when ``signature`` is not given. Failures warn and give None.
    """
    import copy

    import numpy as np
    import pandas as pd

    from mlmodel_spec.types.enforce import enforce_params, enforce_schema
    from mlmodel_spec.types.errors import MlmodelSpecError
    from mlmodel_spec.types.infer import infer_param_schema, infer_schema

    try:
        data = copy.deepcopy(example.inference_data)
        params = example.inference_params
        input_schema = infer_schema(data)
        params_schema = infer_param_schema(params) if params else None
        data = enforce_schema(data, input_schema)
        params = enforce_params(params, params_schema)
        prediction = predictor.predict(data, params=params)
        if (
            not input_schema.is_tensor_spec()
            and isinstance(prediction, np.ndarray)
            and prediction.ndim == 1
        ):
            prediction = pd.Series(prediction)
        try:
            output_schema = infer_schema(prediction)
        except MlmodelSpecError:
            warnings.warn(
                "Failed to infer the output schema from the prediction; using AnyType.",
                MlmodelSpecWarning,
                stacklevel=2,
            )
            output_schema = Schema([ColSpec(AnyType())])
        return ModelSignature(input_schema, output_schema, params_schema)
    except Exception as exc:  # the model's own predict may raise anything
        warnings.warn(
            f"Failed to infer the model signature from the input example. Reason: {exc!r}",
            MlmodelSpecWarning,
            stacklevel=2,
        )
        return None


def set_signature(model_uri: str | Path, signature: ModelSignature) -> None:
    """Set (replace) the signature of a local model directory, rewriting its ``MLmodel``
    atomically. MLflow also accepts ``runs:/`` URIs and re-uploads; here the model is local."""

    from mlmodel_spec._flavor import model_directory
    from mlmodel_spec._flavor_atomic import replace_file
    from mlmodel_spec.models.model import MLMODEL_FILE_NAME, Model

    if not isinstance(signature, ModelSignature):
        raise SchemaTypeError(
            f"The signature argument must be a ModelSignature, got {type(signature).__name__}"
        )
    directory = model_directory(model_uri)
    model = Model.load(directory)
    model.signature = signature
    replace_file(directory / MLMODEL_FILE_NAME, model.to_yaml())


def validate_schema(data: Any, expected_schema: Schema) -> None:
    """Raise :class:`SchemaEnforcementError` when ``data`` does not fit ``expected_schema``."""
    from mlmodel_spec.types.enforce import enforce_schema

    if not isinstance(expected_schema, Schema):
        raise SchemaTypeError(
            f"expected_schema must be a Schema, got {type(expected_schema).__name__}"
        )
    enforce_schema(data, expected_schema)
