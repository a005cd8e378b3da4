"""The MLflow Model format: :class:`Model`, signatures and input examples.

Mirrors ``mlflow.models``: ``from mlmodel_spec.models import Model, infer_signature``.
Importing this package does not import numpy or pandas.
"""

from mlmodel_spec.models.model import MLMODEL_FILE_NAME, Model
from mlmodel_spec.models.signature import ModelSignature, infer_signature
from mlmodel_spec.types.errors import MlmodelSpecError, ModelFormatError

__all__ = [
    "MLMODEL_FILE_NAME",
    "MlmodelSpecError",
    "Model",
    "ModelFormatError",
    "ModelSignature",
    "infer_signature",
]
