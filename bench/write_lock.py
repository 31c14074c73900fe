"""Benchmark (issue 21): how long another user's save waits for SQLite's write lock while a
300,000-row referrals file is imported.

The import runs in its own process through the app's import path, twice on a fresh database:
first as before issue 21, the whole file written in one transaction (the baseline, run in the
same process run because these machines are noisy), then as now, staged a chunk to a
transaction and published in one short one. Meanwhile this process saves, one after another, as
another user's save does (BEGIN IMMEDIATE, one row, COMMIT, with the app's busy timeout),
timing each. Targets: the slowest save during the import at most half the baseline's slowest,
and at most a third of the import's own time. Figures go to bench/out/write_lock.json and, with
the machine, docs/performance.md.
"""
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.run import OUT, ROOT, migrate

ROWS = int(os.environ.get("BENCH_LOCK_ROWS", 300_000))

IMPORT_CHILD = """
import json, sys, time
from config import TestConfig, normalise_database_url
from qa_app import create_app
from qa_app.services import imports
config = TestConfig()
config.SQLALCHEMY_DATABASE_URI = normalise_database_url(sys.argv[1])
config.INSTANCE_PATH = sys.argv[2]
if sys.argv[4] == "one transaction":
    imports.PUBLISH_FROM_FRAME_ROWS = 10 ** 12  # every file written from its frame, as before issue 21
app = create_app(config)
with app.app_context():
    batch = imports.queue_import("referrals", sys.argv[3], "referrals.csv")
    print("started", flush=True)
    started = time.perf_counter()
    batch = imports.run_import(batch.id)
    elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "status": batch.status, "counts": batch.counts}))
"""


def write_file(path: Path) -> Path:
    with open(path, "w") as handle:
        handle.write("child_id,referral_id,referral_date,decision,source,team\n")
        for number in range(ROWS):
            handle.write(f"C{number // 3:07d},R{number:08d},2015-06-{1 + number % 28:02d},nfa,,North\n")
    return path


def saves_during_import(database: Path, instance: Path, source: Path, mode: str) -> dict:
    saver = sqlite3.connect(database, isolation_level=None, timeout=30)
    saver.execute("CREATE TABLE IF NOT EXISTS bench_save (id INTEGER PRIMARY KEY, value TEXT)")
    child = subprocess.Popen([sys.executable, "-c", IMPORT_CHILD, f"sqlite:///{database}", str(instance),
                              str(source), mode], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                             text=True)
    assert child.stdout.readline().strip() == "started"
    done, waits = threading.Event(), []
    threading.Thread(target=lambda: (child.wait(), done.set()), daemon=True).start()
    while not done.is_set():
        started = time.perf_counter()
        saver.execute("BEGIN IMMEDIATE")
        saver.execute("INSERT INTO bench_save (value) VALUES (?)", (mode,))
        saver.execute("COMMIT")
        waits.append(time.perf_counter() - started)
        time.sleep(0.01)  # a brisk user, not a loop that never lets go
    result = json.loads(child.stdout.read().strip().splitlines()[-1])
    saver.close()
    assert result["status"] == "succeeded", result
    return {"import_seconds": round(result["seconds"], 2), "saves": len(waits),
            "slowest_save": round(max(waits), 3), "median_save": round(statistics.median(waits), 4),
            "saves_over_1s": sum(wait > 1 for wait in waits)}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    result = {"rows": ROWS, "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "load_before": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        folder = Path(scratch)
        source = write_file(folder / "referrals.csv")
        template = folder / "template.sqlite3"
        migrate(f"sqlite:///{template}", str(folder / "instance"))
        for mode in ("one transaction", "in steps"):
            database = folder / f"{mode.replace(' ', '-')}.sqlite3"
            shutil.copyfile(template, database)
            result[mode] = saves_during_import(database, folder / "instance", source, mode)
    result["load_after"] = os.getloadavg()[0]
    now, before = result["in steps"], result["one transaction"]
    result["slowest_save_against_baseline"] = round(now["slowest_save"] / before["slowest_save"], 2)
    result["slowest_save_against_import"] = round(now["slowest_save"] / now["import_seconds"], 2)
    result["met"] = result["slowest_save_against_baseline"] <= 0.5 and result["slowest_save_against_import"] <= 1 / 3
    print(json.dumps(result, indent=2))
    (OUT / "write_lock.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
