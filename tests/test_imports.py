"""Imports: every format, all or nothing, every problem named, and data-quality warnings."""
from datetime import date, datetime

import pytest

from qa_app.extensions import db
from qa_app.models import AuditEvent, Child, CPPlan, ImportBatch, Referral, StagedReferral
from tests.case_data_helpers import (FIXTURES, PLAN_HEADINGS, REFERRAL_HEADINGS, counts, import_file,
                                     write_csv, write_xlsx)

GOOD_REFERRALS = [
    ["C1", "R1", "2015-04-01", "NFA", "6", "Compass"],
    ["C1", "R2", "01/06/2015", "Social work assessment", "2A", "Compass"],
    ["C2", "R3", "2015-05-20", "Strategy/S47", "", "North"],
]


def test_a_house_csv_imports_and_a_reimport_counts_added_updated_unchanged(app, tmp_path):
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "refs.csv", REFERRAL_HEADINGS, GOOD_REFERRALS))
        assert batch.status == "succeeded", batch.errors
        assert batch.counts["referrals"] == {"added": 3, "updated": 0, "unchanged": 3 - 3}
        assert batch.counts["children"]["added"] == 2
        r2 = db.session.scalars(db.select(Referral).filter_by(referral_id="R2")).one()
        assert (r2.referral_date, r2.decision, r2.source) == (date(2015, 6, 1), "assessment", "2A")
        changed = GOOD_REFERRALS[:2] + [["C2", "R3", "2015-05-20", "Early help", "", "North"],
                                        ["C3", "R4", "2015-07-01", "advice", "", ""]]
        again = import_file("referrals", write_csv(tmp_path / "refs2.csv", REFERRAL_HEADINGS, changed))
        assert again.counts["referrals"] == {"added": 1, "updated": 1, "unchanged": 2}
        db.session.expire_all()
        assert db.session.scalars(db.select(Referral.decision).filter_by(referral_id="R3")).one() == "early_help"
        assert counts() == (4, 0)


def test_one_bad_cell_writes_nothing_and_names_file_row_column_value(app, tmp_path):
    rows = GOOD_REFERRALS + [["C9", "R9", "31/02/2015", "NFA", "", ""]]
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "bad.csv", REFERRAL_HEADINGS, rows))
        assert batch.status == "failed"
        assert counts() == (0, 0)
        assert db.session.scalar(db.select(db.func.count(Child.child_id))) == 0
        assert db.session.scalar(db.select(db.func.count(StagedReferral.id))) == 0
        [error] = batch.errors
        assert error == {"file": "bad.csv", "location": "row 5", "column": "referral_date",
                         "value": "31/02/2015", "expected": error["expected"]}
        assert "real calendar date" in error["expected"]


def test_every_error_is_reported_in_one_go_with_the_first_hundred_shown(app, tmp_path):
    rows = [[f"C{i}", f"R{i}", "not a date", "maybe", "", ""] for i in range(80)]
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "many.csv", REFERRAL_HEADINGS, rows))
    assert batch.error_count == 160  # two bad cells in each of 80 rows
    assert len(batch.errors) == 100
    assert {e["column"] for e in batch.errors} == {"referral_date", "decision"}


def test_a_missing_column_is_named(app, tmp_path):
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "nocol.csv", ["child_id", "referral_id", "decision"],
                                                   [["C1", "R1", "NFA"]]))
    assert batch.status == "failed"
    assert batch.errors[0]["column"] == "referral_date"
    assert "a column headed 'referral_date'" in batch.errors[0]["expected"]


def test_duplicate_ids_in_a_file_are_an_error_naming_both_rows(app, tmp_path):
    rows = GOOD_REFERRALS + [["C5", "R2", "2015-08-01", "NFA", "", ""]]
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "dup.csv", REFERRAL_HEADINGS, rows))
        assert counts() == (0, 0)
    assert batch.status == "failed"
    [error] = batch.errors
    assert error["value"] == "R2" and "row 3" in error["expected"] and "row 5" in error["expected"]


def test_xlsx_with_real_dates_any_heading_case_and_extra_columns(app, tmp_path):
    headings = ["Team", "Decision", "Referral Date", "CHILD_ID", "Referral ID", "Child Name", "Address"]
    rows = [["North", "S47", datetime(2015, 4, 2), "C1", "R1", "A Name", "1 A Street"],
            ["", "section 47", "2015-04-03", 12345, "R2", "B Name", "2 B Street"]]
    with app.app_context():
        batch = import_file("referrals", write_xlsx(tmp_path / "refs.xlsx", headings, rows))
        assert batch.status == "succeeded", batch.errors
        assert batch.dropped_columns == ["Child Name", "Address"]
        assert db.session.scalars(db.select(Referral.child_id).order_by(Referral.referral_id)).all() == ["C1", "12345"]


def test_plans_import_and_a_plan_ending_before_it_starts_is_an_error(app, tmp_path):
    rows = [["C1", "P1", "2014-01-01", "2014-06-01", "Neglect", "North"],
            ["C1", "P2", "2015-05-01", "2015-04-01", "EMO", "North"]]
    with app.app_context():
        batch = import_file("cp-plans", write_csv(tmp_path / "plans.csv", PLAN_HEADINGS, rows))
        assert batch.status == "failed"
        assert batch.errors[0]["location"] == "row 3" and batch.errors[0]["column"] == "end_date"
        assert counts() == (0, 0)
        ok = import_file("cp-plans", write_csv(tmp_path / "plans2.csv", PLAN_HEADINGS, rows[:1]))
        assert ok.counts["cp_plans"]["added"] == 1
        assert db.session.scalars(db.select(CPPlan.category)).one() == "NEG"


def test_data_quality_warnings_do_not_stop_the_import(app, tmp_path):
    referrals = [["C1", "R1", "2015-04-01", "NFA", "", ""], ["C1", "R2", "2015-04-01", "NFA", "", ""]]
    plans = [["C1", "P1", "2015-04-20", "2015-04-20", "NEG", ""],
             ["C2", "P2", "2014-01-01", "", "NEG", ""], ["C2", "P3", "2015-01-01", "2015-06-01", "NEG", ""]]
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, referrals))
        batch = import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, plans))
    assert batch.status == "succeeded"
    messages = " | ".join(w["expected"] for w in batch.warnings)
    assert "Same child referred twice on the same date" in messages
    assert "Plan starts and ends on the same day" in messages
    assert "Overlapping child protection plans" in messages
    assert "NFA referral followed by a plan within 30 days" in messages


def test_the_annex_a_sample_imports_as_published(app):
    with app.app_context():
        batch = import_file("annex-a", FIXTURES / "Annex_A.xlsx")
        assert batch.status == "succeeded", batch.errors
        assert batch.counts["referrals"]["added"] == 6 and batch.counts["cp_plans"]["added"] == 7
        # List 5 shows a section 47 for this child on the day of the referral.
        decisions = dict(db.session.execute(db.select(Referral.child_id, Referral.decision)).all())
        assert decisions["6537810"] == "section_47" and decisions["4653765"] == "assessment"
        child = db.session.get(Child, "10721552")
        assert (child.sex, child.ethnicity) == ("Female", "NOBT")
        plan = db.session.scalars(db.select(CPPlan).filter_by(child_id="5358472")).one()
        assert (plan.category, plan.previous_plans, plan.end_date) == ("PHY", 1, None)
    assert "List 3: Allocated Worker" in batch.dropped_columns
    # Re-importing the same workbook changes nothing.
    with app.app_context():
        again = import_file("annex-a", FIXTURES / "Annex_A.xlsx")
    assert again.counts["referrals"] == {"added": 0, "updated": 0, "unchanged": 6}


def test_the_cin_census_sample_imports_as_published(app):
    with app.app_context():
        batch = import_file("cin-census", FIXTURES / "cin-2022.xml")
        assert batch.status == "succeeded", batch.errors
        referral = db.session.scalars(db.select(Referral)).one()
        assert (referral.child_id, referral.referral_date, referral.decision, referral.source) == \
            ("DfEX0000001", date(1970, 10, 6), "section_47", "1A")
        plan = db.session.scalars(db.select(CPPlan)).one()
        assert (plan.start_date, plan.end_date, plan.category, plan.previous_plans) == \
            (date(1970, 2, 17), date(1971, 3, 14), "PHY", 10)


def test_a_cin_census_with_a_bad_element_names_it(app, tmp_path):
    text = (FIXTURES / "cin-2022.xml").read_text().replace("<CPPstartDate>1970-02-17", "<CPPstartDate>17th Feb")
    path = tmp_path / "cin-bad.xml"
    path.write_text(text)
    with app.app_context():
        batch = import_file("cin-census", path)
        assert counts() == (0, 0)
    [error] = batch.errors
    assert error["location"] == "Child 1 (DfEX0000001) > CINdetails 1 > ChildProtectionPlans 1"
    assert error["column"] == "CPPstartDate" and error["value"] == "17th Feb"


def test_successful_and_refused_imports_are_in_the_audit_trail(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "ok.csv", REFERRAL_HEADINGS, GOOD_REFERRALS))
        import_file("referrals", write_csv(tmp_path / "bad.csv", REFERRAL_HEADINGS, [["C", "R", "x", "NFA", "", ""]]))
        actions = db.session.scalars(db.select(AuditEvent.action).where(
            AuditEvent.action.like("import%")).order_by(AuditEvent.id)).all()
    assert actions == ["import_uploaded", "import_succeeded", "import_uploaded", "import_failed"]


def test_an_annex_a_with_one_bad_cell_names_the_sheet_row_and_column(app, tmp_path):
    from openpyxl import load_workbook
    workbook = load_workbook(FIXTURES / "Annex_A.xlsx")
    workbook["List 7"]["G4"] = "sometime in 2021"  # Child Protection Plan Start Date, third plan
    path = tmp_path / "annex-bad.xlsx"
    workbook.save(path)
    with app.app_context():
        batch = import_file("annex-a", path)
        assert counts() == (0, 0)
    [error] = batch.errors
    assert (error["location"], error["column"], error["value"]) == \
        ("List 7, row 4", "Child Protection Plan Start Date", "sometime in 2021")
