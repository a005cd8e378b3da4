"""Allow entries with ``unless_state_has``: statsmodels' data objects are admitted only where
each one is made without ``__init__`` and given a state lacking the keys that make its
``__setstate__`` evaluate the pickled formula.

Payloads are written opcode by opcode (``crafted``) and never loaded; the model is MLflow's
built-in statsmodels flavor, whose allow-list (spec/safety/allowlists/v1/statsmodels.yaml)
holds the conditional entries.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from mlmodel_spec.conformance.findings import Finding
from mlmodel_spec.conformance.safety.allowlists import allowlists
from mlmodel_spec.conformance.safety.values import MAX_WEIGHT, SymDict, bounded
from mlmodel_spec.conformance.validate import validate_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
crafted = importlib.import_module("crafted")

DATA = ("statsmodels.base.data", "PandasData")
MLMODEL = """\
flavors:
  statsmodels:
    code: null
    data: model.statsmodels
    statsmodels_version: 0.15.0
mlflow_version: 3.17.2
"""
EMPTY_TUPLE, NEWOBJ, REDUCE, BUILD, STOP = b")", b"\x81", b"R", b"b", b"."
MARK, SETITEMS, EMPTY_DICT, INT = b"(", b"u", b"}", b"K"


def _dict(*keys: str) -> bytes:
    """A dict of ``keys`` (each mapped to 1) by EMPTY_DICT + SETITEMS."""
    return EMPTY_DICT + MARK + b"".join(crafted.unicode(k) + INT + b"\x01" for k in keys) + SETITEMS


def _made_and_built(state: bytes) -> bytes:
    """``PandasData.__new__(PandasData)`` then ``BUILD`` with ``state``: as pickle writes it."""
    made: bytes = crafted.proto(4) + crafted.stack_global(*DATA) + EMPTY_TUPLE + NEWOBJ
    return made + state + BUILD + STOP


def _unknown(tmp_path: Path, payload: bytes) -> list[Finding]:
    root = tmp_path / "model"
    root.mkdir()
    (root / "MLmodel").write_text(MLMODEL)
    (root / "model.statsmodels").write_bytes(payload)
    return [
        f
        for f in validate_model(root)
        if f.rule == "safety-unknown-global" and "PandasData" in f.message
    ]


PLAIN_STATE = ("endog", "exog", "orig_endog", "orig_exog", "k_constant", "const_idx", "_cache")


def test_the_lists_hold_the_conditional_entries() -> None:
    (statsmodels,) = [lst for lst in allowlists() if lst.name == "statsmodels"]
    conditional = {e.match: e.unless_state_has for e in statsmodels.entries if e.unless_state_has}
    assert conditional == {
        "statsmodels.base.data.PandasData": ("restore_model_spec", "restore_design_info"),
        "statsmodels.base.data.ModelData": ("restore_model_spec", "restore_design_info"),
    }


def test_a_plain_state_is_admitted(tmp_path: Path) -> None:
    assert _unknown(tmp_path, _made_and_built(_dict(*PLAIN_STATE))) == []


@pytest.mark.parametrize("key", ["restore_model_spec", "restore_design_info"])
def test_a_state_asking_to_rebuild_the_formula_is_not(tmp_path: Path, key: str) -> None:
    (found,) = _unknown(tmp_path, _made_and_built(_dict(*PLAIN_STATE, key, "formula")))
    assert found.severity.value == "warning"
    assert f"an object's state holds {key}" in found.message


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        (  # PandasData(...) by REDUCE: its __init__ runs on the pickle's arguments
            crafted.proto(4) + crafted.stack_global(*DATA) + EMPTY_TUPLE + REDUCE + STOP,
            "calls it or passes it on",
        ),
        (  # the class itself handed to another callable (which may call it)
            crafted.proto(4)
            + crafted.stack_global("copyreg", "_reconstructor")
            + MARK
            + crafted.stack_global(*DATA)
            + b"t"
            + REDUCE
            + STOP,
            "calls it or passes it on",
        ),
        (  # a (dict, slots) state: not a dict whose keys we read
            _made_and_built(_dict("endog") + b"N\x86"),
            "cannot be read whole",
        ),
        (  # a key that is not a string: the dict's keys are not all known
            _made_and_built(EMPTY_DICT + MARK + INT + b"\x07" + INT + b"\x01" + SETITEMS),
            "cannot be read whole",
        ),
    ],
    ids=["called", "passed-on", "tuple-state", "non-string-key"],
)
def test_what_cannot_be_shown_to_lack_the_keys_is_not_admitted(
    tmp_path: Path, payload: bytes, why: str
) -> None:
    (found,) = _unknown(tmp_path, payload)
    assert why in found.message


def test_a_state_too_heavy_to_keep_keeps_its_keys() -> None:
    heavy = SymDict({f"k{i}": (1, 2, 3, 4, 5) for i in range(60)})
    kept = bounded(heavy)
    assert isinstance(kept, SymDict) and kept is not heavy
    assert list(kept.items) == list(heavy.items) and kept.complete
    assert MAX_WEIGHT < 60 * 6  # the fixture is over the weight bound
