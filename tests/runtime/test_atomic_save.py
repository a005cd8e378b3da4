"""Saves are atomic: a process killed mid-save leaves no model at the target."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

_SAVE_THEN_HANG = """
import pathlib, sys, time
from sklearn.linear_model import LogisticRegression
import mlmodel_spec.environment as environment
import mlmodel_spec.sklearn

target, ready = sys.argv[1], pathlib.Path(sys.argv[2])
write_env_files = environment.write_env_files

def write_then_hang(*args, **kwargs):
    write_env_files(*args, **kwargs)  # every file is written; only the final rename is left
    ready.write_text("ready")
    time.sleep(120)

environment.write_env_files = write_then_hang
mlmodel_spec.sklearn.save_model(LogisticRegression().fit([[0.0], [1.0]], [0, 1]), target)
"""


@pytest.mark.skipif(os.name != "posix", reason="uses SIGKILL")
def test_killed_save_leaves_no_partial_model(tmp_path: Path) -> None:
    target = tmp_path / "model"
    ready = tmp_path / "ready"
    proc = subprocess.Popen([sys.executable, "-c", _SAVE_THEN_HANG, str(target), str(ready)])
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, "the saving process exited early"
            assert time.monotonic() < deadline, "the save never reached the env files"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert not target.exists()
    staged = [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
    assert len(staged) == 1
    assert (staged[0] / "MLmodel").is_file()
