"""Static rules. Importing this package registers every rule and check, in this order."""

# Not sorted: serving_example was part of input_example and keeps its place, so the rule
# catalogue and the checks keep their order.
from . import (  # noqa: F401, I001
    document,
    environment,
    hygiene,
    input_example,
    serving_example,
    loader_module,
    model_size,
    paths,
    requirements,
    schema,
    signature,
    versions,
)

# The safety-* rules live in their own sub-package (conformance/safety/) and register last.
from ..safety import rules as safety  # noqa: F401
