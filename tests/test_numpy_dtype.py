"""conformance/numpy_dtype.py accepts exactly the strings numpy.dtype accepts.

Compared against real numpy (2.x on 64-bit Linux: the grammar's platform) on the strings
MLflow writes, the aliases users write, and hypothesis-made strings of the grammar's pieces.
"""

from __future__ import annotations

import re
import struct
import sys
import warnings
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from packaging.version import Version

from mlmodel_spec.conformance import numpy_dtype

np = pytest.importorskip("numpy")
pytestmark = pytest.mark.skipif(
    int(np.__version__.split(".")[0]) < 2 or sys.platform != "linux" or struct.calcsize("P") != 8,
    reason="the grammar is numpy 2.x's on 64-bit Linux",
)
# numpy divides by a datetime divisor of 0 and dies of SIGFPE: never hand it one
_ZERO_DIVISOR = re.compile(r"/[\s+]*0*(?![0-9])")


def _numpy_accepts(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated aliases ('a', '(2)f8') still parse
        try:
            np.dtype(text)
        except (TypeError, ValueError, SyntaxError):
            return False
    return True


ALIAS_GONE = Version(np.__version__) >= Version(numpy_dtype.ALIAS_REMOVED_IN)


def _agree(text: str) -> None:
    if _ZERO_DIVISOR.search(text):
        assert not numpy_dtype.accepts(text)
        return
    ours = numpy_dtype.accepts(text)
    parsed = numpy_dtype.parse(text) if ours else None
    if parsed and ALIAS_GONE and (parsed.removed_alias or parsed.shaped_string):
        ours = False  # the grammar answers for numpy 2.0-2.4 and marks what 2.5 refuses
    assert ours == _numpy_accepts(text), repr(text)


def test_the_a_alias_is_marked_as_removed() -> None:
    for text in ("a", "a5", "<a3", "0a", "i4,a2"):
        assert numpy_dtype.parse(text).removed_alias, text
    for text in ("S5", "f8", "half", "float", "datetime64[as]", "M8[as]"):
        assert not numpy_dtype.parse(text).removed_alias, text
    for text in ("(2,)T", "2T", "i4,(3,)T"):
        assert numpy_dtype.parse(text).shaped_string, text
    for text in ("T", "T,i4", "(2,)f8"):
        assert not numpy_dtype.parse(text).shaped_string, text


KNOWN = [
    *numpy_dtype.NAMES, *numpy_dtype.TYPE_CODES, "<f8", ">f4", "|b1", "=i8", "<U5", "|S3",
    "U0", "S0", "V8", "a5", "c8", "c1", "O4", "O2", "b2", "i0", "f9", "float96", "float64[ns]",
    "bool8", "int0", "<float64", "datetime64[ns]", "<M8[ns]", "m8[25ms]", "M8[W/2]",
    "M8[s/3]", "datetime64[xx]", "M8[]", "i4,f8", "(2,)f8", "3f8", "(2)f8", "()f8", "f8,",
    "2,3", ">3<f8", "=3<f8", "|3<f8", "f8,,i4", "(,)f8", " f8", "f8 ", "", "<", "garbage",
    "S+3", "U 3", "f+8", "S-1", "U600000000", "U536870911", "M08", "T5", "<>f8",
]  # fmt: skip


@pytest.mark.parametrize("text", KNOWN)
def test_known_strings(text: str) -> None:
    _agree(text)


_pieces = st.sampled_from(
    [*"<>|=", *"0123456789", *",()[]/+ ", *"?bBhHiIlLqQnNpPefdgFDGOSacUVMmTux",
     "float", "int", "uint", "complex", "datetime64", "timedelta64", "M8", "m8", "str",
     "bytes", "object", "void", "bool", "8", "16", "32", "64", "128", *numpy_dtype.DATETIME_UNITS,
     "generic", "[ns]", "[25ms]", "[D/7]", "(2,)", "(2,3)"]
)  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(_pieces, min_size=1, max_size=6).map("".join))
@example("datetime64[ns]")
@example("<m8[25ms]")
def test_grammar_pieces_agree_with_numpy(text: str) -> None:
    _agree(text)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=8))
def test_any_text_agrees_with_numpy(text: str) -> None:
    _agree(text)


def test_parse_tells_what_mlflow_refuses() -> None:
    assert numpy_dtype.parse("<U5").sized_flexible
    assert numpy_dtype.parse("|S3").sized_flexible
    assert not numpy_dtype.parse("U0").sized_flexible
    assert not numpy_dtype.parse("str").sized_flexible
    assert not numpy_dtype.parse("c").sized_flexible  # S1, but its char is 'c'
    with pytest.raises(numpy_dtype.NotADtype):
        numpy_dtype.parse("float64[ns]")


def test_validation_does_not_import_numpy() -> None:
    source = Path(numpy_dtype.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+numpy", source, re.MULTILINE)
