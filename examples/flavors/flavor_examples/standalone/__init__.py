"""Generated ``--target standalone`` flavor modules (run on mlmodel_spec's runtime, no MLflow)."""
