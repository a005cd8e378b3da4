"""Ajv (``ajv-cli`` 5, the validator SchemaStore's CI runs) on our bundled schemas, in strict
mode (``--strict=true``: ``strictTypes``, ``strictTuples``, ``strictRequired``, no unknown
keywords or formats), offline.

It must compile both bundles and give every instance our compiled validator's verdict.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

SPECS = {"2020-12": "--spec=draft2020", "07": "--spec=draft7"}
_VERDICT = re.compile(r"^(?P<file>\S+) (?P<verdict>valid|invalid)$", re.MULTILINE)


def ajv(
    tool: Path, draft: str, schema: Path, data: list[Path], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    command = [str(tool), "validate", SPECS[draft], "--strict=true", "-c", "ajv-formats"]
    command += ["--errors=line", "-s", str(schema)]
    for each in data:
        command += ["-d", str(each)]
    return subprocess.run(
        command, capture_output=True, text=True, env=env, timeout=300, check=False
    )


@pytest.mark.parametrize("draft", sorted(SPECS))
def test_ajv_strict_agrees_with_our_validator(
    draft: str,
    bundled_schemas: dict[str, Path],
    instances: list[Any],
    node_tool: Callable[[str], Path],
    offline_env: dict[str, str],
) -> None:
    completed = ajv(
        node_tool("ajv"), draft, bundled_schemas[draft], [i.copy for i in instances], offline_env
    )
    output = completed.stdout + completed.stderr
    assert "strict mode" not in output and "error: " not in output, output
    verdicts = {Path(m["file"]).name: m["verdict"] == "valid" for m in _VERDICT.finditer(output)}
    assert verdicts == {each.copy.name: each.valid for each in instances}
    assert set(verdicts.values()) == {True, False}
    assert completed.returncode == 1  # some instances are invalid


@pytest.mark.parametrize("draft", sorted(SPECS))
def test_ajv_strict_refuses_our_annotation_keywords(
    draft: str,
    tmp_path: Path,
    node_tool: Callable[[str], Path],
    offline_env: dict[str, str],
) -> None:
    """The control: a schema still carrying ``x-severity`` does not compile."""
    schema = tmp_path / "annotated.json"
    dialect = {
        "2020-12": "https://json-schema.org/draft/2020-12/schema",
        "07": "http://json-schema.org/draft-07/schema#",
    }[draft]
    schema.write_text(
        f'{{"$schema": "{dialect}", "type": "string", "x-severity": "warning"}}', encoding="utf-8"
    )
    data = tmp_path / "data.json"
    data.write_text('"text"', encoding="utf-8")
    completed = ajv(node_tool("ajv"), draft, schema, [data], offline_env)
    assert completed.returncode != 0
    assert 'unknown keyword: "x-severity"' in completed.stdout + completed.stderr


def test_ajv_strict_accepts_the_flavor_meta_schema_and_every_spec(
    tmp_path: Path, node_tool: Callable[[str], Path], offline_env: dict[str, str]
) -> None:
    """The meta-schema is what editors validate flavor specs with: self-contained, strict."""
    import json

    import yaml

    root = Path(__file__).resolve().parents[2]
    specs = [p for p in sorted((root / "spec" / "flavors").glob("*.yaml")) if p.name[0] != "_"]
    specs += sorted((root / "examples" / "flavors").glob("*.yaml"))
    data = []
    for spec in specs:
        copy = tmp_path / f"{spec.stem}.json"
        copy.write_text(json.dumps(yaml.safe_load(spec.read_text(encoding="utf-8"))))
        data.append(copy)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({**json.loads(data[0].read_text()), "serialisation": {}}))
    meta = root / "spec" / "flavors" / "flavor.meta.schema.json"
    completed = ajv(node_tool("ajv"), "2020-12", meta, [*data, broken], offline_env)
    output = completed.stdout + completed.stderr
    assert "strict mode" not in output and "error: " not in output, output
    verdicts = {Path(m["file"]).name: m["verdict"] for m in _VERDICT.finditer(output)}
    assert verdicts == {**{d.name: "valid" for d in data}, "broken.json": "invalid"}, output
