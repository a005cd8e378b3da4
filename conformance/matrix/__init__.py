"""The version matrix: golden models written in one environment, read in every other.

- :mod:`.spec` — ``spec/matrix/matrix.yaml`` (the environments) loaded and checked;
- :mod:`.golden` — the golden cases and their manifest (runs inside a matrix environment);
- :mod:`.read` — one reader environment loads every writer's golden models into cells;
- :mod:`.worker` — ``python -m mlmodel_spec.conformance.matrix.worker write|read`` (what
  each environment runs, from ``matrix run`` or from tox);
- :mod:`.envs`, :mod:`.runner` — build the environments with uv and drive the workers;
- :mod:`.report`, :mod:`.html` — the writer x reader table (Markdown, JSON, HTML);
- :mod:`.command` — ``mlmodel-spec matrix``.

Importing this package imports nothing heavy.
"""
