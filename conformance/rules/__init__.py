"""Static rules. Importing this package registers every rule and check, in this order."""

from . import (  # noqa: F401
    document,
    environment,
    hygiene,
    input_example,
    loader_module,
    model_size,
    paths,
    requirements,
    schema,
    signature,
    versions,
)
