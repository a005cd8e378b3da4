"""The generated ``schemastore/`` folder passes SchemaStore's ``cli.js check``, as far as its
steps run without the SchemaStore repository.

Reproduced here (see ``cli.js`` in SchemaStore/schemastore): schema file ``.json``, no BOM,
strict JSON (no duplicate keys), ``$schema`` draft-07 (2019-09 and 2020-12 count as "too
high"), an ``http(s)`` ``$id``; test files ``.json/.yaml/.yml/.toml`` whose first line is
the ``# yaml-language-server: $schema=<relative path>`` pragma; YAML parsed with the npm
``yaml`` package as ``cli.js`` does; Ajv (draft-07, ``strict: true``, ajv-formats) compiles
the schema, accepts every positive and rejects every negative test; the catalog entry's
name and description rules, ``fileMatch`` directories starting with ``**/``, ``url``
pointing at the schema file. Not reproduced: the checks of SchemaStore's whole
catalog (duplicate names or fileMatch across all entries) and its jsonlint of the catalog.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.codegen import build
from mlmodel_spec.codegen.schemastore import (
    CATALOG_ENTRY,
    NEGATIVE_DIR,
    POSITIVE_DIR,
    SCHEMA_ID,
    SCHEMA_PATH,
    SCHEMASTORE_DIR,
)

REPO = Path(__file__).resolve().parents[2]
FOLDER = REPO / SCHEMASTORE_DIR
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
TEST_EXTENSIONS = {".json", ".yaml", ".yml", ".toml"}
YAML_TO_JSON = """
const fs = require("fs"), YAML = require("yaml");
for (const [source, target] of JSON.parse(process.argv[1])) {
  fs.writeFileSync(target, JSON.stringify(YAML.parse(fs.readFileSync(source, "utf-8"))));
}
"""
"""``cli.js``'s ``readDataFile``: ``YAML.parse`` of the npm ``yaml`` package."""


def strict_json(path: Path) -> Any:
    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), f"{path}: duplicate key"
        return dict(pairs)

    raw = path.read_bytes()
    assert not raw.startswith((b"\xef\xbb\xbf", b"\xfe\xff", b"\xff\xfe")), f"{path}: BOM"
    return json.loads(raw.decode("utf-8"), object_pairs_hook=refuse_duplicates)


def test_folder_is_what_codegen_generates() -> None:
    generator = next(g for g in build.GENERATORS if g.name == "schemastore")
    result = build.plan(REPO, [generator])
    assert result.clean, (result.stale, result.missing, result.orphaned)


def test_schema_meets_schemastore_preconditions() -> None:
    schema = strict_json(FOLDER / SCHEMA_PATH)
    assert schema["$schema"] == DRAFT_07
    assert schema["$id"] == SCHEMA_ID and SCHEMA_ID.startswith("https://")
    text = json.dumps(schema)
    assert '"x-' not in text
    refs = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                refs.append(node["$ref"])
            if node.get("additionalProperties") is False:
                pytest.fail(f"additionalProperties: false in {node.get('description', node)}")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    assert refs and all(ref.startswith("#/definitions/") for ref in refs)


def test_catalog_entry_follows_the_catalog_rules() -> None:
    entry = strict_json(FOLDER / "catalog-entry.json")
    assert entry == CATALOG_ENTRY
    assert set(entry) == {"name", "description", "fileMatch", "url"}
    for field in ("name", "description"):
        value = entry[field]
        assert value and "schema" not in value.lower() and "\n" not in value
        assert value[-1] not in ",. \t-"
    assert entry["fileMatch"] == ["**/MLmodel"]
    assert all(glob.startswith("**/") for glob in entry["fileMatch"] if "/" in glob)
    assert entry["url"] == SCHEMA_ID and entry["url"].endswith(".json")
    assert entry["url"].rsplit("/", 1)[1] == Path(SCHEMA_PATH).name


def schemastore_tests() -> list[Path]:
    found = sorted((FOLDER / POSITIVE_DIR).iterdir()) + sorted((FOLDER / NEGATIVE_DIR).iterdir())
    assert found
    return found


def test_test_files_carry_the_schema_pragma() -> None:
    for path in schemastore_tests():
        assert path.suffix in TEST_EXTENSIONS
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        relative = os.path.relpath(FOLDER / SCHEMA_PATH, path.parent).replace("\\", "/")
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema={relative}", path


def test_ajv_strict_passes_positive_and_fails_negative_tests(
    tmp_path: Path, node_tool: Callable[[str], Path], offline_env: dict[str, str]
) -> None:
    ajv = node_tool("ajv")
    positive: list[tuple[Path, Path]] = []
    negative: list[tuple[Path, Path]] = []
    for path in schemastore_tests():
        data = tmp_path / f"{path.parent.parent.name}--{path.stem}.json"
        (positive if POSITIVE_DIR in path.as_posix() else negative).append((path, data))
    pairs = [[str(source), str(target)] for source, target in positive + negative]
    subprocess.run(
        ["node", "-e", YAML_TO_JSON, json.dumps(pairs)],
        env={**offline_env, "NODE_PATH": str(ajv.parent.parent)},
        check=True,
        timeout=120,
    )
    command = [str(ajv), "validate", "--spec=draft7", "--strict=true", "-c", "ajv-formats"]
    command += ["--errors=no", "-s", str(FOLDER / SCHEMA_PATH)]
    for _, data in positive + negative:
        command += ["-d", str(data)]
    completed = subprocess.run(
        command, capture_output=True, text=True, env=offline_env, timeout=300, check=False
    )
    output = completed.stdout + completed.stderr
    assert "strict mode" not in output, output
    lines = output.splitlines()
    assert [s.name for s, d in positive if f"{d} valid" not in lines] == [], output
    assert [s.name for s, d in negative if f"{d} invalid" not in lines] == [], output
