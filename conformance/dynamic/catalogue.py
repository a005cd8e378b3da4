"""The dynamic checks' catalogue: ids, severities, summaries and selecting capabilities.

Every id is also a rule in :data:`~mlmodel_spec.conformance.registry.RULES` with
``kind="dynamic"``, so ``--select/--ignore``, ``mlmodel-spec rules`` and every report format
treat dynamic findings like static ones. A check applies to a model when the model has all
of the check's ``needs`` and, if ``any_of`` is given, at least one of those: checks are
selected by what a model *can do*, never by flavor name.

Severity: ``error`` when the model breaks its contract (does not load, crashes, times out,
wrong rows, output against its own signature, a round trip changes predictions); ``warning``
when it works but degrades (nondeterminism, row variance, unmet pins, a lossy re-save).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from mlmodel_spec.conformance.findings import Severity
from mlmodel_spec.conformance.registry import RULES, define_rule


class Capability(str, Enum):
    PYFUNC_FLAVOR = "pyfunc-flavor"  # MLmodel has a python_function flavor
    PYFUNC = "pyfunc-loader"  # ... whose loader_module mlmodel-spec runs (not models-from-code)
    INPUT_EXAMPLE = "input-example"  # saved_input_example_info names an example
    INPUT_SIGNATURE = "input-signature"
    OUTPUT_SIGNATURE = "output-signature"
    NATIVE_LOADER = "native-loader"  # a flavor our runtime loads natively (FLAVOR table)
    PYTHON_MODEL = "python-model"  # a custom PythonModel (python_function.python_model)
    ENVIRONMENT = "environment-files"  # requirements.txt or python_env.yaml
    MLFLOW = "mlflow-importable"  # real MLflow can be imported here

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CheckSpec:
    id: str
    severity: Severity
    summary: str
    hint: str
    needs: frozenset[Capability]
    any_of: frozenset[Capability] = frozenset()

    def missing(self, capabilities: frozenset[Capability]) -> str | None:
        """Why the check does not apply to a model with ``capabilities`` (None: it applies)."""
        if Capability.MLFLOW in self.needs - capabilities:  # about this machine, not the model
            return "MLflow cannot be imported in this environment"
        lacking = sorted(str(c) for c in self.needs - capabilities)
        if lacking:
            return "the model has no " + ", no ".join(lacking)
        if self.any_of and not self.any_of & capabilities:
            return "the model has none of " + ", ".join(sorted(str(c) for c in self.any_of))
        return None


#: the checks, in the order they run
CHECK_SPECS: dict[str, CheckSpec] = {}


def dynamic_check(  # noqa: PLR0917 - reads as a table row
    id: str,
    severity: Severity,
    summary: str,
    hint: str,
    needs: tuple[Capability, ...] = (),
    any_of: tuple[Capability, ...] = (),
) -> str:
    if id not in RULES:  # the rule catalogue outlives a re-import of this module
        define_rule(id, severity, summary, hint, kind="dynamic")
    CHECK_SPECS[id] = CheckSpec(id, severity, summary, hint, frozenset(needs), frozenset(any_of))
    return id


def harness_rule(id: str, summary: str, hint: str) -> str:
    """A finding the harness raises about a model's process (not a selectable check)."""
    if id not in RULES:
        define_rule(id, Severity.ERROR, summary, hint, kind="dynamic")
    return id


C = Capability
LOADS = dynamic_check(
    "loads",
    Severity.ERROR,
    "pyfunc.load_model loads the directory",
    "Load it yourself with mlmodel_spec.pyfunc.load_model to see the full traceback.",
    (C.PYFUNC,),
)
NATIVE_LOADS = dynamic_check(
    "native-loads",
    Severity.ERROR,
    "the flavor's own load_model returns the library object",
    "The flavor's payload file or its configuration in MLmodel is wrong.",
    (C.NATIVE_LOADER,),
)
PREDICTS_ON_EXAMPLE = dynamic_check(
    "predicts-on-example",
    Severity.ERROR,
    "predict succeeds on the saved input example",
    "Every consumer that trusts the saved example will fail the same way.",
    (C.PYFUNC, C.INPUT_EXAMPLE),
)
OUTPUT_MATCHES_SIGNATURE = dynamic_check(
    "output-matches-signature",
    Severity.ERROR,
    "one prediction per input row, with the names, types and shape of signature.outputs",
    "MLflow does not enforce outputs: fix the model or save it with the signature it keeps.",
    (C.PYFUNC, C.INPUT_EXAMPLE, C.OUTPUT_SIGNATURE),
)
INPUT_ENFORCEMENT = dynamic_check(
    "input-enforcement",
    Severity.ERROR,
    "a wrong input (a required column dropped, a wrongly typed column) gives a signature error",
    "Save the model with a signature that names and types every input it needs.",
    (C.PYFUNC, C.INPUT_EXAMPLE, C.INPUT_SIGNATURE),
)
ROUND_TRIP = dynamic_check(
    "round-trip",
    Severity.ERROR,
    "the model re-saved with save_model and loaded again predicts the same",
    "Predictions differ after a save/load cycle: the payload does not capture the model.",
    (C.PYFUNC, C.INPUT_EXAMPLE),
    (C.NATIVE_LOADER, C.PYTHON_MODEL),
)
RESAVE_EQUIVALENT = dynamic_check(
    "resave-equivalent",
    Severity.WARNING,
    "the re-saved MLmodel equals the original except for keys that must change",
    "A key the writer does not reproduce is lost when the model is saved again.",
    (C.PYFUNC,),
    (C.NATIVE_LOADER, C.PYTHON_MODEL),
)
DETERMINISTIC = dynamic_check(
    "deterministic",
    Severity.WARNING,
    "two predictions on the same input are equal",
    "Seed the model's randomness or document that predictions vary.",
    (C.PYFUNC, C.INPUT_EXAMPLE),
)
ROW_INVARIANT = dynamic_check(
    "row-invariant",
    Severity.WARNING,
    "the example predicted row by row equals the batch prediction",
    "A prediction that depends on the other rows of the batch changes with batch size.",
    (C.PYFUNC, C.INPUT_EXAMPLE),
)
ENVIRONMENT_SATISFIED = dynamic_check(
    "environment-satisfied",
    Severity.WARNING,
    "the pins of requirements.txt / python_env.yaml match the running interpreter",
    "Run the model in the environment it pins (or re-save it in this one).",
    (C.ENVIRONMENT,),
)
MLFLOW_LOADS = dynamic_check(
    "mlflow-loads",
    Severity.ERROR,
    "real MLflow's pyfunc.load_model loads the directory",
    "MLflow users cannot load this model.",
    (C.PYFUNC_FLAVOR, C.MLFLOW),
)
MLFLOW_PREDICTS_EQUAL = dynamic_check(
    "mlflow-predicts-equal",
    Severity.ERROR,
    "real MLflow predicts the same as mlmodel-spec on the input example",
    "The two runtimes disagree: report it with the model directory attached.",
    (C.PYFUNC, C.INPUT_EXAMPLE, C.MLFLOW),
)

CHECK_CRASHED = harness_rule(
    "check-crashed",
    "the model's process died (segfault, os._exit) while a check ran",
    "Run the check again with `mlmodel-spec check --jobs 1` and read the stderr tail.",
)
CHECK_TIMEOUT = harness_rule(
    "check-timeout",
    "the model's checks did not finish within --timeout",
    "Predict on a small input yourself; raise --timeout if the model is just slow.",
)
CHECK_MEMORY = harness_rule(
    "check-memory",
    "the model ran out of memory under --max-memory",
    "Raise --max-memory if the model needs more, or look for an unbounded allocation.",
)
CHECK_INTERNAL_ERROR = harness_rule(
    "check-internal-error",
    "a dynamic check itself failed (a bug in mlmodel-spec)",
    "Report it with the model directory attached.",
)

DYNAMIC_IDS = frozenset(CHECK_SPECS)
HARNESS_IDS = frozenset({CHECK_CRASHED, CHECK_TIMEOUT, CHECK_MEMORY, CHECK_INTERNAL_ERROR})
