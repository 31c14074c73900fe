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
