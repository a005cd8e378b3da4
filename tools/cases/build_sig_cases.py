"""Build the signature and input-example cases ``tests/cases/{valid,invalid}/sig-*``.

The cases start from real MLflow models that ``make_sig_models.py`` saves: MLflow 3.17
models under ``MODELS_DIR/m3``, MLflow 2.22 models under ``MODELS_DIR/m2``. Valid cases are
those models as MLflow wrote them (plus one converted to what MLflow 2.9 wrote); each invalid
case changes one thing and names the finding it expects. Pickled payloads are replaced by
placeholders sized so that the files still add up to ``model_size_bytes``.

Run it with the project's interpreter (it needs PyYAML only)::

    python tools/cases/build_sig_cases.py MODELS_DIR                # rewrites tests/cases/*/sig-*
    python tools/cases/build_sig_cases.py MODELS_DIR --cases /tmp/cases   # elsewhere, to compare

Only the ``sig-*`` case directories it builds are replaced; other cases are left alone.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
PAYLOADS = {"model.skops", "model.pkl", "python_model.pkl", "model.lgb"}
# files MLflow writes after computing model_size_bytes (rules/model_size.py documents this)
NOT_COUNTED = {"MLmodel", "conda.yaml", "requirements.txt", "python_env.yaml", "constraints.txt"}

Files = dict[str, bytes]  # file name -> content of one model directory
MLmodel = dict[str, Any]
Mutation = Callable[[Files], None]


class CaseWriter:
    """Reads the MLflow-written models and writes case directories."""

    def __init__(self, models: Path, cases: Path) -> None:
        self.models = models
        self.cases = cases

    def load(self, base: str) -> Files:
        """The files of model ``base`` (``m3-sklearn-df`` lives in ``MODELS_DIR/m3``)."""
        directory = self.models / base.split("-", maxsplit=1)[0] / base
        return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}

    def write(self, kind: str, name: str, files: Files, case: dict[str, Any]) -> Path:
        root = self.cases / kind / name
        shutil.rmtree(root, ignore_errors=True)
        root.mkdir(parents=True)
        for file_name, content in files.items():
            data = placeholder(len(content)) if file_name in PAYLOADS else content
            (root / file_name).write_bytes(data)
        (root / "case.yaml").write_text(yaml.safe_dump(case, sort_keys=False, width=100))
        match_model_size(root)
        return root

    def invalid(
        self,
        name: str,
        base: str | Files,
        description: str,
        expect: list[str],
        mutate: Mutation,
        *,
        locations: list[dict[str, Any]] | None = None,
    ) -> None:
        """Case ``invalid/<name>``: model ``base`` (a name, or files already changed) after
        ``mutate``, expected to raise the rules ``expect``."""
        files = self.load(base) if isinstance(base, str) else base
        mutate(files)
        case: dict[str, Any] = {"description": description, "expect": expect}
        if locations:
            case["locations"] = locations
        self.write("invalid", name, files, case)


def placeholder(size: int) -> bytes:
    text = b"placeholder for a model payload; validation never reads it\n"
    return (text * (size // len(text) + 1))[:size]


def match_model_size(root: Path) -> None:
    """Size the placeholder payload so that the files add up to model_size_bytes again
    (case.yaml and edited examples change the total; the payload is a placeholder anyway)."""
    size = yaml.safe_load((root / "MLmodel").read_text()).get("model_size_bytes")
    payloads = [p for p in root.iterdir() if p.name in PAYLOADS]
    if not isinstance(size, int) or len(payloads) != 1:
        return
    others = sum(
        p.stat().st_size for p in root.iterdir() if p.name not in NOT_COUNTED and p not in payloads
    )
    payloads[0].write_bytes(placeholder(max(size - others, 16)))


# -- editing a model -----------------------------------------------------------------------


def mlmodel(files: Files) -> MLmodel:
    data: MLmodel = yaml.safe_load(files["MLmodel"])
    return data


def set_mlmodel(files: Files, data: MLmodel) -> None:
    files["MLmodel"] = yaml.safe_dump(data, default_flow_style=False).encode()


def sig_get(data: MLmodel, field: str) -> Any:
    return json.loads(data["signature"][field])


def sig_set(data: MLmodel, field: str, value: Any) -> None:
    data["signature"][field] = json.dumps(value) if not isinstance(value, str) else value


def example(files: Files, name: str = "input_example.json") -> Any:
    return json.loads(files[name])


def set_example(
    files: Files, value: Any, name: str = "input_example.json", indent: int | None = None
) -> None:
    files[name] = json.dumps(value, indent=indent).encode()


def pin_mlflow(files: Files, version: str) -> None:
    """Make the model claim MLflow ``version`` (mlflow_version and the mlflow pins)."""
    old = mlmodel(files)["mlflow_version"]
    for name in ("requirements.txt", "conda.yaml"):
        files[name] = files[name].replace(f"mlflow=={old}".encode(), f"mlflow=={version}".encode())
    data = mlmodel(files)
    data["mlflow_version"] = version
    set_mlmodel(files, data)


def strip_newer_keys(files: Files, *, serving: bool = True) -> None:
    """Drop the MLmodel keys (and the serving example) that old MLflow versions did not write."""
    data = mlmodel(files)
    for key in ("prompts", "is_signature_from_type_hint", "type_hint_from_example", "model_id"):
        data.pop(key, None)
    if serving and "saved_input_example_info" in data:
        data["saved_input_example_info"].pop("serving_input_path", None)
        files.pop("serving_input_example.json", None)
    set_mlmodel(files, data)


def on_mlmodel(edit: Callable[[MLmodel], None]) -> Mutation:
    """A mutation that edits the MLmodel dict."""

    def apply(files: Files) -> None:
        data = mlmodel(files)
        edit(data)
        set_mlmodel(files, data)

    return apply


def truncate(name: str) -> Mutation:
    """A mutation that cuts the last 5 bytes off file ``name``."""

    def apply(files: Files) -> None:
        files[name] = files[name][:-5]

    return apply


def unchanged(files: Files) -> None:
    pass


# -- valid cases ---------------------------------------------------------------------------

SIG_RULES_SILENT = [
    "signature-invalid-json",
    "signature-json-duplicate-key",
    "signature-schema",
    "signature-unknown-key",
    "signature-mixed-specs",
    "signature-mixed-names",
    "signature-unnamed-optional",
    "signature-duplicate-name",
    "signature-optional-and-required",
    "signature-optional-key",
    "signature-required-key",
    "signature-flags-without-signature",
]
EX_RULES = [
    "input-example-unreadable",
    "input-example-malformed",
    "input-example-missing-input",
    "input-example-extra-input",
    "input-example-value-type",
    "serving-example-unreadable",
    "serving-example-malformed",
]
TENSOR_RULES = [
    "input-example-tensor-shape",
    "input-example-legacy-format",
    "signature-unnamed-tensors",
]
PARAM_RULES = [
    "signature-param-default",
    "signature-duplicate-param",
    "signature-param-dtype-key",
    "input-example-param-value",
    "input-example-unknown-param",
]

# case name -> (model, description, rules the case shows to stay silent)
VALID: dict[str, tuple[str, str, list[str]]] = {
    "sig-sklearn-dataframe-3-17": (
        "m3-sklearn-df",
        "an MLflow 3.17 sklearn model with a named-column signature and a DataFrame example "
        "is valid",
        [*SIG_RULES_SILENT, *EX_RULES],
    ),
    "sig-sklearn-dataframe-2-22": (
        "m2-sklearn-df",
        "an MLflow 2.22 cloudpickle sklearn model with a DataFrame example is valid",
        [*SIG_RULES_SILENT, *EX_RULES],
    ),
    "sig-pyfunc-default-columns-3-17": (
        "m3-df-default-cols",
        "a DataFrame example with default integer columns (orient values, integer names) is valid",
        [
            "input-example-missing-input",
            "input-example-extra-input",
            "input-example-value-type",
            "signature-mixed-names",
            "signature-schema",
        ],
    ),
    "sig-pyfunc-ndarray-3-17": (
        "m3-ndarray",
        "an MLflow 3.17 numpy-array example with an unnamed float32 tensor signature is valid",
        [*TENSOR_RULES, "input-example-value-type", "input-example-malformed"],
    ),
    "sig-pyfunc-dict-of-arrays-2-22": (
        "m2-dict-arrays",
        "an MLflow 2.22 dict-of-arrays example with named tensor specs is valid",
        [
            *TENSOR_RULES,
            "input-example-missing-input",
            "input-example-extra-input",
            "input-example-value-type",
            "signature-mixed-names",
        ],
    ),
    "sig-pyfunc-dict-params-3-17": (
        "m3-dict-params",
        "an MLflow 3.17 dict example with inference params and a params schema is valid",
        [*PARAM_RULES, "input-example-malformed", "input-example-value-type"],
    ),
    "sig-pyfunc-strings-2-22": (
        "m2-strings",
        "a DataFrame example with string, long and boolean columns is valid",
        ["input-example-value-type", "signature-duplicate-name"],
    ),
    "sig-pyfunc-nan-3-17": (
        "m3-nan",
        "MLflow 3.17 (pandas 3) writes NaN for a missing string; optional columns with NaN "
        "are valid",
        [
            "input-example-value-type",
            "signature-unnamed-optional",
            "signature-optional-and-required",
            "signature-optional-key",
            "input-example-unreadable",
        ],
    ),
    "sig-pyfunc-nan-2-22": (
        "m2-nan",
        "MLflow 2.22 writes null for a missing string and NaN for a missing double; valid",
        ["input-example-value-type", "input-example-unreadable"],
    ),
    "sig-pyfunc-list-strings-3-17": (
        "m3-list-strings",
        "a json_object list of strings with an unnamed required string column is valid",
        [
            "signature-unnamed-optional",
            "input-example-value-type",
            "input-example-missing-input",
        ],
    ),
    "sig-pyfunc-datetime-params-2-22": (
        "m2-datetime-params",
        "a DataFrame example with a datetime column plus params is valid",
        [
            "input-example-value-type",
            "input-example-param-value",
            "input-example-unknown-param",
            "signature-param-default",
            "input-example-malformed",
        ],
    ),
    "sig-pyfunc-object-column-3-17": (
        "m3-object-column",
        "a json_object example with an object and an array column is valid",
        ["input-example-value-type", "signature-json-duplicate-key", "signature-schema"],
    ),
    "sig-pyfunc-binary-2-22": (
        "m2-binary",
        "a DataFrame example with a base64 binary column is valid",
        ["input-example-value-type"],
    ),
    "sig-pyfunc-sparse-csr-3-17": (
        "m3-sparse-csr",
        "an MLflow 3.17 CSR sparse-matrix example is valid",
        ["input-example-malformed", "serving-example-malformed"],
    ),
}


def build_valid(out: CaseWriter) -> None:
    for name, (base, description, exercises) in VALID.items():
        case = {"description": description, "expect": [], "exercises": sorted(set(exercises))}
        out.write("valid", name, out.load(base), case)
    # hand-converted: what MLflow 2.9 wrote (no `required`, no 2.15+/2.20+ keys)
    files = out.load("m2-sklearn-df")
    pin_mlflow(files, "2.9.2")
    strip_newer_keys(files)
    data = mlmodel(files)
    inputs = [{"name": c["name"], "type": c["type"]} for c in sig_get(data, "inputs")]
    sig_set(data, "inputs", inputs)
    set_mlmodel(files, data)
    case = {
        "description": "column specs without `required`, as MLflow 2.9 wrote them, are valid "
        "for a 2.9.2 writer",
        "expect": [],
        "exercises": [
            "signature-required-key",
            "signature-optional-key",
            "input-example-missing-input",
        ],
    }
    out.write("valid", "sig-sklearn-mlflow-2-9-column-specs", files, case)


# -- invalid signatures --------------------------------------------------------------------


def build_invalid_signature_json(out: CaseWriter) -> None:
    """Signature fields that are not valid JSON, or do not match the signature schema."""

    def truncate_inputs(d: MLmodel) -> None:
        d["signature"]["inputs"] = d["signature"]["inputs"][:-1]

    files = out.load("m3-sklearn-df")
    lines = files["MLmodel"].decode().splitlines()
    line = next(i for i, text in enumerate(lines) if text.startswith("  inputs:")) + 1
    out.invalid(
        "sig-invalid-json",
        files,
        "signature.inputs whose JSON lost its closing bracket is invalid",
        ["signature-invalid-json"],
        on_mlmodel(truncate_inputs),
        locations=[
            {
                "rule": "signature-invalid-json",
                "pointer": "/signature/inputs",
                "line": line,
                "column": 11,
            }
        ],
    )

    def dup_property(d: MLmodel) -> None:
        text = d["signature"]["inputs"]
        age = '"age": {"type": "long", "required": true}, '
        assert age in text, "the m3-object-column signature changed"
        d["signature"]["inputs"] = text.replace(age, age + age.replace("true", "false"), 1)

    out.invalid(
        "sig-json-duplicate-key",
        "m3-object-column",
        "an object type that defines property 'age' twice (required, then optional) is invalid",
        ["signature-json-duplicate-key"],
        on_mlmodel(dup_property),
        locations=[
            {
                "rule": "signature-json-duplicate-key",
                "pointer": "/signature/inputs/0/properties/age",
            }
        ],
    )

    def bad_type(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        inputs[2]["type"] = "bool"
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-schema-unknown-type",
        "m3-strings",
        "a column of type 'bool' (MLflow calls it boolean) is invalid",
        ["signature-schema"],
        on_mlmodel(bad_type),
        locations=[{"rule": "signature-schema", "pointer": "/signature/inputs/2/type"}],
    )

    def nullable(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        inputs[0]["nullable"] = False
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-unknown-key-primitive",
        "m3-sklearn-df",
        "a primitive column spec with an extra key 'nullable' is invalid (ColSpec(**spec) fails)",
        ["signature-unknown-key"],
        on_mlmodel(nullable),
        locations=[
            {
                "rule": "signature-unknown-key",
                "pointer": "/signature/inputs/0/nullable",
                "severity": "error",
            }
        ],
    )


def build_invalid_signature_specs(out: CaseWriter) -> None:
    """Schemas MLflow's Schema constructor refuses, or enforces other than written."""

    def mixed(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        inputs[1] = {
            "name": "sepal_width",
            "type": "tensor",
            "tensor-spec": {"dtype": "float64", "shape": [-1]},
        }
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-mixed-specs",
        "m3-sklearn-df",
        "inputs mixing a column spec and a tensor spec are invalid",
        ["signature-mixed-specs"],
        on_mlmodel(mixed),
    )

    def unname_one(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        del inputs[1]["name"]
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-mixed-names",
        "m3-sklearn-df",
        "inputs where only the first column has a name are invalid",
        ["signature-mixed-names"],
        on_mlmodel(unname_one),
        locations=[{"rule": "signature-mixed-names", "pointer": "/signature/inputs/1"}],
    )

    def unname_tensors(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        for tensor in inputs:
            del tensor["name"]
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-unnamed-tensors",
        "m3-dict-arrays",
        "two tensor specs without names are invalid",
        ["signature-unnamed-tensors"],
        on_mlmodel(unname_tensors),
    )

    def unnamed_optional(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        inputs[0]["required"] = False
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-unnamed-optional",
        "m3-list-strings",
        "an unnamed column marked required: false is invalid",
        ["signature-unnamed-optional"],
        on_mlmodel(unnamed_optional),
    )

    def dup_output(d: MLmodel) -> None:
        outputs = sig_get(d, "outputs")
        outputs[1]["name"] = "text"
        sig_set(d, "outputs", outputs)

    out.invalid(
        "sig-duplicate-name",
        "m3-strings",
        "outputs declaring column 'text' twice are invalid (only the last is enforced)",
        ["signature-duplicate-name"],
        on_mlmodel(dup_output),
        locations=[
            {
                "rule": "signature-duplicate-name",
                "pointer": "/signature/outputs/1/name",
                "severity": "warning",
            }
        ],
    )

    def dup_param(d: MLmodel) -> None:
        params = sig_get(d, "params")
        params.append(dict(params[0]))
        sig_set(d, "params", params)

    out.invalid(
        "sig-duplicate-param",
        "m3-dict-params",
        "a params schema declaring 'temperature' twice is invalid",
        ["signature-duplicate-param"],
        on_mlmodel(dup_param),
    )

    def opt_and_req(d: MLmodel) -> None:
        inputs = sig_get(d, "inputs")
        inputs[0]["optional"] = True
        sig_set(d, "inputs", inputs)

    out.invalid(
        "sig-optional-and-required",
        "m3-nan",
        "a column spec with both optional and required is invalid",
        ["signature-optional-and-required"],
        on_mlmodel(opt_and_req),
    )


def build_invalid_signature_versions(out: CaseWriter) -> None:
    """Signature forms of one MLflow version that another cannot read; params and flags."""
    files = out.load("m2-sklearn-df")
    pin_mlflow(files, "2.9.2")
    strip_newer_keys(files)
    out.invalid(
        "sig-required-key-old-writer",
        files,
        "column specs with `required` in a file claiming MLflow 2.9.2 are invalid for that reader",
        ["signature-required-key"],
        unchanged,
        locations=[{"rule": "signature-required-key", "severity": "warning"}],
    )

    def to_optional(d: MLmodel) -> None:
        for field in ("inputs", "outputs"):
            specs = sig_get(d, field)
            sig_set(
                d,
                field,
                [{"type": c["type"], "name": c["name"], "optional": True} for c in specs],
            )

    files = out.load("m2-nan")
    pin_mlflow(files, "2.9.2")
    strip_newer_keys(files)
    out.invalid(
        "sig-optional-key-2-9",
        files,
        "MLflow 2.9 `optional: true` column specs are invalid for MLflow >= 2.18",
        ["signature-optional-key"],
        on_mlmodel(to_optional),
    )

    def default_string(d: MLmodel) -> None:
        params = sig_get(d, "params")
        params[1]["default"] = "16"
        sig_set(d, "params", params)

    out.invalid(
        "sig-param-default-mismatch",
        "m3-dict-params",
        'a long param whose default is the string "16" is invalid',
        ["signature-param-default"],
        on_mlmodel(default_string),
        locations=[{"rule": "signature-param-default", "pointer": "/signature/params/1/default"}],
    )

    def to_2_6(d: MLmodel) -> None:
        d["saved_input_example_info"].pop("params")
        for field in ("inputs", "outputs"):
            specs = sig_get(d, field)
            sig_set(d, field, [{"name": c["name"], "type": c["type"]} for c in specs])
        params = [
            {"name": p["name"], "dtype": p["type"], "default": p["default"], "shape": p["shape"]}
            for p in sig_get(d, "params")
        ]
        sig_set(d, "params", params)

    files = out.load("m2-datetime-params")
    pin_mlflow(files, "2.6.0")
    strip_newer_keys(files)
    set_example(files, example(files)["inputs"])
    out.invalid(
        "sig-param-dtype-key-2-6",
        files,
        "an MLflow 2.6.0 params schema using `dtype` is reported (info)",
        ["signature-param-dtype-key"],
        on_mlmodel(to_2_6),
        locations=[{"rule": "signature-param-dtype-key", "severity": "info"}],
    )

    def drop_signature(d: MLmodel) -> None:
        del d["signature"]
        d["is_signature_from_type_hint"] = True

    out.invalid(
        "sig-flags-without-signature",
        "m3-list-strings",
        "is_signature_from_type_hint: true without a signature is invalid",
        ["signature-flags-without-signature"],
        on_mlmodel(drop_signature),
        locations=[
            {
                "rule": "signature-flags-without-signature",
                "pointer": "/is_signature_from_type_hint",
                "severity": "warning",
            }
        ],
    )


# -- invalid examples ----------------------------------------------------------------------


def build_invalid_example_form(out: CaseWriter) -> None:
    """Input and serving examples that cannot be read, or not in the form they claim."""
    out.invalid(
        "sig-example-unreadable",
        "m3-sklearn-df",
        "an input_example.json cut short is invalid",
        ["input-example-unreadable"],
        truncate("input_example.json"),
        locations=[{"rule": "input-example-unreadable", "file": "input_example.json", "line": 1}],
    )

    def rows_key(files: Files) -> None:
        ex = example(files)
        ex["rows"] = ex.pop("data")
        set_example(files, ex)

    out.invalid(
        "sig-example-malformed",
        "m3-sklearn-df",
        "a dataframe example with 'rows' instead of 'data' is invalid",
        ["input-example-malformed"],
        rows_key,
        locations=[
            {"rule": "input-example-malformed", "file": "input_example.json", "pointer": ""}
        ],
    )

    def unwrap(files: Files) -> None:
        set_example(files, example(files)["inputs"])

    out.invalid(
        "sig-example-params-not-wrapped",
        "m3-dict-params",
        "an example without the inputs/params wrapper its params flag promises is invalid",
        ["input-example-malformed"],
        unwrap,
    )

    def tf_serving(d: MLmodel) -> None:
        d["saved_input_example_info"]["format"] = "tf-serving"

    files = out.load("m2-ndarray")
    pin_mlflow(files, "2.14.3")
    strip_newer_keys(files)
    set_example(files, {"inputs": example(files)})
    out.invalid(
        "sig-example-legacy-tf-serving-2-14",
        files,
        "an MLflow 2.14 tf-serving ndarray example with a tensor signature is unreadable for "
        "MLflow >= 2.16",
        ["input-example-legacy-format"],
        on_mlmodel(tf_serving),
        locations=[
            {
                "rule": "input-example-legacy-format",
                "file": "input_example.json",
                "severity": "warning",
            }
        ],
    )

    out.invalid(
        "sig-serving-unreadable",
        "m3-sklearn-df",
        "a serving_input_example.json cut short is invalid",
        ["serving-example-unreadable"],
        truncate("serving_input_example.json"),
        locations=[{"rule": "serving-example-unreadable", "file": "serving_input_example.json"}],
    )

    def rename_serving(files: Files) -> None:
        ex = example(files, "serving_input_example.json")
        payload = {"dataframe": ex["dataframe_split"]}
        set_example(files, payload, "serving_input_example.json", indent=2)

    out.invalid(
        "sig-serving-malformed",
        "m3-sklearn-df",
        "a serving example keyed 'dataframe' instead of 'dataframe_split' is invalid",
        ["serving-example-malformed"],
        rename_serving,
        locations=[
            {"rule": "serving-example-malformed", "file": "serving_input_example.json", "line": 1}
        ],
    )


def build_invalid_example_fit(out: CaseWriter) -> None:
    """Input examples that do not fit the signature."""

    def drop_column(files: Files) -> None:
        ex = example(files)
        ex["columns"] = ex["columns"][:1]
        ex["data"] = [r[:1] for r in ex["data"]]
        set_example(files, ex)

    out.invalid(
        "sig-example-missing-column",
        "m3-sklearn-df",
        "a DataFrame example without the required column sepal_width is invalid",
        ["input-example-missing-input"],
        drop_column,
        locations=[
            {
                "rule": "input-example-missing-input",
                "file": "input_example.json",
                "pointer": "/columns",
                "line": 1,
                "column": 13,
            }
        ],
    )

    def add_column(files: Files) -> None:
        ex = example(files)
        ex["columns"].append("petal_length")
        ex["data"] = [[*r, 1.4] for r in ex["data"]]
        set_example(files, ex)

    out.invalid(
        "sig-example-extra-column",
        "m3-sklearn-df",
        "a DataFrame example with a column the signature lacks is reported",
        ["input-example-extra-input"],
        add_column,
        locations=[{"rule": "input-example-extra-input", "severity": "warning"}],
    )

    def nan_in_long(files: Files) -> None:
        text = files["input_example.json"].replace(b'"world", 2,', b'"world", NaN,')
        assert b"NaN" in text, "the m3-strings example changed"
        files["input_example.json"] = text

    out.invalid(
        "sig-example-nan-in-long",
        "m3-strings",
        "a NaN in the long column n of a DataFrame example is invalid",
        ["input-example-value-type"],
        nan_in_long,
        locations=[
            {
                "rule": "input-example-value-type",
                "file": "input_example.json",
                "pointer": "/data/1/1",
                "line": 1,
            }
        ],
    )

    def plain_binary(files: Files) -> None:
        ex = example(files)
        ex["data"][0][0] = "hello world!"
        set_example(files, ex)

    out.invalid(
        "sig-example-binary-not-base64",
        "m2-binary",
        "raw text in a binary column of a DataFrame example is invalid (not base64)",
        ["input-example-value-type"],
        plain_binary,
        locations=[{"rule": "input-example-value-type", "pointer": "/data/0/0"}],
    )

    def short_rows(files: Files) -> None:
        set_example(files, [row[:2] for row in example(files)])

    out.invalid(
        "sig-example-tensor-shape",
        "m3-ndarray",
        "a numpy example with 2 values per row for a (-1, 3) tensor is invalid",
        ["input-example-tensor-shape"],
        short_rows,
        locations=[
            {"rule": "input-example-tensor-shape", "file": "input_example.json", "pointer": ""}
        ],
    )

    def word_in_int(files: Files) -> None:
        ex = example(files)
        ex["t1"][2] = "three"
        set_example(files, ex)

    out.invalid(
        "sig-example-tensor-value",
        "m3-dict-arrays",
        "the string 'three' in the int64 tensor t1 is invalid",
        ["input-example-value-type"],
        word_in_int,
        locations=[{"rule": "input-example-value-type", "pointer": "/t1/2"}],
    )

    def hot(files: Files) -> None:
        ex = example(files)
        ex["params"]["temperature"] = "hot"
        set_example(files, ex)

    out.invalid(
        "sig-example-param-value",
        "m3-dict-params",
        'an example param temperature: "hot" for a double param is invalid',
        ["input-example-param-value"],
        hot,
        locations=[{"rule": "input-example-param-value", "pointer": "/params/temperature"}],
    )

    def top_p(files: Files) -> None:
        ex = example(files)
        ex["params"]["top_p"] = 0.9
        set_example(files, ex)

    out.invalid(
        "sig-example-unknown-param",
        "m3-dict-params",
        "an example param the params schema does not declare is reported",
        ["input-example-unknown-param"],
        top_p,
        locations=[{"rule": "input-example-unknown-param", "severity": "warning"}],
    )


# -- left to the MLmodel schema ------------------------------------------------------------


def build_schema_covered(out: CaseWriter) -> None:
    """Signature/example problems the MLmodel JSON Schema reports (rule `schema`); these cases
    pin down that the signature and example rules stay silent and do not crash on them."""

    def all_null(d: MLmodel) -> None:
        d["signature"] = {"inputs": None, "outputs": None, "params": None}

    out.invalid(
        "sig-signature-all-null",
        "m3-sklearn-df",
        "a signature whose inputs, outputs and params are all null is invalid (MLflow refuses it)",
        ["schema"],
        on_mlmodel(all_null),
        locations=[{"rule": "schema", "pointer": "/signature"}],
    )

    def inline(d: MLmodel) -> None:
        d["signature"]["inputs"] = json.loads(d["signature"]["inputs"])

    out.invalid(
        "sig-signature-inline-yaml",
        "m3-sklearn-df",
        "signature.inputs written as an inline YAML list instead of a JSON string is invalid",
        ["schema"],
        on_mlmodel(inline),
        locations=[{"rule": "schema", "pointer": "/signature/inputs"}],
    )

    def flag_bool(d: MLmodel) -> None:
        d["saved_input_example_info"]["params"] = True

    out.invalid(
        "sig-example-params-flag-bool",
        "m3-dict-params",
        "saved_input_example_info.params as a YAML boolean instead of the string 'true' is "
        "reported",
        ["schema"],
        on_mlmodel(flag_bool),
        locations=[
            {
                "rule": "schema",
                "pointer": "/saved_input_example_info/params",
                "severity": "warning",
            }
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "models_dir", type=Path, help="the models make_sig_models.py saved (with m2/ and m3/)"
    )
    parser.add_argument(
        "--cases",
        type=Path,
        default=ROOT / "tests" / "cases",
        help="where to write valid/sig-* and invalid/sig-* (default: this repository's "
        "tests/cases)",
    )
    args = parser.parse_args(argv)
    missing = [tag for tag in ("m2", "m3") if not (args.models_dir / tag).is_dir()]
    if missing:
        parser.error(f"{args.models_dir} has no {' or '.join(missing)} models")
    out = CaseWriter(args.models_dir, args.cases)
    build_valid(out)
    build_invalid_signature_json(out)
    build_invalid_signature_specs(out)
    build_invalid_signature_versions(out)
    build_invalid_example_form(out)
    build_invalid_example_fit(out)
    build_schema_covered(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
