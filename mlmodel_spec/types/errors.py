"""Exceptions and warnings raised by the mlmodel-spec runtime.

Every error the runtime raises on bad input derives from :class:`MlmodelSpecError`, which is a
``ValueError``: callers that already catch ``ValueError`` keep working, and nothing surfaces as a
bare traceback from deep inside pandas or numpy.
"""

from __future__ import annotations


class MlmodelSpecError(ValueError):
    """Base class of all runtime errors (bad model directories, bad inputs, bad arguments)."""


class ModelFormatError(MlmodelSpecError):
    """A model directory or an ``MLmodel`` document is missing, malformed or unsupported."""


class SchemaError(MlmodelSpecError):
    """A signature, schema or type specification is invalid."""


class SchemaEnforcementError(MlmodelSpecError):
    """Input data or params do not conform to the model signature (MLflow's error class
    ``SCHEMA_ENFORCEMENT_FAILED``)."""


class MissingDependencyError(MlmodelSpecError):
    """An optional package needed for this operation (mlflow, skops, ...) is not installed."""


class MlmodelSpecWarning(UserWarning):
    """Warnings the runtime emits where MLflow logs a warning (version mismatches, dropped
    columns, ignored params)."""
