"""Read and check flavor specs (``spec/flavors/<name>.yaml``).

A spec is checked against ``spec/flavors/flavor.meta.schema.json`` and then against the
rules a schema cannot state (a serialization key that the key list lacks, a parameter
``save_model`` does not know, ...). Every problem is a :class:`Finding` located exactly as
the validator locates MLmodel findings: the same YAML source map gives line and column.
Reading a spec never imports the library it names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from mlmodel_spec.conformance.findings import Finding, Severity, join_pointer
from mlmodel_spec.conformance.yaml_source import load_yaml

SPEC_DIR = "spec/flavors"
META_SCHEMA = "flavor.meta.schema.json"
TYPES_FILE = "_types.yaml"
RULE = "flavor-spec"
META_HINT = "spec/flavors/README.md describes every field; the meta-schema is spec/flavors/" + (
    META_SCHEMA
)

STRATEGIES = ("pickle", "cloudpickle", "skops", "joblib")
"""The serialization registry (``native`` pairs are declared per class)."""

COMMON_PARAMETERS = (
    "conda_env",
    "code_paths",
    "mlflow_model",
    "signature",
    "input_example",
    "pip_requirements",
    "extra_pip_requirements",
    "metadata",
)
FLAVOR_PARAMETERS = ("serialization_format", "skops_trusted_types", "extra_files")

MLFLOW_FLAVORS = frozenset(
    {
        *("catboost", "diviner", "dspy", "fastai", "gluon", "h2o", "johnsnowlabs", "keras"),
        *("langchain", "lightgbm", "llama_index", "mleap", "onnx", "openai", "paddle"),
        *("pmdarima", "prophet", "python_function", "pytorch", "sentence_transformers"),
        *("shap", "sklearn", "spacy", "spark", "statsmodels", "tensorflow", "transformers"),
        "xgboost",
    }
)
"""Flavor keys MLflow itself writes: a third-party spec may not take one."""

RESERVED_KEY_TYPES = {"code": "code-dir", "extra_files": "extra-files"}
"""Flavor-block keys MLflow's shared machinery writes with a fixed meaning (and type)."""


class FlavorSpecError(Exception):
    """One or more specs are broken; ``findings`` say where and why."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        self.findings = list(findings)
        super().__init__("\n".join(render(f) for f in self.findings))


def render(finding: Finding) -> str:
    text = f"{finding.location}: {finding.severity.value} [{finding.rule}] "
    text += f"{finding.pointer or '/'} {finding.message}"
    return text + (f"\n    hint: {finding.hint}" if finding.hint else "")


@dataclass(frozen=True)
class FlavorSpec:
    """A checked spec: its data and the file it came from."""

    path: Path
    data: dict[str, Any]
    text: str

    @property
    def name(self) -> str:
        return str(self.data["flavor"])

    @property
    def keys(self) -> dict[str, dict[str, Any]]:
        return dict(self.data["keys"])

    @property
    def has_module(self) -> bool:
        return "serialization" in self.data


@cache
def meta_schema() -> dict[str, Any]:
    path = Path(__file__).resolve().parent.parent / SPEC_DIR / META_SCHEMA
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def load_spec(path: Path, *, label: str | None = None, third_party: bool = False) -> FlavorSpec:
    """Read one spec; raise :class:`FlavorSpecError` with located findings if it is broken.

    ``third_party`` specs (a user's, not ``spec/flavors``) may not take MLflow's flavor keys.
    """
    file = label or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlavorSpecError([_finding(file, "", f"cannot read the spec: {exc}", "")]) from None
    doc = load_yaml(text)
    if doc.problems:
        raise FlavorSpecError(
            [
                Finding(RULE, Severity.ERROR, file, p.pointer, p.message, p.hint, p.line, p.column)
                for p in doc.problems
            ]
        )
    problems = list(_meta_problems(doc.data))
    if not problems:
        problems = list(_semantic_problems(doc.data, path, third_party=third_party))
    if problems:
        raise FlavorSpecError(
            sorted(
                (
                    _finding(file, pointer, message, hint).with_position(
                        *doc.locate(pointer, prefer_key=at_key)
                    )
                    for pointer, message, hint, at_key in problems
                ),
                key=Finding.sort_key,
            )
        )
    return FlavorSpec(path, doc.data, text)


def load_specs(paths: Iterable[Path], *, third_party: bool = False) -> list[FlavorSpec]:
    """Read several specs; all their problems are reported together, and so are two
    specs for one flavor key."""
    specs, findings = [], []
    for path in paths:
        try:
            specs.append(load_spec(path, third_party=third_party))
        except FlavorSpecError as exc:
            findings += exc.findings
    seen: dict[str, FlavorSpec] = {}
    for spec in specs:
        if spec.name in seen:
            findings.append(
                _finding(
                    str(spec.path),
                    "/flavor",
                    f"flavor {spec.name!r} is also specified by {seen[spec.name].path}",
                    "One spec per flavor key: merge the two files or rename one flavor.",
                ).with_position(*load_yaml(spec.text).locate("/flavor"))
            )
        else:
            seen[spec.name] = spec
    if findings:
        raise FlavorSpecError(findings)
    return specs


def spec_paths(root: Path) -> list[Path]:
    """The flavor specs of a checkout (``_types.yaml`` is not a flavor)."""
    directory = root / SPEC_DIR
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def _finding(file: str, pointer: str, message: str, hint: str) -> Finding:
    return Finding(RULE, Severity.ERROR, file, pointer, message, hint or META_HINT)


Problem = tuple[str, str, str, bool]
"""(pointer, message, hint, at_key)"""


def _meta_problems(data: Any) -> Iterator[Problem]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(meta_schema())
    for error in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.path))):
        for leaf in _leaves(error):
            path = list(leaf.absolute_path)
            at_key = leaf.validator == "additionalProperties"
            if "propertyNames" in leaf.absolute_schema_path:  # the key itself is wrong
                path, at_key = [*path, leaf.instance], True
            if at_key and isinstance(leaf.instance, dict) and path[-1:] != [leaf.instance]:
                known = leaf.schema.get("properties", {})
                for extra in [k for k in leaf.instance if k not in known]:
                    yield (
                        join_pointer("", *path, extra),
                        f"unknown field {extra!r}",
                        f"Known fields here: {', '.join(known)}.",
                        True,
                    )
                continue
            yield join_pointer("", *path), _message(leaf, path), _hint(leaf, path), at_key


def _leaves(error: Any) -> list[Any]:
    """The most specific errors under a ``oneOf``/``anyOf`` failure."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = max(len(e.absolute_path) for e in error.context)
        return [e for e in error.context if len(e.absolute_path) == deepest][:1]
    return [error]


def _is_strategy(error: Any, path: list[Any]) -> bool:
    return (
        error.validator == "enum"
        and (path[-2:-1] == ["formats"] or path[-1:] in (["default"], ["format_when_absent"]))
        and path[:1] == ["serialization"]
    )


def _message(error: Any, path: list[Any]) -> str:
    if _is_strategy(error, path):
        return f"unknown serialization strategy {error.instance!r}"
    return str(error.message)


def _hint(error: Any, path: list[Any]) -> str:
    if _is_strategy(error, path):
        return f"Known strategies: {', '.join(STRATEGIES)} (or a `native` save/load pair)."
    description = error.schema.get("description") if isinstance(error.schema, dict) else None
    return str(description) if description else META_HINT


def _semantic_problems(data: dict[str, Any], path: Path, *, third_party: bool) -> Iterator[Problem]:
    name, keys = data["flavor"], data["keys"]
    if path.suffix == ".yaml" and path.stem != name and not third_party:
        yield (
            "/flavor",
            f"flavor {name!r} is specified in {path.name}",
            f"Name it {name}.yaml.",
            False,
        )
    if third_party and name in MLFLOW_FLAVORS:
        yield (
            "/flavor",
            f"flavor key {name!r} clashes with MLflow's own {name!r} flavor",
            "Pick a key of your own (e.g. your package name); MLflow reads its flavors' keys.",
            False,
        )
    for key, wanted in RESERVED_KEY_TYPES.items():
        if key in keys and keys[key].get("type") != wanted:
            yield (
                join_pointer("/keys", key, "type"),
                f"key {key!r} is reserved: MLflow's shared machinery writes it as {wanted!r}",
                f"Declare it with `type: {wanted}` or use another key name.",
                False,
            )
    predict_fns = data.get("pyfunc", {}).get("predict_fns", ["predict"])
    if predict_fns[0] != "predict":  # not in the meta-schema: strict validators refuse open tuples
        yield (
            "/pyfunc/predict_fns/0",
            f"the first predict method is {predict_fns[0]!r}, not 'predict'",
            "List `predict` first: the wrapper's predict calls it unless `predict_fn` says else.",
            False,
        )
    for ref in _types_used(keys):
        if ref not in _shared_types() and ref not in _JSON_TYPES:
            yield (
                join_pointer("/keys", ref[1], "type"),
                f"unknown key type {ref[0]!r}",
                f"Use a JSON type or one of {sorted(_shared_types())}.",
                False,
            )
    yield from _serialization_problems(data)
    yield from _safety_problems(data)


_JSON_TYPES = frozenset(("string", "object", "array", "boolean", "integer", "number", "null"))


def _types_used(keys: dict[str, Any]) -> Iterator[Any]:
    for key, entry in keys.items():
        kind = entry.get("type")
        if isinstance(kind, str) and kind not in _JSON_TYPES and kind not in _shared_types():
            yield (kind, key)


@cache
def _shared_types() -> frozenset[str]:
    import yaml

    path = Path(__file__).resolve().parent.parent / SPEC_DIR / TYPES_FILE
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    return frozenset(loaded["types"])


def _serialization_problems(data: dict[str, Any]) -> Iterator[Problem]:
    ser = data.get("serialization")
    if ser is None:
        return
    keys = data["keys"]
    for field in ("file_key", "format_key", "trusted_types_key", "class_key"):
        if field in ser and ser[field] not in keys:
            yield (
                f"/serialization/{field}",
                f"{field} names {ser[field]!r}, which is not among the flavor's keys",
                f"Add `{ser[field]}` under `keys:`.",
                False,
            )
    if ser["default"] not in ser["formats"]:
        yield (
            "/serialization/default",
            f"the default strategy {ser['default']!r} is not among `formats`",
            f"Add it to formats, or pick one of {sorted(ser['formats'])}.",
            False,
        )
    if ser.get("native") and "class_key" not in ser:
        yield (
            "/serialization/native",
            "native classes need `class_key` so loaders know which payload they read",
            "Add `class_key: model_class` (and the key under `keys:`).",
            False,
        )
    allowed = {*COMMON_PARAMETERS, *FLAVOR_PARAMETERS}
    pyfunc = data.get("pyfunc", {})
    if "predict_fn_parameter" in pyfunc:
        allowed.add(pyfunc["predict_fn_parameter"])
    for index, parameter in enumerate(data["save_model"]["parameters"]):
        if parameter not in allowed:
            yield (
                f"/save_model/parameters/{index}",
                f"save_model parameter {parameter!r} is not one the compiler can implement",
                f"Known parameters: {', '.join(sorted(allowed))}.",
                False,
            )


def _safety_problems(data: dict[str, Any]) -> Iterator[Problem]:
    """A spec's allow entry may not admit what the deny list names: the deny list wins over
    every allow-list anyway, and an entry saying otherwise misleads its readers."""
    from mlmodel_spec.conformance.runtime_flavors import denied_by

    for index, entry in enumerate(data.get("safety", {}).get("allow", [])):
        denied = denied_by(str(entry["match"]))
        if denied is not None:
            yield (
                join_pointer("/safety/allow", index, "match"),
                f"{entry['match']!r} admits what the deny list names ({denied.match}: "
                f"{denied.reason})",
                "The deny list wins over every allow-list; list only the library's own classes.",
                False,
            )
