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
import crafted  # type: ignore[import-not-found]  # noqa: E402
from test_reader import MALICIOUS  # type: ignore[import-not-found]  # noqa: E402

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


def flagged(tool: str, path: str) -> bool | None:
    if shutil.which(TOOLS[tool]("x")[0]) is None:
        return None
    result = subprocess.run(TOOLS[tool](path), capture_output=True, check=False, timeout=600)
    return result.returncode != 0


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
        for suffix, write in (
            ("pkl", lambda p, o: p.write_bytes(pickle.dumps(o, protocol=4))),
            ("cloudpickle.pkl", lambda p, o: p.write_bytes(cloudpickle.dumps(o))),
            ("joblib", lambda p, o: joblib.dump(o, p)),
            ("joblib.gz", lambda p, o: joblib.dump(o, p, compress="gzip")),
        ):
            path = folder / f"{name}.{suffix}"
            write(path, obj)
            out.append(path)
    return out


def throughput(folder: Path, megabytes: int, tool: str) -> float:
    import numpy as np

    path = folder / "big.pkl"
    if not path.exists():
        import pickle

        array = np.zeros(megabytes * (1 << 20) // 8)
        with open(path, "wb") as handle:
            pickle.dump({"weights": array}, handle, protocol=4)
    start = time.perf_counter()
    if tool == "ours":
        ours(str(path))
    elif flagged(tool, str(path)) is None:
        return float("nan")
    return path.stat().st_size / (1 << 20) / (time.perf_counter() - start)


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
        totals = {t: [0, 0] for t in tools}
        for kind, name, path in rows:
            cells = []
            for tool in tools:
                hit = ours(path) if tool == "ours" else flagged(tool, path)
                cells.append("n/a" if hit is None else ("flagged" if hit else "-"))
                if hit:
                    totals[tool][0 if kind == "malicious" else 1] += 1
            print(f"| {kind} | {name} | " + " | ".join(cells) + " |")
        malicious = sum(1 for r in rows if r[0] == "malicious")
        benign_n = len(rows) - malicious
        print()
        for tool in tools:
            rate = throughput(folder, args.mb, tool)
            print(
                f"{tool}: detected {totals[tool][0]}/{malicious}, false alarms "
                f"{totals[tool][1]}/{benign_n}, {rate:.0f} MB/s on a {args.mb} MB pickle"
            )
    _ = crafted


if __name__ == "__main__":
    main()
