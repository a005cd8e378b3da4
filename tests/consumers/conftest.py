"""Third-party consumers of our exported schemas, run offline: check-jsonschema, Ajv,
yaml-language-server.

The schemas they get are exactly what users get: ``mlmodel-spec schema mlmodel -o FILE``.
The instances are every ``MLmodel`` of ``tests/cases`` (valid and invalid, including the
directories real MLflow wrote) and every ``tests/schema_cases/mlmodel`` document, each
copied to ``<name>.yaml`` so the tool parses the YAML itself. The expected verdict of each
is our compiled validator's: invalid when it reports a failure of any severity (standard
tools know no ``x-severity``, so our warnings are their errors).

Node tools live in ``tools/node`` (``npm ci --prefix tools/node``). Missing, they skip the
test locally, and fail it when ``CI`` is set.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlmodel_spec.cli import main as cli_main
from mlmodel_spec.conformance._generated_schemas import validate_mlmodel
from mlmodel_spec.conformance.schema_validation import ANNOTATION_KEYWORDS
from mlmodel_spec.conformance.yaml_source import load_yaml

REPO = Path(__file__).resolve().parents[2]
NODE_BIN = REPO / "tools" / "node" / "node_modules" / ".bin"
OFFLINE_ENV = {
    # any attempt to reach the network goes to a closed local port and fails loudly
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "",
    "no_proxy": "",
}


def _node_tool(name: str) -> Path:
    path = NODE_BIN / name
    if path.is_file() and shutil.which("node"):
        return path
    message = f"{path} (or node) is missing: run `npm ci --prefix tools/node`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def node_tool() -> Callable[[str], Path]:
    """``tools/node``'s executable NAME; skips locally, fails in CI, when it is missing."""
    return _node_tool


@pytest.fixture(scope="session")
def offline_env() -> dict[str, str]:
    """The environment with every proxy pointed at a closed port."""
    return {**os.environ, **OFFLINE_ENV}


@dataclass(frozen=True)
class Instance:
    name: str
    """Unique label: the source path relative to the repository, ``/`` turned into ``__``."""
    source: Path
    copy: Path
    """``<name>.yaml`` in the temporary directory (the tools choose a parser by extension)."""
    valid: bool
    """Our compiled validator's verdict (no failure of any severity)."""


def _sources() -> list[Path]:
    cases = sorted((REPO / "tests" / "cases").glob("*/*/MLmodel"))
    schema_cases = sorted((REPO / "tests" / "schema_cases" / "mlmodel").glob("*/*.yaml"))
    return cases + schema_cases


def _in_json_data_model(path: Path) -> object | None:
    """The document as JSON data, or ``None`` when it is not plain JSON-compatible YAML
    (not UTF-8, a YAML error, a duplicate key, a date, a non-string key): other tools read such
    files their own way, so no verdict can be compared."""
    try:
        document = load_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        return None
    if not document.usable or document.problems or document.empty:
        return None
    try:
        data: object = json.loads(json.dumps(document.data))
    except (TypeError, ValueError):
        return None
    return data


@pytest.fixture(scope="session")
def instances(tmp_path_factory: pytest.TempPathFactory) -> list[Instance]:
    directory = tmp_path_factory.mktemp("instances")
    found = []
    for source in _sources():
        data = _in_json_data_model(source)
        if data is None:
            continue
        name = source.relative_to(REPO).as_posix().replace("/", "__")
        copy = directory / f"{name}.yaml"
        shutil.copyfile(source, copy)
        issues = validate_mlmodel(data)
        valid = not [issue for issue in issues if issue.keyword not in ANNOTATION_KEYWORDS]
        found.append(Instance(name, source, copy, valid))
    return found


@pytest.fixture(scope="session")
def bundled_schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``{draft: file}`` written by ``mlmodel-spec schema mlmodel [--draft 07] -o FILE``."""
    directory = tmp_path_factory.mktemp("schemas")
    written = {}
    for draft in ("2020-12", "07"):
        path = directory / f"mlmodel.{draft}.schema.json"
        assert cli_main(["schema", "mlmodel", "--draft", draft, "-o", str(path)]) == 0
        written[draft] = path
    return written
