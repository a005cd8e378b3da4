"""``validate --flavor-spec FILE``: a third-party flavor spec teaches the validator its flavor.

Each test validates one hand-made model directory of the ``acme_trees`` flavor (the compiler
tests' spec) twice, without and with the spec, or with a good and a broken block: the
finding fires where the spec says it should, and stays silent on the good model.
"""

from __future__ import annotations

import json
import pickle
import pickletools
import subprocess
import sys
from pathlib import Path

import pytest

from mlmodel_spec.codegen.flavor_spec import FlavorSpecError
from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.runtime_flavors import load_flavors
from mlmodel_spec.conformance.validate import validate_model

#: a pickle whose only global is ``acme.trees.Forest`` (GLOBAL, NEWOBJ, BUILD of an empty dict)
ACME_PICKLE = b"\x80\x02cacme.trees\nForest\nq\x00)\x81q\x01}q\x02b."

MLMODEL = """\
flavors:
  acme_trees:
    data: model.pkl
    acme_version: {version}
    serialization_format: {fmt}
mlflow_version: 3.17.2
"""


def _model(root: Path, *, version: str = "1.9.1", fmt: str = "pickle", data: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "MLmodel").write_text(MLMODEL.format(version=version, fmt=fmt))
    (root / "requirements.txt").write_text("scikit-learn==1.9.1\n")
    if data:
        (root / "model.pkl").write_bytes(ACME_PICKLE)
    return root


def _findings(root: Path, *specs: Path) -> list[Finding]:
    options = ValidationOptions(flavor_specs=tuple(str(s) for s in specs))
    return [f for f in validate_model(root, options=options) if f.rule != "safety-payload-globals"]


def _rules(findings: list[Finding]) -> set[str]:
    return {f.rule for f in findings}


def test_the_pickle_is_what_the_tests_say() -> None:
    # the fixture's payload names the class the allow-list tests admit, and nothing else
    ops = [op.name for op, *_ in pickletools.genops(ACME_PICKLE)]
    assert "GLOBAL" in ops and "REDUCE" not in ops
    with pytest.raises(ModuleNotFoundError, match="acme"):
        pickle.loads(ACME_PICKLE)  # a class nobody has: nothing can run


def test_a_known_flavor_is_not_unknown(acme: Path, tmp_path: Path) -> None:
    root = _model(tmp_path / "m")
    assert "unknown-flavor" in _rules(_findings(root))
    assert "unknown-flavor" not in _rules(_findings(root, acme))


def test_the_block_is_checked_against_the_spec_schema(acme: Path, tmp_path: Path) -> None:
    good = _model(tmp_path / "good")
    assert not {"schema", "unknown-key"} & _rules(_findings(good, acme))
    bad = _model(tmp_path / "bad", fmt="parquet")  # the spec's enum: pickle, cloudpickle, joblib
    (schema,) = [f for f in _findings(bad, acme) if f.rule == "schema"]
    assert schema.severity is Severity.ERROR
    assert schema.pointer == "/flavors/acme_trees/serialization_format"
    assert (schema.file, schema.line) == ("MLmodel", 5)
    assert "parquet" in schema.message


def test_a_key_the_spec_does_not_name_is_reported(acme: Path, tmp_path: Path) -> None:
    root = _model(tmp_path / "m")
    text = (
        (root / "MLmodel")
        .read_text()
        .replace("mlflow_version", "    acme_extra: 1\nmlflow_version")
    )
    (root / "MLmodel").write_text(text)
    found = [f for f in _findings(root, acme) if f.pointer.startswith("/flavors/acme_trees/")]
    assert [(f.rule, f.pointer) for f in found] == [
        ("unknown-key", "/flavors/acme_trees/acme_extra")
    ]


def test_the_path_keys_of_the_spec_are_checked(acme: Path, tmp_path: Path) -> None:
    # the spec says `data` names a file; for a flavor nobody described, either kind will do
    root = _model(tmp_path / "m", data=False)
    (root / "model.pkl").mkdir()
    assert "path-not-a-file" not in _rules(_findings(root))
    (found,) = [f for f in _findings(root, acme) if f.rule == "path-not-a-file"]
    assert found.pointer == "/flavors/acme_trees/data"
    assert "path-not-a-file" not in _rules(_findings(_model(tmp_path / "ok"), acme))


def test_the_version_key_of_the_spec_is_checked_against_the_pins(
    acme: Path, tmp_path: Path
) -> None:
    mismatched = _model(tmp_path / "m", version="1.5.2")  # requirements.txt pins 1.9.1
    assert "flavor-version-mismatch" not in _rules(_findings(mismatched))
    (found,) = [f for f in _findings(mismatched, acme) if f.rule == "flavor-version-mismatch"]
    assert found.pointer == "/flavors/acme_trees/acme_version"
    assert "flavor-version-mismatch" not in _rules(_findings(_model(tmp_path / "ok"), acme))


def _with_safety(spec: Path, allow: str) -> Path:
    text = spec.read_text() + f"safety:\n  allow:\n{allow}"
    out = spec.with_name("acme_trees_safe.yaml")
    out.write_text(text)
    return out


def test_the_allow_list_of_the_spec_admits_its_classes(acme: Path, tmp_path: Path) -> None:
    root = _model(tmp_path / "m")
    unknown = [f for f in _findings(root, acme) if f.rule == "safety-unknown-global"]
    assert [f.severity for f in unknown] == [Severity.WARNING]
    assert "acme.trees.Forest" in unknown[0].message
    safe = _with_safety(acme, '    - {match: acme.trees.Forest, reason: "plain state"}\n')
    assert "safety-unknown-global" not in _rules(_findings(root, safe))


def test_the_allow_list_applies_to_its_own_flavor_only(acme: Path, tmp_path: Path) -> None:
    # the same pickle under the sklearn flavor: the acme spec's entry does not reach it
    root = tmp_path / "m"
    root.mkdir()
    (root / "MLmodel").write_text(
        "flavors:\n  sklearn:\n    pickled_model: model.pkl\n    serialization_format: pickle\n"
        "    sklearn_version: 1.9.1\nmlflow_version: 3.17.2\n"
    )
    (root / "model.pkl").write_bytes(ACME_PICKLE)
    safe = _with_safety(acme, '    - {match: acme.trees.Forest, reason: "plain state"}\n')
    assert "safety-unknown-global" in _rules(_findings(root, safe))


@pytest.mark.parametrize(
    ("entry", "pointer", "says"),
    [
        ('{match: os.system, reason: "no"}', "/safety/allow/0/match", "deny list"),
        ('{match: builtins.**, reason: "no"}', "/safety/allow/0/match", "deny list"),
        (
            '{match: acme.trees.Forest, reason: "x", exempt: [acme_trees]}',
            "/safety/allow/0/exempt",
            "exempt",
        ),
        ('{match: "acme trees", reason: "x"}', "/safety/allow/0/match", ""),
    ],
    ids=["denied-name", "denied-module", "exempt", "not-a-pattern"],
)
def test_a_spec_allow_entry_that_cannot_hold_is_a_located_finding(
    acme: Path, entry: str, pointer: str, says: str
) -> None:
    broken = _with_safety(acme, f"    - {entry}\n")
    with pytest.raises(FlavorSpecError) as raised:
        load_flavors([str(broken)])
    located = [f for f in raised.value.findings if f.pointer == pointer]
    assert located, raised.value.findings
    assert located[0].file.endswith("acme_trees_safe.yaml") and located[0].line is not None
    assert says in located[0].message


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mlmodel_spec", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_the_cli_option_reaches_validate_and_the_static_pass_of_check(
    acme: Path, tmp_path: Path
) -> None:
    root = _model(tmp_path / "m", fmt="parquet")
    for command in (["validate"], ["check", "--static-only"]):
        done = _cli(*command, "--format", "json", "--flavor-spec", str(acme), str(root))
        assert done.returncode == 1, done.stderr
        (target,) = json.loads(done.stdout)["targets"]
        rules = {f["rule"] for f in target["findings"]}
        assert "schema" in rules and "unknown-flavor" not in rules, (command, rules)


def test_a_broken_spec_is_exit_2_with_its_located_findings(acme: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(acme.read_text().replace("serialization:", "serialisation:"))
    done = _cli("validate", "--flavor-spec", str(broken), str(_model(tmp_path / "m")))
    assert done.returncode == 2
    assert f"{broken}:" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_spec_that_takes_a_builtin_flavor_key_is_refused(acme: Path, tmp_path: Path) -> None:
    taken = tmp_path / "sklearn.yaml"
    taken.write_text(acme.read_text().replace("flavor: acme_trees", "flavor: sklearn"))
    done = _cli("validate", "--flavor-spec", str(taken), str(_model(tmp_path / "m")))
    assert done.returncode == 2 and "sklearn" in done.stderr, done.stderr


def test_a_spec_entry_is_written_as_the_shipped_lists_write_theirs() -> None:
    # the meta-schema keeps its own copy of the entry (it must stay self-contained for
    # editors and offline validators): the `match` grammar is the lists' own
    spec = Path(__file__).resolve().parents[2] / "spec"
    meta = json.loads((spec / "flavors" / "flavor.meta.schema.json").read_text())
    lists = json.loads((spec / "safety" / "list.schema.json").read_text())
    entry = lists["properties"]["entries"]["items"]
    ours = meta["$defs"]["allowEntry"]
    for name in ("match", "unless_state_has"):
        assert ours["properties"][name] == entry["properties"][name]
    assert set(ours["properties"]) == set(entry["properties"]) - {"since", "exempt"}


def test_one_spec_given_twice_is_one_spec(acme: Path, tmp_path: Path) -> None:
    root = _model(tmp_path / "m")
    again = acme.parent / "." / acme.name
    done = _cli("validate", "--flavor-spec", str(acme), "--flavor-spec", str(again), str(root))
    assert done.returncode == 0, done.stderr
    assert "unknown-flavor" not in done.stdout


def test_spec_text_enters_the_compiled_validator_as_data(acme: Path, tmp_path: Path) -> None:
    # the block's schema is compiled to Python and run: quotes in an enum value, a pattern
    # and a description must stay literals, never become code
    sentinel = tmp_path / "ran"
    payload = f"__import__('pathlib').Path({str(sentinel)!r}).touch()"
    single, double = "'" * 3, '"' * 3
    values = ["pickle", f"{single}); {payload} #", f"{double}); {payload} #"]
    pattern = f"^[a-z]+$|{single}|{double}"
    text = acme.read_text().replace(
        "      enum: [pickle, cloudpickle, joblib]",
        f"      enum: {json.dumps(values)}\n      pattern: {json.dumps(pattern)}",
    )
    text = text.replace(
        "description: scikit-learn version at save time.",
        f"description: {json.dumps(f'{double} + {payload} + {double}')}",
    )
    hostile = tmp_path / "hostile" / "acme_trees.yaml"
    hostile.parent.mkdir()
    hostile.write_text(text)
    root = _model(tmp_path / "m", fmt="parquet")
    (schema,) = [f for f in _findings(root, hostile) if f.rule == "schema"]
    assert "parquet" in schema.message
    assert not sentinel.exists()


def test_a_broken_spec_given_to_the_api_raises_before_any_rule_runs(tmp_path: Path) -> None:
    broken = tmp_path / "acme_trees.yaml"
    broken.write_text("flavor: [\n")
    with pytest.raises(FlavorSpecError) as raised:
        validate_model(
            _model(tmp_path / "m"), options=ValidationOptions(flavor_specs=(str(broken),))
        )
    assert raised.value.findings[0].line == 2
