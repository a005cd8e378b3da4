"""check-jsonschema (the Python CLI) on our bundled schemas, offline.

Runs the installed ``check-jsonschema`` with ``--no-cache`` and every proxy pointed at a
closed port: a schema that needed the network would fail here. Its verdict on every
instance must be our compiled validator's.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

DRAFTS = ("2020-12", "07")


def check_jsonschema() -> str:
    path = shutil.which("check-jsonschema")
    if path is None:
        pytest.fail("check-jsonschema is missing: pip install -e '.[test]'")
    return path


def run(schema: Path, files: list[Path], env: dict[str, str]) -> dict[str, Any]:
    completed = subprocess.run(
        [check_jsonschema(), "--no-cache", "-o", "json", "--schemafile", str(schema)]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    result: dict[str, Any] = json.loads(completed.stdout)
    return result


@pytest.mark.parametrize("draft", DRAFTS)
def test_check_jsonschema_agrees_with_our_validator(
    draft: str,
    bundled_schemas: dict[str, Path],
    instances: list[Any],
    offline_env: dict[str, str],
) -> None:
    result = run(bundled_schemas[draft], [each.copy for each in instances], offline_env)
    assert result["parse_errors"] == []
    errors = result["errors"]
    assert isinstance(errors, list)
    rejected = {Path(error["filename"]).name for error in errors}
    verdicts = {each.name: each.copy.name not in rejected for each in instances}
    expected = {each.name: each.valid for each in instances}
    assert verdicts == expected
    # both verdicts occur, and every MLflow-written and valid case is accepted
    assert set(verdicts.values()) == {True, False}
    valid_cases = [each.name for each in instances if "__valid__" in each.name]
    assert valid_cases and all(verdicts[name] for name in valid_cases)


@pytest.mark.parametrize("draft", DRAFTS)
def test_check_jsonschema_rejects_a_broken_model(
    draft: str, bundled_schemas: dict[str, Path], tmp_path: Path, offline_env: dict[str, str]
) -> None:
    broken = tmp_path / "MLmodel.yaml"
    broken.write_text("flavors:\n  sklearn:\n    pickled_model: 3\n", encoding="utf-8")
    result = run(bundled_schemas[draft], [broken], offline_env)
    errors = result["errors"]
    assert isinstance(errors, list) and errors
    assert {error["path"] for error in errors} == {"$.flavors.sklearn.pickled_model"}
