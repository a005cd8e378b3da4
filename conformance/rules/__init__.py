"""Static rules. Importing this package registers every rule and check, in this order."""

from . import (  # noqa: F401
    document,
    schema,
    paths,
    loader_module,
    model_size,
    hygiene,
    environment,
    requirements,
    versions,
    signature,
    input_example,
)
