"""The writer x reader table from a matrix directory: JSON (``spec/matrix/
report.schema.json``) and Markdown; the HTML page is :mod:`.html`.

A row is a writer (an environment, and who wrote: ``mlmodel-spec`` or ``mlflow``); a column
is a reader (an environment, and which loader: ``mlmodel-spec`` or ``mlflow``). A cell of
the summary table counts its cases by status; ``cells`` lists every case.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from .cells import DIFFERENT, ERROR, OK, STATUS_RANK, WARNING
from .golden import MANIFEST, MLFLOW_PREFIX
from .read import read_json
from .shapes import CELLS_SCHEMA, MANIFEST_SCHEMA, problem

REPORT_VERSION = "1"
SYMBOL = {OK: "ok", WARNING: "warn", DIFFERENT: "DIFF", ERROR: "FAIL"}


class ReportError(ValueError):
    """Nothing to report (one line saying why)."""


def _case_name(case_id: str) -> str:
    return case_id.removeprefix(MLFLOW_PREFIX)


def _sort_key(pair: tuple[str, str], environments: dict[str, Any]) -> tuple[int, int, str]:
    """Our runtime before MLflow, environments without MLflow before those with it."""
    env, who = pair
    packages = environments.get(env, {}).get("packages", {})
    has_mlflow = bool(packages.get("mlflow-skinny") or packages.get("mlflow"))
    return (0 if who == "mlmodel-spec" else 1, 1 if has_mlflow else 0, env)


def _require(value: Any, schema: str, path: Path) -> None:
    why = "not JSON" if value is None else problem(value, schema)
    if why:
        raise ReportError(f"{path}: not a matrix {schema.split('.', 1)[0]} file: {why}")


def build(matrix_dir: Path) -> dict[str, Any]:
    """Collect the golden manifests and every reader's cells into the report document."""
    golden = matrix_dir / "golden"
    manifests = (
        {
            p.name: read_json(p / MANIFEST)
            for p in sorted(golden.glob("*"))
            if (p / MANIFEST).is_file()
        }
        if golden.is_dir()
        else {}
    )
    for name, manifest in manifests.items():
        _require(manifest, MANIFEST_SCHEMA, golden / name / MANIFEST)
    if not manifests:
        raise ReportError(f"no golden models under {golden}: run `mlmodel-spec matrix run` first")
    environments = {name: m["environment"] for name, m in manifests.items()}
    cells: list[dict[str, Any]] = []
    not_written: list[dict[str, str]] = []
    for writer, manifest in manifests.items():
        for case_id, entry in sorted(manifest["cases"].items()):
            reason = entry.get("unsupported") or entry.get("write_error")
            if reason:
                not_written.append(
                    {"writer": writer, "case": case_id, "by": entry["writer"], "reason": reason}
                )
    readers_dir = matrix_dir / "cells"
    for reader_dir in sorted(readers_dir.glob("*")) if readers_dir.is_dir() else []:
        reader = reader_dir.name
        fingerprint = read_json(reader_dir / "_reader.json")
        if reader not in environments and isinstance(fingerprint, dict):
            environments[reader] = {k: fingerprint[k] for k in ("name", "python", "packages")}
        for writer in manifests:
            path = reader_dir / f"{writer}.json"
            if not path.is_file():
                continue
            results = read_json(path)
            _require(results, CELLS_SCHEMA, path)
            for case_id, result in sorted(results.items()):
                entry = manifests[writer]["cases"].get(case_id)
                if entry is None or "cells" not in result:
                    continue
                failed_checks = [c["check"] for c in result.get("checks", {}).get("failed", [])]
                static = result.get("static", [])
                for loader, cell in sorted(result["cells"].items()):
                    cells.append(
                        {
                            "writer": writer,
                            "written_by": entry["writer"],
                            "case": _case_name(case_id),
                            "reader": reader,
                            "loader": loader,
                            "status": cell["status"],
                            "max_abs_diff": cell.get("max_abs_diff"),
                            "exception": cell.get("exception"),
                            "message": cell.get("message", ""),
                            "warnings": [w["class"] for w in cell.get("warnings", [])],
                            "failed_checks": failed_checks if loader == "mlmodel-spec" else [],
                            "predicted": predicted_for(loader, static),
                        }
                    )
    counts = Counter(c["status"] for c in cells)
    return {
        "version": REPORT_VERSION,
        "environments": dict(sorted(environments.items())),
        "cases": sorted({c["case"] for c in cells} | {_case_name(n["case"]) for n in not_written}),
        "cells": cells,
        "not_written": not_written,
        "summary": {"cells": len(cells), **{s: counts.get(s, 0) for s in STATUS_RANK}},
    }


def predicted_for(loader: str, static: list[str]) -> list[str]:
    """The reader-* rules that speak of this loader: all for MLflow; for our runtime, which
    reads every format, only the library-version ones."""
    if loader == "mlflow":
        return list(static)
    return [rule for rule in static if not rule.startswith("reader-mlflow-")]


def only_case(report: dict[str, Any], case: str) -> dict[str, Any]:
    """The report restricted to one case (summary recounted)."""
    cells = [c for c in report["cells"] if c["case"] == case]
    counts = Counter(c["status"] for c in cells)
    return {
        **report,
        "cases": [case],
        "cells": cells,
        "not_written": [n for n in report["not_written"] if _case_name(n["case"]) == case],
        "summary": {"cells": len(cells), **{s: counts.get(s, 0) for s in STATUS_RANK}},
    }


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=1, sort_keys=True) + "\n"


def grid(
    report: dict[str, Any], case: str | None = None
) -> tuple[
    list[tuple[str, str]], list[tuple[str, str]], dict[tuple[str, str, str, str], Counter[str]]
]:
    """Rows (writer, written_by), columns (reader, loader) and status counts per pair."""
    table: dict[tuple[str, str, str, str], Counter[str]] = defaultdict(Counter)
    for c in report["cells"]:
        if case and c["case"] != case:
            continue
        table[c["writer"], c["written_by"], c["reader"], c["loader"]][c["status"]] += 1
    envs = report["environments"]
    rows = sorted({(k[0], k[1]) for k in table}, key=lambda r: _sort_key(r, envs))
    cols = sorted({(k[2], k[3]) for k in table}, key=lambda c: _sort_key(c, envs))
    return rows, cols, table


def worst(counter: Counter[str]) -> str:
    return max(counter, key=lambda s: STATUS_RANK[s]) if counter else ""


def _cell_text(counter: Counter[str]) -> str:
    if not counter:
        return ""
    total = sum(counter.values())
    bad = worst(counter)
    if bad == OK:
        return f"ok {total}"
    return f"{SYMBOL[bad]} {counter[bad]}/{total}"


def _env_label(name: str, env: dict[str, Any]) -> str:
    p = env["packages"]
    parts = [
        f"py{env['python']}",
        f"sklearn {p.get('scikit-learn', '-')}",
        f"lightgbm {p.get('lightgbm', '-')}",
        f"numpy {p.get('numpy', '-')}",
        f"pandas {p.get('pandas', '-')}",
    ]
    mlflow = p.get("mlflow-skinny") or p.get("mlflow")
    if mlflow:
        parts.append(f"mlflow {mlflow}")
    return f"`{name}`: " + ", ".join(parts)


def _what(cell: dict[str, Any]) -> str:
    if cell["status"] == ERROR:
        return f"{cell['exception']}: {cell['message']}" if cell["exception"] else cell["message"]
    if cell["status"] == DIFFERENT:
        return "different predictions"
    return ", ".join(cell["warnings"]) or cell["message"]


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Non-ok cells grouped by what happened (status and exception, or warning classes):
    the cases, writer and reader environments, who wrote and which loader read."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for c in report["cells"]:
        if c["status"] != OK:
            groups[c["status"], _what(c)].append(c)
    out: list[dict[str, Any]] = []
    for (status, what), items in groups.items():
        diffs = [i["max_abs_diff"] for i in items if i["max_abs_diff"] is not None]
        out.append(
            {
                "status": status,
                "what": what,
                "count": len(items),
                "cases": sorted({i["case"] for i in items}),
                "writers": sorted({i["writer"] for i in items}),
                "written_by": sorted({i["written_by"] for i in items}),
                "readers": sorted({i["reader"] for i in items}),
                "loaders": sorted({i["loader"] for i in items}),
                "max_abs_diff": max(diffs) if status == DIFFERENT and diffs else None,
                "predicted": sum(1 for i in items if i.get("predicted")),
                "predicted_by": sorted({r for i in items for r in i.get("predicted", [])}),
            }
        )
    out.sort(key=lambda f: (-STATUS_RANK[f["status"]], -f["count"], f["what"]))
    return out


def _finding_line(f: dict[str, Any]) -> str:
    what = f["what"]
    if f["max_abs_diff"] is not None:
        what += f" (max abs difference {f['max_abs_diff']:.3g})"
    return (
        f"- **{f['status']}** {what} — {f['count']} cell(s); "
        f"cases {', '.join(f['cases'])}; written in {', '.join(f['writers'])} "
        f"(by {', '.join(f['written_by'])}); read in {', '.join(f['readers'])} "
        f"(with {', '.join(f['loaders'])})"
        + (
            f"; predicted statically in {f['predicted']} of them ({', '.join(f['predicted_by'])})"
            if f["predicted"]
            else ""
        )
    )


def _label(env: str, who: str) -> str:
    return f"{env} ({'ours' if who == 'mlmodel-spec' else who})"


def to_markdown(report: dict[str, Any], case: str | None = None) -> str:
    rows, cols, table = grid(report, case)
    envs = report["environments"]
    lines = ["# Version matrix: writer \u00d7 reader", ""]
    s = report["summary"]
    lines.append(
        f"{s['cells']} cells: {s[OK]} ok, {s[WARNING]} ok with a warning, "
        f"{s[DIFFERENT]} different predictions, {s[ERROR]} errors"
        + (f" (case {case})" if case else "")
        + "."
    )
    lines += ["", "Environments:", ""]
    lines += [f"- {_env_label(name, env)}" for name, env in envs.items()]
    lines += [
        "",
        "Rows: the writer (environment, and who wrote: `ours` = mlmodel-spec's runtime, "
        "`mlflow`). Columns: the reader (environment, and the loader). A cell: the worst "
        "status and how many of its cases have it (`ok N`: all N cases loaded and predicted "
        "the same; `warn`: the same predictions, with a warning; `DIFF`: other predictions; "
        "`FAIL`: load or predict raised).",
        "",
    ]
    header = ["writer \\ reader", *[_label(r, loader) for r, loader in cols]]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    for writer, by in rows:
        cells = [_cell_text(table.get((writer, by, r, loader), Counter())) for r, loader in cols]
        lines.append(f"| {_label(writer, by)} | " + " | ".join(cells) + " |")
    mlflow_errors = [c for c in report["cells"] if c["status"] == ERROR and c["loader"] == "mlflow"]
    if mlflow_errors:
        predicted = sum(1 for c in mlflow_errors if c.get("predicted"))
        lines += [
            "",
            f"MLflow as the reader failed in {len(mlflow_errors)} cells; `mlmodel-spec validate "
            f"--reader-mlflow` predicts {predicted} of them statically (the others fail on "
            "what the payload holds, not on MLmodel).",
        ]
    found = findings(report)
    if found:
        lines += ["", "## What it found", ""]
        lines += [_finding_line(f) for f in found]
    if report["not_written"]:
        lines += ["", "## Not written", ""]
        reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
        for n in report["not_written"]:
            reasons[n["by"], n["reason"]].append(f"`{n['case']}` in {n['writer']}")
        lines += [
            f"- {', '.join(where)} ({by}): {reason}" for (by, reason), where in reasons.items()
        ]
    return "\n".join(lines) + "\n"
