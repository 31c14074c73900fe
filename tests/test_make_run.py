"""`make run` starts the background worker through scripts/worker-watchdog: the watchdog runs
its arguments as a command, so they must start with a program, not an environment setting
(`QA_ENV=… flask` there made the worker fail to start, over and over)."""
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_make_run_gives_the_watchdog_a_program_to_run():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry_run = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = next(line for line in dry_run.splitlines() if "scripts/worker-watchdog" in line)
    words = shlex.split(line.split("&")[0])
    command = words[words.index("scripts/worker-watchdog") + 1:]
    assert "=" not in command[0], f"the watchdog would try to run {command[0]!r} as a program"
    assert os.access(ROOT / command[0], os.X_OK) or shutil.which(command[0]), command[0]
    assert command[1:4] == ["--app", "wsgi", "worker"]
