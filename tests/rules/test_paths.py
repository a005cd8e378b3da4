"""rules/paths.py: every path MLmodel names exists, has the right kind and stays inside."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.context import ModelContext
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.registry import Problem
from mlmodel_spec.conformance.rules import paths

RULES = {
    "path-missing",
    "path-absolute",
    "path-escapes",
    "path-not-a-file",
    "path-not-a-directory",
    "path-invalid",
    "path-not-portable",
    "path-lfs-pointer",
    "env-file-missing",
}
ENV_FILES = ("conda.yaml", "python_env.yaml", "requirements.txt")


Model = Callable[..., Path]
Findings = Callable[..., list[Finding]]
Problems = Callable[[Path], list[Problem]]
WriteFiles = Callable[[Path, dict[str, str]], Path]


@pytest.fixture(scope="module")
def model(write_files: WriteFiles) -> Model:
    def model(root: Path, mlmodel: str, *files: str, env: bool = True) -> Path:
        """A model directory holding ``mlmodel``, placeholder ``files`` and (by default) env
        files."""
        names = [*files, *(ENV_FILES if env else ())]
        return write_files(root, {"MLmodel": mlmodel, **dict.fromkeys(names, "placeholder\n")})

    return model


@pytest.fixture(scope="module")
def findings(rule_findings: Callable[..., list[Finding]]) -> Findings:
    return lambda root, **options: rule_findings(root, RULES, **options)


@pytest.fixture(scope="module")
def problems(model_context: Callable[[Path], ModelContext]) -> Problems:
    def problems(root: Path) -> list[Problem]:
        """Both checks run directly (no walker), for tests that do not need positions."""
        ctx = model_context(root)
        return [*paths.paths_are_relative(ctx), *paths.paths_exist(ctx)]

    return problems


def by_pointer(found: list[Problem] | list[Finding]) -> dict[str, str]:
    return {f.pointer: f.rule for f in found}


SKLEARN = """\
flavors:
  python_function:
    env:
      conda: conda.yaml
      virtualenv: python_env.yaml
    loader_module: mlflow.sklearn
    model_path: {model_path}
    predict_fn: predict
    python_version: 3.11.7
  sklearn:
    code: {code}
    pickled_model: {pickled_model}
    serialization_format: skops
    sklearn_version: 1.9.1
mlflow_version: 3.17.2
"""


def sklearn(
    model_path: str = "model.skops", pickled_model: str = "model.skops", code: str = "null"
) -> str:
    return SKLEARN.format(model_path=model_path, pickled_model=pickled_model, code=code)


def test_a_complete_model_has_no_findings(tmp_path: Path, model: Model, findings: Findings) -> None:
    assert findings(model(tmp_path, sklearn(), "model.skops")) == []


def test_every_path_key_is_checked(tmp_path: Path, model: Model, problems: Problems) -> None:
    text = """\
flavors:
  python_function:
    artifacts:
      a/b:
        path: artifacts/a.txt
        uri: s3://bucket/not-a-path-we-check.txt
    code: code
    data: data
    env:
      conda: envs/conda.yaml
      virtualenv: envs/python_env.yaml
    loader_module: mlflow.pyfunc.model
    model_code_path: /home/alice/agent.py
    model_path: m.bin
    parameters_path: parameters.yaml
    python_model: python_model.pkl
  sklearn:
    code: sk_code
    extra_files:
    - path: extra_files/README.md
    pickled_model: model.pkl
  lightgbm:
    data: model.lgb
  my_flavor:
    code: my_code
    data: my_data
    model_data: my_model_data
    model_path: my_model_path
    pickled_model: my.pkl
    weights: not-a-path-key.bin
saved_input_example_info:
  artifact_path: input_example.json
  serving_input_path: serving_input_example.json
mlflow_version: 3.17.2
"""
    root = model(tmp_path, text)
    found = by_pointer(problems(root))
    pyfunc = "/flavors/python_function"
    assert found == {
        f"{pyfunc}/artifacts/a~1b/path": "path-missing",
        f"{pyfunc}/code": "path-missing",
        f"{pyfunc}/data": "path-missing",
        f"{pyfunc}/env/conda": "env-file-missing",
        f"{pyfunc}/env/virtualenv": "env-file-missing",
        f"{pyfunc}/model_code_path": "path-missing",
        f"{pyfunc}/model_path": "path-missing",
        f"{pyfunc}/parameters_path": "path-missing",
        f"{pyfunc}/python_model": "path-missing",
        "/flavors/sklearn/code": "path-missing",
        "/flavors/sklearn/extra_files/0/path": "path-missing",
        "/flavors/sklearn/pickled_model": "path-missing",
        "/flavors/lightgbm/data": "path-missing",
        "/flavors/my_flavor/code": "path-missing",
        "/flavors/my_flavor/data": "path-missing",
        "/flavors/my_flavor/model_data": "path-missing",
        "/flavors/my_flavor/model_path": "path-missing",
        "/flavors/my_flavor/pickled_model": "path-missing",
        "/saved_input_example_info/artifact_path": "path-missing",
        "/saved_input_example_info/serving_input_path": "path-missing",
    }


def test_missing_findings_are_located_at_the_key_value(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, sklearn(pickled_model="model.skop"), "model.skops")
    (finding,) = findings(root)
    assert (finding.rule, finding.severity, finding.pointer) == (
        "path-missing",
        Severity.ERROR,
        "/flavors/sklearn/pickled_model",
    )
    assert (finding.line, finding.column) == (12, 20)
    assert "'model.skop'" in finding.message


def test_missing_input_example_is_only_a_warning(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    text = sklearn() + "saved_input_example_info:\n  artifact_path: input_example.json\n"
    (finding,) = findings(model(tmp_path, text, "model.skops"))
    assert (finding.rule, finding.severity) == ("path-missing", Severity.WARNING)


@pytest.mark.parametrize(
    "value",
    [
        "/home/alice/model.skops",
        "C:\\Users\\alice\\model.skops",
        "'C:/m/model.skops'",
        "\\\\server\\share\\model.skops",
    ],
)
def test_absolute_paths(tmp_path: Path, value: str, model: Model, findings: Findings) -> None:
    root = model(tmp_path, sklearn(pickled_model=value), "model.skops")
    assert by_pointer(findings(root)) == {"/flavors/sklearn/pickled_model": "path-absolute"}


def test_dotdot_that_escapes_and_dotdot_that_stays(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path / "m", sklearn(pickled_model="../model.skops"), "model.skops")
    (tmp_path / "model.skops").write_text("outside")
    assert by_pointer(findings(root)) == {"/flavors/sklearn/pickled_model": "path-escapes"}
    root = model(tmp_path / "n", sklearn(pickled_model="sub/../model.skops"), "model.skops")
    (root / "sub").mkdir()
    assert findings(root) == []
    # like the OS, every component must exist, even one that '..' cancels
    (root / "sub").rmdir()
    assert by_pointer(findings(root)) == {"/flavors/sklearn/pickled_model": "path-missing"}


def test_symlinks(tmp_path: Path, model: Model, findings: Findings) -> None:
    outside = tmp_path / "shared.skops"
    outside.write_text("outside")
    root = model(
        tmp_path / "m",
        sklearn(model_path="escape.skops", pickled_model="loop.skops"),
        "model.skops",
    )
    (root / "escape.skops").symlink_to(outside)
    (root / "loop.skops").symlink_to("loop.skops")
    found = findings(root)
    assert by_pointer(found) == {
        "/flavors/python_function/model_path": "path-escapes",
        "/flavors/sklearn/pickled_model": "path-escapes",
    }
    assert any("symlink loop" in f.message for f in found)
    assert any(str(os.path.realpath(outside)) in f.message for f in found)


def test_symlink_inside_and_dangling_symlink(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(
        tmp_path, sklearn(model_path="link.skops", pickled_model="gone.skops"), "model.skops"
    )
    (root / "link.skops").symlink_to("model.skops")
    (root / "gone.skops").symlink_to("nowhere.skops")
    (finding,) = findings(root)
    assert (finding.rule, finding.pointer) == ("path-missing", "/flavors/sklearn/pickled_model")
    assert "dangling" in finding.message


def test_code_must_be_a_directory(tmp_path: Path, model: Model, findings: Findings) -> None:
    root = model(tmp_path / "m", sklearn(code="code/helpers.py"), "model.skops", "code/helpers.py")
    assert by_pointer(findings(root)) == {"/flavors/sklearn/code": "path-not-a-directory"}
    root = model(tmp_path / "n", sklearn(code="code"), "model.skops", "code/helpers.py")
    assert findings(root) == []


@pytest.mark.parametrize("code", ["null", "''"])
def test_no_code_directory(tmp_path: Path, code: str, model: Model, findings: Findings) -> None:
    assert findings(model(tmp_path, sklearn(code=code), "model.skops")) == []


def test_files_must_be_files(tmp_path: Path, model: Model, findings: Findings) -> None:
    root = model(tmp_path, sklearn(model_path="model_dir", pickled_model="pipe"), "model_dir/x")
    os.mkfifo(root / "pipe")
    found = findings(root)
    assert by_pointer(found) == {
        "/flavors/python_function/model_path": "path-not-a-file",  # sklearn's loader opens a file
        "/flavors/sklearn/pickled_model": "path-not-a-file",
    }
    assert any("FIFO" in f.message for f in found)


def test_data_may_be_a_file_or_a_directory_but_not_a_fifo(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    text = "flavors:\n  python_function:\n    loader_module: my_loader\n    data: {}\n"
    root = model(tmp_path / "a", text.format("data"), "data/w.bin")
    assert findings(root) == []
    root = model(tmp_path / "b", text.format("w.bin"), "w.bin")
    assert findings(root) == []
    root = model(tmp_path / "c", text.format("pipe"))
    os.mkfifo(root / "pipe")
    assert by_pointer(findings(root)) == {"/flavors/python_function/data": "path-not-a-file"}


@pytest.mark.parametrize(
    ("value", "reason"),
    [('"model.skops\\n"', "a line break"), ('"model\\tskops"', "a tab"), ("'   '", "is blank")],
)
def test_invalid_values_are_not_also_missing(
    tmp_path: Path, value: str, reason: str, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, sklearn(pickled_model=value), "model.skops")
    (finding,) = findings(root)
    assert finding.rule == "path-invalid"
    assert reason in finding.message


def test_empty_value_is_left_to_the_schema(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, sklearn(pickled_model="''"), "model.skops")
    assert findings(root) == []


def test_name_too_long_is_invalid(tmp_path: Path, model: Model, findings: Findings) -> None:
    root = model(tmp_path, sklearn(pickled_model="x" * 300), "model.skops")
    (finding,) = findings(root)
    assert finding.rule == "path-invalid"
    assert "cannot be looked up" in finding.message


def test_backslash_separator(tmp_path: Path, model: Model, findings: Findings) -> None:
    root = model(
        tmp_path / "a",
        sklearn(pickled_model="models\\model.skops"),
        "models/model.skops",
        "model.skops",
    )
    (finding,) = findings(root)
    assert (finding.rule, finding.severity) == ("path-not-portable", Severity.WARNING)
    root = model(tmp_path / "b", sklearn(pickled_model="models\\model.skops"), "model.skops")
    assert sorted(f.rule for f in findings(root)) == ["path-missing", "path-not-portable"]


MODELS_FROM_CODE = """\
flavors:
  python_function:
    loader_module: mlflow.pyfunc.loaders.code_model
    model_code_path: {}
mlflow_version: 3.17.2
"""


@pytest.mark.parametrize("path", ["/home/alice/agent.py", "agent.py", "'C:/work/agent.py'"])
def test_model_code_path_uses_the_base_name(
    tmp_path: Path, path: str, model: Model, findings: Findings
) -> None:
    root = model(tmp_path / "a", MODELS_FROM_CODE.format(path), "agent.py")
    assert findings(root) == []
    root = model(tmp_path / "b", MODELS_FROM_CODE.format(path))
    (finding,) = findings(root)
    assert finding.rule == "path-missing"
    assert "'agent.py'" in finding.message


def test_model_code_path_written_on_windows(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, MODELS_FROM_CODE.format("C:\\Users\\alice\\agent.py"), "agent.py")
    (finding,) = findings(root)
    assert finding.rule == "path-not-portable"
    assert "looks for a file named 'C:" in finding.message
    assert finding.message.endswith("not 'agent.py'")


@pytest.mark.parametrize("path", ["/home/alice/", "''", "/home/alice/.."])
def test_model_code_path_without_a_file_name(
    tmp_path: Path, path: str, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, MODELS_FROM_CODE.format(path), "agent.py")
    assert [f.rule for f in findings(root)] == ["path-invalid"]


LFS_POINTER = (
    "version https://git-lfs.github.com/spec/v1\n"
    "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 10451\n"
)


def test_git_lfs_pointer_payload_is_an_error(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    # MLflow 3.17: BadZipFile (skops), 2.22: UnpicklingError (pickle) on the pointer text
    root = model(tmp_path, sklearn(), "model.skops")
    (root / "model.skops").write_text(LFS_POINTER)
    found = findings(root)
    assert {(f.rule, f.severity, f.pointer) for f in found} == {
        ("path-lfs-pointer", Severity.ERROR, "/flavors/sklearn/pickled_model"),
        ("path-lfs-pointer", Severity.ERROR, "/flavors/python_function/model_path"),
    }


def test_lfs_pointer_lookalikes_are_silent(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, sklearn(), "model.skops")
    # a text that merely mentions git-lfs, and a large file starting with the pointer line
    (root / "model.skops").write_text("# version https://git-lfs.github.com/spec/v1\n")
    assert findings(root) == []
    (root / "model.skops").write_text(LFS_POINTER + "x" * 2048)
    assert findings(root) == []


# -- environment files ---------------------------------------------------------------------------


def test_referenced_env_file_missing_is_a_warning(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    # MLflow 2.22 and 3.17 load and predict without it; only env managers need it
    root = model(tmp_path, sklearn(), "model.skops")
    (root / "conda.yaml").unlink()
    (finding,) = findings(root)
    assert (finding.rule, finding.severity, finding.pointer) == (
        "env-file-missing",
        Severity.WARNING,
        "/flavors/python_function/env/conda",
    )


def test_unreferenced_requirements_missing_is_a_warning(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, sklearn(), "model.skops")
    (root / "requirements.txt").unlink()
    (finding,) = findings(root)
    assert (finding.rule, finding.severity, finding.pointer) == (
        "env-file-missing",
        Severity.WARNING,
        "/flavors/python_function/env",
    )
    assert (finding.line, finding.column) == (3, 5)  # the `env:` key
    assert "1.18" in finding.message


OLD_STYLE = """\
flavors:
  python_function:
    env: conda.yaml
    loader_module: mlflow.sklearn
    model_path: model.pkl
{version}"""


@pytest.mark.parametrize(
    ("version", "present", "missing"),
    [
        ("", ["conda.yaml"], []),  # no mlflow_version: only what MLmodel names is expected
        ("mlflow_version: 1.17.0\n", ["conda.yaml"], []),
        ("mlflow_version: 1.25.1\n", ["conda.yaml"], ["requirements.txt"]),
        ("mlflow_version: 1.25.1\n", ["conda.yaml", "requirements.txt"], []),
        ("mlflow_version: 1.30.0\n", ["conda.yaml", "requirements.txt"], ["python_env.yaml"]),
        ("mlflow_version: 2.9.0.dev0\n", ["conda.yaml"], ["requirements.txt", "python_env.yaml"]),
    ],
)
def test_conventional_env_files_follow_the_writer_version(
    tmp_path: Path,
    version: str,
    present: list[str],
    missing: list[str],
    *,
    model: Model,
    findings: Findings,
) -> None:
    root = model(tmp_path, OLD_STYLE.format(version=version), "model.pkl", *present, env=False)
    found = findings(root)
    assert sorted(f.message.split()[0] for f in found) == sorted(missing)
    assert all(f.severity is Severity.WARNING for f in found)


def test_env_mapping_without_mlflow_version_implies_2_0(
    tmp_path: Path, model: Model, findings: Findings, write_files: WriteFiles
) -> None:
    text = sklearn().replace("mlflow_version: 3.17.2\n", "")
    root = model(tmp_path, text, "model.skops", env=False)
    write_files(root, {"conda.yaml": "x", "python_env.yaml": "x"})
    (finding,) = findings(root)
    assert finding.message.startswith("requirements.txt is missing")


def test_no_env_expectations_without_a_pyfunc_flavor(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    text = "flavors:\n  sklearn:\n    pickled_model: model.skops\nmlflow_version: 3.17.2\n"
    assert findings(model(tmp_path, text, "model.skops", env=False)) == []


def test_metadata_only_keeps_the_text_checks(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    root = model(tmp_path, sklearn(model_path="/abs/model.skops", pickled_model="nope.skops"))
    assert by_pointer(findings(root, metadata_only=True)) == {
        "/flavors/python_function/model_path": "path-absolute"
    }
    assert by_pointer(findings(root)) == {
        "/flavors/python_function/model_path": "path-absolute",
        "/flavors/sklearn/pickled_model": "path-missing",
    }


def test_non_string_values_are_left_to_the_schema(
    tmp_path: Path, model: Model, findings: Findings
) -> None:
    text = sklearn(pickled_model="[model.skops]", model_path="42")
    assert findings(model(tmp_path, text, "model.skops")) == []


def test_path_refs_is_public_and_ordered(
    tmp_path: Path, model: Model, model_context: Callable[[Path], ModelContext]
) -> None:
    root = model(tmp_path, sklearn(), "model.skops")
    ctx = model_context(root)
    refs = paths.path_refs(ctx)
    assert [r.pointer for r in refs] == [
        "/flavors/python_function/model_path",
        "/flavors/python_function/env/conda",
        "/flavors/python_function/env/virtualenv",
        "/flavors/sklearn/pickled_model",
    ]
    assert [r.kind for r in refs] == [paths.Kind.FILE] * 4


def test_the_version_prefix_is_read_as_the_pattern_reads_it() -> None:
    """``paths._version`` without a regex: the same answer as ``re.match(r"(\\d+)\\.(\\d+)")``
    on generated strings, Unicode digits (which ``\\d`` and ``int`` take) included."""
    import itertools
    import re

    from mlmodel_spec.conformance.rules import paths

    def by_pattern(value: str) -> tuple[int, int] | None:
        match = re.match(r"(\d+)\.(\d+)", value)
        return (int(match[1]), int(match[2])) if match else None

    alphabet = "0.9a \u0663\u00b2-"  # ARABIC-INDIC DIGIT THREE is \d; SUPERSCRIPT TWO is not
    values = ["".join(p) for n in range(6) for p in itertools.product(alphabet, repeat=n)]
    assert sum(by_pattern(value) is not None for value in values) > 900
    for value in [*values, "3.17.2", "2.9", "10.20rc1", "1."]:
        assert paths._version(value) == by_pattern(value), value
    assert paths._version(3.1) is None
