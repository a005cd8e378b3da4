"""One model directory under test: what the checks share (the loaded model, the example,
the first prediction, the re-saved copy), each computed once and failures remembered.

A check asks for what it needs with ``session.require_*``; when a prerequisite failed (and
the check that owns it has reported that), the check is skipped with :class:`Skip`.
"""

from __future__ import annotations

import contextlib
import tempfile
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MESSAGE_LIMIT = 600


class Skip(Exception):
    """The check does not apply, or a prerequisite failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Failure:
    """A model-side exception, summarised for a finding (no traceback for the user)."""

    summary: str
    #: it failed only because the model needs MLflow (its code imports it, or its pickle
    #: names an MLflow class we have no stand-in for) and MLflow cannot be imported here
    needs_mlflow: bool = False

    @classmethod
    def of(cls, exc: BaseException) -> Failure:
        text = f"{type(exc).__name__}: {exc}".strip()
        if len(text) > MESSAGE_LIMIT:
            text = text[: MESSAGE_LIMIT - 3] + "..."
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            last = frames[-1]
            text += f" (raised at {Path(last.filename).name}:{last.lineno} in {last.name})"
        return cls(text, _needs_mlflow(exc))


def _needs_mlflow(exc: BaseException) -> bool:
    from mlmodel_spec.pyfunc.unpickle import MlflowRequiredError

    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, MlflowRequiredError):
            return True
        if isinstance(current, ModuleNotFoundError) and (current.name or "") == "mlflow":
            return True  # only the top-level package is missing when MLflow is absent
        current = current.__cause__ or current.__context__
    return False


#: why a check did not run on a model that needs MLflow, where MLflow is absent
NEEDS_MLFLOW = "the model needs MLflow to load, which cannot be imported in this environment"


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Model code warns freely (versions, deprecations): a check is not the place for it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


class _Memo:
    def __init__(self) -> None:
        self._values: dict[str, Any] = {}
        self._errors: dict[str, Failure] = {}

    def get(self, key: str, compute: Callable[[], Any]) -> Any:
        if key in self._errors:
            raise _Failed(self._errors[key])
        if key not in self._values:
            try:
                with quiet():
                    self._values[key] = compute()
            except Skip:
                raise
            except MemoryError as exc:  # reported once (check-memory); dependents skip
                self._errors[key] = Failure.of(exc)
                raise
            except (Exception, SystemExit) as exc:  # model code: its failure, not ours
                self._errors[key] = Failure.of(exc)
                raise _Failed(self._errors[key]) from None
        return self._values[key]

    def peek(self, key: str) -> Any:
        """The value computed for ``key`` (None when it was not, or failed)."""
        return self._values.get(key)


class _Failed(Exception):
    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.summary)
        self.failure = failure


class Session:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._memo = _Memo()
        self._workdir: tempfile.TemporaryDirectory[str] | None = None

    # -- what checks use --------------------------------------------------------------------
    def attempt(self, key: str, compute: Callable[[], Any]) -> Any | Failure:
        """The memoised value, or the :class:`Failure` it raised (for the check that owns it)."""
        try:
            return self._memo.get(key, compute)
        except _Failed as failed:
            return failed.failure

    def require(self, key: str, compute: Callable[[], Any], owner: str) -> Any:
        """The memoised value; skip the calling check when it failed (``owner`` reports it)."""
        try:
            return self._memo.get(key, compute)
        except _Failed as failed:
            if failed.failure.needs_mlflow:
                raise Skip(NEEDS_MLFLOW) from None
            raise Skip(f"not run: {owner} failed") from None

    @property
    def meta(self) -> Any:
        from mlmodel_spec.models.model import Model

        return self.require("meta", lambda: Model.load(self.directory), "reading MLmodel")

    def pyfunc(self) -> Any:
        from mlmodel_spec.pyfunc import load_model

        return self.require(
            "pyfunc", lambda: load_model(self.directory, suppress_warnings=True), "loads"
        )

    def read_example(self) -> tuple[Any, dict[str, Any] | None]:
        """The input example and its params, read once: ``pyfunc.load_model`` has already
        read the example (it sets ``input_example``, as MLflow does) with the same call."""
        loaded = self._memo.peek("pyfunc")
        data = getattr(loaded, "input_example", None)
        if data is None:
            data = self.meta.load_input_example(self.directory)
        return data, self.meta.load_input_example_params(self.directory)

    def example(self) -> tuple[Any, dict[str, Any] | None]:
        return self.require(  # type: ignore[no-any-return]
            "example", self.read_example, "reading the input example (predicts-on-example)"
        )

    def prediction(self) -> Any:
        model = self.pyfunc()
        data, params = self.example()
        return self.require(
            "prediction", lambda: model.predict(data, params=params), "predicts-on-example"
        )

    def workdir(self) -> Path:
        if self._workdir is None:
            self._workdir = tempfile.TemporaryDirectory(prefix="mlmodel-spec-check-")
        return Path(self._workdir.name)

    def close(self) -> None:
        if self._workdir is not None:
            self._workdir.cleanup()
            self._workdir = None
