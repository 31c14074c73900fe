"""Practitioners take part in the audit of their own case (issue 25): named by the lead auditor,
told by email and on their home page, shown the lead part once it is shared (read-only, each view
a case read), reflecting, agreeing or not with each grade, agreeing learning that both sides sign
off (then only added to), rating the audit; never changing a grade; never seeing another audit."""
import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, CaseAudit, PractitionerReview, Role, User
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from qa_app.services.participation import practitioners as service
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in
from tests.smtp_sink import SMTPSink

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "The family moved to Leeds",
           "threshold_of_need": "yes", "threshold_document_used": "yes", "overall_grade": "Good"}


@pytest.fixture
def world(app, tmp_path):
    """Two submitted audits by one lead auditor, in a programme that invites practitioners."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"],
            ["C2", "A2", "2014-03-01", "nfa", "", "North"], ["C2", "B2", "2014-05-01", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR)
        qa = make_user(Role.QA_LEAD)
        worker = make_user(Role.PRACTITIONER, email="worker@council.example", name="Pat Worker")
        other_worker = make_user(Role.PRACTITIONER, name="Olu Other")
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit in audits:
            programmes.reassign(audit.id, lead_auditor_id=auditor.id, section_auditors={}, due_date=None, user=qa)
            save_part(audit.id, LEAD, ANSWERS, 1, submit=True, user=auditor)
        service.set_how_practitioners_take_part(programme.id, "reflect_after", qa)
    return {"programme": programme.id, "audit": audits[0].id, "other_audit": audits[1].id, "auditor": auditor,
            "qa": qa, "worker": worker, "other_worker": other_worker}


def _client(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _events(action):
    return db.session.scalars(db.select(AuditEvent).filter_by(action=action)).all()


def _invited_and_shared(w):
    service.invite(w["audit"], w["worker"].id, w["auditor"])
    service.share(w["audit"], w["auditor"])


def _reflected(w, agrees="yes", why=""):
    service.reflect(w["audit"], "Saw the child alone", "Record the strategy discussion",
                    {"overall_grade": (agrees, why)}, w["worker"])


def test_a_programme_invites_practitioners_only_when_set_to(app, world):
    with app.app_context():
        programme = db.session.get(AuditProgramme, world["programme"])
        assert programme.practitioners_take_part == "reflect_after"
        service.set_how_practitioners_take_part(world["programme"], "not_at_all", world["qa"])
        with pytest.raises(service.PractitionerError, match="does not invite practitioners"):
            service.invite(world["audit"], world["worker"].id, world["auditor"])
        with pytest.raises(service.PractitionerError):
            service.set_how_practitioners_take_part(world["programme"], "sometimes", world["qa"])
        assert [e.details["to"] for e in _events("practitioners_take_part_set")] == ["reflect_after", "not_at_all"]


def test_a_new_programme_does_not_involve_practitioners(app):
    with app.app_context():
        assert AuditProgramme(name="x").practitioners_take_part in (None, "not_at_all")


def test_only_the_lead_auditor_names_a_practitioner_and_only_a_practitioner(app, world):
    with app.app_context():
        with pytest.raises(service.PractitionerError, match="lead auditor"):
            service.invite(world["audit"], world["worker"].id, make_user(Role.AUDITOR))
        with pytest.raises(service.PractitionerError, match="Choose a practitioner"):
            service.invite(world["audit"], world["qa"].id, world["auditor"])
        service.invite(world["audit"], world["worker"].id, world["auditor"])
        [event] = _events("practitioner_invited")
        assert event.details == {"case_audit": world["audit"], "practitioner": world["worker"].id}


def test_sharing_emails_the_practitioner_without_case_content(app, world):
    sink = SMTPSink()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=sink.port, PUBLIC_URL="https://qa.council.example")
    with app.app_context():
        _invited_and_shared(world)
        assert _events("practitioner_review_shared")
    sink.thread.join(5)
    [message] = sink.messages
    assert "worker@council.example" in message
    assert f"https://qa.council.example/practitioners/audits/{world['audit']}" in message
    for case_content in ("Leeds", "C1", "A1", "B1", "North"):
        assert case_content not in message.split("\n\n", 1)[1]


def test_no_email_without_smtp_but_the_home_page_says_so(app, world):
    with app.app_context():
        service.invite(world["audit"], world["worker"].id, world["auditor"])
    client = _client(app, world["worker"])
    assert f"/practitioners/audits/{world['audit']}" not in client.get("/").get_data(as_text=True)  # not shared yet
    with app.app_context():
        service.share(world["audit"], world["auditor"])
    home = client.get("/").get_data(as_text=True)
    assert "Audits you are invited to" in home
    assert f"/practitioners/audits/{world['audit']}" in home


def test_the_practitioner_sees_the_lead_part_only_once_shared_read_only_and_logged(app, world):
    with app.app_context():
        service.invite(world["audit"], world["worker"].id, world["auditor"])
    client = _client(app, world["worker"])
    assert client.get(f"/practitioners/audits/{world['audit']}").status_code == 404
    with app.app_context():
        service.share(world["audit"], world["auditor"])
        before = len(_events("case_read"))
    page = client.get(f"/practitioners/audits/{world['audit']}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "The family moved to Leeds" in html  # the lead part's answers
    assert f'action="/audits/{world["audit"]}/lead"' not in html  # nothing of the audit form
    with app.app_context():
        reads = _events("case_read")
        assert len(reads) == before + 1
        assert reads[-1].object_id == str(world["audit"]) and reads[-1].user_id == world["worker"].id


def test_a_practitioner_cannot_reach_another_audit_or_any_case_page(app, world):
    with app.app_context():
        _invited_and_shared(world)
    client = _client(app, world["worker"])
    assert client.get(f"/practitioners/audits/{world['other_audit']}").status_code == 404
    assert post_form(client, f"/practitioners/audits/{world['other_audit']}/reflection",
                     {"went_well": "x"}).status_code == 404
    for url in (f"/audits/{world['audit']}", f"/audits/{world['audit']}/lead", f"/moderation/{world['audit']}",
                f"/programmes/{world['programme']}", f"/programmes/{world['programme']}/findings"):
        assert client.get(url).status_code == 403, url
    other = _client(app, world["other_worker"])
    assert other.get(f"/practitioners/audits/{world['audit']}").status_code == 404
    assert "Saw the child alone" not in other.get("/").get_data(as_text=True)


def test_a_reflection_needs_both_answers_and_a_reason_where_the_practitioner_disagrees(app, world):
    with app.app_context():
        _invited_and_shared(world)
        with pytest.raises(service.PractitionerError) as refused:
            service.reflect(world["audit"], "", "", {"overall_grade": ("no", "")}, world["worker"])
        assert set(refused.value.problems) == {"went_well", "do_differently", "overall_grade_why"}
        _reflected(world, agrees="no", why="The plan was sound")
        review = db.session.scalars(db.select(PractitionerReview)).one()
        assert review.agreement == {"overall_grade": {"agrees": False, "why": "The plan was sound"}}
        assert review.took_part
        # Never a grade: the audit's answer is as the auditor left it.
        assert db.session.get(CaseAudit, world["audit"]).answers["overall_grade"] == "Good"
        [event] = _events("practitioner_reflection_recorded")
        assert event.details == {"case_audit": world["audit"], "disagrees_with": ["overall_grade"]}


def test_only_the_named_practitioner_reflects(app, world):
    with app.app_context():
        _invited_and_shared(world)
        with pytest.raises(service.PractitionerError):
            service.reflect(world["audit"], "a", "b", {"overall_grade": ("yes", "")}, world["other_worker"])


def test_both_sides_sign_off_the_learning_which_is_then_only_added_to(app, world):
    with app.app_context():
        _invited_and_shared(world)
        _reflected(world)
        with pytest.raises(service.PractitionerError, match="Record the learning"):
            service.sign_off(world["audit"], True, world["auditor"])
        service.record_learning(world["audit"], "Hold a strategy discussion within a day", world["auditor"])
        service.record_learning(world["audit"], "Hold a strategy discussion the same day", world["worker"])
        with pytest.raises(service.PractitionerError, match="confirm"):
            service.sign_off(world["audit"], False, world["worker"])
        service.sign_off(world["audit"], True, world["worker"])
        with pytest.raises(service.PractitionerError, match="signed off"):
            service.record_learning(world["audit"], "Something else", world["auditor"])
        with pytest.raises(service.PractitionerError, match="already signed"):
            service.sign_off(world["audit"], True, world["worker"])
        service.sign_off(world["audit"], True, world["auditor"])
        review = db.session.scalars(db.select(PractitionerReview)).one()
        assert review.signed_off and review.agreed_learning == "Hold a strategy discussion the same day"
        assert review.auditor_signed_off_at and review.practitioner_signed_off_at
        service.add_addendum(world["audit"], "Also tell the school", world["auditor"])
        with pytest.raises(service.PractitionerError):
            service.add_addendum(world["audit"], "x", world["other_worker"])
        assert [a.text for a in review.addenda] == ["Also tell the school"]
        assert [e.action for e in db.session.scalars(db.select(AuditEvent).where(
            AuditEvent.action.like("practitioner_learning%")).order_by(AuditEvent.id))] == [
            "practitioner_learning_recorded", "practitioner_learning_recorded", "practitioner_learning_signed_off",
            "practitioner_learning_signed_off", "practitioner_learning_added_to"]


def test_addenda_wait_for_a_sign_off(app, world):
    with app.app_context():
        _invited_and_shared(world)
        service.record_learning(world["audit"], "Learning", world["auditor"])
        with pytest.raises(service.PractitionerError, match="signed off"):
            service.add_addendum(world["audit"], "x", world["auditor"])


def test_usefulness_is_one_to_five_with_a_comment(app, world):
    with app.app_context():
        _invited_and_shared(world)
        with pytest.raises(service.PractitionerError):
            service.rate(world["audit"], "6", "", world["worker"])
        service.rate(world["audit"], "4", "Made me think", world["worker"])
        review = db.session.scalars(db.select(PractitionerReview)).one()
        assert (review.usefulness, review.usefulness_comment) == (4, "Made me think")
        assert _events("practitioner_usefulness_rated")


def test_the_moderator_sees_the_practitioners_view_beside_the_auditors(app, world):
    with app.app_context():
        _invited_and_shared(world)
        _reflected(world, agrees="no", why="The plan was sound")
    html = _client(app, world["qa"]).get(f"/moderation/{world['audit']}").get_data(as_text=True)
    assert "The practitioner's view" in html
    assert "Saw the child alone" in html and "The plan was sound" in html and "Disagrees" in html


def test_the_findings_count_involvement_agreement_and_usefulness(app, world):
    with app.app_context():
        _invited_and_shared(world)
        _reflected(world, agrees="no", why="The plan was sound")
        service.rate(world["audit"], "5", "", world["worker"])
        summary = service.involvement_for(db.session.get(AuditProgramme, world["programme"]))
        assert (summary.audits, summary.invited, summary.took_part, summary.signed_off) == (2, 1, 1, 0)
        [row] = summary.agreement
        assert (row.label, row.answered, row.agree, row.disagree) == (
            "Overall grade for the handling of this case", 1, 0, 1)
        assert summary.usefulness == {1: 0, 2: 0, 3: 0, 4: 0, 5: 1}
    html = _client(app, world["qa"]).get(f"/programmes/{world['programme']}/findings").get_data(as_text=True)
    assert "Practitioners taking part" in html
    assert "Saw the child alone" not in html  # counts only, never the reflections


def test_the_findings_workbook_has_a_practitioners_sheet_of_counts(app, world, tmp_path):
    from openpyxl import load_workbook

    from qa_app.services import exports
    from tests.workbook_checks import check_workbook, table_rows
    with app.app_context():
        _invited_and_shared(world)
        _reflected(world, agrees="no", why="The plan was sound")
        service.rate(world["audit"], "4", "Made me think", world["worker"])
        out = tmp_path / "findings.xlsx"
        exports.export_findings(world["programme"], out, user=world["qa"], via="command line")
    check_workbook(out, "Audit findings")
    rows = table_rows(load_workbook(out)["Practitioners"])
    by_figure = {(r["Figure"], r["Question or rating"]): r for r in rows}
    invited = by_figure[("Practitioner invited", "[z]")]
    assert (invited["Count"], invited["Base"], invited["Percent"]) == (1, 2, 0.5)
    disagree = by_figure[("Disagrees with the graded judgement", "Overall grade for the handling of this case")]
    assert (disagree["Count"], disagree["Base"]) == (1, 1)
    assert by_figure[("Usefulness", "4: Very useful")]["Count"] == 1
    text = " ".join(str(c.value) for ws in load_workbook(out) for row in ws.iter_rows() for c in row if c.value)
    assert "Saw the child alone" not in text and "Made me think" not in text and "The plan was sound" not in text


def test_the_board_pack_shows_practitioners_as_counts_and_percentages_with_small_numbers_withheld(app, world, tmp_path):
    from datetime import date

    from openpyxl import load_workbook

    from qa_app.services import board_pack
    from tests.workbook_checks import check_workbook, table_rows
    with app.app_context():
        _invited_and_shared(world)
        _reflected(world, agrees="no", why="The plan was sound")
        programmes.close_programme(world["programme"], world["qa"])
        out = tmp_path / "board.xlsx"
        board_pack.export_board_pack(date(2014, 4, 1), date(2027, 3, 31), out, user=world["qa"], via="command line",
                                     allow_partial=True)
    check_workbook(out, "Board pack")
    [row] = table_rows(load_workbook(out)["Practitioners"])
    assert row["Programme"] == "P"
    assert (row["Audits"], row["Invited"], row["Took part"], row["Signed off by both"]) == ("[c]", "[c]", "[c]", 0)
    assert row["Invited %"] == "[c]" and row["Agreed with the graded judgements %"] == "[c]"
    text = " ".join(str(c.value) for ws in load_workbook(out) for r in ws.iter_rows() for c in r if c.value)
    assert "Saw the child alone" not in text and "Pat Worker" not in text


def test_an_admin_gives_any_agencys_worker_the_practitioner_role_and_they_sign_in_like_everyone(app):
    with app.app_context():
        admin = make_user(Role.ADMIN)
    client = _client(app, admin)
    assert 'value="practitioner"' in client.get("/admin/users/new").get_data(as_text=True)
    response = post_form(client, "/admin/users/new", {
        "email": "health.visitor@nhs.example", "display_name": "Hana Visitor", "roles": ["practitioner"],
        "agency": "health", "teams": "", "password": "one time password 1"})
    assert response.status_code == 302
    with app.app_context():
        worker = db.session.scalars(db.select(User).filter_by(email="health.visitor@nhs.example")).one()
        assert worker.roles == {Role.PRACTITIONER} and worker.agency == "health"
    new_client = app.test_client()
    sign_in(new_client, "health.visitor@nhs.example", "one time password 1")
    assert new_client.get("/").headers["Location"] == "/change-password"
