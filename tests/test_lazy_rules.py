"""The walker imports and runs only the rule modules a model needs (``registry.RULE_MODULES``).

The gates are declarations about the checks ("none of its checks reports anything without
one of these MLmodel keys", "every check reads files"): every case must give exactly the
findings it gives when every check runs, and a fresh process imports only what it needs.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mlmodel_spec.conformance import registry
from mlmodel_spec.conformance.context import ValidationOptions
from mlmodel_spec.conformance.validate import validate_model

CASES = Path(__file__).parent / "cases"
CASE_DIRS = sorted(path.parent for path in CASES.glob("*/*/MLmodel"))


def _every_check_runs(
    keys: frozenset[str], metadata_only: bool, given: frozenset[str]
) -> dict[str, bool]:
    return {}


@pytest.mark.parametrize(
    ("metadata_only", "readers"),
    [(False, False), (True, False), (False, True)],
    ids=["files", "metadata-only", "reader-options"],
)
def test_gates_never_hide_a_finding(
    monkeypatch: pytest.MonkeyPatch, metadata_only: bool, readers: bool
) -> None:
    registry.load_all_rules()
    options = ValidationOptions(
        metadata_only=metadata_only,
        reader_mlflow="2.9" if readers else None,
        reader_sklearn="1.3" if readers else None,
    )
    gated = {path.name: validate_model(path, options=options) for path in CASE_DIRS}
    monkeypatch.setattr(registry, "_gates", _every_check_runs)
    ungated = {path.name: validate_model(path, options=options) for path in CASE_DIRS}
    assert len(CASE_DIRS) > 50
    assert gated == ungated


def test_a_gate_closes_for_a_model_without_its_keys() -> None:
    registry.load_all_rules()
    names = {
        check.fn.__module__.rsplit(".", 1)[-1]
        for check in registry.checks_for(
            registry.CHECKS, {"flavors": {}}, metadata_only=True, phase="model"
        )
    }
    assert {"schema", "paths", "hygiene", "loader_module"} <= names
    assert not names & {"signature", "input_example", "environment", "model_size", "rules"}
    with_signature = registry.checks_for(
        registry.CHECKS, {"signature": {}}, metadata_only=False, phase="model"
    )
    assert {c.fn.__module__.rsplit(".", 1)[-1] for c in with_signature} >= {
        "signature",
        "environment",
    }
    assert "reader_compat" not in {c.fn.__module__.rsplit(".", 1)[-1] for c in with_signature}
    for given in (frozenset({"reader_mlflow"}), frozenset({"reader_sklearn"})):
        with_reader = registry.checks_for(
            registry.CHECKS, {"flavors": {}}, metadata_only=True, phase="model", given=given
        )
        assert "reader_compat" in {c.fn.__module__.rsplit(".", 1)[-1] for c in with_reader}


def _fresh(code: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)


def test_a_fresh_process_imports_only_the_modules_a_model_needs(tmp_path: Path) -> None:
    model = tmp_path / "m"
    model.mkdir()
    (model / "MLmodel").write_text(
        "flavors:\n  python_function:\n    loader_module: mlflow.pyfunc.model\n"
        "    python_model: python_model.pkl\n    python_version: 3.11.7\n"
    )
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from mlmodel_spec.conformance.context import ValidationOptions\n"
        "from mlmodel_spec.conformance.validate import validate_model\n"
        f"validate_model(Path({str(model)!r}), options=ValidationOptions(metadata_only=True))\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('mlmodel_spec'))))\n"
    )
    loaded = set(_fresh(code))
    assert "mlmodel_spec.conformance.rules.schema" in loaded
    assert (
        not {
            "mlmodel_spec.conformance.rules.signature",
            "mlmodel_spec.conformance.rules.input_example",
            "mlmodel_spec.conformance.rules.environment",
            "mlmodel_spec.conformance.safety.rules",
        }
        & loaded
    )


def test_listing_the_catalogue_in_a_fresh_process_lists_every_rule() -> None:
    registry.load_all_rules()
    code = (
        "import json\n"
        "from mlmodel_spec.conformance.registry import RULES\n"
        "print(json.dumps([len(RULES), 'signature-schema' in RULES, RULES.get('nope')]))\n"
    )
    count = len([r for r in registry.RULES.values() if r.kind == "static"])
    assert _fresh(code) == [count, True, None]


#: stdlib modules a cold ``validate`` does without (tens of milliseconds of start-up between
#: them): ``dataclasses`` (with ``inspect``, ``ast``, ``dis``; see conformance/records.py),
#: ``typing`` (modules import it under ``TYPE_CHECKING`` only), ``shutil`` (argparse's help
#: formatter), ``importlib.resources`` (with ``tempfile``; the safety lists are compiled),
#: ``weakref`` (per-model caches live in ``ModelContext.memo``), ``lzma`` and ``bz2`` (the
#: codecs of compressed payloads, imported when one is met), ``pathlib`` (3 ms with the
#: ``urllib.parse`` and ``ipaddress`` it imports; paths are strings, see conformance/discover.py;
#: the SARIF reporter imports them for its URIs), ``yaml`` (PyYAML, 13 ms: the files MLflow
#: writes are read by conformance/yaml_block.py), ``argparse`` (with ``gettext`` and
#: ``locale``, 3 ms: mlmodel_spec/cli_options.py reads the everyday command lines),
#: ``importlib`` (with ``warnings``; ``__import__`` does), ``math`` and ``binascii`` (shared
#: libraries to load), ``shlex``, ``fnmatch`` (each 0.2-0.4 ms)
_AVOIDED: tuple[str, ...] = ("dataclasses", "inspect", "ast", "typing", "shutil")
_AVOIDED += ("importlib.resources", "tempfile", "weakref", "lzma", "bz2")
_AVOIDED += ("pathlib", "urllib.parse", "ipaddress", "yaml", "argparse", "gettext", "locale")
_AVOIDED += ("importlib", "warnings", "math", "binascii", "shlex", "fnmatch")


@pytest.mark.parametrize("case", ["core-minimal-pyfunc", "files-sklearn-complete"])
def test_a_cold_validate_avoids_the_costly_stdlib_modules(case: str) -> None:
    """Through the CLI, text report, on a pickled and a skops model (signature, example,
    env files): the modules a cold start must not pay for stay unimported."""
    code = (
        "import json, sys\n"
        # an editable install's finder (run by site) imports pathlib before our first line
        f"for name in {_AVOIDED!r}: sys.modules.pop(name, None)\n"
        "from mlmodel_spec.cli import main\n"
        f"code = main(['validate', {str(CASES / 'valid' / case)!r}])\n"
        f"print(json.dumps([code, sorted(set({_AVOIDED!r}) & set(sys.modules))]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out.splitlines()[-1]) == [0, []]
