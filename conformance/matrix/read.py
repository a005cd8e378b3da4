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

from .cells import ERROR, Loader, load_mlflow, load_ours, run_cell, run_conformance, run_static
from .golden import MANIFEST, installed_versions, mlflow_installed
from .shapes import CELLS_SCHEMA, MANIFEST_SCHEMA, problem

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


@dataclass
class _Reader:
    """One reader process: its fingerprint, loaders and the places earlier runs died."""

    out_dir: Path
    fingerprint: dict[str, Any]
    loaders: dict[str, Loader]
    crashed: list[Any]
    stats: ReadStats = field(default_factory=ReadStats)

    @property
    def marker_path(self) -> Path:
        return self.out_dir / INPROGRESS

    def read_case(self, writer: str, case_id: str, directory: Path, entry: Any) -> Any:
        """The cells of one golden model, the checks and the reader-* prediction."""
        cells: dict[str, Any] = {}
        for loader_name, loader in self.loaders.items():
            here = {"writer": writer, "case": case_id, "loader": loader_name}
            if here in self.crashed:
                cells[loader_name] = _crashed_cell(here)
                self.stats.crashed.append(f"{writer}/{case_id} ({loader_name})")
                continue
            write_json_atomic(self.marker_path, here)
            cells[loader_name] = run_cell(loader, directory, entry)
        at_checks = {"writer": writer, "case": case_id, "loader": "checks"}
        write_json_atomic(self.marker_path, at_checks)
        checks = (
            {"passed": 0, "failed": [], "skipped": "reader crashed here"}
            if at_checks in self.crashed
            else run_conformance(directory)
        )
        static = run_static(directory, self.fingerprint["packages"])
        return {"cells": cells, "checks": checks, "static": static}

    def read_writer(self, golden: Path, writer: str, manifest: dict[str, Any]) -> None:
        result_path = self.out_dir / f"{writer}.json"
        results: dict[str, Any] = read_json(result_path) or {}
        if problem(results, CELLS_SCHEMA):
            results = {}  # unreadable earlier results: read everything again
        for case_id, entry in sorted(manifest["cases"].items()):
            key = cell_key(manifest["environment"], entry, self.fingerprint)
            if results.get(case_id, {}).get("key") == key:
                self.stats.reused += "cells" in results[case_id]  # not-written: read nothing
                continue
            if "unsupported" in entry or "write_error" in entry:
                reason = entry.get("unsupported") or entry["write_error"]
                results[case_id] = {"key": key, "not_written": reason}
                continue
            read = self.read_case(writer, case_id, golden / writer / case_id, entry)
            results[case_id] = {"key": key, **read}
            write_json_atomic(result_path, results)
            self.stats.computed += 1
        write_json_atomic(result_path, results)


def read_all(matrix_dir: Path, env_name: str, writers: list[str] | None = None) -> ReadStats:
    """Read every writer's golden models (or only ``writers``) in this environment."""
    loaders: dict[str, Loader] = {"mlmodel-spec": load_ours}
    if mlflow_installed():
        loaders["mlflow"] = load_mlflow
    out_dir = matrix_dir / "cells" / env_name
    crashed_path = out_dir / CRASHED
    crashed: list[Any] = read_json(crashed_path) or []
    marker = read_json(out_dir / INPROGRESS)
    if marker is not None and marker not in crashed:  # the last run died there
        crashed.append(marker)
        write_json_atomic(crashed_path, crashed)
    reader = _Reader(out_dir, reader_fingerprint(env_name), loaders, crashed)
    golden = matrix_dir / "golden"
    for writer in sorted(p.name for p in golden.iterdir() if (p / MANIFEST).is_file()):
        if writers and writer not in writers:
            continue
        manifest = read_json(golden / writer / MANIFEST)
        if manifest is None or problem(manifest, MANIFEST_SCHEMA):
            continue  # `matrix report` names the file and what is wrong with it
        reader.read_writer(golden, writer, manifest)
    for done in (reader.marker_path, crashed_path):  # crashed cells are cached with their key
        if done.exists():
            done.unlink()
    write_json_atomic(out_dir / "_reader.json", reader.fingerprint)
    return reader.stats
