"""Dynamic checks: load a model directory, run it, and check that it keeps its contract.

Unlike the static rules (``validate``), everything here **executes model code** (pickles,
loader modules, ``code/`` directories): ``mlmodel-spec check``, the pytest plugin and
:func:`parametrize_with_checks` run it in child processes with a timeout and a memory limit.

- :mod:`.catalogue` — the check ids (in the rule catalogue, ``kind="dynamic"``) and the
  capabilities that select them;
- :mod:`.checks_run`, :mod:`.checks_resave`, :mod:`.checks_env` — the checks;
- :mod:`.subjects` — what can be checked and the one generator of (subject, check) pairs;
- :mod:`.run` — :func:`run_checks`; :mod:`.isolation` — the child processes;
- :mod:`.pytest_plugin`, :mod:`.parametrize` — pytest integration.

Importing this package imports nothing heavy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .parametrize import parametrize_with_checks
    from .run import CheckResult, run_checks
    from .subjects import ModelFactory

__all__ = ["CheckResult", "ModelFactory", "parametrize_with_checks", "run_checks"]


def __getattr__(name: str) -> Any:  # lazy: the plugin imports this package in every pytest run
    if name in ("run_checks", "CheckResult"):
        from . import run

        return getattr(run, name)
    if name == "ModelFactory":
        from .subjects import ModelFactory

        return ModelFactory
    if name == "parametrize_with_checks":
        from .parametrize import parametrize_with_checks

        return parametrize_with_checks
    raise AttributeError(name)
