"""Second security review: under `make run`, a worker that dies is started again, and says so."""
import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WATCHDOG = ROOT / "scripts" / "worker-watchdog"


def test_a_worker_that_dies_is_started_again_and_the_restart_is_said(tmp_path):
    starts = tmp_path / "starts"
    dying_worker = ["sh", "-c", f"echo started >> {starts}; exit 3"]
    process = subprocess.Popen([str(WATCHDOG), *dying_worker], stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "WORKER_RESTART_SECONDS": "0.1"})
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (not starts.exists() or starts.read_text().count("started") < 3):
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGTERM)
        _, said = process.communicate(timeout=20)
    assert starts.read_text().count("started") >= 3
    assert "the background worker stopped (exit status 3); starting it again" in said
    assert process.returncode == 0


def test_make_run_starts_the_worker_through_the_watchdog():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    # The environment is set before the watchdog: it runs its arguments as a program.
    assert "scripts/worker-watchdog $(BIN)/flask --app wsgi worker" in recipe
