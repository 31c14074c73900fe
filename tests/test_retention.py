"""Retention: closed programmes' records go RETENTION_YEARS after closing, unless an admin holds them."""
import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import (Action, ActionUpdate, AuditEvent, AuditProgramme, CaseAudit, ImportBatch,
                           LegalHold, Referral, Role, Sample)
from qa_app.models.base import utcnow
from qa_app.services import actions, case_audits, programmes, retention
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form

ROWS = [["C1", "R1", "2014-03-01", "nfa", "", "North"], ["C1", "R2", "2014-05-01", "assessment", "", "North"],
        ["C2", "R3", "2014-03-02", "nfa", "", "North"], ["C2", "R4", "2014-05-02", "nfa", "", "North"]]


def closed_programme(name, years_ago, auditor, action_by=None):
    """A programme with drawn, assigned and saved case audits, closed years_ago years ago; with
    action_by (a QA lead, team manager pair), an action with an evidence file too."""
    programme = programmes.create_programme(name=name, theme="", questionnaire_id="re-referral-audit",
                                            frame_kind="re-referrals", period_text="Q1 2014/15")
    programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1, exclude_months=0)
    programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 31))
    for case_audit in db.session.scalars(select(CaseAudit).where(CaseAudit.programme_id == programme.id)):
        case_audits.save_part(case_audit.id, "lead", {"what_changed": "Notes about the family"}, 1,
                              submit=False, user=auditor)
    if action_by:
        qa, manager = action_by
        first = db.session.scalars(select(CaseAudit.id).where(CaseAudit.programme_id == programme.id)).first()
        action = actions.raise_action(programme.id, first, actions.NewAction(
            "Review the decision", "Threshold not applied", date.today() + timedelta(days=30), team="Compass"), qa)
        actions.record_progress(action.id, note="Register attached", upload=io.BytesIO(b"date,attended\n"),
                                upload_name="register.csv", user=manager)
    programme = db.session.get(AuditProgramme, programme.id)
    programme.status = "closed"
    programme.closed_at = utcnow() - timedelta(days=365 * years_ago + 2)
    db.session.commit()
    return programme.id


def count(model, **where):
    return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_a_dry_run_reports_and_a_run_deletes_only_what_is_past_retention_and_not_held(app, tmp_path):
    app.config["RETENTION_YEARS"] = 6
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, ROWS))
        import_file("referrals", write_csv(tmp_path / "bad.csv", REFERRAL_HEADINGS, [["C9", "R9", "x", "nfa", "", ""]]))
        auditor, admin = make_user(Role.AUDITOR), make_user(Role.ADMIN)
        people = make_user(Role.QA_LEAD), make_user(Role.TEAM_MANAGER, teams=["Compass"])
        old = closed_programme("Old", 7, auditor, action_by=people)
        evidence = Path(actions.evidence_dir()) / db.session.scalars(
            select(ActionUpdate.stored_name).where(ActionUpdate.stored_name.is_not(None))).one()
        assert evidence.exists()
        held = closed_programme("Held", 8, auditor)
        recent = closed_programme("Recent", 5, auditor)
        retention.place_hold(held, "Claim 2026/123", admin)
        old_batch = db.session.scalars(select(ImportBatch).where(ImportBatch.error_count > 0)).one()
        old_batch.finished_at = utcnow() - timedelta(days=365 * 7)
        db.session.commit()

    result = app.test_cli_runner().invoke(args=["retention", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Programmes to delete: 1" in result.output and f"#{old} Old" in result.output
    assert "case_audit 2" in result.output and "sample 1" in result.output and "action 1" in result.output
    assert f"#{held} Held" in result.output and "Claim 2026/123" in result.output
    assert "Recent" not in result.output and "Import reports to clear: 1" in result.output
    assert "Dry run: nothing was changed." in result.output
    with app.app_context():
        assert count(CaseAudit) == 6 and count(AuditProgramme) == 3

    result = app.test_cli_runner().invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "Programmes deleted: 1" in result.output
    with app.app_context():
        assert db.session.get(AuditProgramme, old) is None
        assert count(CaseAudit, programme_id=old) == 0 and count(Sample, programme_id=old) == 0
        assert count(Action) == 0 and count(ActionUpdate) == 0 and not evidence.exists()
        assert count(CaseAudit, programme_id=held) == 2 and count(CaseAudit, programme_id=recent) == 2
        assert count(Referral) == 4  # case data is the council's copy, refreshed by imports
        batch = db.session.scalars(select(ImportBatch).where(ImportBatch.error_count > 0)).one()
        assert batch.errors == [] and batch.error_count == 1
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "retention_applied")).one()
        assert event.object_id == str(old) and event.details["rows"]["case_audit"] == 2

    # Released, the held programme goes at the next run.
    with app.app_context():
        retention.release_hold(held, admin)
    assert "Programmes deleted: 1" in app.test_cli_runner().invoke(args=["retention"]).output
    with app.app_context():
        assert db.session.get(AuditProgramme, held) is None and count(LegalHold) == 0


def test_an_admin_places_and_releases_a_legal_hold_with_a_reason(app, client, login_as, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, ROWS))
        programme_id = closed_programme("Closed long ago", 9, make_user(Role.AUDITOR))
    login_as(Role.ADMIN)
    html = post_form(client, "/admin/legal-holds", {"programme_id": programme_id, "reason": " "}).get_data(as_text=True)
    assert "Enter the reason for the hold" in html and "<title>Error: " in html
    response = post_form(client, "/admin/legal-holds", {"programme_id": programme_id, "reason": "Inquiry LH-7"})
    assert response.status_code == 302
    html = client.get("/admin/legal-holds").get_data(as_text=True)
    assert "Held" in html and "Inquiry LH-7" in html
    assert "Programmes kept under a legal hold: 1" in app.test_cli_runner().invoke(args=["retention"]).output
    assert post_form(client, f"/admin/legal-holds/{programme_id}/release").status_code == 302
    with app.app_context():
        actions = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.action.like("legal_hold%")).order_by(AuditEvent.id)).all()
        assert actions == ["legal_hold_placed", "legal_hold_released"]
        assert db.session.get(AuditProgramme, programme_id) is not None
