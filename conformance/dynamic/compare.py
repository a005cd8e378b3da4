"""Compare predictions and count rows, for any output a pyfunc model may return.

Exact for labels, integers, strings and booleans; floats within :data:`FLOAT_RTOL` /
:data:`FLOAT_ATOL` (``numpy.isclose``), NaN equal to NaN.
"""

from __future__ import annotations

from typing import Any

FLOAT_RTOL = 1e-6
FLOAT_ATOL = 1e-9
TOLERANCE_NOTE = f"floats within rtol={FLOAT_RTOL:g}, atol={FLOAT_ATOL:g}; everything else exact"


def _columns(value: Any) -> dict[str, Any]:
    """A prediction as named 1-or-more-dimensional arrays."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame):
        return {str(c): value[c].to_numpy() for c in value.columns}
    if isinstance(value, pd.Series):
        return {"": value.to_numpy()}
    if isinstance(value, dict):
        return {str(k): np.asarray(v) for k, v in value.items()}
    if hasattr(value, "toarray"):  # scipy sparse
        return {"": np.asarray(value.toarray())}
    return {"": np.asarray(value, dtype=object if _ragged(value) else None)}


def _ragged(value: Any) -> bool:
    if not isinstance(value, list) or not value:
        return False
    lengths = {len(v) if isinstance(v, (list, tuple)) else -1 for v in value}
    return len(lengths) > 1


def _is_float(array: Any) -> bool:
    import numpy as np

    return bool(
        np.issubdtype(array.dtype, np.floating) or np.issubdtype(array.dtype, np.complexfloating)
    )


def _array_difference(name: str, a: Any, b: Any, tolerant: bool) -> str | None:
    import numpy as np

    where = f"column {name!r}: " if name else ""
    if a.shape != b.shape:
        return f"{where}shape {a.shape} != {b.shape}"
    if a.size == 0:
        return None
    if _is_float(a) or _is_float(b):
        try:
            af, bf = a.astype(float), b.astype(float)
        except (TypeError, ValueError):
            return f"{where}dtype {a.dtype} != {b.dtype}"
        if tolerant:
            same = np.isclose(af, bf, rtol=FLOAT_RTOL, atol=FLOAT_ATOL, equal_nan=True)
        else:
            same = (af == bf) | (np.isnan(af) & np.isnan(bf))
    elif a.dtype.kind != b.dtype.kind and {a.dtype.kind, b.dtype.kind} - {"i", "u"}:
        if object not in (a.dtype, b.dtype):
            return f"{where}dtype {a.dtype} != {b.dtype}"
        same = np.array([x == y for x, y in zip(a.ravel(), b.ravel(), strict=True)])
    else:
        same = np.asarray(a == b)
        if same.shape != a.shape:  # object arrays of arrays compare to a scalar
            same = np.array(
                [_equal_objects(x, y) for x, y in zip(a.ravel(), b.ravel(), strict=True)]
            )
    if bool(np.all(same)):
        return None
    bad = np.argwhere(~same.reshape(a.shape))
    first = tuple(int(i) for i in bad[0])
    index = first[0] if len(first) == 1 else first
    return (
        f"{where}{len(bad)} of {a.size} values differ; first at [{index}]: "
        f"{_plain(a[first])!r} != {_plain(b[first])!r}"
    )


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") and getattr(value, "ndim", 1) == 0 else value


def _equal_objects(x: Any, y: Any) -> bool:
    import numpy as np

    try:
        return bool(np.array_equal(np.asarray(x), np.asarray(y)))
    except (TypeError, ValueError):
        return bool(x == y)


def difference(expected: Any, actual: Any, *, tolerant: bool = True) -> str | None:
    """How ``actual`` differs from ``expected`` (None when they are equal)."""
    a, b = _columns(expected), _columns(actual)
    if list(a) != list(b):
        return f"columns {list(a)} != {list(b)}"
    for name in a:
        if found := _array_difference(name, a[name], b[name], tolerant):
            return found
    return None


def row_count(value: Any) -> int | None:
    """Rows of a batch input or output (None for a value that is not row-shaped)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, (pd.DataFrame, pd.Series, list)):
        return len(value)
    if isinstance(value, np.ndarray):
        return int(value.shape[0]) if value.ndim else None
    if hasattr(value, "shape") and hasattr(value, "tocsr"):
        return int(value.shape[0])
    if isinstance(value, dict) and value:
        lengths = {row_count(v) for v in value.values()}
        return lengths.pop() if len(lengths) == 1 else None
    return None


def rows(value: Any) -> list[Any] | None:
    """The input as single-row batches of the same kind (None when not row-shaped)."""
    import numpy as np
    import pandas as pd

    count = row_count(value)
    if count is None:
        return None
    if isinstance(value, (pd.DataFrame, pd.Series)):
        return [value.iloc[i : i + 1] for i in range(count)]
    if isinstance(value, np.ndarray) or hasattr(value, "tocsr"):
        return [value[i : i + 1] for i in range(count)]
    if isinstance(value, list):
        return [value[i : i + 1] for i in range(count)]
    return None


def concatenate(parts: list[Any]) -> Any:
    """Single-row predictions joined back into one batch."""
    import numpy as np
    import pandas as pd

    if all(isinstance(p, pd.DataFrame) for p in parts):
        return pd.concat(parts, ignore_index=True)
    if all(isinstance(p, pd.Series) for p in parts):
        return pd.concat(parts, ignore_index=True)
    if all(isinstance(p, list) for p in parts):
        return [x for p in parts for x in p]
    if all(isinstance(p, dict) for p in parts):
        return {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}
    return np.concatenate([np.asarray(p) for p in parts])
