"""Issue 24: one round of errors. An upload with cell errors and a duplicate id names both at
once (file, row, column), so the council corrects the file once rather than twice."""
from qa_app.models import ImportBatch, Role
from qa_app.extensions import db
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, sign_in


def test_cell_errors_and_a_duplicate_referral_id_are_reported_together(app, client, tmp_path):
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "referrals-june.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2015-13-45", "nfa", "", "North"],       # row 2: no such date
            ["C2", "R2", "2015-05-01", "assessment", "", "North"],
            ["C3", "R2", "2015-05-02", "assessment", "", "North"],  # row 4: R2 again
            ["C4", "R4", "2015-05-03", "not a decision", "", "North"]]))  # row 5: unknown decision
        errors = [(e["file"], e["location"], e["column"]) for e in batch.errors]
        assert batch.status == "failed"
        assert ("referrals-june.csv", "row 2", "referral_date") in errors
        assert ("referrals-june.csv", "row 5", "decision") in errors
        duplicate = [e for e in batch.errors if e["column"] == "referral_id"]
        assert len(duplicate) == 1 and duplicate[0]["value"] == "R2" and duplicate[0]["location"] == "row 3"
        assert "there 2 times (row 3, row 4)" in duplicate[0]["expected"]
        assert batch.error_count == 3
        batch_id = batch.id
        qa = make_user(Role.QA_LEAD)
    sign_in(client, qa.email)
    page = client.get(f"/data/imports/{batch_id}").get_data(as_text=True)
    assert "referral_date" in page and "there 2 times (row 3, row 4)" in page


def test_a_duplicate_plan_id_is_reported_with_a_plans_cell_error(app, tmp_path):
    with app.app_context():
        batch = import_file("cp-plans", write_csv(tmp_path / "plans.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2014-01-01", "2013-01-01", "NEG", ""],  # ends before it starts
            ["C2", "P2", "2014-02-01", "", "NEG", ""],
            ["C3", "P2", "2014-03-01", "", "NEG", ""]]))
        assert batch.status == "failed"
        columns = {e["column"] for e in batch.errors}
        assert "plan_id" in columns and len(batch.errors) >= 2
        assert db.session.get(ImportBatch, batch.id).error_count == len(batch.errors)


def test_a_duplicate_id_is_counted_when_a_copy_also_has_a_cell_error(app, client, tmp_path):
    """Rows refused for a cell error are not staged, yet their id is in the file: a duplicate
    with such a row is named in the same round, not after the cell is put right."""
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "referrals-july.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2015-05-01", "nfa", "", "North"],
            ["C2", "R2", "2015-05-01", "assessment", "", "North"],   # row 3
            ["C3", "R2", "2015-13-45", "assessment", "", "North"],   # row 4: R2 again, and no such date
            ["C4", "R4", "2015-05-03", "not a decision", "", "North"],  # row 5: unknown decision
            ["C5", "R4", "2015-05-04", "nfa", "", "North"]]))         # row 6: R4 again
        assert batch.status == "failed"
        errors = [(e["file"], e["location"], e["column"]) for e in batch.errors]
        assert ("referrals-july.csv", "row 4", "referral_date") in errors
        assert ("referrals-july.csv", "row 5", "decision") in errors
        duplicates = {e["value"]: e for e in batch.errors if e["column"] == "referral_id"}
        assert set(duplicates) == {"R2", "R4"}
        assert duplicates["R2"]["location"] == "row 3" and duplicates["R2"]["file"] == "referrals-july.csv"
        assert "expected each referral_id once in the file" in duplicates["R2"]["expected"]
        assert "there 2 times (row 3, row 4)" in duplicates["R2"]["expected"]
        assert duplicates["R4"]["location"] == "row 5" and "there 2 times (row 5, row 6)" in duplicates["R4"]["expected"]
        assert batch.error_count == 4
        batch_id = batch.id
        qa = make_user(Role.QA_LEAD)
    sign_in(client, qa.email)
    page = client.get(f"/data/imports/{batch_id}").get_data(as_text=True)
    assert "there 2 times (row 3, row 4)" in page and "there 2 times (row 5, row 6)" in page


def test_a_duplicate_id_whose_every_copy_has_a_cell_error_is_named_too(app, tmp_path):
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "R7", "2015-13-45", "nfa", "", "North"],
            ["C2", "R7", "2015-05-01", "not a decision", "", "North"],
            ["C3", "R8", "2015-05-02", "nfa", "", "North"]]))
        duplicate = [e for e in batch.errors if e["column"] == "referral_id"]
        assert len(duplicate) == 1 and duplicate[0]["value"] == "R7"
        assert "there 2 times (row 2, row 3)" in duplicate[0]["expected"]


def test_a_duplicate_plan_id_on_a_plan_that_ends_before_it_starts_is_named(app, tmp_path):
    with app.app_context():
        batch = import_file("cp-plans", write_csv(tmp_path / "plans.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2014-01-01", "", "NEG", ""],
            ["C2", "P1", "2014-02-01", "2013-01-01", "NEG", ""]]))  # row 3: P1 again, ends before it starts
        assert ("row 3", "end_date") in [(e["location"], e["column"]) for e in batch.errors]
        duplicate = [e for e in batch.errors if e["column"] == "plan_id"]
        assert len(duplicate) == 1 and "there 2 times (row 2, row 3)" in duplicate[0]["expected"]
        assert batch.error_count == 2
