"""docs/rules.md lists every rule once, under a named area, and is up to date."""

from __future__ import annotations

import re
from pathlib import Path

from mlmodel_spec.codegen.rules_doc import RULES_DOC, rules_doc
from mlmodel_spec.conformance.registry import RULES

ROOT = Path(__file__).resolve().parent.parent


def test_every_rule_is_listed_once_under_an_area() -> None:
    page = rules_doc()
    listed = re.findall(r"^\| `([a-z0-9-]+)` \|", page, flags=re.MULTILINE)
    assert sorted(listed) == sorted(RULES)
    assert "## Other" not in page, "give the new rule's prefix an area in codegen/rules_doc.py"


def test_the_committed_page_is_current() -> None:
    assert (ROOT / RULES_DOC).read_text(encoding="utf-8") == rules_doc(), (
        "docs/rules.md is stale: run `mlmodel-spec codegen`"
    )


def test_the_header_counts_static_rules_and_dynamic_checks_apart() -> None:
    page = rules_doc()
    counts = re.search(r"knows (\d+) static rules.*?adds (\d+) dynamic checks", page, re.DOTALL)
    assert counts is not None
    dynamic_area = page.split("## Dynamic checks", 1)[1]
    in_area = len(re.findall(r"^\| `[a-z0-9-]+` \|", dynamic_area, flags=re.MULTILINE))
    assert (int(counts[1]), int(counts[2])) == (len(RULES) - in_area, in_area)
    assert in_area > 0 and int(counts[1]) > 0
