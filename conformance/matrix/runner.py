"""``mlmodel-spec matrix run``: build the environments, write golden models in each, then
read every golden model in every environment (``jobs`` environments at a time).

Every phase is resumable: a venv with unchanged pins is reused, golden models already
written are kept, and cells whose key is unchanged come from the cache (:mod:`.read`).
``<matrix dir>/run.json`` records the timings and counts of the last run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import envs
from .read import INPROGRESS, read_json, write_json_atomic
from .spec import Environment

READ_ATTEMPTS = 20  # a reader that keeps dying moves past one more crash point each time


@dataclass
class RunStats:
    environments: int = 0
    built: int = 0
    build_seconds: float = 0.0
    write_seconds: float = 0.0
    read_seconds: float = 0.0
    total_seconds: float = 0.0
    cases_computed: int = 0
    cases_reused: int = 0
    failures: list[str] = field(default_factory=list)


class WorkerError(RuntimeError):
    pass


def _worker(
    matrix_dir: Path, env: Environment, phase: str, force: bool = False
) -> subprocess.CompletedProcess[str]:
    python = envs.venv_python(matrix_dir, env)
    command = [
        str(python),
        "-m",
        "mlmodel_spec.conformance.matrix.worker",
        phase,
        "--matrix-dir",
        str(matrix_dir),
        "--env",
        env.name,
    ]
    if force:
        command.append("--force")
    log = matrix_dir / "logs" / f"{env.name}-{phase}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    return done


def _read(matrix_dir: Path, env: Environment) -> tuple[int, int]:
    computed = reused = 0
    for _ in range(READ_ATTEMPTS):
        done = _worker(matrix_dir, env, "read")
        for line in done.stdout.splitlines():
            if line.startswith(f"{env.name}: read "):
                words = line.split()
                computed += int(words[2])
                reused += int(words[4])
        if done.returncode == 0:
            return computed, reused
        if not (matrix_dir / "cells" / env.name / INPROGRESS).is_file():
            break  # not a crash inside a cell: nothing to resume past
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    raise WorkerError(f"{env.name}: reader failed (exit {done.returncode}): {tail}")


def run(
    matrix_dir: Path,
    selected: Sequence[Environment],
    *,
    mlflow_package: str,
    source: Path,
    jobs: int = 1,
    force: bool = False,
    say: Callable[[str], None],
) -> RunStats:
    matrix_dir = matrix_dir.absolute()
    stats = RunStats(environments=len(selected))
    started = time.perf_counter()

    def build(env: Environment) -> None:
        log = matrix_dir / "logs" / f"{env.name}-build.log"
        t = time.perf_counter()
        if envs.ensure(matrix_dir, env, mlflow_package, source, log):
            stats.built += 1
            say(f"built {env.name} in {time.perf_counter() - t:.1f}s")

    def write(env: Environment) -> None:
        done = _worker(matrix_dir, env, "write", force)
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise WorkerError(f"{env.name}: writing golden models failed: {tail}")
        say(done.stdout.strip())

    def read(env: Environment) -> None:
        computed, reused = _read(matrix_dir, env)
        stats.cases_computed += computed
        stats.cases_reused += reused
        say(f"{env.name}: read {computed} cases, {reused} from the cache")

    for phase, action, attr in (
        ("build", build, "build_seconds"),
        ("write", write, "write_seconds"),
        ("read", read, "read_seconds"),
    ):
        t = time.perf_counter()
        ok = _each(selected, action, jobs, stats, phase)
        setattr(stats, attr, round(time.perf_counter() - t, 1))
        selected = ok
    stats.total_seconds = round(time.perf_counter() - started, 1)
    previous = read_json(matrix_dir / "run.json") or {}
    write_json_atomic(
        matrix_dir / "run.json",
        {**asdict(stats), "python": sys.version.split()[0], "previous": previous.get("last")}
        | {"last": asdict(stats)},
    )
    return stats


def _each(
    selected: Sequence[Environment],
    action: Callable[[Environment], None],
    jobs: int,
    stats: RunStats,
    phase: str,
) -> list[Environment]:
    """Run ``action`` on each environment; those that fail are dropped from later phases."""
    ok: list[Environment] = []

    def one(env: Environment) -> None:
        try:
            action(env)
            ok.append(env)
        except (envs.EnvironmentError_, WorkerError, OSError) as exc:
            stats.failures.append(f"{phase}: {exc}")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        list(pool.map(one, selected))
    order = {id(e): i for i, e in enumerate(selected)}
    return sorted(ok, key=lambda e: order[id(e)])


def dumps(stats: RunStats) -> str:
    return json.dumps(asdict(stats), indent=1)
