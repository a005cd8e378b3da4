"""The rule catalogue and the checks that raise those rules.

A *rule* is a stable id with a default severity, a one-line summary and a default hint:
it is what a user sees, filters on and documents. A *check* is a small function that reads a
:class:`~.context.ModelContext` and yields :class:`Problem` values for one or more rules.
The walker (``validate.py``) turns problems into located :class:`~.findings.Finding` s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from .findings import Severity
from .records import record

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

    from .context import ModelContext


@record(frozen=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    hint: str = ""
    #: ``static`` (``validate``: reads files, never runs the model) or ``dynamic``
    #: (``check``: loads and runs the model, ``conformance/dynamic/``)
    kind: str = "static"
    #: the severities a finding of this rule can have besides ``severity``, each with the
    #: case it applies to, e.g. ``((Severity.ERROR, "the file is named in MLmodel"),)``;
    #: ``severity`` itself applies in every other case
    severities: tuple[tuple[Severity, str], ...] = ()
    #: ``conformance`` (will MLflow load and serve it) or ``safety`` (what loading would
    #: execute; the severity speaks of danger, ``conformance/safety/``)
    category: str = "conformance"

    def allowed_severities(self) -> frozenset[Severity]:
        """Every severity a finding of this rule may carry."""
        return frozenset({self.severity, *(severity for severity, _ in self.severities)})


@record(frozen=True)
class Problem:
    """What a check yields. The walker adds the rule's severity/hint and the position.

    ``line``/``column`` are only given when the check knows better than the pointer lookup
    (a JSON decode error, a line of ``requirements.txt``).
    """

    rule: str
    pointer: str
    message: str
    file: str = "MLmodel"
    hint: str | None = None
    severity: Severity | None = None
    line: int | None = None
    column: int | None = None
    at_key: bool = False  # locate at the key that introduces ``pointer`` rather than its value


CheckFn = Callable[["ModelContext"], Iterator[Problem]]


@record(frozen=True)
class Check:
    fn: CheckFn
    rules: tuple[str, ...]
    needs_files: bool
    #: ``model`` checks run on a parsed MLmodel mapping; ``document`` checks run on the raw
    #: text (``ModelContext.mlmodel_text``) when MLmodel is not usable YAML
    phase: str = "model"

    @property
    def name(self) -> str:
        return self.fn.__name__


@record(frozen=True)
class RuleModule:
    """A module that defines static rules and checks, and which models need it.

    The walker imports a module only for a model that needs it (``needed_by``), so
    ``validate`` on one model pays only for the rules that can fire there. ``keys``: the
    top-level MLmodel keys without which none of its checks reports anything (empty: every
    model needs it); ``files``: every one of its checks reads files (``--metadata-only``
    never needs it); ``options``: the validation options (``ValidationOptions`` fields) of
    which one must be given for any of its checks to report (empty: none).
    ``tests/test_lazy_rules.py`` holds the walker to these declarations:
    with them, every case gives the findings it gives with every check run.
    """

    name: str  # relative to this package, e.g. ".rules.signature"
    keys: frozenset[str] = frozenset()
    files: bool = False
    options: frozenset[str] = frozenset()

    def needed_by(
        self, data: dict[Any, Any], metadata_only: bool, given: frozenset[str] = frozenset()
    ) -> bool:
        """Whether a model with top-level keys ``data`` needs this module, validated with
        ``metadata_only`` and the options named in ``given`` set."""
        if (self.files and metadata_only) or (self.options and not self.options & given):
            return False
        return not self.keys or any(key in data for key in self.keys)


_EXAMPLE_KEYS = frozenset({"saved_input_example_info"})
#: every static rule module, in catalogue order (serving_example was part of input_example
#: and keeps its place); the safety-* rules live in their own sub-package and come last
RULE_MODULES: tuple[RuleModule, ...] = (
    RuleModule(".rules.document"),
    RuleModule(".rules.environment", files=True),
    RuleModule(".rules.hygiene"),
    RuleModule(".rules.input_example", _EXAMPLE_KEYS, files=True),
    RuleModule(".rules.serving_example", _EXAMPLE_KEYS, files=True),
    RuleModule(".rules.loader_module"),
    RuleModule(".rules.model_size", frozenset({"model_size_bytes"}), files=True),
    RuleModule(".rules.paths"),
    RuleModule(
        ".rules.reader_compat",
        frozenset({"flavors", "signature"}),
        options=frozenset({"reader_mlflow", "reader_sklearn"}),
    ),
    RuleModule(".rules.requirements", files=True),
    RuleModule(".rules.schema"),
    RuleModule(
        ".rules.signature",
        frozenset({"signature", "is_signature_from_type_hint", "type_hint_from_example"}),
    ),
    RuleModule(".rules.versions", files=True),
    RuleModule(".safety.rules", files=True),
)
_MODULE_GATES = {__package__ + each.name: each for each in RULE_MODULES}
_LOADED_ALL: list[bool] = []  # one True once every rule module is imported


def load_all_rules() -> None:
    """Import every static rule module (the walker imports only what a model needs)."""
    if not _LOADED_ALL:
        for each in RULE_MODULES:
            __import__(__package__ + each.name)  # importlib's import_module: 0.4 ms more
        _LOADED_ALL.append(True)


def checks_for(
    checks: Sequence[Check],
    data: dict[Any, Any],
    *,
    metadata_only: bool,
    phase: str,
    given: frozenset[str] = frozenset(),
) -> list[Check]:
    """The ``checks`` one model needs, after importing the rule modules it needs.

    A check of a declared module runs when its module's gate opens (whether or not the
    module was imported for another model); any other check (a plugin's, a test's) always
    runs. ``metadata_only`` leaves out checks that need files; ``given`` names the validation
    options set (``ValidationOptions.given``).
    """
    gates = _gates(frozenset(key for key in data if isinstance(key, str)), metadata_only, given)
    return [
        each
        for each in checks
        if each.phase == phase
        and not (metadata_only and each.needs_files)
        and gates.get(each.fn.__module__, True)
    ]


@lru_cache(maxsize=256)
def _gates(keys: frozenset[str], metadata_only: bool, given: frozenset[str]) -> dict[str, bool]:
    data = dict.fromkeys(keys)
    gates = {
        name: gate.needed_by(data, metadata_only, given) for name, gate in _MODULE_GATES.items()
    }
    for name, needed in gates.items():
        if needed:
            __import__(name)
    return gates


class _Catalogue(dict[str, Rule]):
    """``RULES``: looking a rule up is a plain dict access; listing the catalogue (or asking
    for an id not loaded yet) imports every rule module first, so it is always complete."""

    def __missing__(self, key: str) -> Rule:
        if _LOADED_ALL:
            raise KeyError(key)
        load_all_rules()
        return dict.__getitem__(self, key)

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key) or _LOADED_ALL:
            return dict.__contains__(self, key)
        load_all_rules()
        return dict.__contains__(self, key)

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            return default
        return dict.__getitem__(self, key)

    def __iter__(self) -> Iterator[str]:
        load_all_rules()
        return dict.__iter__(self)

    def __len__(self) -> int:
        load_all_rules()
        return dict.__len__(self)

    def keys(self) -> Any:
        load_all_rules()
        return dict.keys(self)

    def values(self) -> Any:
        load_all_rules()
        return dict.values(self)

    def items(self) -> Any:
        load_all_rules()
        return dict.items(self)


RULES: dict[str, Rule] = _Catalogue()
CHECKS: list[Check] = []


def define_rule(
    id: str,
    severity: Severity | str,
    summary: str,
    hint: str = "",
    *,
    kind: str = "static",
    severities: Sequence[tuple[Severity | str, str]] = (),
    category: str = "conformance",
) -> str:
    """Add a rule to the catalogue and return its id (so modules can keep it as a constant).

    ``severities`` lists the other severities the rule reports and when each applies.
    """
    if dict.__contains__(RULES, id):
        raise ValueError(f"rule {id!r} is defined twice")
    cases = tuple((Severity(level), when) for level, when in severities)
    RULES[id] = Rule(id, Severity(severity), summary, hint, kind, cases, category)
    return id


def check(
    *rules: str, needs_files: bool = False, phase: str = "model"
) -> Callable[[CheckFn], CheckFn]:
    """Register a check that may raise ``rules``.

    ``needs_files=True`` marks checks that look beyond the MLmodel text (the file system,
    companion files); ``--metadata-only`` skips them. ``phase="document"`` marks checks the
    walker runs on the raw MLmodel text when it does not parse (no other check can run then).
    """
    if phase not in ("model", "document"):
        raise ValueError(f"unknown check phase {phase!r}")
    unknown = [r for r in rules if not dict.__contains__(RULES, r)]
    if unknown:
        raise ValueError(f"check declares undefined rules {unknown}")

    def register(fn: CheckFn) -> CheckFn:
        CHECKS.append(Check(fn, rules, needs_files, phase))
        return fn

    return register
