"""Issue 24: a check-your-answers page (the GOV.UK pattern) before a submit that cannot be undone.
The form's main button saves and goes to the check page; the check page lists each question by its
short label with the answer's label and a Change link; submitting happens there."""
import re

from qa_app.extensions import db
from qa_app.models import AuditEvent, CaseAudit
from tests.helpers import csrf_token_from, sign_in, submit_case_audit
from tests.test_case_audits import RE_REFERRAL_ANSWERS, open_form, re_referral_audit  # noqa: F401 (fixture)
from tests.test_review_two_write_lock import _WriteLockHeldElsewhere, lock_waits_briefly  # noqa: F401 (fixture)


def _continue(client, url, answers):
    _, hidden = open_form(client, url)
    return client.post(url, data={**hidden, **answers, "action": "check"})


def test_the_form_leads_to_the_check_page_rather_than_submitting(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    html = client.get(url).get_data(as_text=True)
    button = re.search(r'<button([^>]*)>\s*Continue\s*</button>', html)
    assert button and 'name="action"' in button.group(1) and 'value="check"' in button.group(1)
    assert 'value="submit"' not in html  # no way past the check from the form itself
    response = _continue(client, url, RE_REFERRAL_ANSWERS)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}/check")
    with app.app_context():
        saved = db.session.get(CaseAudit, case_audit_id)
        assert saved.answers["consent"] == "partly" and not saved.submitted  # a draft, kept


def test_the_check_page_shows_short_labels_answer_labels_and_change_links(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _continue(client, url, RE_REFERRAL_ANSWERS)
    html = client.get(f"{url}/check").get_data(as_text=True)
    assert "<h1 class=\"govuk-heading-l\">Check your answers before submitting</h1>" in html

    def row(short_label):
        found = re.search(r'<dt class="govuk-summary-list__key">\s*' + re.escape(short_label)
                          + r'\s*</dt>(.*?)</div>', html, re.S)
        assert found, f"no row for {short_label!r}"
        return found.group(1)

    consent = row("Consent handled properly")  # the short label, not the full question
    assert "Partly" in consent and "partly" not in consent.replace("Partly", "")
    change = re.search(r'<a class="govuk-link" href="([^"]+)">Change<span class="govuk-visually-hidden"> ([^<]+)</span>', consent)
    assert change and change.group(1) == f"{url}#consent" and change.group(2) == "consent handled properly"
    assert "Not evidenced" in row("Threshold document used")
    assert "New concerns from school" in row("What had changed since the earlier referral?")  # no short label: the label
    assert "Not answered" in row("Good practice")  # optional and left blank: said so, not hidden


def test_submitting_from_the_check_page_submits_the_checked_answers(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _continue(client, url, RE_REFERRAL_ANSWERS)
    html = client.get(f"{url}/check").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    response = client.post(f"{url}/check", data={"csrf_token": csrf_token_from(html), "version": version})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audits/{case_audit_id}")
    assert "Your answers have been submitted" in client.get(f"/audits/{case_audit_id}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).submitted
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_submitted")).one()


def test_a_missing_answer_is_shown_on_the_form_not_the_check_page(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    missing = {k: v for k, v in RE_REFERRAL_ANSWERS.items() if k != "overall_grade"}
    response = _continue(client, url, missing)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'href="#overall_grade"' in html and "New concerns from school" in html
    with app.app_context():
        saved = db.session.get(CaseAudit, case_audit_id)
        assert not saved.submitted and saved.answers["what_changed"] == "New concerns from school"


def test_an_answer_changed_elsewhere_since_the_check_is_not_submitted_unseen(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _continue(client, url, RE_REFERRAL_ANSWERS)
    html = client.get(f"{url}/check").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    # Another tab saves a change after this check page was drawn.
    _continue(client, url, {**RE_REFERRAL_ANSWERS, "consent": "no"})
    response = client.post(f"{url}/check", data={"csrf_token": csrf_token_from(html), "version": version})
    assert response.status_code == 409
    with app.app_context():
        assert not db.session.get(CaseAudit, case_audit_id).submitted


def test_a_direct_submit_to_the_form_goes_to_the_check_page_and_submits_nothing(app, client, re_referral_audit):
    """An old tab, a replayed post or a hand-made one: "submit" on the form itself is no way past the
    check. The answers are saved as a draft and the auditor is taken to the check page."""
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    url = f"/audits/{case_audit_id}/lead"
    _, hidden = open_form(client, url)
    response = client.post(url, data={**hidden, **RE_REFERRAL_ANSWERS, "action": "submit"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"{url}/check")
    with app.app_context():
        saved = db.session.get(CaseAudit, case_audit_id)
        assert not saved.submitted and saved.answers["consent"] == "partly"
        assert not db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_submitted")).all()
    html = client.get(f"{url}/check").get_data(as_text=True)
    assert "Check your answers before submitting" in html


def test_submit_case_audit_walks_the_form_and_the_check_page(app, client, re_referral_audit):
    case_audit_id, auditor = re_referral_audit
    sign_in(client, auditor.email)
    response = submit_case_audit(client, f"/audits/{case_audit_id}/lead", RE_REFERRAL_ANSWERS)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/audits/{case_audit_id}")
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).submitted


def test_a_confirm_refused_by_a_lock_timeout_shows_the_check_page_again(
        app, database_url, re_referral_audit, lock_waits_briefly):  # noqa: F811
    case_audit_id, auditor = re_referral_audit
    client = app.test_client()
    assert sign_in(client, auditor.email).status_code == 302
    url = f"/audits/{case_audit_id}/lead"
    _continue(client, url, RE_REFERRAL_ANSWERS)
    html = client.get(f"{url}/check").get_data(as_text=True)
    confirm = {"csrf_token": csrf_token_from(html),
               "version": re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)}
    with _WriteLockHeldElsewhere(database_url, "case_audit"):
        response = client.post(f"{url}/check", data=confirm)
    page = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "Nothing was saved" in page and "Check your answers before submitting" in page
    assert "New concerns from school" in page and re.search(r"<button[^>]*>\s*Submit\s*</button>", page)
    with app.app_context():
        assert not db.session.get(CaseAudit, case_audit_id).submitted
    assert client.post(f"{url}/check", data=confirm).status_code == 302
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit_id).submitted
