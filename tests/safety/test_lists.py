"""The lists in spec/safety/ are data users read: each one is well-formed, revisioned and
says why every entry is there; and the allow-lists admit nothing the deny list names."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from mlmodel_spec.conformance.safety.allowlists import allowlists, judge

SPEC = Path(__file__).resolve().parents[2] / "spec" / "safety"
LISTS = sorted(SPEC.glob("*/v1/*.yaml"))


@pytest.mark.parametrize("path", LISTS, ids=[p.stem for p in LISTS])
def test_each_list_is_valid_and_revisioned(path: Path) -> None:
    schema = json.loads((SPEC / "list.schema.json").read_text())
    data = yaml.safe_load(path.read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["list"] == path.stem
    revision = data.get("revision", 1)
    since = [entry.get("since", 1) for entry in data["entries"]]
    assert max(since) == revision, "raise `revision` with the entry you add (and set `since`)"
    matches = [entry["match"] for entry in data["entries"]]
    assert len(matches) == len(set(matches))


def test_no_allow_entry_is_shadowed_by_the_deny_list() -> None:
    """An exact allow entry the deny list overrides would be a list bug (it never applies)."""
    shadowed = []
    for safety_list in allowlists():
        for entry in safety_list.entries:
            if "*" in entry.match:
                continue
            module, _, name = entry.match.rpartition(".")
            context = safety_list.select[0] if "*" not in safety_list.select else "sklearn"
            if judge(module, name, context).kind == "dangerous":
                shadowed.append(entry.match)
    assert not shadowed
