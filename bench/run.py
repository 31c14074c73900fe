"""Benchmarks (make bench). Figures are ratios against a baseline run in the same process run,
because these machines are noisy; docs/performance.md records them with the machine.

Import: 1,000,000 house-format referrals and 100,000 CP plans into a fresh SQLite database
through the app's own import path, against a bare baseline (the csv module and
sqlite3.executemany into a table of the same columns). Each import runs in a child process so
its peak memory (its own high-water mark, VmHWM) is its own. Then the same two files again (a
re-import with every row unchanged), and one financial year's measures from that database.
"""
import csv
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
REFERRALS = int(os.environ.get("BENCH_REFERRALS", 1_000_000))
PLANS = int(os.environ.get("BENCH_PLANS", 100_000))
DECISIONS = ("nfa", "professional_conversation", "early_help", "assessment", "section_47")
TEAMS = ("Compass", "North", "South", "Central")
SOURCES = ("6", "2A", "3D", "1A", "5A", "8")
FIRST_DAY = date(2006, 4, 1)
DAYS = 3652  # ten years of referrals


def write_files(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(1)
    referrals, plans = folder / "referrals.csv", folder / "cp-plans.csv"
    children = max(REFERRALS // 3, 1)
    with open(referrals, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["child_id", "referral_id", "referral_date", "decision", "source", "team"])
        for number in range(REFERRALS):
            day = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            writer.writerow([f"C{rng.randrange(children):07d}", f"R{number:08d}", day.isoformat(),
                             rng.choice(DECISIONS), rng.choice(SOURCES), rng.choice(TEAMS)])
    with open(plans, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["child_id", "plan_id", "start_date", "end_date", "category", "team"])
        for number in range(PLANS):
            start = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
            end = start + timedelta(days=rng.randrange(30, 700)) if rng.random() < 0.9 else None
            writer.writerow([f"C{rng.randrange(children):07d}", f"P{number:07d}", start.isoformat(),
                             end.isoformat() if end else "", rng.choice(("NEG", "EMO", "PHY", "SAB")),
                             rng.choice(TEAMS)])
    return referrals, plans


def baseline(referrals: Path, plans: Path, folder: Path) -> float:
    """The bare minimum: csv rows straight into tables of the same columns."""
    database = sqlite3.connect(folder / "baseline.sqlite3")
    database.execute("PRAGMA journal_mode=WAL")
    database.execute("CREATE TABLE referral (child_id TEXT, referral_id TEXT, referral_date TEXT, "
                     "decision TEXT, source TEXT, team TEXT)")
    database.execute("CREATE TABLE cp_plan (child_id TEXT, plan_id TEXT, start_date TEXT, "
                     "end_date TEXT, category TEXT, team TEXT)")
    started = time.perf_counter()
    for path, table in ((referrals, "referral"), (plans, "cp_plan")):
        with open(path, newline="") as handle:
            rows = csv.reader(handle)
            next(rows)
            database.executemany(f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?)", rows)
        database.commit()
    elapsed = time.perf_counter() - started
    database.close()
    return elapsed


IMPORT_CHILD = """
import json, resource, sys, time
from config import TestConfig, normalise_database_url
from qa_app import create_app
from qa_app.services import imports
config = TestConfig()
config.SQLALCHEMY_DATABASE_URI = normalise_database_url(sys.argv[1])
config.INSTANCE_PATH = sys.argv[2]
app = create_app(config)
with app.app_context():
    started = time.perf_counter()
    batch = imports.run_import(imports.queue_import(sys.argv[3], sys.argv[4], sys.argv[4]).id)
    elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "status": batch.status, "counts": batch.counts,
                  "errors": batch.errors[:3], "warnings": batch.warning_count, "max_rss_mb": peak_memory_mb()}))
"""

# The child's own peak: ru_maxrss is not, on Linux, because a process forked from the benchmark
# and then exec'd keeps the benchmark's peak at the fork (after PostgreSQL's executemany
# baseline, 516 MB held as a list of a million rows, which every import then seemed to take).
# VmHWM is the peak of the running program alone.
PEAK_MEMORY = """
import resource
def peak_memory_mb():
    try:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""
IMPORT_CHILD = PEAK_MEMORY + IMPORT_CHILD

MEASURES_CHILD = """
import json, sys, time
from datetime import date
from audit_tools.measures import measures_summary
from audit_tools.periods import financial_year
from config import TestConfig, normalise_database_url
from qa_app import create_app
from qa_app.services.case_data import plan_records, referral_records, summary_of
config = TestConfig()
config.SQLALCHEMY_DATABASE_URI = normalise_database_url(sys.argv[1])
app = create_app(config)
with app.app_context():
    period = financial_year(2014)
    timings, cpu = [], []  # wall clock, and this process's CPU time (on SQLite, all the work)
    for _ in range(3):
        started, started_cpu = time.perf_counter(), time.process_time()
        summary = summary_of(period, 60000)  # measures_summary over the fast reads, as `flask measures` does
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    # The same figures the slow way (every record to Python), in the same run, as a check and a ratio.
    started = time.perf_counter()
    slow = measures_summary(referral_records(period.start, period.end), plan_records(period.end), period, 60000)
    slow_seconds = time.perf_counter() - started
    assert slow == summary, (slow, summary)
    # What the measures page computes for a year: the dashboard, the year beside the one
    # before, and the data-quality counts; first with nothing kept (the first view after an
    # import), then as every later view finds them (kept in measures_cache).
    from qa_app.extensions import db
    from qa_app.models import MeasuresCache
    from qa_app.services import measures_cache
    def page_work():
        started = time.perf_counter()
        measures_cache.measures_page(period)
        return time.perf_counter() - started
    cold = []
    for _ in range(2):
        db.session.execute(db.delete(MeasuresCache))
        db.session.commit()
        cold.append(page_work())
    warm = [page_work() for _ in range(3)]
    # The largest page: a year's re-referrals, 100 a page with each child's history. The first
    # view of a period's list after an import finds its re-referrals and keeps them
    # (measures_cache); later pages, views and filters read them back.
    from qa_app.services.case_lists import re_referral_list
    db.session.execute(db.delete(MeasuresCache))
    db.session.commit()
    list_timings, list_cpu = [], []
    for number, decision in ((1, None), (1, None), (130, None), (1, "nfa"), (2, "nfa")):
        started, started_cpu = time.perf_counter(), time.process_time()
        listed = re_referral_list(period, decision, number)
        list_timings.append(time.perf_counter() - started)
        list_cpu.append(time.process_time() - started_cpu)
        if decision is None:
            listed_total = listed.total
    list_first_seconds, list_seconds = list_timings[0], min(list_timings[1:3])
    # The list the old way in the same run, as a ratio: the year's re-referrals from every
    # record, then the first page's children's histories.
    from audit_tools.measures import find_re_referrals
    from qa_app.services.case_lists import child_histories
    started = time.perf_counter()
    found = find_re_referrals(referral_records(period.start, period.end), period)
    child_histories(r.referral.child_id for r in found[:100])
    old_list_seconds = time.perf_counter() - started
    first_page = [(r.referral.referral_id, r.previous.referral_id) for r, _ in re_referral_list(period, None, 1).rows]
    assert [(r.referral.referral_id, r.previous.referral_id) for r in found[:100]] == first_page
    # The same two pages as a signed-in QA lead's requests: routing, the audit trail's record
    # of the list being read, and the HTML, on top of the work above.
    from qa_app.models import Role, User
    from tests.helpers import make_user, sign_in
    email = "bench-qa-lead@test.casefile.test"
    if db.session.scalar(db.select(User).filter_by(email=email)) is None:
        make_user(Role.QA_LEAD, email=email)
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    requests = {}
    for name, url, clear in (("page_first_view", "/measures/?period=2014/15", True),
                             ("page_later_view", "/measures/?period=2014/15", False),
                             ("page_later_view", "/measures/?period=2014/15", False),
                             ("re_referral_list_page", "/measures/re-referrals?period=2014/15", False),
                             ("re_referral_list_page", "/measures/re-referrals?period=2014/15&page=131", False)):
        if clear:
            db.session.execute(db.delete(MeasuresCache))
            db.session.commit()
        started = time.perf_counter()
        response = client.get(url)
        requests.setdefault(name, []).append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
print(json.dumps({"seconds": min(timings), "all_seconds": timings, "cpu_seconds": cpu, "records_seconds": slow_seconds,
                  "dashboard_seconds": min(cold), "dashboard_cold_seconds": cold, "dashboard_kept_seconds": warm,
                  "re_referral_list_first_view_seconds": list_first_seconds,
                  "re_referral_list_seconds": list_seconds, "re_referral_list_all_seconds": list_timings,
                  "re_referral_list_cpu_seconds": list_cpu, "re_referral_list_old_way_seconds": old_list_seconds,
                  "re_referrals_listed": listed_total, "requests_seconds": requests, "summary": summary}))
"""


def postgres_baseline(url: str, referrals: Path, plans: Path) -> dict:
    """PostgreSQL's bare loads of the same rows: COPY, and executemany, into unindexed tables."""
    import psycopg
    seconds = {}
    with psycopg.connect(url, autocommit=True) as connection:
        for method in ("copy", "executemany"):
            for table in ("bench_referral", "bench_cp_plan"):
                connection.execute(f"DROP TABLE IF EXISTS {table}")
                connection.execute(f"CREATE TABLE {table} (child_id TEXT, item_id TEXT, day TEXT, "
                                   "decision TEXT, source TEXT, team TEXT)")
            started = time.perf_counter()
            for path, table in ((referrals, "bench_referral"), (plans, "bench_cp_plan")):
                with connection.transaction(), open(path, newline="") as handle:
                    rows = csv.reader(handle)
                    next(rows)
                    cursor = connection.cursor()
                    if method == "copy":
                        with cursor.copy(f"COPY {table} FROM STDIN") as copy:
                            for row in rows:
                                copy.write_row(row)
                    else:
                        cursor.executemany(f"INSERT INTO {table} VALUES (%s, %s, %s, %s, %s, %s)", list(rows))
            seconds[method] = time.perf_counter() - started
        for table in ("bench_referral", "bench_cp_plan"):
            connection.execute(f"DROP TABLE {table}")
    return seconds


def child(code: str, *args) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True,
                            text=True, check=True, env={**os.environ, "QA_ENV": "test"})
    return json.loads(result.stdout.strip().splitlines()[-1])


def migrate(url: str, instance: str) -> None:
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   check=True, capture_output=True,
                   env={**os.environ, "QA_ENV": "development", "DATABASE_URL": url, "QA_INSTANCE_DIR": instance})


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=OUT) as scratch:
        folder = Path(scratch)
        started = time.perf_counter()
        referrals, plans = write_files(folder)
        print(f"Wrote {REFERRALS:,} referrals and {PLANS:,} plans in {time.perf_counter() - started:.1f} s")
        base = baseline(referrals, plans, folder)
        print(f"Baseline (csv + sqlite3.executemany): {base:.1f} s, load average {os.getloadavg()[0]:.1f}")
        results = {
            "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                        "platform": platform.platform(), "processor": platform.processor(),
                        "load_average": os.getloadavg()},
            "rows": {"referrals": REFERRALS, "plans": PLANS},
            "sqlite": run_database(f"sqlite:///{folder / 'casefile.sqlite3'}", folder, referrals, plans, base),
        }
        postgres = os.environ.get("BENCH_POSTGRES_URL")  # an empty database, e.g. the one .ci/run starts
        if postgres:
            bases = postgres_baseline(postgres, referrals, plans)
            print(f"PostgreSQL baselines: COPY {bases['copy']:.1f} s, executemany {bases['executemany']:.1f} s, "
                  f"load average {os.getloadavg()[0]:.1f}")
            results["postgresql"] = run_database(postgres, folder, referrals, plans, bases["copy"])
            results["postgresql"]["executemany_baseline_seconds"] = bases["executemany"]
        (OUT / "results.json").write_text(json.dumps(results, indent=2, default=str))
        print(f"Results: {OUT / 'results.json'}")


def run_database(url: str, folder: Path, referrals: Path, plans: Path, base: float) -> dict:
    name = url.split(":")[0]
    migrate(url, str(folder))
    referral_run = child(IMPORT_CHILD, url, str(folder), "referrals", str(referrals))
    plan_run = child(IMPORT_CHILD, url, str(folder), "cp-plans", str(plans))
    for kind, run in (("referrals", referral_run), ("plans", plan_run)):
        assert run["status"] == "succeeded", run["errors"]
        print(f"[{name}] Import of {kind}: {run['seconds']:.1f} s, peak memory {run['max_rss_mb']:.0f} MB, "
              f"{run['warnings']:,} data-quality warnings")
    ours = referral_run["seconds"] + plan_run["seconds"]
    # The same two files again: every row unchanged, so nothing should be written.
    referral_again = child(IMPORT_CHILD, url, str(folder), "referrals", str(referrals))
    plan_again = child(IMPORT_CHILD, url, str(folder), "cp-plans", str(plans))
    for kind, run in (("referrals", referral_again), ("plans", plan_again)):
        assert run["status"] == "succeeded", run["errors"]
        counted = run["counts"]["referrals" if kind == "referrals" else "cp_plans"]
        assert counted["added"] == counted["updated"] == 0, counted
        print(f"[{name}] Re-import of {kind}, all unchanged: {run['seconds']:.1f} s, "
              f"peak memory {run['max_rss_mb']:.0f} MB")
    again = referral_again["seconds"] + plan_again["seconds"]
    measures = child(MEASURES_CHILD, url)
    print(f"[{name}] Import ratio to baseline: {ours / base:.2f} (target 3 or less); "
          f"re-import: {again / base:.2f} (target 2 or less); load average {os.getloadavg()[0]:.1f}")
    print(f"[{name}] One year's measures (2014/15): {measures['seconds']:.2f} s (target 1 s or less); "
          f"from every record, the old way: {measures['records_seconds']:.2f} s")
    print(f"[{name}] Measures page's work for 2014/15: first view after an import {measures['dashboard_seconds']:.2f} s, "
          f"later views {min(measures['dashboard_kept_seconds']):.3f} s (target 1.5 s or less)")
    print(f"[{name}] Re-referrals list of {measures['re_referrals_listed']:,}, first view after an import: "
          f"{measures['re_referral_list_first_view_seconds']:.2f} s; later pages and views "
          f"{measures['re_referral_list_seconds']:.2f} s (target 1 s or less)")
    return {"baseline_seconds": base, "import_seconds": ours, "import_ratio": ours / base,
            "referral_import": referral_run, "plan_import": plan_run,
            "reimport_seconds": again, "reimport_ratio": again / base,
            "referral_reimport": referral_again, "plan_reimport": plan_again,
            "load_average_after_imports": os.getloadavg(),
            "peak_memory_mb": max(r["max_rss_mb"] for r in (referral_run, plan_run, referral_again, plan_again)),
            **{key: value for key, value in measures.items() if key != "summary"},
            "measures": measures["summary"]}

if __name__ == "__main__":
    main()
