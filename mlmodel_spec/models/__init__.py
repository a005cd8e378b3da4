"""The MLflow Model format: :class:`Model`, signatures and input examples.

Mirrors ``mlflow.models``: ``from mlmodel_spec.models import Model, infer_signature``.
Functions that take a ``model_uri`` take a local model directory (MLflow also resolves
``runs:/`` and ``models:/`` URIs through a tracking server). Importing this package does not
import numpy or pandas.
"""

from __future__ import annotations

from typing import Any

from mlmodel_spec.models.from_code import ModelConfig, set_model
from mlmodel_spec.models.model import MLMODEL_FILE_NAME, Model
from mlmodel_spec.models.model_info import ModelInfo, get_model_info
from mlmodel_spec.models.requirements import infer_pip_requirements, update_model_requirements
from mlmodel_spec.models.serving import (
    convert_input_example_to_serving_input,
    validate_serving_input,
)
from mlmodel_spec.models.signature import (
    ModelSignature,
    infer_signature,
    set_signature,
    validate_schema,
)
from mlmodel_spec.types.errors import MlmodelSpecError, ModelFormatError

ModelInputExample = Any
"""What ``input_example`` accepts: a pandas DataFrame or Series, a numpy array, a dict of
numpy arrays, a scipy sparse matrix, a list, a dict, a scalar, or a ``(data, params)`` tuple
(MLflow's alias is a ``Union`` of these types)."""

__all__ = [
    "MLMODEL_FILE_NAME",
    "MlmodelSpecError",
    "Model",
    "ModelConfig",
    "ModelFormatError",
    "ModelInfo",
    "ModelInputExample",
    "ModelSignature",
    "convert_input_example_to_serving_input",
    "get_model_info",
    "infer_pip_requirements",
    "infer_signature",
    "set_model",
    "set_signature",
    "update_model_requirements",
    "validate_schema",
    "validate_serving_input",
]
