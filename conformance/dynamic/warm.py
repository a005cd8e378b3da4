"""What the fork server does once so that no model's child pays for it.

- :func:`single_threaded`: library thread pools default to one thread. A check predicts on
  a few rows, ``--jobs N`` workers run side by side, and an OpenMP pool on a five-row input
  costs far more than it brings (LightGBM: about 6 ms a predict with its pool on a busy
  machine, 0.02 ms single-threaded). A value the user set is kept.
- :func:`warm`: import the modules the checks import lazily, snapshot the installed
  distributions' versions, and use them: the runtime's ``installed_version`` (called for
  every pin when a model is re-saved) answers from the snapshot, and ``yaml.safe_load`` /
  ``yaml.safe_dump`` (how the runtime reads MLmodel, and writes MLmodel, conda.yaml and
  python_env.yaml when a check re-saves a model) use libyaml where PyYAML has it — the same
  documents, five to ten times faster (a re-save spent 60 % of its time in the pure-Python
  emitter). Only in the fork server and its children.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import importlib.metadata
import os
import pickle
from functools import lru_cache
from typing import Any

import yaml

#: libyaml's safe loader and dumper where PyYAML has them (5-10x faster), else pure Python
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
#: thread-count variables of OpenMP (LightGBM, scikit-learn), OpenBLAS and MKL (numpy)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

#: imported by the fork server when installed (a missing one is skipped)
HOT_MODULES = (
    "numpy",
    "pandas",
    "scipy.sparse",
    "sklearn",
    "sklearn.linear_model",
    "sklearn.ensemble",
    "sklearn.tree",
    "lightgbm",
    "skops.io",
    "cloudpickle",
    "packaging.requirements",
    "mlmodel_spec.sklearn",
    "mlmodel_spec.lightgbm",
    "mlmodel_spec.pyfunc",
    "mlmodel_spec.models.input_example",
    "mlmodel_spec.types.enforce",
    "mlmodel_spec.types.infer",
    "mlmodel_spec.conformance.validate",
    # what the first predict and load import lazily (scikit-learn wraps a frame with
    # narwhals; skops opens its zip archive): else every fresh worker's first model pays it
    "narwhals._pandas_like.dataframe",
    "narwhals._pandas_like.namespace",
    "narwhals.stable.v2._namespace",
    "pandas.core.methods.to_dict",
    "encodings.cp437",
)


@lru_cache(maxsize=1)
def installed_versions() -> dict[str, str]:
    """``{canonical distribution name: version}`` of everything installed (first one wins)."""
    from packaging.utils import canonicalize_name

    versions: dict[str, str] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            versions.setdefault(canonicalize_name(name), dist.version)
    return versions


def snapshot_version(distribution: str) -> str | None:
    """The installed version of ``distribution`` from the snapshot (None: not installed)."""
    from packaging.utils import canonicalize_name

    return installed_versions().get(canonicalize_name(distribution))


#: parsed YAML texts (pickled: a copy costs 6 us where parsing an MLmodel costs 200 us)
_PARSED: dict[str, bytes] = {}
PARSED_TEXTS = 256  # a model's MLmodel is read five times by one model's checks
PARSED_TEXT_SIZE = 64 * 2**10


def load_yaml(text: str) -> Any:
    """``yaml.safe_load(text)`` through libyaml, each distinct text parsed once: the runtime
    reads a model's MLmodel in ``Model.load``, in each loader and again for the re-saved
    copy. Every call gets its own copy of the document (the types a safe load makes all
    pickle exactly)."""
    cached = _PARSED.get(text)
    if cached is not None:
        return pickle.loads(cached)  # bytes pickled above, from a safe load
    document = yaml.load(text, Loader=SAFE_LOADER)
    if len(text) <= PARSED_TEXT_SIZE:
        if len(_PARSED) >= PARSED_TEXTS:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[text] = pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)
    return document


def _safe_load(stream: Any) -> Any:
    if isinstance(stream, str):
        return load_yaml(stream)
    return yaml.load(stream, Loader=SAFE_LOADER)


def _safe_dump(data: Any, stream: Any = None, **options: Any) -> Any:
    return yaml.dump_all([data], stream, Dumper=SAFE_DUMPER, **options)


def single_threaded() -> None:
    """Default library thread pools to one thread (before numpy or LightGBM is imported)."""
    for variable in THREAD_VARIABLES:
        os.environ.setdefault(variable, "1")


def warm() -> None:
    for module in HOT_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    installed_versions()
    from .worker_state import WorkerState

    WorkerState.capture()  # resolves the library modules' paths once, for every worker
    import mlmodel_spec.environment

    mlmodel_spec.environment.installed_version = snapshot_version
    yaml.safe_load = _safe_load
    yaml.safe_dump = _safe_dump
    gc.freeze()  # the warm objects stay out of collections: a forked worker's collector does
    # not write to (and so copy) every page it shares with the server
