"""Writing small case data files for tests, and importing them the way the app does."""
import csv
from pathlib import Path

from openpyxl import Workbook

from qa_app.extensions import db
from qa_app.models import CPPlan, Referral
from qa_app.services import imports

FIXTURES = Path(__file__).resolve().parent / "fixtures"
REFERRAL_HEADINGS = ["child_id", "referral_id", "referral_date", "decision", "source", "team"]
PLAN_HEADINGS = ["child_id", "plan_id", "start_date", "end_date", "category", "team"]


def write_csv(path, headings, rows) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headings)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, headings, rows) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headings)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def import_file(kind, path, file_name=None):
    """Queue and run an import synchronously (call inside an app context)."""
    batch = imports.queue_import(kind, path, file_name or Path(path).name)
    return imports.run_import(batch.id)


def counts():
    return (db.session.scalar(db.select(db.func.count(Referral.id))),
            db.session.scalar(db.select(db.func.count(CPPlan.id))))
