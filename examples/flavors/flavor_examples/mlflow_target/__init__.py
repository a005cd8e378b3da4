"""Generated ``--target mlflow`` flavor modules (MLflow custom flavors, public API only)."""
