"""rules/hygiene.py: merge-conflict markers and placeholder values."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.context import ModelContext
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules import hygiene
from mlmodel_spec.conformance.yaml_source import load_yaml

RULES = {"merge-conflict-marker", "placeholder-value"}

MLMODEL = """\
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: model.skops
mlflow_version: 3.17.2
"""


Findings = Callable[[Path], list[Finding]]
WriteFiles = Callable[[Path, dict[str, str]], Path]


@pytest.fixture(scope="module")
def findings(rule_findings: Callable[..., list[Finding]]) -> Findings:
    return lambda root: rule_findings(root, RULES)


# -- conflict markers ----------------------------------------------------------------------------

CONFLICT = (
    "numpy==2.4.6\n<<<<<<< HEAD\npandas==3.1.1\n=======\npandas==3.0.2\n>>>>>>> retrain\nscipy\n"
)


def test_one_finding_per_conflict_region_with_its_line() -> None:
    text = CONFLICT + "skops\n<<<<<<< ours\nx\n=======\ny\n>>>>>>> theirs\n"
    found = hygiene.conflict_marker_problems(text, "requirements.txt")
    assert [(p.rule, p.file, p.line, p.column) for p in found] == [
        ("merge-conflict-marker", "requirements.txt", 2, 1),
        ("merge-conflict-marker", "requirements.txt", 9, 1),
    ]
    assert "'<<<<<<< HEAD'" in found[0].message


def test_diff3_style_and_crlf() -> None:
    text = "a\r\n<<<<<<<\r\nb\r\n||||||| base\r\nc\r\n=======\r\nd\r\n>>>>>>>\r\n"
    (problem,) = hygiene.conflict_marker_problems(text, "conda.yaml")
    assert problem.line == 2


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        ("a\n=======\nb\n", [2]),  # a stray separator
        ("a\n>>>>>>> branch\n", [2]),  # a stray end marker
        ("a\n======= heading\n", []),  # git's separator is exactly seven '='
        ("a\n========\n", []),  # eight
        ("a\n <<<<<<< HEAD\n", []),  # not at the start of the line
        ("a: '<<<<<<< HEAD'\n", []),
        ("<<<<<<<<< HEAD\n", []),  # nine
        ("pandas==3.1.1\n", []),
    ],
)
def test_what_is_a_marker(text: str, lines: list[int]) -> None:
    assert [p.line for p in hygiene.conflict_marker_problems(text, "f")] == lines


def test_markers_in_companion_files(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(
        tmp_path,
        {
            "MLmodel": MLMODEL,
            "requirements.txt": CONFLICT,
            "conda.yaml": "name: mlflow-env\n<<<<<<< HEAD\n=======\n>>>>>>> x\n",
            "python_env.yaml": "python: 3.11.7\n",
            "constraints.txt": "a\n>>>>>>> left-over\n",
        },
    )
    found = findings(tmp_path)
    # MLflow 2.22/3.17 load and predict: only environment managers read these files
    assert sorted((f.file, f.line, f.severity) for f in found) == [
        ("conda.yaml", 2, Severity.WARNING),
        ("constraints.txt", 2, Severity.WARNING),
        ("requirements.txt", 2, Severity.WARNING),
    ]


def test_env_files_with_other_names_are_searched(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    text = MLMODEL.replace("conda: conda.yaml", "conda: envs/prod.yaml")
    (tmp_path / "envs").mkdir()
    write_files(tmp_path, {"MLmodel": text, "envs/prod.yaml": "name: x\n<<<<<<< HEAD\n"})
    (finding,) = findings(tmp_path)
    assert (finding.file, finding.line) == ("envs/prod.yaml", 2)


def test_marker_inside_a_quoted_mlmodel_scalar(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    # YAML keeps this document valid, so the checks run and find the marker
    text = MLMODEL + "metadata:\n  note: 'first half\n<<<<<<< HEAD\n  second half'\n"
    (finding,) = findings(write_files(tmp_path, {"MLmodel": text}))
    assert (finding.rule, finding.file, finding.line) == ("merge-conflict-marker", "MLmodel", 11)


def test_markers_that_break_mlmodel_are_reported_by_the_public_helper() -> None:
    text = "flavors:\n<<<<<<< HEAD\n  sklearn: {}\n=======\n  lightgbm: {}\n>>>>>>> x\n"
    assert load_yaml(text).usable is False  # the walker stops before any check
    (problem,) = hygiene.conflict_marker_problems(text, "MLmodel")
    assert problem.line == 2


def test_unreadable_companions_are_skipped(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"MLmodel": MLMODEL})
    (tmp_path / "requirements.txt").write_bytes(b"\xff<<<<<<< HEAD\n")
    (tmp_path / "conda.yaml").mkdir()
    assert findings(tmp_path) == []


# -- placeholders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_text", "pointer"),
    [
        ("run_id: TODO\n", "/run_id"),
        ("artifact_path: <artifact-path>\n", "/artifact_path"),
        ("model_uuid: CHANGEME\n", "/model_uuid"),
        ("mlflow_version: ???\n", "/mlflow_version"),
        ("artifact_path: runs:/<run_id>/model\n", "/artifact_path"),
        ("metadata:\n  owner: TODO\n", "/metadata/owner"),
        ("metadata:\n  owner: fixme\n", "/metadata/owner"),
        ("metadata:\n  team: <your team>\n", "/metadata/team"),
        ("metadata:\n  tags: [ok, TBD]\n", "/metadata/tags/1"),
        ("some_custom_key: XXXX\n", "/some_custom_key"),
        ("prompts:\n- prompts:/{{ prompt_name }}/1\n", "/prompts/0"),
        (
            "saved_input_example_info:\n  artifact_path: ${EXAMPLE}\n",
            "/saved_input_example_info/artifact_path",
        ),
    ],
)
def test_placeholders_are_flagged(
    tmp_path: Path, yaml_text: str, pointer: str, findings: Findings, write_files: WriteFiles
) -> None:
    (finding,) = findings(write_files(tmp_path, {"MLmodel": MLMODEL + yaml_text}))
    assert (finding.rule, finding.severity, finding.pointer) == (
        "placeholder-value",
        Severity.WARNING,
        pointer,
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("model_path", "models/TODO.skops"),
        ("model_path", "${MODEL_DIR}/model.skops"),
        ("model_path", "'{{ model_dir }}/model.skops'"),
        ("model_path", "models/<name>.skops"),
        ("predict_fn", "REPLACE_ME"),
        ("my_custom_path", "FIXME/model.bin"),
    ],
)
def test_embedded_placeholders_in_shaped_flavor_values(
    tmp_path: Path, key: str, value: str, findings: Findings, write_files: WriteFiles
) -> None:
    text = MLMODEL.replace("    model_path: model.skops\n", f"    {key}: {value}\n")
    found = findings(write_files(tmp_path, {"MLmodel": text}))
    assert [(f.rule, f.pointer) for f in found] == [
        ("placeholder-value", f"/flavors/python_function/{key}")
    ]


@pytest.mark.parametrize(
    "yaml_text",
    [
        "saved_input_example_info:\n  pandas_orient: split\n  type: dataframe\n",
        "model_uuid: 9755255941b241e6b2df3ec4606c98bf\n",
        "model_id: m-04c19a1939ff4c869573b3f95a6aaaa2\n",
        "artifact_path: mlflow-artifacts:/1/models/m-04c19a1939ff4c869573b3f95a6aaaa2/artifacts\n",
        "utc_time_created: '2026-11-26 20:54:05.773815'\n",
        "databricks_runtime: 15.4.x-scala2.12\n",
        "metadata:\n  task: llm/v1/chat\n",
        "metadata:\n  prompt: 'Summarize: {{ text }}'\n",
        "metadata:\n  storage: ${MODEL_STORE}/churn\n",
        "metadata:\n  note: fix the TODO list before release\n",
        "metadata:\n  tokens: [<unk>, <pad>, <s>, </s>, <mask>]\n",
        "metadata:\n  repr: \"<class 'sklearn.linear_model.LogisticRegression'>\"\n",
        "metadata:\n  owner: todo-app-team\n",
        "some_custom_key: 'Hello {{ name }}'\n",
        "resources:\n  api_version: '1'\n  databricks:\n"
        "    serving_endpoint:\n    - name: ${ENDPOINT}\n",
        "prompts:\n- prompts:/summarizer/3\n",
        "env_vars:\n- DATABRICKS_HOST\n",
        # JSON signatures are the signature rules' business
        'signature:\n  inputs: \'[{"type": "string", "name": "<unk> ${x} TODO"}]\'\n',
    ],
)
def test_legitimate_values_are_not_flagged(
    tmp_path: Path, yaml_text: str, findings: Findings, write_files: WriteFiles
) -> None:
    assert findings(write_files(tmp_path, {"MLmodel": MLMODEL + yaml_text})) == []


def test_free_form_flavor_values_are_only_checked_whole(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    text = MLMODEL.replace(
        "    loader_module:",
        "    config:\n      endpoint: ${SCORING_ENDPOINT}\n      owner: TODO\n    loader_module:",
    ).replace(
        "mlflow_version:",
        "  my_flavor:\n    prompt_template: 'Answer {{ question }}'\n    note: FIXME\n"
        "mlflow_version:",
    )
    found = findings(write_files(tmp_path, {"MLmodel": text}))
    assert sorted(f.pointer for f in found) == [
        "/flavors/my_flavor/note",
        "/flavors/python_function/config/owner",
    ]


def test_placeholder_in_runs_only_on_strings(tmp_path: Path) -> None:
    text = (
        MLMODEL + "model_size_bytes: 1234\nmetadata:\n  n: null\n  flag: true\n  nested: [[TODO]]\n"
    )
    ctx = ModelContext(tmp_path, load_yaml(text))
    (problem,) = hygiene.no_placeholders(ctx)
    assert problem.pointer == "/metadata/nested/0/0"


def test_placeholder_in() -> None:
    assert hygiene.placeholder_in("  TODO ", shaped=False) == "TODO"
    assert hygiene.placeholder_in("a/TODO/b", shaped=False) is None
    assert hygiene.placeholder_in("a/TODO/b", shaped=True) == "TODO"
    assert hygiene.placeholder_in("s3://${B}/k", shaped=True) == "${B}"
    assert hygiene.placeholder_in("<unk>", shaped=True) is None
    assert hygiene.placeholder_in("<UNK>", shaped=False) is None


def _placeholder_by_the_patterns_alone(value: str, *, shaped: bool) -> str | None:
    """``placeholder_in`` without its prefilters: the oracle they must agree with."""
    import re

    stripped = value.strip()
    whole = re.fullmatch(hygiene._WHOLE, stripped)
    if whole is not None:
        return None if (whole["angle"] or "").lower() in hygiene._TOKENS else stripped
    embedded = re.search(hygiene._EMBEDDED, value) if shaped else None
    return embedded[0] if embedded is not None else None


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_the_placeholder_prefilters_never_hide_a_match() -> None:
    """Every string of every case's MLmodel, the pattern's own words in many spellings, and
    generated strings (with Unicode case folding: dotless i, long s, the Kelvin sign, fullwidth
    letters, no-break spaces): with and without the prefilters, the same answer."""
    import random

    values: set[str] = set()
    for mlmodel in (Path(__file__).parent.parent / "cases").rglob("MLmodel"):
        document = load_yaml(mlmodel.read_text(encoding="utf-8", errors="replace"))
        values.update(_strings(document.data))
    words = ["todo", "fixme", "tbd", "tbc", "changeme", "change me", "replace_me", "fill-me"]
    words += ["fillme", "xxx", "xxxx", "???", "<unk>", "<Model Name>", "${X}", "{{ v }}", "TBD"]
    rng = random.Random(20261206)
    folds = {"i": "\u0131\u0130", "t": "\uff54", " ": "\u00a0\u2003"}  # (?i) and strip()
    alphabet = "tTodOfFiIxXmMeEbBcChHaAnNgGrRpPlL _-?<>${}/.:1" + "".join(folds.values())
    for word in words:
        values.update({word, word.upper(), word.title(), f" {word} ", f"a/{word}/b", f"x{word}"})
        for at, letter in enumerate(word):
            values.update(word[:at] + other + word[at + 1 :] for other in folds.get(letter, ""))
    for _ in range(20_000):
        values.add("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10))))
        word = rng.choice(words)
        values.add("".join(c.upper() if rng.random() < 0.5 else c for c in word))
    hits = 0
    for value in sorted(values):
        for shaped in (False, True):
            expected = _placeholder_by_the_patterns_alone(value, shaped=shaped)
            assert hygiene.placeholder_in(value, shaped=shaped) == expected, (value, shaped)
            hits += expected is not None
    assert hits > 1000  # the generated strings do reach the patterns
