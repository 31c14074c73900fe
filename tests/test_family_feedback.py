"""Families' feedback on the help they had (issue 25): consent, single-use invitations, the
public form, the QA lead's review of what families wrote, and what the findings show."""
import hashlib
import re
from datetime import date, timedelta

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, Role, SafeguardingConcern
from qa_app.models.families import FamilyFeedback, FamilyInvitation
from qa_app.models.base import utcnow
from qa_app.services import programmes
from qa_app.services.case_audits import LEAD, save_part
from qa_app.services.participation import families
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token_from, make_user, post_form, sign_in

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}
FAMILY_ANSWERS = {"understood_why": "yes", "listened": "sometimes", "things_better": "better",
                  "anything_else": "Mrs Jones at the school helped us a lot"}


@pytest.fixture
def case(app, tmp_path):
    """A submitted case audit in a programme, with its lead auditor and a QA lead."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR)
        qa = make_user(Role.QA_LEAD)
        programme = programmes.create_programme(name="Families", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        audit = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))[0]
        programmes.reassign(audit.id, lead_auditor_id=auditor.id, section_auditors={}, due_date=None, user=qa)
        save_part(audit.id, LEAD, ANSWERS, 1, submit=True, user=auditor)
        return {"programme": programme.id, "audit": audit.id, "auditor": auditor, "qa": qa}


def _consent(case):
    return families.record_consent(case["audit"], families.ConsentAnswers(
        asked=True, who="parent_carer", asked_on=date.today(), how="phone", consent=True, reason=""), case["auditor"])


def _submitted(app, case, answers=FAMILY_ANSWERS, kind="parent_carer"):
    with app.app_context():
        _consent(case)
        made = families.make_invitation(case["audit"], kind, case["auditor"])
        invitation = families.invitation_for_token(made.token)
        families.save_answers(invitation.id, answers)
        return families.submit(invitation.id).id


def test_an_invitation_needs_consent_first(app, case):
    with app.app_context():
        with pytest.raises(families.FamilyFeedbackError, match="consent"):
            families.make_invitation(case["audit"], "parent_carer", case["auditor"])


def test_an_invitation_is_a_long_random_token_kept_only_as_its_hash(app, case):
    with app.app_context():
        _consent(case)
        made = families.make_invitation(case["audit"], "child", case["auditor"])
        assert len(made.token) >= 22  # 128 bits of secrets.token_urlsafe at least
        stored = db.session.get(FamilyInvitation, made.invitation_id)
        assert stored.token_hash == hashlib.sha256(made.token.encode()).hexdigest()
        assert made.token not in repr(stored.__dict__) and made.code.replace("-", "") not in repr(stored.__dict__)
        assert stored.expires_at - stored.made_at == timedelta(days=28)
        # Neither the token nor the code reaches the audit trail.
        for event in db.session.scalars(db.select(AuditEvent)):
            assert made.token not in repr(event.details) and made.code not in repr(event.details)
        assert families.invitation_for_code(made.code.lower().replace("-", " ")).id == made.invitation_id


def test_a_used_or_expired_or_withdrawn_link_opens_nothing(app, case):
    feedback_id = _submitted(app, case)
    with app.app_context():
        invitation = db.session.get(FamilyFeedback, feedback_id).invitation
        assert invitation.used_at is not None
        made = families.make_invitation(case["audit"], "parent_carer", case["auditor"])
        assert families.invitation_for_token(made.token) is not None
        stored = db.session.get(FamilyInvitation, made.invitation_id)
        stored.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        assert families.invitation_for_token(made.token) is None
        assert families.invitation_for_code(made.code) is None
        assert families.invitation_for_token("not a token") is None


def test_a_second_invitation_of_the_same_kind_withdraws_the_first(app, case):
    with app.app_context():
        _consent(case)
        first = families.make_invitation(case["audit"], "parent_carer", case["auditor"])
        families.make_invitation(case["audit"], "parent_carer", case["auditor"])
        assert families.invitation_for_token(first.token) is None


def test_only_the_case_auditors_record_consent(app, case):
    with app.app_context():
        stranger = make_user(Role.AUDITOR)
        with pytest.raises(families.FamilyFeedbackError):
            families.record_consent(case["audit"], families.ConsentAnswers(
                asked=False, who="", asked_on=None, how="", consent=None, reason="Family moved away"), stranger)


def test_not_asked_needs_a_reason_and_asked_needs_who_when_how(app, case):
    with app.app_context():
        with pytest.raises(families.FamilyFeedbackError) as refused:
            families.record_consent(case["audit"], families.ConsentAnswers(
                asked=True, who="", asked_on=None, how="", consent=None, reason=""), case["auditor"])
        assert set(refused.value.problems) == {"who", "asked_on", "how", "consent"}
        with pytest.raises(families.FamilyFeedbackError) as refused:
            families.record_consent(case["audit"], families.ConsentAnswers(
                asked=False, who="", asked_on=None, how="", consent=None, reason=""), case["auditor"])
        assert set(refused.value.problems) == {"reason"}


def test_free_text_waits_for_review_and_the_reviewed_words_replace_the_original(app, case):
    feedback_id = _submitted(app, case)
    with app.app_context():
        programme = db.session.get(AuditProgramme, case["programme"])
        assert families.programme_feedback(programme).quotes == []
        assert [f.id for f in families.awaiting_review()] == [feedback_id]
        families.review(feedback_id, families.Review("approve", "[name] at the school helped us a lot", ""), case["qa"])
        stored = db.session.get(FamilyFeedback, feedback_id)
        assert stored.free_text is None  # the family's own words are not kept once reviewed
        summary = families.programme_feedback(db.session.get(AuditProgramme, case["programme"]))
        assert summary.quotes == ["[name] at the school helped us a lot"]
        assert families.awaiting_review() == []
        assert {"family_consent_recorded", "family_invitation_made", "family_feedback_submitted",
                "family_feedback_reviewed"} <= set(db.session.scalars(db.select(AuditEvent.action)))


def test_marking_an_answer_as_a_concern_follows_the_concern_route(app, case):
    feedback_id = _submitted(app, case, {**FAMILY_ANSWERS, "anything_else": "Dad hits my brother"}, kind="child")
    with app.app_context():
        families.review(feedback_id, families.Review("concern", "", "Child says a sibling is being hit"), case["qa"])
        concern = db.session.scalars(db.select(SafeguardingConcern)).one()
        assert concern.case_audit_id == case["audit"] and concern.team == "North"
        assert "Dad hits my brother" in concern.details and "Child says a sibling is being hit" in concern.details
        assert db.session.get(FamilyFeedback, feedback_id).concern_id == concern.id
        summary = families.programme_feedback(db.session.get(AuditProgramme, case["programme"]))
        assert summary.quotes == []
        assert "safeguarding_concern_raised" in set(db.session.scalars(db.select(AuditEvent.action)))


def test_counts_per_question_with_their_base_and_small_numbers_withheld(app, case):
    _submitted(app, case)
    with app.app_context():
        summary = families.programme_feedback(db.session.get(AuditProgramme, case["programme"]))
        listened = next(q for q in summary.questions if q.question_id == "listened")
        assert listened.base == "[c]"  # one family: too few to show
        assert all(a.count in ("[c]", 0) for a in listened.answers)
        (view,) = summary.views
        assert view.case_audit_id == case["audit"] and view.grade_before == "Good" and view.listened == "Sometimes"


# -- the public pages ---------------------------------------------------------------------------

def _link(app, case, kind="parent_carer"):
    with app.app_context():
        _consent(case)
        made = families.make_invitation(case["audit"], kind, case["auditor"])
    return made


CASE_DETAILS = ("C1", "A1", "B1", "North", "Families", "2014", "Test User")


def _reveals_nothing(html):
    # Random values (the CSRF token, a link's token) can hold "A1" by chance: they are not
    # case details, so they are taken out before the page is searched for the case's words.
    words = re.sub(r'name="csrf_token" value="[^"]*"|/feedback/[A-Za-z0-9_-]{20,}', "", html)
    for detail in CASE_DETAILS:
        assert not re.search(rf"(?<![A-Za-z0-9]){re.escape(detail)}(?![A-Za-z0-9])", words), detail
    assert "01632 960000" in html  # what to do if worried about a child now
    assert "999" in html


def test_the_family_answers_through_the_link_once(app, case):
    made = _link(app, case)
    family = app.test_client()
    opened = family.get(f"/feedback/{made.token}")
    assert opened.status_code == 302 and opened.headers["Location"] == "/feedback/questions"
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    page = family.get("/feedback/questions")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Did we listen to you?" in html
    assert page.headers["Referrer-Policy"] == "no-referrer" and page.headers["Cache-Control"] == "no-store"
    _reveals_nothing(html)
    token = csrf_token_from(html)
    answered = family.post("/feedback/questions", data={"csrf_token": token, **FAMILY_ANSWERS})
    assert answered.status_code == 302 and answered.headers["Location"] == "/feedback/check"
    check = family.get("/feedback/check").get_data(as_text=True)
    assert "Mrs Jones at the school helped us a lot" in check
    _reveals_nothing(check.replace("Mrs Jones at the school helped us a lot", ""))
    sent = family.post("/feedback/check", data={"csrf_token": token})
    assert sent.status_code == 302 and sent.headers["Location"] == "/feedback/done"
    done = family.get("/feedback/done").get_data(as_text=True)
    assert "Thank you" in done
    _reveals_nothing(done)
    again = app.test_client().get(f"/feedback/{made.token}")
    unknown = app.test_client().get("/feedback/" + "x" * 43)
    assert again.status_code == unknown.status_code == 404
    assert again.get_data() == unknown.get_data()
    _reveals_nothing(unknown.get_data(as_text=True))
    assert family.get("/feedback/questions").get_data() == unknown.get_data()


def test_the_short_code_opens_the_same_form(app, case):
    made = _link(app, case, kind="child")
    family = app.test_client()
    start = family.get("/feedback").get_data(as_text=True)
    _reveals_nothing(start)
    opened = family.post("/feedback", data={"csrf_token": csrf_token_from(start), "code": made.code.lower()})
    assert opened.status_code == 302 and opened.headers["Location"] == "/feedback/questions"
    assert "Did you know why we were helping your family?" in family.get("/feedback/questions").get_data(as_text=True)


def test_a_wrong_code_is_refused_and_guessing_is_slowed_per_address(app, case):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 3
    family = app.test_client()
    start = family.get("/feedback").get_data(as_text=True)
    for _ in range(3):
        refused = family.post("/feedback", data={"csrf_token": csrf_token_from(start), "code": "ABCDE-FGHJK"})
        assert refused.status_code == 200 and "Enter the code exactly as it is on your letter" in refused.get_data(
            as_text=True)
    made = _link(app, case)
    assert family.get(f"/feedback/{made.token}").status_code == 429
    assert app.test_client().get(f"/feedback/{made.token}", environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 302


def test_the_public_form_refuses_a_post_without_its_csrf_token(app, case):
    made = _link(app, case)
    family = app.test_client()
    family.get(f"/feedback/{made.token}")
    assert family.post("/feedback/questions", data=FAMILY_ANSWERS).status_code == 400


def test_the_token_is_not_written_to_the_request_log(app, case, caplog):
    from qa_app.families.public_routes import redact_feedback_links
    made = _link(app, case)
    assert made.token not in redact_feedback_links(f'127.0.0.1 - - "GET /feedback/{made.token} HTTP/1.1" 302 -')


# -- the staff pages ----------------------------------------------------------------------------

def test_the_auditor_records_consent_and_prints_a_letter_with_its_qr_code(app, case):
    auditor = app.test_client()
    assert sign_in(auditor, case["auditor"].email).status_code == 302
    page = auditor.get(f"/families/case-audits/{case['audit']}")
    assert page.status_code == 200 and "Was the family asked for feedback?" in page.get_data(as_text=True)
    saved = post_form(auditor, f"/families/case-audits/{case['audit']}",
                      {"asked": "yes", "who": "parent_carer", "asked_on": ["3", "2", "2026"], "how": "in_person", "consent": "yes", "reason": ""})
    assert saved.status_code == 302
    made = post_form(auditor, f"/families/case-audits/{case['audit']}/invitations", {"kind": "parent_carer"})
    assert made.status_code == 302
    letter = auditor.get(made.headers["Location"])
    html = letter.get_data(as_text=True)
    assert letter.status_code == 200 and "<svg" in html and "feedback/" in html
    code = re.search(r'data-code="([A-Z0-9-]+)"', html).group(1)
    with app.app_context():
        assert families.invitation_for_code(code) is not None
        letter_text = html.split("<main", 1)[1].split("</main>")[0].split('class="app-letter"', 1)[1]
        # The link's random token can hold "C1" by chance; the rest of the letter must not.
        link = re.search(r'app-letter__link">([^<]*)<', letter_text).group(1)
        assert "C1" not in letter_text.replace(link, "")


def test_a_qa_lead_reviews_and_the_findings_show_the_reviewed_words(app, case):
    feedback_id = _submitted(app, case)
    qa = app.test_client()
    assert sign_in(qa, case["qa"].email).status_code == 302
    assert "Mrs Jones" in qa.get(f"/families/feedback/{feedback_id}/review").get_data(as_text=True)
    findings = qa.get(f"/programmes/{case['programme']}/findings").get_data(as_text=True)
    assert "Mrs Jones" not in findings
    reviewed = post_form(qa, f"/families/feedback/{feedback_id}/review",
                         {"decision": "approve", "reviewed_text": "[name] at the school helped us a lot"})
    assert reviewed.status_code == 302
    findings = qa.get(f"/programmes/{case['programme']}/findings").get_data(as_text=True)
    assert "[name] at the school helped us a lot" in findings and "Mrs Jones" not in findings
    assert "What families told us" in findings


def test_the_findings_workbook_counts_families_and_quotes_only_reviewed_words_pseudonymised(app, case):
    import io

    from openpyxl import load_workbook
    feedback_id = _submitted(app, case)
    with app.app_context():
        families.review(feedback_id, families.Review("approve", "=HYPERLINK(\"x\") helped", ""), case["qa"])
    qa = app.test_client()
    assert sign_in(qa, case["qa"].email).status_code == 302
    book = load_workbook(io.BytesIO(post_form(qa, f"/exports/programmes/{case['programme']}/findings.xlsx").data))
    counts = [[c.value for c in row] for row in book["Family feedback"].iter_rows()]
    assert ["Did we listen to you?", "Sometimes", "[c]", "[c]", "[c]"] in counts
    views = [[c.value for c in row] for row in book["Family views"].iter_rows()]
    flat = repr(views)
    assert "C1" not in flat and "A1'" not in flat and "B1'" not in flat and "Mrs Jones" not in flat
    (row,) = [r for r in views if r and r[-1] == "=HYPERLINK(\"x\") helped"]
    assert row[0].startswith("CA-") and "Good" in row
    cell = next(c for r in book["Family views"].iter_rows() for c in r if c.value == "=HYPERLINK(\"x\") helped")
    assert cell.data_type == "s"  # text, never a formula


TYPED = "Typed with care 7f3a"


def test_refused_family_forms_come_back_with_what_was_typed(app, case):
    """The walks tests/test_refused_forms_keep_typing.py names: the code, the family's answers
    and the QA lead's review each come back as typed when refused."""
    family = app.test_client()
    start = family.get("/feedback").get_data(as_text=True)
    refused = family.post("/feedback", data={"csrf_token": csrf_token_from(start), "code": "TYPED-12345"})
    assert 'value="TYPED-12345"' in refused.get_data(as_text=True)
    made = _link(app, case)
    family.get(f"/feedback/{made.token}")
    refused = family.post("/feedback/questions", data={"csrf_token": csrf_token_from(start), "listened": "yes",
                                                       "anything_else": TYPED})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and TYPED in html and "There is a problem" in html
    assert 'value="yes" checked' in html or 'checked value="yes"' in html or "checked" in html
    feedback_id = _submitted(app, case)
    qa = app.test_client()
    assert sign_in(qa, case["qa"].email).status_code == 302
    refused = post_form(qa, f"/families/feedback/{feedback_id}/review", {"decision": "concern", "reviewed_text": TYPED})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and TYPED in html and "There is a problem" in html


def test_gunicorn_access_log_never_holds_a_feedback_token():
    from datetime import timedelta as elapsed
    from types import SimpleNamespace

    from gunicorn.config import Config

    from qa_app.families.access_log import RedactingAccessLogger
    token = "k" * 43
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/feedback/{token}", "PATH_INFO": f"/feedback/{token}",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1", "QUERY_STRING": "",
               "HTTP_REFERER": f"https://x.example/feedback/{token}"}
    atoms = RedactingAccessLogger(Config()).atoms(SimpleNamespace(status="302 FOUND", headers=[], sent=0),
                                                  SimpleNamespace(headers=[]), environ, elapsed(seconds=0))
    assert token not in repr(atoms) and "/feedback/[link]" in atoms["r"]


def test_a_subject_access_export_holds_the_familys_consent_and_answers(app, case):
    from qa_app.services import subject_access
    _submitted(app, case)
    with app.app_context():
        sheets = {title: rows for title, _, rows in subject_access.collect("C1")}
        assert len(sheets["Family consent"]) == 1
        assert "Mrs Jones at the school helped us a lot" in repr(sheets["Family feedback"])


def test_a_qa_lead_is_told_on_their_home_page_what_waits_for_review(app, case):
    _submitted(app, case)
    qa = app.test_client()
    assert sign_in(qa, case["qa"].email).status_code == 302
    assert "1 family answer waits for your review" in qa.get("/").get_data(as_text=True)


def test_a_refused_public_form_keeps_the_worried_about_a_child_message(app, case):
    family = app.test_client()
    refused = family.post("/feedback", data={"code": "ABCDE-23456"})  # no CSRF token
    assert refused.status_code == 400
    _reveals_nothing(refused.get_data(as_text=True))
    assert refused.headers["Referrer-Policy"] == "no-referrer"
