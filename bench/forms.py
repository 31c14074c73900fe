"""Benchmark: 30 simulated auditors opening and saving audit forms against gunicorn on SQLite.

Each auditor signs in, then 10 times opens their case audit form and saves it with a changed
answer, pausing 0.5 to 1.5 s between requests (a brisk person; BENCH_THINK=0 removes the pause
for a stress run). Latencies of the form requests are compared with a baseline run in the same process
run: the same 30 threads asking for /health (one trivial query), so the ratio says what the app's
own work costs on this machine. Target: p95 of 300 ms or less, and no errors.
"""
import http.cookiejar
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
USERS, ROUNDS, WORKERS = 30, 10, int(os.environ.get("BENCH_WORKERS", "4"))
THINK = float(os.environ.get("BENCH_THINK", "1"))
PASSWORD = "bench-password-2026"

SEED = """
import sys
from datetime import date
from audit_tools.sampling import SampleRequest
from qa_app import create_app
from qa_app.services import accounts, imports, programmes
app = create_app()
with app.app_context():
    ids = [accounts.create_user(email=f"auditor{i}@bench.test", display_name=f"Auditor {i}",
                                password=sys.argv[2], roles=["auditor"]).id for i in range(int(sys.argv[3]))]
    rows = "child_id,referral_id,referral_date,decision\\n" + "".join(
        f"C{i},A{i},2014-03-01,nfa\\nC{i},B{i},2014-05-01,assessment\\n" for i in range(len(ids)))
    path = sys.argv[1] + "/bench-referrals.csv"
    open(path, "w").write(rows)
    imports.run_import(imports.queue_import("referrals", path, "bench-referrals.csv").id)
    programme = programmes.create_programme(name="Bench", theme="", questionnaire_id="re-referral-audit",
                                            frame_kind="re-referrals", period_text="Q1 2014/15")
    programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
    programmes.assign_round_robin(programme.id, ids, date(2027, 1, 1))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    def __init__(self, base):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, data=body, timeout=30) as response:
                html, status = response.read().decode(), response.status
        except urllib.error.HTTPError as error:
            html, status = error.read().decode(), error.code
        return html, status, (time.perf_counter() - started) * 1000


def csrf(html):
    return re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def auditor_session(base, number, timings, errors):
    pause = random.Random(number)
    browser = Browser(base)
    html, _, _ = browser.request("/sign-in")
    html, status, _ = browser.request("/sign-in", {"csrf_token": csrf(html), "email": f"auditor{number}@bench.test",
                                                   "password": PASSWORD})
    audit = re.search(r'href="/audits/(\d+)"', html)
    if not audit:
        errors.append(f"auditor {number}: no audit on the home page (status {status})")
        return
    url = f"/audits/{audit.group(1)}/lead"
    for round_number in range(ROUNDS):
        time.sleep(THINK * pause.uniform(0.5, 1.5))
        html, status, ms = browser.request(url)
        timings.append(ms)
        if status != 200:
            errors.append(f"GET {status}")
            continue
        time.sleep(THINK * pause.uniform(0.5, 1.5))
        version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
        html, status, ms = browser.request(url, {"csrf_token": csrf(html), "version": version, "action": "save",
                                                 "what_changed": f"Round {round_number}", "consent": "yes"})
        timings.append(ms)
        if status != 200 or "Your answers have been saved" not in html:
            errors.append(f"POST {status}")


def baseline_session(base, timings, errors):
    pause = random.Random(0)
    browser = Browser(base)
    for _ in range(ROUNDS * 2):
        time.sleep(THINK * pause.uniform(0.5, 1.5))
        _, status, ms = browser.request("/health")
        timings.append(ms)
        if status != 200:
            errors.append(f"health {status}")


def run_threads(target, args_list):
    threads = [threading.Thread(target=target, args=args) for args in args_list]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "QA_ENV": "development", "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
               "SECRET_KEY": "b" * 64, "QA_INSTANCE_DIR": folder}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run(flask + ["db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([sys.executable, "-c", SEED, folder, PASSWORD, str(USERS)], cwd=ROOT, env=env, check=True)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--threads", "4",
                                   "--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"],
                                  cwd=ROOT, env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.1)
            base_timings, base_errors = [], []
            run_threads(baseline_session, [(base, base_timings, base_errors)] * USERS)
            timings, errors = [], []
            seconds = run_threads(auditor_session, [(base, n, timings, errors) for n in range(USERS)])
        finally:
            server.terminate()
            server.wait(10)
    result = {"users": USERS, "rounds": ROUNDS, "think_seconds": THINK, "gunicorn_workers": WORKERS,
              "requests": len(timings),
              "seconds": round(seconds, 1), "errors": errors[:10], "error_count": len(errors),
              "p50_ms": round(statistics.median(timings), 1), "p95_ms": round(percentile(timings, 95), 1),
              "max_ms": round(max(timings), 1),
              "baseline_health_p95_ms": round(percentile(base_timings, 95), 1),
              "p95_ratio_to_baseline": round(percentile(timings, 95) / percentile(base_timings, 95), 1)}
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "forms.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
