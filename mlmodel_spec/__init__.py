"""mlmodel-spec: specification, validator and runtime for MLflow model directories."""

__version__ = "0.1.0.dev0"
