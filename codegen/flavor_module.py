"""Compile a flavor spec into a flavor module and its conformance test module.

The templates in ``codegen/templates/flavor_*.py.jinja2`` are thin: this module computes
every line that depends on the spec (signatures, the :class:`FlavorDefinition` literal,
wrapped docstrings), already laid out as ``ruff format`` lays it out, so generation needs
no formatter. The output is parsed with ``ast`` before it is returned.

Targets: ``standalone`` runs on mlmodel_spec's runtime (no MLflow); ``mlflow`` is an MLflow
custom flavor that imports only MLflow's public API, plus mlmodel_spec's runtime for what
MLflow keeps private (environment files, atomic directories, the payload strategies).
"""

from __future__ import annotations

import ast
import textwrap
from dataclasses import dataclass
from typing import Any

from .flavor_facts import header
from .flavor_spec import FlavorSpec
from .python_literals import INDENT, LINE_LENGTH, literal, string
from .rendering import render

TARGETS = ("standalone", "mlflow")
DOC_WIDTH = LINE_LENGTH - 4

PARAMETERS = {
    "conda_env": ("Any", "None"),
    "code_paths": ("list[str | Path] | None", "None"),
    "mlflow_model": ("Model | None", "None"),
    "signature": ("ModelSignature | bool | None", "None"),
    "input_example": ("Any", "None"),
    "pip_requirements": ("Any", "None"),
    "extra_pip_requirements": ("Any", "None"),
    "metadata": ("dict[str, Any] | None", "None"),
    "serialization_format": ("str | None", "None"),
    "skops_trusted_types": ("list[str] | None", "None"),
    "extra_files": ("list[str] | None", "None"),
}
REQUEST_FIELDS = (
    "mlflow_model",
    "signature",
    "input_example",
    "metadata",
    "code_paths",
    "conda_env",
    "pip_requirements",
    "extra_pip_requirements",
)
CODE_EXECUTING = frozenset(("pickle", "cloudpickle", "joblib"))


class FlavorCompileError(Exception):
    """A spec cannot be compiled into a module (it is schema-only, or the output would
    not parse)."""


@dataclass(frozen=True)
class CompiledFlavor:
    module: str
    tests: str


def compile_flavor(
    spec: FlavorSpec,
    *,
    source: str,
    target: str = "standalone",
    module_name: str,
    fix: str = "mlmodel-spec codegen",
) -> CompiledFlavor:
    """The flavor module and test module of ``spec``; ``module_name`` is the dotted name
    the module is imported as (it becomes the ``loader_module`` unless the spec names one)."""
    if not spec.has_module:
        raise FlavorCompileError(
            f"{source}: the spec has no `serialization` section, so there is no module to "
            "generate (schema-only specs teach the validator only)"
        )
    if target not in TARGETS:
        raise FlavorCompileError(f"unknown target {target!r}; choose one of {list(TARGETS)}")
    context = module_context(spec, source=source, target=target, module_name=module_name)
    context["header"] = header(source, _digest(spec, target), fix=fix)
    module = render(f"flavor_module_{target}.py.jinja2", **context)
    tests = render("flavor_tests.py.jinja2", **context)
    for name, text in ((module_name, module), (f"test_{spec.name}", tests)):
        try:
            ast.parse(text, filename=name)
        except SyntaxError as exc:  # a compiler bug, never the user's
            raise FlavorCompileError(f"generated code for {name} does not parse: {exc}") from exc
    return CompiledFlavor(module, tests)


def _digest(spec: FlavorSpec, target: str) -> str:
    import hashlib

    return hashlib.sha256(f"{target}\0{spec.text}".encode()).hexdigest()


def module_context(
    spec: FlavorSpec, *, source: str, target: str, module_name: str
) -> dict[str, Any]:
    data = spec.data
    ser, pyfunc = data["serialization"], data["pyfunc"]
    library = data["library"]
    formats = {name: entry["file"] for name, entry in ser["formats"].items()}
    predict_fns = tuple(pyfunc.get("predict_fns", ["predict"]))
    predict_parameter = pyfunc.get("predict_fn_parameter")
    model_argument = data["save_model"]["model_argument"]
    extras = dict(data["requirements"].get("extras", {}))
    loader = data.get("loader_module", module_name)
    factory = str(data.get("tests", {}).get("factory", ""))
    takes_kwargs = bool(data["save_model"].get("kwargs"))
    return {
        "flavor": spec.name,
        "source": source,
        "target": target,
        "module_name": module_name,
        "docstring": module_docstring(spec, formats),
        "constants": constants(formats, ser, predict_fns if predict_parameter else None),
        "definition": definition_literal(spec, loader, formats, predict_fns),
        "uses_native": bool(ser.get("native")),
        "wrapper": pyfunc["wrapper"],
        "wrapper_doc": wrapper_docstring(pyfunc, predict_fns),
        "model_attribute": pyfunc["model_attribute"],
        "wrapper_attributes": wrapper_attributes(pyfunc, len(predict_fns) > 1),
        "requirements_def": layout(
            "def get_default_pip_requirements(", _extras_params(extras), ") -> list[str]:"
        ),
        "conda_def": layout(
            "def get_default_conda_env(", _extras_params(extras), ") -> dict[str, Any]:"
        ),
        "extras_call": layout(
            "return default_pip_requirements(", ["FLAVOR", *_extras_args(extras)], ")", 1
        ),
        "extras_conda_call": layout(
            "return default_conda_env(", ["FLAVOR", *_extras_args(extras)], ")", 1
        ),
        "log_def": layout(
            "def log_model(",
            [
                f"{model_argument}: Any",
                "name: str | None = None",
                "artifact_path: str | None = None",
                "**kwargs: Any",
            ],
            ") -> LoggedModel:" if target == "standalone" else ") -> Any:",
        ),
        "log_call": layout(
            "return log_model_to_run(",
            [
                "name",
                "artifact_path",
                f"lambda p, m: save_model({model_argument}, p, mlflow_model=m, **kwargs)",
            ],
            ")",
            1,
        )
        if target == "standalone"
        else layout(
            "return log_with_mlflow(",
            ["sys.modules[__name__]", model_argument, "name", "artifact_path", "**kwargs"],
            ")",
            1,
        ),
        "model_argument": model_argument,
        "load_pyfunc_def": layout(
            "def _load_pyfunc(",
            ["path: str", "model_config: dict[str, Any] | None = None"],
            f") -> {pyfunc['wrapper']}:",
        ),
        "save_signature": save_signature(
            model_argument, data["save_model"]["parameters"], pyfunc, kwargs=takes_kwargs
        ),
        "save_doc": save_docstring(spec, formats),
        "request_call": request_call(),
        "save_call": layout(
            "save(" if target == "standalone" else "save_with_mlflow(",
            [
                "FLAVOR",
                model_argument,
                "request",
                options_call(
                    data["save_model"]["parameters"], predict_parameter, kwargs=takes_kwargs
                ),
                pyfunc["wrapper"],
            ],
            ")",
            1,
        ),
        "library_pip": library["pip"],
        "library_import": library["import"],
        "factory_module": factory.rpartition(".")[0],
        "factory_function": factory.rpartition(".")[2],
        "code_executing": bool(CODE_EXECUTING & set(formats)),
    }


def wrap(text: str, indent: int = 0, width: int = DOC_WIDTH) -> str:
    """Docstring text wrapped to fit the line length at ``indent`` levels."""
    prefix = INDENT * indent
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n")]
    return "\n\n".join(
        textwrap.fill(p, width=width, initial_indent=prefix, subsequent_indent=prefix)
        for p in paragraphs
    ).replace('"""', "'''")


def module_docstring(spec: FlavorSpec, formats: dict[str, str]) -> str:
    library = spec.data["library"]["pip"]
    lines = [
        f"The ``{spec.name}`` flavor: save, load and log {library} models as MLflow does.",
        "",
        wrap(spec.data["description"]),
    ]
    files = ", ".join(f"``{f}`` ({name})" for name, f in formats.items())
    for native in spec.data["serialization"].get("native", []):
        files += f", ``{native['file']}`` ({native['class']}, its own format)"
    lines += ["", wrap(f"Payload files: {files}.")]
    if CODE_EXECUTING & set(formats):
        lines += [
            "",
            wrap(
                "Loading pickle, cloudpickle or joblib files executes code stored in them: "
                "load only models you trust."
            ),
        ]
    return "\n".join(lines)


def constants(
    formats: dict[str, str], ser: dict[str, Any], predict_fns: tuple[str, ...] | None
) -> list[str]:
    lines = [f"SERIALIZATION_FORMAT_{name.upper()} = {string(name)}" for name in formats]
    lines.append(f"SUPPORTED_SERIALIZATION_FORMATS = {literal(list(formats), 0, 34)}")
    lines.append(f"DEFAULT_SERIALIZATION_FORMAT = {string(ser['default'])}")
    lines.append(f"PAYLOAD_FILES = {literal(formats, 0, 16)}")
    if ser.get("always_trusted"):
        lines.append(f"SKOPS_TRUSTED_TYPES = {literal(tuple(ser['always_trusted']), 0, 22)}")
    if predict_fns is not None:
        lines.append(f"PREDICT_FNS = {literal(predict_fns, 0, 14)}")
    return lines


def definition_literal(
    spec: FlavorSpec, loader: str, formats: dict[str, str], predict_fns: tuple[str, ...]
) -> str:
    data, ser, pyfunc = spec.data, spec.data["serialization"], spec.data["pyfunc"]
    library, requirements = data["library"], data["requirements"]
    sources = _written_sources(ser, library)
    if "extra_files" in data["save_model"]["parameters"]:
        sources.add("extra_files")  # written only when extra files are given
    written = [key for key in spec.keys if key in sources or key == "code"]
    fields: list[tuple[str, Any]] = [
        ("name", spec.name),
        ("loader_module", loader),
        ("library_import", library["import"]),
        ("library", library["pip"]),
        ("file_key", ser["file_key"]),
        ("formats", _Source("PAYLOAD_FILES")),
        ("default_format", _Source("DEFAULT_SERIALIZATION_FORMAT")),
        ("written_keys", tuple(written)),
        ("version_key", library.get("version_key")),
        ("version_attribute", library.get("version_attribute", "__version__")),
        ("format_key", ser.get("format_key")),
        ("format_when_absent", ser.get("format_when_absent", "pickle")),
        ("trusted_types_key", ser.get("trusted_types_key")),
        (
            "always_trusted",
            _Source("SKOPS_TRUSTED_TYPES") if ser.get("always_trusted") else (),
        ),
        ("class_key", ser.get("class_key")),
        ("class_when_absent", ser.get("class_when_absent")),
        ("native", tuple(_native(n) for n in ser.get("native", []))),
        ("pyfunc_data_key", pyfunc["data_key"]),
        ("predict_fn_parameter", pyfunc.get("predict_fn_parameter")),
        (
            "predict_fns",
            _Source("PREDICT_FNS") if pyfunc.get("predict_fn_parameter") else predict_fns,
        ),
        ("pyfunc_only_if_model_has_predict_fn", bool(pyfunc.get("only_if_model_has_predict_fn"))),
        ("pyfunc_file_argument", pyfunc.get("file_argument", "directory")),
        ("requirements", tuple(requirements["pip"])),
        ("optional_requirements", tuple(requirements.get("optional", ()))),
        ("extras", dict(requirements.get("extras", {}))),
    ]
    return call("FlavorDefinition", fields, 0)


def _written_sources(ser: dict[str, Any], library: dict[str, Any]) -> set[str]:
    keys = {ser["file_key"], library.get("version_key")}
    keys |= {ser.get(k) for k in ("format_key", "trusted_types_key", "class_key")}
    return {k for k in keys if k}


class _Source(str):
    """Source text placed as is (a name), not as a string literal."""


@dataclass(frozen=True)
class _Call:
    name: str
    fields: list[tuple[str, Any]]


def _native(entry: dict[str, Any]) -> _Call:
    return _Call(
        "NativeFormat",
        [
            ("class_path", entry["class"]),
            ("recorded_class", entry["recorded_class"]),
            ("file", entry["file"]),
            ("save_method", entry["save_method"]),
            ("load_function", entry["load_function"]),
            ("load_argument", entry.get("load_argument")),
        ],
    )


def _value(value: Any, level: int, used: int) -> str:
    if isinstance(value, _Source):
        return str(value)
    if isinstance(value, _Call):
        return call(value.name, value.fields, level)
    if isinstance(value, tuple) and value and isinstance(value[0], _Call):
        inner = INDENT * (level + 1)
        items = "".join(f"{inner}{_value(v, level + 1, 0)},\n" for v in value)
        return f"(\n{items}{INDENT * level})"
    return literal(value, level, used)


def call(name: str, fields: list[tuple[str, Any]], level: int) -> str:
    """``name(field=value, ...)`` exploded one argument a line (magic trailing comma)."""
    inner = INDENT * (level + 1)
    lines = [
        f"{inner}{key}={_value(value, level + 1, len(inner) + len(key) + 2)},\n"
        for key, value in fields
    ]
    return f"{name}(\n{''.join(lines)}{INDENT * level})"


def layout(opening: str, items: list[str], closing: str, level: int = 0) -> str:
    """``opening`` + items + ``closing`` as ruff lays out a bracketed list: on one line if it
    fits, else the items on one indented line, else one item a line with a trailing comma."""
    indent = INDENT * level
    flat = f"{indent}{opening}{', '.join(items)}{closing}"
    if len(flat) <= LINE_LENGTH and "\n" not in flat:
        return flat
    inner = INDENT * (level + 1)
    hugged = f"{inner}{', '.join(items)}"
    if len(hugged) <= LINE_LENGTH and not any("\n" in i for i in items):
        return f"{indent}{opening}\n{hugged}\n{indent}{closing}"
    body = "".join(f"{inner}{item},\n" for item in items)
    return f"{indent}{opening}\n{body}{indent}{closing}"


def _extras_params(extras: dict[str, str]) -> list[str]:
    return [f"include_{extra}: bool = False" for extra in extras]


def _extras_args(extras: dict[str, str]) -> list[str]:
    return [f"include_{extra}=include_{extra}" for extra in extras]


def save_signature(
    model_argument: str, parameters: list[str], pyfunc: dict[str, Any], *, kwargs: bool
) -> str:
    lines = [f"{model_argument}: Any", "path: str | Path"]
    for parameter in parameters:
        if parameter == pyfunc.get("predict_fn_parameter"):
            lines.append(f'{parameter}: str = "predict"')
        else:
            annotation, default = PARAMETERS[parameter]
            lines.append(f"{parameter}: {annotation} = {default}")
    if kwargs:
        lines.append("**kwargs: Any")
    return "".join(f"{INDENT}{line},\n" for line in lines)


def request_call() -> str:
    inner = INDENT * 2
    fields = "".join(f"{inner}{name},\n" for name in ("path", *REQUEST_FIELDS))
    return f"SaveRequest(\n{fields}{INDENT})"


def options_call(parameters: list[str], predict_parameter: str | None, *, kwargs: bool) -> str:
    arguments = []
    for name in ("serialization_format", "skops_trusted_types", "extra_files"):
        if name in parameters:
            arguments.append(f"{name}={name}")
    if predict_parameter and predict_parameter in parameters:
        arguments.append(f"predict_fn={predict_parameter}")
    if kwargs:
        arguments.append("native_kwargs=kwargs")
    return layout("SaveOptions(", arguments, ")", 2).strip()


def wrapper_attributes(pyfunc: dict[str, Any], several: bool) -> list[str]:
    lines = ["predict_fns = PREDICT_FNS"] if several else []
    if pyfunc.get("params") == "passed":
        lines.append("pass_params = True")
    if pyfunc.get("output", "as-is") != "as-is":
        lines.append(f"output = {string(pyfunc['output'])}")
    return lines


def wrapper_docstring(pyfunc: dict[str, Any], predict_fns: tuple[str, ...]) -> str:
    methods = ", ".join(f"``{m}``" for m in predict_fns)
    params = (
        "``params`` are passed to the model's method as keyword arguments"
        if pyfunc.get("params") == "passed"
        else "``params`` are accepted and ignored"
    )
    return wrap(f"The pyfunc implementation: exposes {methods} of the model; {params}.", 1)


def save_docstring(spec: FlavorSpec, formats: dict[str, str]) -> str:
    library = spec.data["library"]["pip"]
    text = (
        f"Save a {library} model to a new directory ``path`` (atomic; refuses to overwrite). "
        f"``serialization_format`` is one of {', '.join(formats)} "
        f"(default {spec.data['serialization']['default']})."
    )
    if "extra_files" in spec.data["save_model"]["parameters"]:
        text += " ``extra_files`` (local files) are copied into ``extra_files/``."
    if spec.data["serialization"].get("native"):
        classes = ", ".join(n["class"] for n in spec.data["serialization"]["native"])
        text += f" {classes} models are saved in the library's own format."
    return wrap(text, 1)
