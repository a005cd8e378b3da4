"""The reader and the rules on crafted malicious payloads and on real benign ones.

Malicious payloads come from ``crafted`` (opcodes by hand, never loaded); benign ones are
written by the installed scikit-learn, LightGBM, cloudpickle and joblib in tmp dirs.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from mlmodel_spec.conformance.safety.payload import scan_payload
from mlmodel_spec.conformance.validate import validate_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
crafted = importlib.import_module("crafted")
build_cases = importlib.import_module("build_cases")


def _model(
    tmp_path: Path, payload: bytes, *, custom: bool = False, name: str = "model.pkl"
) -> Path:
    root = tmp_path / "model"
    root.mkdir()
    mlmodel = (
        build_cases.custom_mlmodel() if custom else build_cases.sklearn_mlmodel(name, "pickle")
    )
    import yaml

    (root / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    for env_name, text in build_cases.ENV.items():
        (root / env_name).write_text(text)
    (root / ("python_model.pkl" if custom else name)).write_bytes(payload)
    return root


def _safety(root: Path, strict: bool = False) -> set[tuple[str, str]]:
    from mlmodel_spec.conformance.context import ValidationOptions

    findings = validate_model(root, options=ValidationOptions(strict=strict))
    return {
        (f.rule, f.severity.value)
        for f in findings
        if f.rule.startswith("safety-") and f.rule != INVENTORY
    }


INVENTORY = "safety-payload-globals"


DANGER = ("safety-dangerous-global", "error")
MALICIOUS = {
    "reduce os.system": (crafted.reduce_call("os", "system", "id"), {DANGER}),
    "protocol 0 text": (crafted.protocol0_call("os", "system", "id"), {DANGER}),
    "posix name": (crafted.reduce_call("posix", "system", "id"), {DANGER}),
    "memoized STACK_GLOBAL": (crafted.memo_stack_global(), {DANGER}),
    "getattr chain": (crafted.getattr_chain(), {DANGER}),
    "dotted find_class": (crafted.dotted_name_trick(), {DANGER}),
    "nested pickle": (crafted.nested_pickle(), {DANGER}),
    "reduce returning eval": (crafted.eval_reduce(), {DANGER}),
    "python 2 __builtin__": (crafted.python2_builtin(), {DANGER}),
    "INST": (crafted.inst_opcode(), {DANGER}),
    "OBJ": (crafted.obj_opcode(), {DANGER}),
    "NEWOBJ_EX": (crafted.newobj_ex(), {DANGER}),
    "EXT code": (crafted.extension_code(), {("safety-dynamic-global", "error")}),
    "computed STACK_GLOBAL": (crafted.dynamic_global(), {("safety-dynamic-global", "error")}),
    "joblib hostile sub-pickle": (crafted.joblib_hostile_subpickle(), {DANGER}),
    "appended after a model": (
        crafted.appended(crafted.benign_estimator(), crafted.reduce_call("os", "system", "id")),
        {DANGER},
    ),
    "memo overwritten": (crafted.memo_overwrite(), {DANGER}),
    "__globals__ walk": (crafted.globals_walk(), {DANGER}),
    "STACK_GLOBAL builtins.exec": (crafted.stack_global_exec(), {DANGER}),
    "copyreg builds an os class": (crafted.copyreg_reconstructor_os(), {DANGER}),
    "truncated": (crafted.truncated(), {("safety-scan-incomplete", "warning")}),
    "absurd length": (crafted.absurd_length(), {("safety-scan-incomplete", "warning")}),
    "deep nesting": (crafted.deep_nesting(), {("safety-scan-incomplete", "warning")}),
}


@pytest.mark.parametrize("name", sorted(MALICIOUS))
def test_malicious_payload_draws_its_finding(tmp_path: Path, name: str) -> None:
    payload, expected = MALICIOUS[name]
    assert _safety(_model(tmp_path, payload)) == expected


#: the callables the issue names, each as a REDUCE in a scikit-learn pickle
ISSUE_DANGEROUS = [
    ("os", "system"),
    ("subprocess", "Popen"),
    ("subprocess", "check_output"),
    ("builtins", "eval"),
    ("builtins", "exec"),
    ("builtins", "compile"),
    ("builtins", "getattr"),
    ("builtins", "__import__"),
    ("runpy", "run_path"),
    ("socket", "create_connection"),
    ("shutil", "rmtree"),
    ("pty", "spawn"),
    ("webbrowser", "open"),
    ("importlib", "import_module"),
    ("marshal", "loads"),
    ("types", "CodeType"),
    ("types", "FunctionType"),
]


@pytest.mark.parametrize(("module", "name"), ISSUE_DANGEROUS, ids=".".join)
def test_every_callable_the_issue_names_is_an_error(tmp_path: Path, module: str, name: str) -> None:
    root = _model(tmp_path, crafted.reduce_call(module, name, "x"))
    assert _safety(root) == {DANGER}


@pytest.mark.parametrize(("module", "name"), [("types", "CodeType"), ("types", "FunctionType")])
def test_code_constructors_are_allowed_in_a_custom_model(
    tmp_path: Path, module: str, name: str
) -> None:
    extra = crafted.reduce_call(module, name, "x")[2:-1] + b"0"
    root = _model(tmp_path, build_cases.cloudpickled_model_with(extra), custom=True)
    assert _safety(root) == {("safety-carries-code", "info")}


def _real_malicious() -> dict[str, bytes]:
    pytest.importorskip("sklearn")
    pytest.importorskip("cloudpickle")
    hostile_real = importlib.import_module("hostile_real")
    payloads: dict[str, bytes] = hostile_real.all_payloads()
    return payloads


def test_malicious_payloads_written_by_real_picklers(tmp_path: Path) -> None:
    payloads = _real_malicious()
    assert len(payloads) >= 12
    missed = {}
    for index, (name, payload) in enumerate(sorted(payloads.items())):
        (tmp_path / str(index)).mkdir()
        found = _safety(_model(tmp_path / str(index), payload))
        if DANGER not in found:
            missed[name] = found
    assert not missed


def test_appended_payload_names_the_second_pickle(tmp_path: Path) -> None:
    payload = crafted.appended(crafted.benign_estimator(), crafted.reduce_call("os", "system", "x"))
    root = _model(tmp_path, payload)
    (finding,) = [f for f in validate_model(root) if f.rule == "safety-dangerous-global"]
    assert "pickle 2 of the file" in finding.message and "os.system" in finding.message


@pytest.mark.parametrize(
    ("payload", "rule"),
    [
        (crafted.truncated(), "safety-scan-incomplete"),
        (
            crafted.benign_estimator("churn_helpers.scaling", "RobustScaler"),
            "safety-unknown-global",
        ),
    ],
)
def test_strict_turns_safety_warnings_into_errors(
    tmp_path: Path, payload: bytes, rule: str
) -> None:
    root = _model(tmp_path, payload)
    assert _safety(root) == {(rule, "warning")}
    assert _safety(root, strict=True) == {(rule, "error")}


def test_strict_turns_the_code_summary_into_a_warning(tmp_path: Path) -> None:
    payload = build_cases.cloudpickled_model_with(b"")
    root = _model(tmp_path, payload, custom=True)
    assert _safety(root) == {("safety-carries-code", "info")}
    assert _safety(root, strict=True) == {("safety-carries-code", "warning")}


def test_placeholder_and_text_files_are_not_pickles(tmp_path: Path) -> None:
    for index, data in enumerate([b"placeholder payload\n", b"churn\nretained\n", b"", b"x\x9c"]):
        (tmp_path / f"f{index}").write_bytes(data)
        assert scan_payload(str(tmp_path), f"f{index}").format != "pickle"


def test_hostile_bytes_never_raise(tmp_path: Path) -> None:
    import random

    rng = random.Random(14)
    seed = crafted.joblib_hostile_subpickle()
    for _ in range(300):
        data = bytearray(seed)
        for _flip in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        (tmp_path / "p").write_bytes(bytes(data[: rng.randrange(1, len(data) + 1)]))
        scan_payload(str(tmp_path), "p")  # must not raise


def test_large_arrays_are_skipped_in_constant_memory(tmp_path: Path) -> None:
    import tracemalloc

    big = crafted.proto(4) + b"\x8e" + (64 << 20).to_bytes(8, "little")
    (tmp_path / "big.pkl").write_bytes(big + b"\0" * (64 << 20) + b".")
    tracemalloc.start()
    scan = scan_payload(str(tmp_path), "big.pkl")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert scan.format == "pickle" and scan.broken is None
    assert peak < 8 << 20


# -- benign corpus: written by the installed libraries at test time ----------------------


def _benign_objects() -> dict[str, object]:
    np = pytest.importorskip("numpy")
    pytest.importorskip("sklearn")
    from sklearn.datasets import load_iris
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    x, y = load_iris(return_X_y=True)
    return {
        "forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y),
        "tree": DecisionTreeClassifier(random_state=0).fit(x, y),
        "hist": HistGradientBoostingClassifier(max_iter=3).fit(x, y),
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y),
        "arrays": {"a": np.arange(10.0), "o": np.array([1, "x"], dtype=object)},
    }


def _write_benign(tmp_path: Path) -> list[Path]:
    import pickle  # the tests write real pickles; they never load the crafted ones

    cloudpickle = pytest.importorskip("cloudpickle")
    joblib = pytest.importorskip("joblib")
    lightgbm = pytest.importorskip("lightgbm")
    out: list[Path] = []
    objects = _benign_objects()
    from sklearn.datasets import load_iris

    x, y = load_iris(return_X_y=True)
    objects["lgbm"] = lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(x, y)
    for name, obj in objects.items():
        for protocol in (0, 2, 4, 5):
            path = tmp_path / f"{name}-p{protocol}.pkl"
            path.write_bytes(pickle.dumps(obj, protocol=protocol))
            out.append(path)
        path = tmp_path / f"{name}.cloudpickle"
        path.write_bytes(cloudpickle.dumps(obj))
        out.append(path)
        for compress in (0, "zlib", "gzip", "bz2", "xz", "lzma"):
            path = tmp_path / f"{name}-{compress}.joblib"
            joblib.dump(obj, path, compress=compress)
            out.append(path)
    return out


def test_benign_corpus_is_silent(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in _write_benign(corpus):
        (tmp_path / path.name).mkdir()
        root = _model(tmp_path / path.name, path.read_bytes())
        assert _safety(root) == set(), path.name


def test_cloudpickled_custom_model_is_one_info(tmp_path: Path) -> None:
    cloudpickle = pytest.importorskip("cloudpickle")
    from mlmodel_spec.pyfunc import PythonModel

    class AddN(PythonModel):  # type: ignore[misc]
        def predict(
            self, context: object, model_input: list[float], params: object = None
        ) -> list[float]:
            import math

            return [math.sqrt(v) for v in model_input]

    root = _model(tmp_path, cloudpickle.dumps(AddN()), custom=True)
    findings = [f for f in validate_model(root) if f.rule.startswith("safety-")]
    assert [(f.rule, f.severity.value) for f in findings] == [("safety-carries-code", "info")]
    assert "AddN" in findings[0].message and "predict" in findings[0].message


def test_committed_cases_match_the_builder(tmp_path: Path) -> None:
    for rel, _, _, payloads, _, _ in build_cases.CASE_DEFS:
        for name, data in payloads.items():
            assert (build_cases.CASES / rel / name).read_bytes() == data, rel


def test_validation_imports_no_pickle_or_numpy() -> None:
    import subprocess

    code = (
        "import sys; from mlmodel_spec.conformance.validate import validate_paths;"
        f"validate_paths([{str(build_cases.CASES)!r}]);"
        "heavy = ('pickle', 'numpy', 'sklearn', 'pickletools', 'joblib');"
        "bad = [m for m in heavy if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_out_of_band_buffers_and_several_benign_pickles_are_silent(tmp_path: Path) -> None:
    buffer_pickle = crafted.proto(5) + b"\x97\x98."  # NEXT_BUFFER, READONLY_BUFFER, STOP
    two = crafted.benign_estimator() + crafted.benign_estimator("numpy", "dtype")
    for payload in (buffer_pickle, two):
        (tmp_path / "m").mkdir()
        assert _safety(_model(tmp_path / "m", payload)) == set()
        import shutil

        shutil.rmtree(tmp_path / "m")


def test_lz4_joblib(tmp_path: Path) -> None:
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    try:
        import lz4  # noqa: F401
    except ImportError:
        (tmp_path / "m.pkl").write_bytes(b"\x04\x22\x4d\x18" + b"\0" * 16)
        scan = scan_payload(str(tmp_path), "m.pkl")
        assert "lz4" in scan.error
        return
    joblib.dump({"a": np.arange(5.0)}, tmp_path / "m.pkl", compress="lz4")
    scan = scan_payload(str(tmp_path), "m.pkl")
    assert scan.compression == "lz4" and scan.broken is None and not scan.error
    assert {g.dotted for g in scan.globals} >= {"joblib.numpy_pickle.NumpyArrayWrapper"}


def test_bytes_after_the_last_stop_are_reported(tmp_path: Path) -> None:
    root = _model(tmp_path, crafted.benign_estimator() + b"\xff\xfe hidden")
    (finding,) = [
        f for f in validate_model(root) if f.rule.startswith("safety-") and f.rule != INVENTORY
    ]
    assert finding.rule == "safety-scan-incomplete" and "after its last STOP" in finding.message


def test_opcode_budget_bounds_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reader = importlib.import_module("mlmodel_spec.conformance.safety.reader")
    monkeypatch.setattr(reader, "MAX_OPCODES", 1000)
    (tmp_path / "p").write_bytes(crafted.proto(4) + b"N0" * 5000 + b"N.")
    scan = scan_payload(str(tmp_path), "p")
    assert scan.broken is not None and "opcodes" in scan.broken.detail


def test_every_pickle_payload_gets_its_inventory(tmp_path: Path) -> None:
    """One info per payload naming every global, called ones with opcode and byte."""
    payload = crafted.appended(
        crafted.benign_estimator(), crafted.reduce_call("os", "system", "id")
    )
    root = _model(tmp_path, payload)
    (finding,) = [f for f in validate_model(root) if f.rule == INVENTORY]
    assert finding.severity.value == "info" and finding.file == "model.pkl"
    assert "2 pickles" in finding.message and "import 2 globals and call 2" in finding.message
    assert "sklearn.linear_model._logistic.LogisticRegression (NEWOBJ at byte 57)" in (
        finding.message
    )
    assert "os.system (REDUCE at byte" in finding.message


def test_a_custom_model_has_its_code_summary_not_an_inventory(tmp_path: Path) -> None:
    root = _model(tmp_path, build_cases.cloudpickled_model_with(b""), custom=True)
    rules = [f.rule for f in validate_model(root) if f.rule.startswith("safety-")]
    assert rules == ["safety-carries-code"]


def test_placeholders_get_no_inventory(tmp_path: Path) -> None:
    root = _model(tmp_path, b"placeholder payload\n")
    assert not [f for f in validate_model(root) if f.rule == INVENTORY]


def test_a_class_from_the_models_own_code_dir_is_listed_not_flagged(tmp_path: Path) -> None:
    """MLflow puts ``code/`` on the import path: a transformer shipped there is the model's
    own code (listed in the inventory); the same class without ``code/`` is unknown."""
    import yaml

    payload = crafted.benign_estimator("churn_helpers.scaling", "RobustScaler")
    root = _model(tmp_path, payload)
    assert _safety(root) == {("safety-unknown-global", "warning")}
    mlmodel = yaml.safe_load((root / "MLmodel").read_text())
    mlmodel["flavors"]["sklearn"]["code"] = "code"
    (root / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    (root / "code" / "churn_helpers").mkdir(parents=True)
    (root / "code" / "churn_helpers" / "scaling.py").write_text("class RobustScaler: ...\n")
    assert _safety(root) == set()
    (finding,) = [f for f in validate_model(root) if f.rule == INVENTORY]
    assert "from code/: churn_helpers.scaling.RobustScaler" in finding.message
    assert "code/churn_helpers/scaling.py" in finding.message


def test_code_that_shadows_an_allowed_library_is_not_admitted(tmp_path: Path) -> None:
    """code/ goes first on the import path: a ``code/sklearn`` package would be imported
    in place of scikit-learn, so the allow-list entry for sklearn does not apply."""
    import yaml

    payload = crafted.benign_estimator("sklearn.linear_model", "LogisticRegression")
    root = _model(tmp_path, payload)
    mlmodel = yaml.safe_load((root / "MLmodel").read_text())
    mlmodel["flavors"]["sklearn"]["code"] = "code"
    (root / "MLmodel").write_text(yaml.safe_dump(mlmodel))
    (root / "code" / "helpers").mkdir(parents=True)
    (root / "code" / "helpers" / "__init__.py").write_text("")
    assert _safety(root) == set()
    (root / "code" / "sklearn" / "linear_model").mkdir(parents=True)
    (root / "code" / "sklearn" / "linear_model" / "__init__.py").write_text("import os\n")
    (finding,) = [f for f in validate_model(root) if f.rule == "safety-unknown-global"]
    assert finding.severity.value == "warning"
    assert "code/ provides a module 'sklearn'" in finding.message


def test_compressed_arrays_are_skipped_in_constant_memory(tmp_path: Path) -> None:
    """A gzip joblib file is inflated as it is read; its 64 MB array is never held."""
    import tracemalloc

    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    joblib.dump({"weights": np.zeros(8 << 20)}, tmp_path / "big.joblib", compress=("gzip", 1))
    tracemalloc.start()
    scan = scan_payload(str(tmp_path), "big.joblib")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert scan.compression == "gzip" and scan.broken is None and not scan.error
    assert peak < 8 << 20
