"""Benchmark of the findings workbook (make bench): a programme of 5,000 case audits of 80
questions, written by audit_tools.workbooks, against a bare openpyxl write-only workbook of the
same cells (every table's values, one sheet per table, no styles, tables, charts or checks) written
in the same run. Each side runs in a child process so its peak memory (max RSS) is its own.

    python -m bench.exports            # both, printed and written to bench/out/exports.json
"""
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
AUDITS, QUESTIONS = 5_000, 80
REPEATS = int(os.environ.get("BENCH_REPEATS", 2))
TYPES = ("met", "met", "met", "choice", "grade", "long_text", "date", "number")


def questionnaire():
    from audit_tools.questionnaires import parse_questionnaire
    lines = ["id: bench", "version: 1", "title: Benchmark audit", "sections:"]
    for s in range(8):
        lines += [f"  - id: s{s}", f"    title: Section {s}", "    questions:"]
        for q in range(QUESTIONS // 8):
            n = s * 10 + q
            kind = "grade" if n == QUESTIONS - 1 else TYPES[n % len(TYPES)]
            qid = "overall_grade" if n == QUESTIONS - 1 else f"q{n:02d}"
            options = ", options: [One, Two, Three]" if kind == "choice" else ""
            lines.append(f"      - {{id: {qid}, label: \"Question {n} about the case\", type: {kind}{options}}}")
    return parse_questionnaire("\n".join(lines), "bench.yaml")


def answer(question, rng):
    return {"met": lambda: rng.choice(("yes", "no", "partly", "not_applicable", "not_evidenced")),
            "choice": lambda: rng.choice(question.options),
            "grade": lambda: rng.choice(("Outstanding", "Good", "Requires improvement to be good", "Inadequate")),
            "long_text": lambda: "The plan was reviewed but the child's voice is not recorded. " * rng.randint(1, 4),
            "date": lambda: date(2015, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
            "number": lambda: str(rng.randint(0, 40))}[question.type]()


def findings_export():
    from audit_tools.findings import agreement
    from audit_tools.programme_findings import AuditRecord, programme_findings
    from audit_tools.workbooks.findings_workbook import FindingsExport
    from audit_tools.workbooks.pseudonyms import Pseudonymiser
    rng = random.Random(9)
    q = questionnaire()
    questions = q.questions()
    audits = [AuditRecord(case_audit_id=i, case_id=f"R{i:06d}", child_id=f"C{i // 2:06d}",
                          team=rng.choice(("North", "South", "Compass", "Central")), status="submitted",
                          lead_answers={x.id: answer(x, rng) for x in questions}, audited_on=date(2015, 9, 1))
              for i in range(AUDITS)]
    started = time.perf_counter()
    findings = programme_findings(q, audits, sampled=AUDITS)
    aggregation = time.perf_counter() - started
    report = SimpleNamespace(overall=agreement([("Good", "Good")]), by_question={}, by_auditor={})
    return FindingsExport("Benchmark", [("What this is", ["A benchmark."])], q, [], audits,
                          {i: "Alex Auditor" for i in range(AUDITS)}, findings, report,
                          Pseudonymiser("b" * 32)), aggregation


def child(which: str, path: str) -> None:
    from audit_tools.workbooks.findings_workbook import findings_sheets, write_findings_workbook
    data, aggregation = findings_export()
    if which == "export":
        started = time.perf_counter()
        write_findings_workbook(data, path)
        seconds = time.perf_counter() - started
    else:
        from openpyxl import Workbook
        from audit_tools.workbooks.layout import cell  # noqa: F401  (same imports loaded on both sides)
        # The same cells: every table's header and values (ids already pseudonymised), as plain values.
        sheets = [(s.name, [[c.name for c in s.columns]] + [list(r) for r in s.rows]) for s in findings_sheets(data)]
        started = time.perf_counter()
        wb = Workbook(write_only=True)
        for name, rows in sheets:
            ws = wb.create_sheet(name)
            for row in rows:
                ws.append(row)
        wb.save(path)
        seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 2), "peak_mb": round(peak_mb), "aggregation_s": round(aggregation, 2),
                      "bytes": Path(path).stat().st_size}))


def run(which: str, folder: Path) -> dict:
    path = folder / f"{which}.xlsx"
    result = subprocess.run([sys.executable, "-m", "bench.exports", "--child", which, str(path)],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    # Alternate the two sides and keep each one's fastest run: other work on a shared machine
    # slows whichever side it happens to overlap.
    runs = {"baseline": [], "export": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(REPEATS):
            for which in runs:
                runs[which].append(run(which, Path(folder)))
    baseline, export = (min(runs[w], key=lambda r: r["seconds"]) for w in ("baseline", "export"))
    results = {"audits": AUDITS, "questions": QUESTIONS, "runs": runs, "baseline": baseline, "export": export,
               "ratio": round(export["seconds"] / baseline["seconds"], 2),
               "machine": f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "exports.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3])
    else:
        main()
