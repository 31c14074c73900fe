"""The measures benchmark on its own, over a million-row database loaded once and kept.

`python -m bench.measures` loads bench/out/measures/ (the same generated files and the app's
own import path as bench/run.py) the first time, and on later runs only migrates and measures,
so the measures can be timed again and again without re-importing a million rows. With
BENCH_POSTGRES_URL it does the same on that PostgreSQL database (loaded when it has no
referrals). Delete bench/out/measures/ (or drop the PostgreSQL database) to load afresh.
"""
import json
import os
import sys
from pathlib import Path

from bench.run import IMPORT_CHILD, MEASURES_CHILD, OUT, PLANS, REFERRALS, child, migrate, write_files

KEPT = OUT / "measures"


def files() -> tuple[Path, Path]:
    KEPT.mkdir(parents=True, exist_ok=True)
    referrals, plans = KEPT / "referrals.csv", KEPT / "cp-plans.csv"
    if not (referrals.exists() and plans.exists()):
        write_files(KEPT)
    return referrals, plans


def loaded(url: str) -> bool:
    from sqlalchemy import create_engine, inspect, text
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            if "referral" not in inspect(connection).get_table_names():
                return False
            return bool(connection.execute(text("SELECT count(*) FROM referral")).scalar())
    finally:
        engine.dispose()


def prepare(url: str) -> None:
    """Migrate (cheap when already at head) and load the files once."""
    migrate(url, str(KEPT))
    if loaded(url):
        return
    referrals, plans = files()
    for kind, path in (("referrals", referrals), ("cp-plans", plans)):
        run = child(IMPORT_CHILD, url, str(KEPT), kind, str(path))
        assert run["status"] == "succeeded", run["errors"]
        print(f"Loaded {kind} into {url.split(':')[0]} in {run['seconds']:.1f} s", flush=True)


def main() -> None:
    urls = {"sqlite": f"sqlite:///{KEPT / 'casefile.sqlite3'}"}
    if os.environ.get("BENCH_POSTGRES_URL"):
        urls["postgresql"] = os.environ["BENCH_POSTGRES_URL"]
    only = sys.argv[1:] or list(urls)
    results = {}
    for name in only:
        prepare(urls[name])
        if "--load-only" in os.environ.get("BENCH_MEASURES", ""):
            continue
        load = os.getloadavg()
        measures = child(MEASURES_CHILD, urls[name])
        measures["load_average"] = [load, os.getloadavg()]
        results[name] = measures
        print(f"[{name}] load average {load[0]:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
        print(json.dumps({k: v for k, v in measures.items() if k != "summary"}, indent=1), flush=True)
    kept = OUT / "measures.json"
    earlier = json.loads(kept.read_text()) if kept.exists() else {}
    kept.write_text(json.dumps({**earlier, **results}, indent=2, default=str))


if __name__ == "__main__":
    main()
