"""Serving-example rules: ``serving_input_example.json`` is a payload the scoring server takes.

MLflow >= 2.15 saves it next to the input example and names it in
``saved_input_example_info.serving_input_path``. Only its envelope is checked (one of
``dataframe_split``, ``dataframe_records``, ``instances``, ``inputs``, plus optional
``params``; LLM payloads pass as they are), not whether the data fits the signature. A
missing file is the path rule's business (rules/paths.py); this check then stays silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..context import ModelContext
from ..findings import Severity
from ..registry import Problem, check, define_rule
from .input_example import (
    SPLIT_KEYS,
    describe_json,
    describe_read_error,
    example_info,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (validate's start-up)
if TYPE_CHECKING:
    from typing import Any

SERVING_UNREADABLE = define_rule(
    "serving-example-unreadable",
    Severity.ERROR,
    "The serving input example cannot be read as JSON",
    "Regenerate it with MLflow (`mlflow.models.convert_input_example_to_serving_input`).",
)
SERVING_MALFORMED = define_rule(
    "serving-example-malformed",
    Severity.ERROR,
    "The serving input example is not a payload the scoring server accepts",
    "Use a JSON object with exactly one of dataframe_split, dataframe_records, instances, "
    "inputs (plus optional params), or an LLM payload with messages/prompt/input.",
)

_SERVING_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
_LLM_KEYS = frozenset({"messages", "prompt", "input"})


@check(SERVING_UNREADABLE, SERVING_MALFORMED, needs_files=True)
def serving_example_is_a_payload(ctx: ModelContext) -> Iterator[Problem]:
    info = example_info(ctx)
    rel = info.get("serving_input_path") if info is not None else None
    if not isinstance(rel, str) or ctx.existing_file(rel) is None:
        return
    read = ctx.read_json(rel)
    if not read.ok:
        where = f" (line {read.line}, column {read.column})" if read.line else ""
        yield Problem(
            SERVING_UNREADABLE,
            "",
            f"{rel} {describe_read_error(read.error)}{where}",
            file=rel,
            # the text is not JSON: no pointer into it, only the decoder's own position
            line=read.line,
            column=read.column,
        )
        return
    problem = _serving_problem(read.value)
    if problem is not None:
        yield Problem(SERVING_MALFORMED, problem[0], problem[1], file=rel)


def _serving_problem(payload: Any) -> tuple[str, str] | None:
    if not isinstance(payload, dict):
        return "", f"the payload is {describe_json(payload)}, not a JSON object"
    if _LLM_KEYS & set(payload):
        return None  # unified LLM payloads (chat, completions, embeddings) go in as they are
    formats = [k for k in _SERVING_FORMATS if k in payload]
    if len(formats) != 1:
        found = f"both {' and '.join(formats)}" if formats else describe_json(payload)
        return "", (
            "the payload must have exactly one of "
            + ", ".join(_SERVING_FORMATS)
            + f"; it has {found}"
        )
    key = formats[0]
    value = payload[key]
    if key == "dataframe_split" and (
        not isinstance(value, dict) or "data" not in value or set(value) - SPLIT_KEYS
    ):
        return (
            f"/{key}",
            "dataframe_split must be an object with `data` (and optionally "
            f"`columns`, `index`), not {describe_json(value)}",
        )
    if key == "dataframe_records" and not isinstance(value, list):
        return f"/{key}", f"dataframe_records must be a list of records, not {describe_json(value)}"
    if "params" in payload and not isinstance(payload["params"], dict):
        return "/params", f"params must be an object, not {describe_json(payload['params'])}"
    return None
