"""Third-party example flavors compiled by ``mlmodel-spec codegen`` (see ../README.md).

``standalone`` and ``mlflow_target`` hold the generated modules of both targets; ``factories``
(hand-written) builds the small fitted models their generated tests check.
"""
