"""Calibration exercises (issue 26): a QA lead sets a case, invited auditors grade it apart, and
at close a report compares them with each other and with the reference answers."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app import models as calibration_models
from qa_app.models import AuditEvent, AuditProgramme, CaseAudit, Role
from qa_app.services import calibration, findings, moderation, programmes
from qa_app.services.board_pack import closed_programme_rows
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in
from tests.test_page_clarity import repeated_ids
from tests.workbook_checks import check_workbook, libreoffice_convert, need_libreoffice

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "Mum's new partner, see R-B0 notes",
           "threshold_of_need": "yes", "threshold_document_used": "yes", "overall_grade": "Good"}
LATER = date.today() + timedelta(days=14)
GOOD, RI, INADEQUATE = "Good", "Requires improvement to be good", "Inadequate"


def _events(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


@pytest.fixture
def moderated(app, tmp_path):
    """A moderated re-referral audit of child C0 (case R-B0), the moderator grading RI."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C0", "R-A0", "2014-03-01", "nfa", "", "North"], ["C0", "R-B0", "2014-05-01", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audit = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))[0]
        save_part(audit.id, LEAD, ANSWERS, audit.version, submit=True, user=auditor)
        lead = make_user(Role.QA_LEAD)
        moderation.moderate(audit.id, {"overall_grade": RI}, {"overall_grade": "Plan not SMART"},
                            outcome="accepted", comments=None, user=lead)
        auditors = [make_user(Role.AUDITOR, name=f"Auditor {n}") for n in (1, 2, 3)]
        return {"programme": programme.id, "audit": audit.id, "lead": lead, "auditors": auditors,
                "author": auditor}


def _case_study(lead, **kwargs):
    return calibration.create_case_study(title=kwargs.get("title", "Front door study"),
                                         questionnaire="re-referral-audit:1",
                                         case_text="Amy, 7, referred twice by school.", user=lead)


def _released(w, exercise, reference=None):
    calibration.update_draft(exercise.id, case_text=exercise.case_text,
                             reference=reference or {"consent": "yes", "overall_grade": GOOD}, user=w["lead"])
    calibration.invite(exercise.id, [a.id for a in w["auditors"]], LATER, user=w["lead"])


def test_an_exercise_from_a_moderated_audit_shows_its_case_pseudonymised_with_moderated_reference(app, moderated):
    with app.app_context():
        exercise = calibration.create_from_audit(moderated["audit"], title="Round table", user=moderated["lead"])
        assert exercise.status == "draft"
        # Ids become pseudonyms, in the case history and in the auditor's free text alike.
        assert "C0" not in exercise.case_text and "R-B0" not in exercise.case_text
        assert "CH-" in exercise.case_text and "CA-" in exercise.case_text
        assert "Mum's new partner" in exercise.case_text
        # The moderated answers are the reference: the moderator's grade, not the auditor's; no free text.
        assert exercise.reference_answers["overall_grade"] == RI
        assert exercise.reference_answers["consent"] == "yes"
        assert "what_changed" not in exercise.reference_answers
        assert _events("calibration_exercise_created")[0].object_id == str(exercise.id)


def test_only_a_moderated_audit_can_be_the_case(app, moderated):
    with app.app_context():
        submitted_only = db.session.scalars(db.select(CaseAudit).where(CaseAudit.id != moderated["audit"])).first()
        if submitted_only is not None:
            with pytest.raises(calibration.CalibrationRefused):
                calibration.create_from_audit(submitted_only.id, title="No", user=moderated["lead"])
        with pytest.raises(calibration.CalibrationRefused) as refused:
            calibration.create_from_audit(moderated["audit"], title="", user=moderated["lead"])
        assert "title" in refused.value.problems


def test_the_qa_lead_edits_the_case_text_before_release_and_not_after(app, moderated):
    with app.app_context():
        exercise = calibration.create_from_audit(moderated["audit"], title="Round table", user=moderated["lead"])
        calibration.update_draft(exercise.id, case_text="Reviewed: the family's name taken out.",
                                 reference=exercise.reference_answers, user=moderated["lead"])
        _released(moderated, exercise, reference=exercise.reference_answers)
        assert exercise.case_text == "Reviewed: the family's name taken out."
        with pytest.raises(calibration.CalibrationRefused):
            calibration.update_draft(exercise.id, case_text="Changed later", reference={}, user=moderated["lead"])


def test_inviting_needs_auditors_a_future_closing_date_and_a_reference(app, moderated):
    with app.app_context():
        exercise = _case_study(moderated["lead"])
        with pytest.raises(calibration.CalibrationRefused) as refused:
            calibration.invite(exercise.id, [], date.today() - timedelta(days=1), user=moderated["lead"])
        assert {"auditors", "closes_on", "reference"} <= set(refused.value.problems)
        _released(moderated, exercise)
        assert exercise.status == "open" and len(exercise.participants) == 3
        assert _events("calibration_invited")[0].details["invited"] == 3


def test_each_auditor_answers_alone_and_sees_nobody_elses_answers_before_close(app, moderated):
    with app.app_context():
        exercise = _case_study(moderated["lead"])
        _released(moderated, exercise)
        one, two, three = moderated["auditors"]
        calibration.save_answers(exercise.id, {**ANSWERS, "overall_grade": GOOD}, user=one, submit=True)
        assert _events("calibration_answered")[0].details == {"submitted": True, "questions": len(ANSWERS)}
        with pytest.raises(calibration.CalibrationRefused):
            calibration.report_for(exercise.id, two)  # not closed: no report for anyone
        with pytest.raises(calibration.CalibrationRefused):
            calibration.save_answers(exercise.id, {**ANSWERS, "overall_grade": RI}, user=one, submit=True)
        outsider = make_user(Role.AUDITOR)
        with pytest.raises(calibration.CalibrationRefused):
            calibration.save_answers(exercise.id, ANSWERS, user=outsider, submit=True)
        assert calibration.exercise_for(exercise.id, outsider) is None
        assert calibration.exercise_for(exercise.id, two) is not None


def test_calibration_answers_never_reach_findings_or_the_board_pack(app, moderated):
    with app.app_context():
        programme = db.session.get(AuditProgramme, moderated["programme"])
        programmes_before = findings.findings_for(programme)
        audits_before = db.session.scalar(db.select(db.func.count()).select_from(CaseAudit))
        db.session.get(AuditProgramme, moderated["programme"]).close(programme.created_at)
        db.session.commit()
        board_before = closed_programme_rows(date(2000, 1, 1), date(2100, 1, 1))
        exercise = calibration.create_from_audit(moderated["audit"], title="Round table", user=moderated["lead"])
        _released(moderated, exercise, reference=exercise.reference_answers)
        for auditor, grade in zip(moderated["auditors"], (INADEQUATE, INADEQUATE, INADEQUATE)):
            calibration.save_answers(exercise.id, {**ANSWERS, "overall_grade": grade}, user=auditor, submit=True)
        calibration.close(exercise.id, user=moderated["lead"])
        db.session.expire_all()
        programme = db.session.get(AuditProgramme, moderated["programme"])
        assert findings.findings_for(programme) == programmes_before
        assert closed_programme_rows(date(2000, 1, 1), date(2100, 1, 1)) == board_before
        assert db.session.scalar(db.select(db.func.count()).select_from(CaseAudit)) == audits_before


def _closed(w, grades, title="Front door study"):
    exercise = _case_study(w["lead"], title=title)
    _released(w, exercise)
    for auditor, grade in zip(w["auditors"], grades):
        if grade is not None:
            calibration.save_answers(exercise.id, {**ANSWERS, "overall_grade": grade}, user=auditor, submit=True)
    calibration.close(exercise.id, user=w["lead"])
    return exercise


def test_the_report_at_close_for_the_qa_lead_shows_everyone(app, moderated):
    with app.app_context():
        exercise = _closed(moderated, (GOOD, RI, None))  # the third auditor never answered
        assert _events("calibration_closed")[0].details["answered"] == 2
        view = calibration.report_for(exercise.id, moderated["lead"])
        grade = next(q for q in view.report.questions if q.question.id == "overall_grade")
        assert grade.spread[GOOD] == 1 and grade.spread[RI] == 1 and grade.not_answered == 1
        assert grade.exact == 1 and grade.within_one == 2
        consent = next(q for q in view.report.questions if q.question.id == "consent")
        assert consent.kappa is None and consent.kappa_note  # everyone answered alike
        assert [q.question.id for q in view.report.widest_spread] == ["overall_grade"]
        assert view.everyone and len(view.rows) == 3


def test_an_auditor_sees_only_their_own_answers_beside_the_reference_and_the_spread(app, moderated):
    with app.app_context():
        exercise = _closed(moderated, (GOOD, RI, None))
        view = calibration.report_for(exercise.id, moderated["auditors"][1])
        assert not view.everyone
        assert [row.name for row in view.rows] == ["You"]
        assert view.rows[0].answers["overall_grade"] == RI
        grade = next(q for q in view.report.questions if q.question.id == "overall_grade")
        assert grade.spread[GOOD] == 1  # the group's spread, without who gave what
        assert calibration.report_for(exercise.id, make_user(Role.AUDITOR)) is None


def test_a_single_participant_exercise_closes_with_agreement_and_no_kappa(app, moderated):
    with app.app_context():
        moderated["auditors"] = moderated["auditors"][:1]
        exercise = _closed(moderated, (RI,))
        view = calibration.report_for(exercise.id, moderated["lead"])
        grade = next(q for q in view.report.questions if q.question.id == "overall_grade")
        assert grade.kappa is None and "two or more" in grade.kappa_note
        assert grade.within_one == 1 and grade.exact == 0


def test_a_new_round_repeats_the_case_and_the_report_compares_rounds(app, moderated):
    with app.app_context():
        first = _closed(moderated, (GOOD, INADEQUATE, RI))
        second = calibration.new_round(first.id, user=moderated["lead"])
        assert second.round_number == 2 and second.case_text == first.case_text
        assert second.reference_answers == first.reference_answers and second.status == "draft"
        calibration.invite(second.id, [a.id for a in moderated["auditors"]], LATER, user=moderated["lead"])
        for auditor in moderated["auditors"]:
            calibration.save_answers(second.id, {**ANSWERS, "overall_grade": GOOD}, user=auditor, submit=True)
        calibration.close(second.id, user=moderated["lead"])
        view = calibration.report_for(second.id, moderated["lead"])
        rounds = {row.question.id: row for row in view.rounds}
        assert [r.round_number for r in view.round_list] == [1, 2]
        assert rounds["overall_grade"].exact_shares == [pytest.approx(1 / 3), 1.0]


def test_the_report_exports_pseudonymised_unless_names_are_chosen(app, moderated):
    with app.app_context():
        exercise = _closed(moderated, (GOOD, RI, None), title="=HYPERLINK(\"http://x\")")
        buffer = io.BytesIO()
        name = calibration.export_report(exercise.id, buffer, user=moderated["lead"], names=False)
        assert name.endswith(".xlsx") and "Auditor" not in name
        book = check_workbook(io.BytesIO(buffer.getvalue()), "Calibration report")  # the export layout's rules
        assert book.sheetnames == ["Cover", "Contents", "Notes", "By question", "Spread", "Participants", "Rounds"]
        text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
        assert "Auditor 1" not in text and "Participant 1" in text
        titles = [c for ws in book for row in ws.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
        assert titles and all(c.data_type == "s" for c in titles)  # text, never a formula
        assert "[z]" in text  # consent: everyone alike, kappa undefined
        event = _events("calibration_exported")[0]
        assert event.details["names"] is False
        named = io.BytesIO()
        calibration.export_report(exercise.id, named, user=moderated["lead"], names=True)
        book = load_workbook(io.BytesIO(named.getvalue()))
        text = " ".join(str(c.value) for ws in book for row in ws.iter_rows() for c in row if c.value is not None)
        assert "Auditor 1" in text


# --- the pages ---------------------------------------------------------------------------------

def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def test_the_pages_from_creation_to_report(app, moderated):
    lead, (one, two, three) = moderated["lead"], moderated["auditors"]
    qa = _client(app, lead)
    response = post_form(qa, "/calibration/new", {"title": "Threshold study", "source": "case_study",
                                                  "questionnaire": "re-referral-audit:1",
                                                  "case_text": "Amy, 7, referred twice by school."})
    assert response.status_code == 302
    url = response.headers["Location"]
    page = qa.get(url).get_data(as_text=True)
    assert "Amy, 7, referred twice by school." in page
    response = post_form(qa, url + "/reference", {"overall_grade": GOOD, "consent": "yes",
                                                  "case_text": "Amy, 7, referred twice by school. Reviewed."})
    assert response.status_code == 302
    response = post_form(qa, url + "/invite", {"auditors": [str(one.id), str(two.id), str(three.id)],
                                               "closes_on": [str(LATER.day), str(LATER.month), str(LATER.year)]})
    assert response.status_code == 302
    for auditor, grade in ((one, GOOD), (two, INADEQUATE)):
        client = _client(app, auditor)
        assert "Threshold study" in client.get("/calibration/").get_data(as_text=True)
        response = post_form(client, url + "/answer", {**ANSWERS, "overall_grade": grade, "action": "submit"})
        assert response.status_code == 302, response.get_data(as_text=True)[:3000]
        assert client.get(url + "/report").status_code == 404  # not closed yet
    assert post_form(qa, url + "/close").status_code == 302
    report = qa.get(url + "/report").get_data(as_text=True)
    assert "Auditor 1" in report and "Auditor 2" in report and "[z]" in report
    mine = _client(app, two).get(url + "/report").get_data(as_text=True)
    assert "Auditor 1" not in mine and "Your answer" in mine
    download = post_form(qa, url + "/report.xlsx", {})
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"


def test_no_calibration_page_repeats_an_id(app, moderated):
    with app.app_context():
        exercise = _closed(moderated, (GOOD, RI, None))
        draft = calibration.create_from_audit(moderated["audit"], title="Draft", user=moderated["lead"])
        opened = _case_study(moderated["lead"])
        _released(moderated, opened)
    qa, auditor = _client(app, moderated["lead"]), _client(app, moderated["auditors"][0])
    for client, path in ((qa, "/calibration/"), (qa, "/calibration/new"), (qa, f"/calibration/{draft.id}"),
                         (qa, f"/calibration/{opened.id}"), (qa, f"/calibration/{exercise.id}"),
                         (qa, f"/calibration/{exercise.id}/report"), (auditor, f"/calibration/{opened.id}/answer"),
                         (auditor, f"/calibration/{exercise.id}/report")):
        response = client.get(path)
        assert response.status_code == 200, path
        assert repeated_ids(response.get_data(as_text=True)) == set(), path


def test_a_case_study_keeps_its_attachment_for_participants_only(app, moderated):
    lead, (one, _, _) = moderated["lead"], moderated["auditors"]
    response = post_form(_client(app, lead), "/calibration/new", {
        "title": "With a file", "source": "case_study", "questionnaire": "re-referral-audit:1",
        "case_text": "See the chronology.", "attachments": (io.BytesIO(b"Chronology: day 1, day 2"), "chronology.txt")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    exercise_id = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        exercise = db.session.get(calibration_models.CalibrationExercise, exercise_id)
        [attachment] = exercise.attachments
        assert attachment.stored_name != "chronology.txt"
        _released(moderated, exercise)
        attachment_id = attachment.id
    url = f"/calibration/{exercise_id}/attachments/{attachment_id}"
    download = _client(app, one).get(url)
    assert download.status_code == 200 and download.data == b"Chronology: day 1, day 2"
    assert download.headers["Cache-Control"] == "no-store"
    download.close()
    assert _client(app, make_user_in(app)).get(url).status_code == 404  # not invited
    with app.app_context():
        assert _events("calibration_attachment_downloaded")[0].user_id == one.id


def test_a_refused_attachment_is_named_and_the_exercise_not_made(app, moderated):
    response = post_form(_client(app, moderated["lead"]), "/calibration/new", {
        "title": "Bad file", "source": "case_study", "questionnaire": "re-referral-audit:1",
        "case_text": "x", "attachments": (io.BytesIO(b"MZ\x90\x00"), "run-me.exe")},
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "run-me.exe" in response.get_data(as_text=True)
    with app.app_context():
        assert _events("calibration_exercise_created") == []


def make_user_in(app):
    with app.app_context():
        return make_user(Role.AUDITOR)


def test_retention_deletes_a_moderated_audits_exercises_and_their_rounds_with_its_programme(app, moderated):
    from datetime import datetime
    from qa_app.services import retention
    with app.app_context():
        exercise = calibration.create_from_audit(moderated["audit"], title="Round table", user=moderated["lead"])
        _released(moderated, exercise, reference=exercise.reference_answers)
        calibration.save_answers(exercise.id, ANSWERS, user=moderated["auditors"][0], submit=True)
        calibration.close(exercise.id, user=moderated["lead"])
        calibration.new_round(exercise.id, user=moderated["lead"])
        programme = db.session.get(AuditProgramme, moderated["programme"])
        programme.close(datetime(2000, 1, 1))
        db.session.commit()
        report = retention.run(dry_run=False)
        assert report.programmes[0].rows["calibration_exercise"] == 2
        assert report.programmes[0].rows["calibration_participant"] == 3
        assert calibration.exercises_for(moderated["lead"]) == []


def test_the_calibration_workbook_opens_in_libreoffice_and_converts_to_pdf(app, moderated, tmp_path):
    need_libreoffice()
    with app.app_context():
        exercise = _closed(moderated, (GOOD, RI, None))
        path = tmp_path / "calibration.xlsx"
        with open(path, "wb") as target:
            calibration.export_report(exercise.id, target, user=moderated["lead"], names=False)
    libreoffice_convert([path], "pdf", tmp_path, tmp_path / "profile")
    assert (tmp_path / "calibration.pdf").stat().st_size > 0
