"""A custom model's code may name anything; only what runs while loading is a finding.

The globals cloudpickle stores for a function (its ``__globals__``, closure) are what the
carried code refers to: the ``safety-carries-code`` summary lists them. The same global
called, built, handed to another call while loading, or next to a computed callable, is
judged as usual.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from mlmodel_spec.conformance.validate import validate_model

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
crafted = importlib.import_module("crafted")
build_cases = importlib.import_module("build_cases")
test_reader = importlib.import_module("test_reader")

DANGER = ("safety-dangerous-global", "error")
INFO = ("safety-carries-code", "info")


def _make_function_naming(module: str, name: str) -> bytes:
    """``cloudpickle._make_function(<code>, {"x": module.name}, "f", None, None)``."""
    payload: bytes = (
        crafted.stack_global("cloudpickle.cloudpickle", "_make_function")
        + b"(N}"
        + crafted.unicode("x")
        + crafted.stack_global(module, name)
        + b"s"
        + crafted.unicode("f")
        + b"NNtR0"
    )
    return payload


def _custom(tmp_path: Path, extra: bytes) -> set[tuple[str, str]]:
    payload = build_cases.cloudpickled_model_with(extra)
    root = test_reader._model(tmp_path, payload, custom=True)
    return set(test_reader._safety(root))


def test_a_global_only_the_code_names_is_in_the_summary(tmp_path: Path) -> None:
    root = test_reader._model(
        tmp_path,
        build_cases.cloudpickled_model_with(_make_function_naming("pathlib", "Path")),
        custom=True,
    )
    (finding,) = [f for f in validate_model(root) if f.rule.startswith("safety-")]
    assert finding.rule == "safety-carries-code" and finding.severity.value == "info"
    assert "refers to pathlib.Path (deny list: " in finding.message


def test_the_same_global_called_while_loading_is_an_error(tmp_path: Path) -> None:
    called = crafted.reduce_call("pathlib", "Path", "x")[2:-1] + b"0"
    assert _custom(tmp_path, _make_function_naming("pathlib", "Path") + called) == {DANGER, INFO}


def test_the_same_global_handed_to_another_call_is_an_error(tmp_path: Path) -> None:
    """``_make_skeleton_class`` calls its first argument: Popen('id', (), {})."""
    handed = (
        crafted.stack_global("cloudpickle.cloudpickle", "_make_skeleton_class")
        + b"("
        + crafted.stack_global("subprocess", "Popen")
        + crafted.unicode("id")
        + b")}NNtR0"
    )
    extra = _make_function_naming("subprocess", "Popen") + handed
    assert _custom(tmp_path, extra) == {DANGER, INFO}


def test_a_computed_callable_keeps_code_references_findings(tmp_path: Path) -> None:
    """partial(print)() is a call of a computed callable: nothing is taken as code only."""
    opaque = (
        crafted.stack_global("functools", "partial")
        + crafted.stack_global("builtins", "print")
        + b"\x85R)R0"
    )
    extra = _make_function_naming("os", "system") + opaque
    assert DANGER in _custom(tmp_path, extra)


def test_build_on_an_imported_object_counts_as_a_call(tmp_path: Path) -> None:
    """BUILD on ``os.environ``-like objects sets their attributes while loading."""
    built = crafted.stack_global("os", "environ") + b"}" + b"b0"
    assert _custom(tmp_path, _make_function_naming("os", "environ") + built) == {DANGER, INFO}


def test_outside_a_custom_model_code_references_are_judged(tmp_path: Path) -> None:
    payload = crafted.proto(4) + _make_function_naming("pathlib", "Path") + b"N."
    found = test_reader._safety(test_reader._model(tmp_path, payload))
    assert DANGER in found


def test_a_real_cloudpickled_model_using_pathlib_is_one_info(tmp_path: Path) -> None:
    cloudpickle = pytest.importorskip("cloudpickle")
    from mlmodel_spec.pyfunc import PythonModel

    class ReadsArtifact(PythonModel):  # type: ignore[misc]
        def load_context(self, context: object) -> None:
            self.n = float(Path("n.txt").read_text())

        def predict(
            self, context: object, model_input: list[float], params: dict[str, object] | None = None
        ) -> list[float]:
            return [v + self.n for v in model_input]

    root = test_reader._model(tmp_path, cloudpickle.dumps(ReadsArtifact()), custom=True)
    findings = [f for f in validate_model(root) if f.rule.startswith("safety-")]
    assert [(f.rule, f.severity.value) for f in findings] == [INFO]
    where = f"{Path.__module__}.Path"  # pathlib._local.Path from Python 3.13 on
    assert where in findings[0].message and "load_context" in findings[0].message
