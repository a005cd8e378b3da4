"""Safety scan benchmark: our scan against picklescan, modelscan and fickling, same corpus.

Run in the tox env ``scanners`` (``tox run -e scanners``). Detection on the malicious set
(``tests/safety/crafted.py``), false alarms on a benign set written here by the installed
scikit-learn/LightGBM/cloudpickle/joblib, and MB/s on a payload of ``--mb`` MB generated in a
temp dir. A tool "flags" a file when its command exits non-zero (each one's documented
convention for "something dangerous found"); our scan flags a file with any finding above info.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "safety"))
import crafted  # noqa: E402
from test_reader import MALICIOUS  # noqa: E402

from mlmodel_spec.conformance.safety.allowlists import judge  # noqa: E402
from mlmodel_spec.conformance.safety.payload import scan_payload  # noqa: E402

TOOLS = {
    "picklescan": lambda p: ["picklescan", "--path", p],
    "modelscan": lambda p: ["modelscan", "-p", p],
    "fickling": lambda p: ["fickling", "--check-safety", p],
}


def ours(path: str) -> bool:
    scan = scan_payload(os.path.dirname(path), os.path.basename(path))
    if scan.broken or scan.dynamic or scan.error or scan.trailing_offset is not None:
        return True
    return any(judge(g.module, g.name, "*").kind != "allowed" for g in scan.globals)


def outcome(tool: str, path: str) -> str:
    """``flagged`` (the tool's exit code 1: dangerous found), ``error`` (another non-zero
    code: could not parse or skipped the file), ``clean`` (0) or ``n/a`` (not installed)."""
    if tool == "ours":
        return "flagged" if ours(path) else "clean"
    if shutil.which(TOOLS[tool]("x")[0]) is None:
        return "n/a"
    result = subprocess.run(  # in the file's folder: fickling writes safety_results.json there
        TOOLS[tool](path), capture_output=True, check=False, timeout=900, cwd=os.path.dirname(path)
    )
    return {0: "clean", 1: "flagged"}.get(result.returncode, "error")


def benign(folder: Path) -> list[Path]:
    import pickle

    import cloudpickle
    import joblib
    import lightgbm
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
    for name, obj in objects.items():
        for suffix in ("pkl", "cloudpickle.pkl", "joblib", "joblib.gz"):
            path = folder / f"{name}.{suffix}"
            if suffix == "pkl":
                path.write_bytes(pickle.dumps(obj, protocol=4))
            elif suffix == "cloudpickle.pkl":
                path.write_bytes(cloudpickle.dumps(obj))
            else:
                joblib.dump(obj, path, compress="gzip" if suffix.endswith("gz") else 0)
            out.append(path)
    return out


def payloads(folder: Path, megabytes: int) -> dict[str, Path]:
    """Large payloads: one array pickle (raw), and the same array joblib-gzipped."""
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


def throughput(path: Path, tool: str) -> str:
    start = time.perf_counter()
    if outcome(tool, str(path)) == "n/a":
        return "n/a"
    seconds = time.perf_counter() - start
    return f"{path.stat().st_size / (1 << 20) / seconds:,.0f} MB/s ({seconds:.2f} s)"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=500)
    args = parser.parse_args()
    tools = ["ours", *TOOLS]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []
        for name, (payload, _) in sorted(MALICIOUS.items()):
            path = folder / (name.replace(" ", "_") + ".pkl")
            path.write_bytes(payload)
            rows.append(("malicious", name, str(path)))
        for path in benign(folder):
            rows.append(("benign", path.name, str(path)))
        print("| set | payload | " + " | ".join(tools) + " |")
        print("|---|---|" + "---|" * len(tools))
        counts = {t: {"malicious": [0, 0], "benign": [0, 0]} for t in tools}
        for kind, name, path in rows:
            cells = []
            for tool in tools:
                result = outcome(tool, path)
                cells.append(result)
                if result == "flagged":
                    counts[tool][kind][0] += 1
                elif result == "error":
                    counts[tool][kind][1] += 1
            print(f"| {kind} | {name} | " + " | ".join(cells) + " |")
        malicious = sum(1 for r in rows if r[0] == "malicious")
        benign_n = len(rows) - malicious
        print()
        print(
            "| tool | detected | benign flagged | benign not scanned (error) | "
            + " | ".join(f"{k}, {args.mb} MB" for k in ("pickle", "joblib gzip"))
            + " | 1M small tuples (23 MB) |"
        )
        print("|---|---|---|---|---|---|---|")
        big = payloads(folder, args.mb)
        for tool in tools:
            rates = [throughput(path, tool) for path in big.values()]
            mal, ben = counts[tool]["malicious"], counts[tool]["benign"]
            print(
                f"| {tool} | {mal[0]}/{malicious} | {ben[0]}/{benign_n} | {ben[1]}/{benign_n} | "
                + " | ".join(rates)
                + " |"
            )
    _ = crafted


if __name__ == "__main__":
    main()
