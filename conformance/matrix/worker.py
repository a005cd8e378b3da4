"""What each matrix environment runs: ``python -m mlmodel_spec.conformance.matrix.worker
write|read|all --matrix-dir DIR --env NAME`` (``matrix run`` and the tox envs call it).

Exit codes: 0 done, 2 usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mlmodel_spec.conformance.matrix.worker")
    parser.add_argument("phase", choices=("write", "read", "all"))
    parser.add_argument("--matrix-dir", type=Path, required=True)
    parser.add_argument(
        "--env", default=os.environ.get("TOX_ENV_NAME"), help="this environment's name"
    )
    parser.add_argument("--force", action="store_true", help="rewrite the golden models")
    args = parser.parse_args(argv)
    if not args.env:
        parser.error("--env is required outside tox")
    args.matrix_dir = args.matrix_dir.absolute()
    os.environ.setdefault("MLFLOW_TRACKING_URI", (args.matrix_dir / ".mlruns").as_uri())
    if args.phase in ("write", "all"):
        from .golden import write_golden

        written = write_golden(args.matrix_dir, args.env, force=args.force)
        sys.stdout.write(f"{args.env}: golden models {'written' if written else 'already there'}\n")
    if args.phase in ("read", "all"):
        from .read import read_all

        stats = read_all(args.matrix_dir, args.env)
        sys.stdout.write(
            f"{args.env}: read {stats.computed} cases, {stats.reused} from the cache"
            + (f", crashed on {', '.join(stats.crashed)}" if stats.crashed else "")
            + "\n"
        )
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
