"""rules/model_size.py: model_size_bytes against the directory, counted as MLflow counts it."""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from mlmodel_spec.conformance.context import ModelContext
from mlmodel_spec.conformance.findings import Finding, Severity
from mlmodel_spec.conformance.rules import model_size

RULES = {"model-size-mismatch", "model-size-unverified"}

SKLEARN = """\
flavors:
  python_function:
{pyfunc_code}    loader_module: mlflow.sklearn
    model_path: model.skops
  sklearn:
{sklearn_code}    pickled_model: model.skops
mlflow_version: 3.17.2
model_size_bytes: {size}
"""


def sklearn_mlmodel(size: int, code: str | None = None, *, pyfunc_only: bool = False) -> str:
    line = f"    code: {code}\n" if code else ""
    return SKLEARN.format(size=size, pyfunc_code=line, sklearn_code="" if pyfunc_only else line)


Findings = Callable[..., list[Finding]]
WriteFiles = Callable[[Path, dict[str, bytes | str]], Path]


@pytest.fixture(scope="module")
def findings(rule_findings: Callable[..., list[Finding]]) -> Findings:
    return lambda root, **options: rule_findings(root, RULES, **options)


def test_counts_payload_and_examples_but_not_mlmodel_or_env_files(
    tmp_path: Path,
    findings: Findings,
    write_files: WriteFiles,
    model_context: Callable[[Path], ModelContext],
) -> None:
    write_files(
        tmp_path,
        {
            "model.skops": b"m" * 1000,
            "input_example.json": b"i" * 100,
            "serving_input_example.json": b"s" * 200,
            "artifacts/vocab.txt": b"v" * 10,
            # written after the size, or added later
            "conda.yaml": b"c" * 5000,
            "requirements.txt": b"r" * 5000,
            "python_env.yaml": b"p" * 5000,
            "constraints.txt": b"x" * 5000,
            "registered_model_meta": b"x" * 5000,
            "environment_variables.txt": b"x" * 5000,
            "uv.lock": b"x" * 5000,
            "pyproject.toml": b"x" * 5000,
            ".python-version": b"x" * 5000,
            "metadata/MLmodel": b"x" * 5000,
            "code/__pycache__/helpers.cpython-311.pyc": b"x" * 5000,
            # the same names below the top level are payload
            "data/conda.yaml": b"d" * 7,
        },
    )
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(1317))
    size = model_size.counted_size(model_context(tmp_path))
    assert (size.total, size.code_bytes, size.complete) == (1317, 0, True)
    assert findings(tmp_path) == []


def test_wheels_are_excluded_only_for_wheeled_models(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(
        tmp_path,
        {
            "model.skops": b"m" * 1000,
            "wheels/a.whl": b"w" * 9000,
            "original_requirements.txt": b"o" * 50,
        },
    )
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(1000) + "wheels:\n  platform: Linux\n")
    assert findings(tmp_path) == []
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(1000))
    (finding,) = findings(tmp_path)
    assert finding.rule == "model-size-mismatch"


def test_pyfunc_code_is_not_counted_but_flavor_code_is(
    tmp_path: Path,
    findings: Findings,
    write_files: WriteFiles,
    model_context: Callable[[Path], ModelContext],
) -> None:
    write_files(tmp_path, {"model.skops": b"m" * 1000, "code/helpers.py": b"h" * 3000})
    # mlflow.pyfunc.save_model copies code_paths after computing the size
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(1000, "code", pyfunc_only=True))
    assert findings(tmp_path) == []
    size = model_size.counted_size(model_context(tmp_path))
    assert (size.total, size.code_bytes) == (4000, 3000)
    # flavors such as sklearn copy them before: the code directory is counted
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(4000, "code"))
    assert findings(tmp_path) == []
    assert model_size.counted_size(model_context(tmp_path)).code_bytes == 0


@pytest.mark.parametrize(
    ("declared", "actual", "ok"),
    [
        (1000, 1000, True),
        (1000, 1256, True),  # absolute tolerance: 256 bytes
        (1000, 1257, False),
        (1000, 743, False),
        (100_000, 101_000, True),  # relative tolerance: 1%
        (100_000, 101_001, False),
        (100_000, 98_999, False),
    ],
)
def test_tolerance(declared: int, actual: int, ok: bool) -> None:
    assert model_size.within_tolerance(declared, actual) is ok


def test_mismatch_message_and_location(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"model.skops": b"version https://git-lfs.github.com/spec/v1\n"})
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(10451))
    (finding,) = findings(tmp_path)
    assert (finding.rule, finding.severity, finding.pointer) == (
        "model-size-mismatch",
        Severity.WARNING,
        "/model_size_bytes",
    )
    assert (finding.line, finding.column) == (8, 19)
    assert "10,451" in finding.message
    assert "add up to 43 bytes" in finding.message
    assert "10,408 bytes are missing" in finding.message


def test_more_files_than_declared(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"model.skops": b"m" * 1000, "notes/big.csv": b"n" * 5000})
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(1000))
    (finding,) = findings(tmp_path)
    assert "5,000 bytes more" in finding.message


@pytest.mark.parametrize("value", ["0", "-5", "'1000'", "true", "null", "1.5e3"])
def test_absent_zero_or_mistyped_sizes_are_not_checked(
    tmp_path: Path, value: str, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"model.skops": b"m" * 10})
    (tmp_path / "MLmodel").write_text(
        sklearn_mlmodel(0).replace("model_size_bytes: 0", f"model_size_bytes: {value}")
    )
    assert findings(tmp_path) == []


def test_metadata_only_skips_the_walk(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"model.skops": b"m" * 10})
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(99_999))
    assert findings(tmp_path, metadata_only=True) == []
    assert len(findings(tmp_path)) == 1


def test_symlinks(
    tmp_path: Path,
    findings: Findings,
    write_files: WriteFiles,
    model_context: Callable[[Path], ModelContext],
) -> None:
    root = tmp_path / "m"
    write_files(root, {"model.skops": b"m" * 1000, "sub/data.bin": b"d" * 300})
    (root / "link.skops").symlink_to("model.skops")  # counted with the target's size
    (root / "linked_dir").symlink_to("sub")  # not entered, like os.walk
    (root / "dangling").symlink_to("nowhere")
    (root / "MLmodel").write_text(sklearn_mlmodel(2300))
    size = model_size.counted_size(model_context(root))
    assert (size.total, size.outside_links, size.complete) == (2300, 0, True)
    assert findings(root) == []


def test_symlinks_out_of_the_directory_make_a_mismatch_unverifiable(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    root = tmp_path / "m"
    write_files(root, {"input_example.json": b"i" * 100})
    write_files(tmp_path, {"shared/model.skops": b"m" * 50_000})
    (root / "model.skops").symlink_to(tmp_path / "shared" / "model.skops")
    (root / "MLmodel").write_text(sklearn_mlmodel(50_100))
    (finding,) = findings(root)
    assert (finding.rule, finding.severity) == ("model-size-unverified", Severity.INFO)
    assert "1 symlink(s)" in finding.message
    # when the count matches anyway, nothing is said
    (root / "MLmodel").write_text(sklearn_mlmodel(100))
    assert findings(root) == []


def test_the_walk_is_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, findings: Findings, write_files: WriteFiles
) -> None:
    monkeypatch.setattr(model_size, "MAX_ENTRIES", 50)
    write_files(tmp_path, {f"shards/{i:03}.bin": b"s" for i in range(80)})
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(10_000))
    (finding,) = findings(tmp_path)
    assert (finding.rule, finding.severity) == ("model-size-unverified", Severity.INFO)
    assert "more than 50 entries" in finding.message


def test_an_interrupted_walk_that_already_counts_too_much_is_a_mismatch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, findings: Findings, write_files: WriteFiles
) -> None:
    monkeypatch.setattr(model_size, "MAX_ENTRIES", 50)
    write_files(tmp_path, {f"shards/{i:03}.bin": b"s" * 1000 for i in range(80)})
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(10_000))
    (finding,) = findings(tmp_path)
    assert finding.rule == "model-size-mismatch"
    assert "add up to at least" in finding.message


def test_huge_sparse_payload_is_only_stat_ed(tmp_path: Path, findings: Findings) -> None:
    with (tmp_path / "model.skops").open("wb") as handle:
        handle.truncate(2 * 1024**3 + 5)
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(2 * 1024**3 + 5))
    start = time.monotonic()
    assert findings(tmp_path) == []
    assert time.monotonic() - start < 1


def test_fifo_in_the_directory_does_not_block_and_is_not_counted(
    tmp_path: Path, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"model.skops": b"m" * 1000})
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(1000))
    assert findings(tmp_path) == []


def test_unlistable_directory_is_unverified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, findings: Findings, write_files: WriteFiles
) -> None:
    write_files(tmp_path, {"model.skops": b"m" * 1000, "locked/x.bin": b"x"})
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)  # the module model_size calls
    (tmp_path / "MLmodel").write_text(sklearn_mlmodel(50_000))
    (finding,) = findings(tmp_path)
    assert finding.rule == "model-size-unverified"
    assert "locked cannot be listed (Permission denied)" in finding.message


# -- the oracle: real MLflow writes the number we recompute ---------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("mlflow") is None, reason="needs real MLflow")
@pytest.mark.filterwarnings("ignore")  # MLflow's own advice about pickles and type hints
def test_matches_what_real_mlflow_writes(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    findings: Findings,
    write_files: WriteFiles,
    model_context: Callable[[Path], ModelContext],
) -> None:
    """Run in the oracle venvs: save models the ways that place files differently."""
    monkeypatch.setenv("MLFLOW_UV_AUTO_DETECT", "false")
    monkeypatch.chdir(tmp_path)
    # local imports: mlflow exists only in the oracle environments
    import mlflow.pyfunc
    import mlflow.sklearn
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import LogisticRegression

    frame = pd.DataFrame({"a": np.linspace(0, 1, 20), "b": np.linspace(1, 0, 20)})
    clf = LogisticRegression().fit(frame, (frame.a > 0.5).astype(int))
    helper = write_files(tmp_path / "src", {"helpers.py": "X = 1\n" * 100}) / "helpers.py"
    artifact = write_files(tmp_path / "src", {"k.txt": "k\n" * 40}) / "k.txt"
    reqs = ["scikit-learn"]

    class Add(mlflow.pyfunc.PythonModel):  # type: ignore[name-defined,misc]
        # no type hints: MLflow would try to infer a signature from them
        def predict(self, context, model_input, params=None):  # type: ignore[no-untyped-def]
            return model_input

    saved = tmp_path / "saved"
    mlflow.sklearn.save_model(clf, saved / "sk", input_example=frame.head(2), pip_requirements=reqs)
    mlflow.sklearn.save_model(
        clf, saved / "sk_code", code_paths=[str(helper)], pip_requirements=reqs
    )
    mlflow.pyfunc.save_model(
        saved / "custom",
        python_model=Add(),
        artifacts={"k": str(artifact)},
        code_paths=[str(helper)],
        input_example=frame.head(2),
        pip_requirements=reqs,
    )
    for directory in sorted(saved.iterdir()):
        ctx = model_context(directory)
        size = model_size.counted_size(ctx)
        declared = ctx.data["model_size_bytes"]
        assert declared == size.total - size.code_bytes, directory.name
        assert findings(directory) == [], directory.name
