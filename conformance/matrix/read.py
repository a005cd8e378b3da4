"""A reader environment loads every writer's golden models: one result file per writer,
``<matrix dir>/cells/<reader>/<writer>.json``, mapping case → cells.

Each case result carries a key, the sha256 of (the writer's manifest entry and
environment, this reader's fingerprint): a re-run recomputes only cases whose key changed.
The file is rewritten atomically after every case, and ``.inprogress.json`` names the case
being read; a reader that died there (a segfault in a library) finds it on its next start
and records that case as an error instead of dying on it again (``.crashed.json`` keeps
every such place until a read completes) — so a run resumes.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .cells import ERROR, load_mlflow, load_ours, run_cell, run_conformance, run_static
from .golden import MANIFEST, installed_versions, mlflow_installed

INPROGRESS = ".inprogress.json"
CRASHED = ".crashed.json"  # every place a reader died, kept until a read completes
CODE_FILES = ("cells.py", "read.py", "golden.py", "data.py", "models.py")


def reader_fingerprint(env_name: str) -> dict[str, Any]:
    """What a cell's result depends on, on the reader's side."""
    here = Path(__file__).resolve().parent
    code = hashlib.sha256()
    for name in CODE_FILES:
        code.update((here / name).read_bytes())
    runtime = here.parent.parent / "mlmodel_spec"
    for sub in ("pyfunc", "sklearn", "lightgbm", "models", "types"):
        for path in sorted((runtime / sub).glob("*.py")):
            code.update(path.read_bytes())
    return {
        "name": env_name,
        "python": platform.python_version(),
        "packages": installed_versions(),
        "code": code.hexdigest()[:16],
    }


def cell_key(writer_env: dict[str, Any], entry: dict[str, Any], reader: dict[str, Any]) -> str:
    text = json.dumps({"writer": writer_env, "entry": entry, "reader": reader}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def write_json_atomic(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(value, stream, indent=1, sort_keys=True)
            stream.write("\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


@dataclass
class ReadStats:
    computed: int = 0
    reused: int = 0
    crashed: list[str] = field(default_factory=list)


def _crashed_cell(marker: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": ERROR,
        "exception": "ReaderCrashed",
        "message": f"the reader process died while loading this model ({marker.get('loader')})",
        "warnings": [],
    }


def read_all(matrix_dir: Path, env_name: str, writers: list[str] | None = None) -> ReadStats:
    """Read every writer's golden models (or only ``writers``) in this environment."""
    reader = reader_fingerprint(env_name)
    loaders = {"mlmodel-spec": load_ours}
    if mlflow_installed():
        loaders["mlflow"] = load_mlflow
    out_dir = matrix_dir / "cells" / env_name
    marker_path = out_dir / INPROGRESS
    crashed_path = out_dir / CRASHED
    crashed: list[Any] = read_json(crashed_path) or []
    marker = read_json(marker_path)
    if marker is not None and marker not in crashed:  # the last run died there
        crashed.append(marker)
        write_json_atomic(crashed_path, crashed)
    stats = ReadStats()
    golden = matrix_dir / "golden"
    names = sorted(p.name for p in golden.iterdir() if (p / MANIFEST).is_file())
    for writer in names:
        if writers and writer not in writers:
            continue
        manifest = read_json(golden / writer / MANIFEST)
        if not isinstance(manifest, dict):
            continue
        result_path = out_dir / f"{writer}.json"
        results: dict[str, Any] = read_json(result_path) or {}
        for case_id, entry in sorted(manifest["cases"].items()):
            key = cell_key(manifest["environment"], entry, reader)
            if results.get(case_id, {}).get("key") == key:
                stats.reused += "cells" in results[case_id]  # not-written cases read nothing
                continue
            if "unsupported" in entry or "write_error" in entry:
                results[case_id] = {
                    "key": key,
                    "not_written": entry.get("unsupported") or entry["write_error"],
                }
                continue
            directory = golden / writer / case_id
            cells: dict[str, Any] = {}
            for loader_name, loader in loaders.items():
                here = {"writer": writer, "case": case_id, "loader": loader_name}
                if here in crashed:
                    cells[loader_name] = _crashed_cell(here)
                    stats.crashed.append(f"{writer}/{case_id} ({loader_name})")
                    continue
                write_json_atomic(marker_path, here)
                cells[loader_name] = run_cell(loader, directory, entry)
            write_json_atomic(marker_path, {**here, "loader": "checks"})
            checks = (
                {"passed": 0, "failed": [], "skipped": "reader crashed here"}
                if {**here, "loader": "checks"} in crashed
                else run_conformance(directory)
            )
            static = run_static(directory, reader["packages"])
            results[case_id] = {"key": key, "cells": cells, "checks": checks, "static": static}
            write_json_atomic(result_path, results)
            stats.computed += 1
        write_json_atomic(result_path, results)
    for done in (marker_path, crashed_path):  # the crashed cells are cached with their key
        if done.exists():
            done.unlink()
    write_json_atomic(out_dir / "_reader.json", reader)
    return stats
