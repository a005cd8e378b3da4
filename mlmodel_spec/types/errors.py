"""Exceptions and warnings raised by the mlmodel-spec runtime.

Every error the runtime raises on bad input derives from :class:`MlmodelSpecError`, which is a
``ValueError``: callers that already catch ``ValueError`` keep working, and nothing surfaces as a
bare traceback from deep inside pandas or numpy. Like ``MlflowException`` it carries an
``error_code`` (MLflow's error-code names). Where MLflow raises ``TypeError`` (an argument of the
wrong type), we raise a subclass that is also a ``TypeError``, so ``except TypeError`` code
written against MLflow keeps working.
"""

from __future__ import annotations

INTERNAL_ERROR = "INTERNAL_ERROR"
INVALID_PARAMETER_VALUE = "INVALID_PARAMETER_VALUE"
RESOURCE_DOES_NOT_EXIST = "RESOURCE_DOES_NOT_EXIST"
RESOURCE_ALREADY_EXISTS = "RESOURCE_ALREADY_EXISTS"
BAD_REQUEST = "BAD_REQUEST"


class MlmodelSpecError(ValueError):
    """Base class of all runtime errors (bad model directories, bad inputs, bad arguments).

    ``error_code`` is the name MLflow's ``MlflowException`` would carry for the same failure
    (``INVALID_PARAMETER_VALUE`` unless a subclass or the caller says otherwise).
    """

    default_error_code = INVALID_PARAMETER_VALUE

    def __init__(self, message: object = "", error_code: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.error_code = error_code or self.default_error_code


class ModelFormatError(MlmodelSpecError):
    """A model directory or an ``MLmodel`` document is missing, malformed or unsupported."""


class SchemaError(MlmodelSpecError):
    """A signature, schema or type specification is invalid."""


class SchemaTypeError(SchemaError, TypeError):
    """An argument of a signature type has the wrong Python type (MLflow raises TypeError)."""


class SchemaEnforcementError(MlmodelSpecError):
    """Input data or params do not conform to the model signature (MLflow's error class
    ``SCHEMA_ENFORCEMENT_FAILED``)."""

    default_error_code = BAD_REQUEST


class MissingDependencyError(MlmodelSpecError):
    """An optional package needed for this operation (mlflow, skops, ...) is not installed."""

    default_error_code = INTERNAL_ERROR


class MlmodelSpecWarning(UserWarning):
    """Warnings the runtime emits where MLflow logs a warning (version mismatches, dropped
    columns, ignored params)."""
