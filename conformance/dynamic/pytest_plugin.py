"""The pytest plugin: ``pytest --mlmodel-dir PATH`` checks every model below PATH.

One item per (model, check) with ids such as ``iris-classifier::predicts-on-example``
(select with ``-k``), plus one ``<model>::static`` item that fails on error findings of
``validate``. A failure prints the findings, not a traceback. **Runs model code** (each
model in a child process). Registered through the ``pytest11`` entry point and inactive
unless ``--mlmodel-dir`` is given: this module imports only pytest until then.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mlmodel_spec.conformance.findings import Finding

    from .run import CheckResult
    from .subjects import Prepared

STATIC = "static"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mlmodel-spec", "MLflow model conformance (runs model code)")
    group.addoption(
        "--mlmodel-dir",
        action="append",
        default=[],
        metavar="PATH",
        help="check every MLflow model at or below PATH (repeatable; executes model code)",
    )
    group.addoption(
        "--mlmodel-fail-on",
        choices=("error", "warning"),
        default="error",
        help="the lowest severity that fails an item (default error; warnings are shown)",
    )
    group.addoption(
        "--mlmodel-timeout", type=float, default=None, help="seconds a model (default 120)"
    )
    group.addoption(
        "--mlmodel-max-memory", default=None, help="address space a model, e.g. 4G (default 8G)"
    )
    group.addoption(
        "--mlmodel-flavor-spec",
        action="append",
        default=[],
        metavar="FILE",
        help="a third-party flavor spec the static item checks flavor blocks with (repeatable)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("mlmodel_dir"):
        config.pluginmanager.register(ModelChecks(config), "mlmodel-spec-checks")


class CheckFailed(Exception):  # pytest reports it as the failure of the item
    def __init__(self, findings: list[Finding]) -> None:
        super().__init__(findings)
        self.findings = findings


def format_findings(directory: Path, findings: list[Finding]) -> str:
    lines = []
    for f in findings:
        where = os.path.join(directory, f.location) + (f" {f.pointer}" if f.pointer else "")
        lines.append(f"{where}: {f.severity.value} [{f.rule}] {f.message}")
        if f.hint:
            lines.append(f"    hint: {f.hint}")
    return "\n".join(lines)


class ModelCheckItem(pytest.Item):
    """One dynamic check (or ``static``) on one model directory."""

    def __init__(self, *, subject: Prepared, check: str, plugin: ModelChecks, **kw: Any) -> None:
        super().__init__(**kw)
        self.subject = subject
        self.check = check
        self.plugin = plugin

    def runtest(self) -> None:
        from .command import located

        if self.check == STATIC:
            findings = self.plugin.static_findings(self.subject)
        else:
            result = self.plugin.result(self, self.subject, self.check)
            if result.status == "skipped":
                pytest.skip(result.reason)
            findings = located(self.subject.directory / "MLmodel", list(result.findings))
        if any(f.severity.rank >= self.plugin.fail_on.rank for f in findings):
            raise CheckFailed(findings)
        if findings:
            text = format_findings(self.subject.directory, findings)
            self.add_report_section("call", "mlmodel-spec findings", text)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CheckFailed):
            return format_findings(self.subject.directory, excinfo.value.findings)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[os.PathLike[str] | str, int | None, str]:
        return self.subject.directory / "MLmodel", None, self.name


class ModelChecks:
    """The active plugin: collects the items and runs each model's checks once."""

    def __init__(self, config: pytest.Config) -> None:
        from mlmodel_spec.conformance.findings import Severity

        from .command import memory_size
        from .limits import DEFAULT_MAX_MEMORY, DEFAULT_TIMEOUT

        self.config = config
        self.fail_on = Severity(config.getoption("mlmodel_fail_on"))
        self.roots: list[str] = config.getoption("mlmodel_dir")
        timeout = config.getoption("mlmodel_timeout")
        memory = config.getoption("mlmodel_max_memory")
        self.timeout = timeout if timeout is not None else DEFAULT_TIMEOUT
        self.max_memory = memory_size(memory) if memory is not None else DEFAULT_MAX_MEMORY
        self._results: dict[Path, dict[str, CheckResult]] = {}
        self.flavor_specs: tuple[str, ...] = tuple(config.getoption("mlmodel_flavor_spec"))

    def _subjects(self) -> list[Prepared]:
        from mlmodel_spec.conformance.discover import discover

        from .subjects import Prepared, read_capabilities

        subjects = []
        if self.flavor_specs:
            from mlmodel_spec.codegen.flavor_spec import FlavorSpecError

            from ..runtime_flavors import load_flavors

            try:
                load_flavors(self.flavor_specs)
            except FlavorSpecError as exc:
                raise pytest.UsageError(f"--mlmodel-flavor-spec: {exc}") from None
        for root in self.roots:
            found = discover([root])
            if found.errors:
                raise pytest.UsageError("--mlmodel-dir: " + "; ".join(found.errors))
            if not found.targets:
                raise pytest.UsageError(f"--mlmodel-dir: no MLmodel file under {root}")
            for target in found.targets:
                directory = Path(target.root)
                name = _display_name(Path(root), directory)
                subjects.append(Prepared(name, directory, *read_capabilities(directory)))
        return subjects

    @pytest.hookimpl(tryfirst=True)  # before -k / -m deselect
    def pytest_collection_modifyitems(
        self, session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
    ) -> None:
        from .subjects import iter_pairs

        subjects = self._subjects()
        for subject in subjects:
            items.append(self._item(session, subject, STATIC))
        pairs = list(iter_pairs(subjects))
        items.extend(self._item(session, pair.subject, pair.check.id) for pair in pairs)
        items.sort(key=lambda i: i.subject.name if isinstance(i, ModelCheckItem) else "")

    def _item(self, session: pytest.Session, subject: Prepared, check: str) -> ModelCheckItem:
        name = f"{subject.name}::{check}"
        return ModelCheckItem.from_parent(
            session, name=name, nodeid=name, subject=subject, check=check, plugin=self
        )

    def static_findings(self, subject: Prepared) -> list[Finding]:
        from mlmodel_spec.conformance.context import ValidationOptions
        from mlmodel_spec.conformance.validate import validate_model

        options = ValidationOptions(flavor_specs=self.flavor_specs)
        return validate_model(subject.directory, options=options)

    def result(self, item: ModelCheckItem, subject: Prepared, check: str) -> CheckResult:
        """This check's result; the first item of a model runs all its selected checks."""
        if subject.directory not in self._results:
            from .run import Limits, run_prepared

            wanted = [
                i.check
                for i in item.session.items
                if isinstance(i, ModelCheckItem) and i.subject is subject and i.check != STATIC
            ]
            limits = Limits(self.timeout, self.max_memory)
            (ran,) = run_prepared([subject], select=wanted, limits=limits)
            self._results[subject.directory] = {r.check: r for r in ran}
        return self._results[subject.directory][check]


def _display_name(root: Path, directory: Path) -> str:
    """The model's id: its path below ``root`` (the directory name when it is ``root``)."""
    try:
        relative = directory.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(directory.name)
    text = relative.as_posix()
    return directory.resolve().name if text in ("", ".") else text
