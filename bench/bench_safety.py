"""Safety scan benchmark: our scan against picklescan, modelscan and fickling, same corpus.

Run in the tox env ``scanners`` (``tox run -e scanners``). Detection on the malicious set
(``tests/safety/crafted.py`` by hand, ``tests/safety/hostile_real.py`` by the real picklers),
false alarms on the benign set (written here by the installed scikit-learn, LightGBM,
cloudpickle and joblib, plus the committed files older versions wrote,
``tests/safety/data/benign/``), and MB/s on large payloads generated in a temp dir.

Every tool, ours included, runs as a fresh process per file (``--scan FILE`` below is ours)
and is timed from start to exit. A tool "flags" a file when its command exits with 1 (each
one's convention for "something dangerous found"); another non-zero code is an "error" (it
could not read the file). Ours flags a file with any finding above info. The floor rows read
the same bytes with nothing but ``open().read`` and ``zlib`` in this process.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "safety"))

from mlmodel_spec.conformance.safety.allowlists import judge  # noqa: E402
from mlmodel_spec.conformance.safety.payload import scan_payload  # noqa: E402

TOOLS = {
    "ours": lambda p: [sys.executable, __file__, "--scan", p],
    "picklescan": lambda p: ["picklescan", "--path", p],
    "modelscan": lambda p: ["modelscan", "-p", p],
    "fickling": lambda p: ["fickling", "--check-safety", p],
}
#: the committed older-version files the benign set takes (models x formats)
OLD_MODELS = ("forest", "pipeline", "columns", "hist", "lgbm")
OLD_FORMATS = ("-p2.pkl", ".cloudpickle", "-raw.joblib", "-gzip.joblib")


def flags(path: str) -> bool:
    """Our verdict on one file: any finding above info in a sklearn-like context."""
    scan = scan_payload(os.path.dirname(path), os.path.basename(path))
    if scan.broken or scan.dynamic or scan.error or scan.trailing_offset is not None:
        return True
    return any(judge(g.module, g.name, "*").kind != "allowed" for g in scan.globals)


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def outcome(tool: str, path: str) -> tuple[str, float, float]:
    """(``flagged`` | ``error`` | ``clean`` | ``n/a``, CPU seconds, wall seconds) of one run
    from start to exit. CPU time is what the tool costs; wall time also counts the waits of
    a shared machine."""
    command = TOOLS[tool](path)
    if tool != "ours" and shutil.which(command[0]) is None:
        return "n/a", 0.0, 0.0
    cpu, start = _child_cpu(), time.perf_counter()
    result = subprocess.run(  # in the file's folder: fickling writes safety_results.json there
        command, capture_output=True, check=False, timeout=1800, cwd=os.path.dirname(path)
    )
    wall, cpu = time.perf_counter() - start, _child_cpu() - cpu
    return {0: "clean", 1: "flagged"}.get(result.returncode, "error"), cpu, wall


def malicious(folder: Path) -> list[tuple[str, Path]]:
    import hostile_real
    from test_reader import MALICIOUS

    payloads = {name: data for name, (data, _) in MALICIOUS.items()}
    payloads |= hostile_real.all_payloads()
    out = []
    for name, data in sorted(payloads.items()):
        path = folder / (name.replace(" ", "_").replace("/", "_") + ".pkl")
        path.write_bytes(data)
        out.append((name, path))
    return out


def benign(folder: Path) -> list[tuple[str, Path]]:
    import pickle

    import cloudpickle
    import joblib
    import lightgbm
    import sklearn
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y = load_iris(return_X_y=True)
    objects = {
        "forest": RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y),
        "pipeline": make_pipeline(StandardScaler(), LogisticRegression()).fit(x, y),
        "lgbm": lightgbm.LGBMClassifier(n_estimators=3, verbose=-1).fit(x, y),
    }
    out = []
    here = f"sklearn-{sklearn.__version__}"
    for name, obj in objects.items():
        for suffix in ("pkl", "cloudpickle.pkl", "joblib", "joblib.gz"):
            path = folder / f"{name}.{suffix}"
            if suffix == "pkl":
                path.write_bytes(pickle.dumps(obj, protocol=4))
            elif suffix == "cloudpickle.pkl":
                path.write_bytes(cloudpickle.dumps(obj))
            else:
                joblib.dump(obj, path, compress="gzip" if suffix.endswith("gz") else 0)
            out.append((f"{here}/{path.name}", path))
    for manifest in sorted((ROOT / "tests" / "safety" / "data" / "benign").glob("*/manifest.json")):
        for name in OLD_MODELS:
            for fmt in OLD_FORMATS:
                source = manifest.parent / f"{name}{fmt}"
                path = folder / f"{manifest.parent.name}-{source.name}"
                path.write_bytes(source.read_bytes())
                out.append((f"{manifest.parent.name}/{source.name}", path))
    return out


def payloads(folder: Path, megabytes: int) -> dict[str, Path]:
    import pickle

    import joblib
    import numpy as np

    array = np.random.default_rng(0).random(megabytes * (1 << 20) // 8)
    raw = folder / "big.pkl"
    with open(raw, "wb") as handle:
        pickle.dump({"weights": array}, handle, protocol=4)
    gz = folder / "big.joblib.gz"
    joblib.dump({"weights": array}, gz, compress=("gzip", 1))
    dense = folder / "dense.pkl"  # opcode-dense: 1M small tuples, about 23 MB
    rows = [(i, f"abc{i % 100}", i * 0.5) for i in range(1_000_000)]
    dense.write_bytes(pickle.dumps(rows, protocol=4))
    return {"pickle": raw, "joblib gzip": gz, "dense": dense}


def floor(path: Path) -> float:
    """CPU seconds to read (and gunzip, for .gz) the file in 1 MiB chunks, in this process."""
    start = time.process_time()
    inflate = zlib.decompressobj(31) if path.suffix == ".gz" else None
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            if inflate is not None:
                inflate.decompress(chunk)
    return time.process_time() - start


def _rate(path: Path, cpu: float, wall: float | None = None) -> str:
    rate = f"{path.stat().st_size / (1 << 20) / cpu:,.0f} MB/s ({cpu:.2f} s CPU"
    return rate + (f", {wall:.2f} s wall)" if wall is not None else ")")


def _table(rows: list[tuple[str, str, Path]], tools: list[str]) -> dict[str, dict[str, list[int]]]:
    print("| set | payload | " + " | ".join(tools) + " |")
    print("|---|---|" + "---|" * len(tools))
    counts = {t: {"malicious": [0, 0], "benign": [0, 0]} for t in tools}
    for kind, name, path in rows:
        cells = []
        for tool in tools:
            result, _, _ = outcome(tool, str(path))
            cells.append(result)
            if result == "flagged":
                counts[tool][kind][0] += 1
            elif result == "error":
                counts[tool][kind][1] += 1
        print(f"| {kind} | {name} | " + " | ".join(cells) + " |", flush=True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    parser.add_argument("--scan", metavar="FILE", help="ours on one file: exit 1 if flagged")
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args()
    if args.scan:
        sys.exit(1 if flags(args.scan) else 0)
    tools = list(TOOLS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = [("malicious", n, p) for n, p in malicious(folder)]
        rows += [("benign", n, p) for n, p in benign(folder)]
        counts = _table(rows, tools)
        n_mal = sum(1 for r in rows if r[0] == "malicious")
        n_ben = len(rows) - n_mal
        big = payloads(folder, args.mb)
        results: dict[str, dict[str, object]] = {}
        print()
        print(
            "| tool | detected | benign flagged | benign not scanned (error) | "
            f"pickle, {args.mb} MB | joblib gzip, {args.mb} MB | 1M small tuples (23 MB) |"
        )
        print("|---|---|---|---|---|---|---|")
        for tool in tools:
            rates = []
            for kind, path in big.items():
                result, cpu, wall = outcome(tool, str(path))
                rates.append("n/a" if result == "n/a" else f"{_rate(path, cpu, wall)} {result}")
                results.setdefault(tool, {})[kind] = {"cpu": cpu, "wall": wall, "result": result}
            mal, ben = counts[tool]["malicious"], counts[tool]["benign"]
            results[tool]["counts"] = {"malicious": mal, "benign": ben}
            print(
                f"| {tool} | {mal[0]}/{n_mal} | {ben[0]}/{n_ben} | {ben[1]}/{n_ben} | "
                + " | ".join(rates)
                + " |",
                flush=True,
            )
        floors = [_rate(path, floor(path)) for path in big.values()]
        print("| floor: read (+ gunzip) in-process | | | | " + " | ".join(floors) + " |")
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
