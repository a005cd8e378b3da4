"""Property: whatever Unicode a model directory holds (keys, values, directory names, the
raw MLmodel text), all five report formats stay readable by their consumers and cannot be
forged: JSON matches the report schema, SARIF the SARIF 2.1.0 schema, JUnit is well-formed
XML valid against junit-10.xsd, every github line that looks like a workflow command is one
we wrote, and the text report holds no raw control character."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mlmodel_spec.conformance.validate import Report, validate_paths
from mlmodel_spec.reporters import REPORTERS, ReportStyle

#: any code point but the surrogates (str from a file system never holds them but through
#: surrogateescape, tested in test_injection.py)
NO_SURROGATES: list[Literal["Cs"]] = ["Cs"]
hostile_text = st.text(st.characters(exclude_categories=NO_SURROGATES), max_size=40)
#: directory names: anything a POSIX file system takes
dir_names = st.text(
    st.characters(exclude_categories=NO_SURROGATES, exclude_characters="/\x00"),
    min_size=1,
    max_size=30,
).filter(lambda name: name not in (".", "..") and len(os.fsencode(name)) <= 200)
scalars: st.SearchStrategy[object] = st.one_of(
    hostile_text, st.integers(), st.none(), st.booleans()
)


@st.composite
def mlmodel_texts(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        return draw(hostile_text)  # raw text: YAML errors quote it back
    pyfunc = {
        "loader_module": draw(hostile_text),
        "model_path": draw(hostile_text),
        "env": {"conda": draw(hostile_text), "virtualenv": draw(hostile_text)},
        draw(hostile_text): draw(scalars),
    }
    flavors = {"python_function": pyfunc, draw(hostile_text): {draw(hostile_text): draw(scalars)}}
    document: dict[str, object] = {"flavors": flavors, "mlflow_version": draw(hostile_text)}
    document.update(draw(st.dictionaries(hostile_text, scalars, max_size=3)))
    return yaml.safe_dump(document, allow_unicode=draw(st.booleans()))


def _render_all(report: Report, base: str) -> dict[str, str]:
    style = ReportStyle(sarif_base=base)
    return {name: render(report, style) for name, render in REPORTERS.items()}


@settings(
    max_examples=int(os.environ.get("MLMODEL_SPEC_PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(models=st.lists(st.tuples(dir_names, mlmodel_texts()), min_size=1, max_size=3))
def test_every_format_survives_hostile_model_text(
    models: list[tuple[str, str]],
    check_all_formats: Callable[[dict[str, str], Report], None],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / "tree"
        for index, (name, text) in enumerate(models):
            model_dir = tree / str(index) / name
            model_dir.mkdir(parents=True, exist_ok=True)
            (model_dir / "MLmodel").write_text(text, encoding="utf-8")
        report = validate_paths([tree])
        assert len(report.targets) == len(models)
        check_all_formats(_render_all(report, tmp), report)
        check_all_formats(_render_all(report, str(tree / "0")), report)  # some outside: file://
