"""Signature types of the MLflow Model format: data types, column/tensor/param specs, schemas."""

from mlmodel_spec.types.datatypes import (
    AnyType,
    Array,
    DataType,
    Map,
    Object,
    Property,
    SparkMLVector,
)
from mlmodel_spec.types.errors import (
    MissingDependencyError,
    MlmodelSpecError,
    MlmodelSpecWarning,
    ModelFormatError,
    SchemaEnforcementError,
    SchemaError,
)
from mlmodel_spec.types.params import ParamSchema, ParamSpec
from mlmodel_spec.types.schema import ColSpec, Schema, TensorSpec

__all__ = [
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "Map",
    "MissingDependencyError",
    "MlmodelSpecError",
    "MlmodelSpecWarning",
    "ModelFormatError",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "SchemaEnforcementError",
    "SchemaError",
    "SparkMLVector",
    "TensorSpec",
]
