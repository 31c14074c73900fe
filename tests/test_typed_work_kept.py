"""No typed work lost: a refused submit saves the answers as a draft and says so; the case page
shows each agency section's state; an action's progress and "mark it done" are one form; a
safeguarding concern with an error keeps its text, and a sent one is listed on the case."""
import io
import re
from datetime import date, timedelta

from qa_app.extensions import db
from qa_app.models import Action, Agency, CaseAudit, Role
from qa_app.services import actions
from tests.helpers import csrf_token_from, make_user, post_form, sign_in, submit_case_audit
from tests.test_case_audits import AGENCY_ANSWERS, repeat_plan_audit

SOON = date.today() + timedelta(days=20)


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def test_a_submit_refused_for_a_pending_section_saves_the_answers_as_a_draft_and_says_so(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead, police)
    client = signed_in(app, lead)
    url = f"/audits/{case_audit.id}/lead"
    typed = {"good_practice": "Typed on the train", "overall_grade": "Good", "first_threshold_right": "yes"}
    html = submit_case_audit(client, url, typed).get_data(as_text=True)
    assert "The agency sections must be submitted before the lead part: Police" in html
    assert "saved as a draft" in html and "Typed on the train" in html
    # A fresh load, as after leaving the page, has them.
    assert "Typed on the train" in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(CaseAudit, case_audit.id).answers["good_practice"] == "Typed on the train"
    # The case page tells the lead what they are waiting for.
    case_page = client.get(f"/audits/{case_audit.id}").get_data(as_text=True)
    assert re.search(r"Police section.{0,400}Assigned", case_page, re.S)
    police_client = signed_in(app, police)
    assert submit_case_audit(police_client, f"/audits/{case_audit.id}/police", AGENCY_ANSWERS).status_code == 302
    assert re.search(r"Police section.{0,400}Submitted", client.get(f"/audits/{case_audit.id}").get_data(as_text=True),
                     re.S)


def _action_for(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        manager = make_user(Role.TEAM_MANAGER, teams=["Compass"])
        qa = make_user(Role.QA_LEAD)
        case_audit = repeat_plan_audit(tmp_path, [], lead)
        action = actions.raise_action(case_audit.programme_id, None, actions.NewAction(
            "Train the front door", "Threshold not applied", SOON, team="Compass"), qa)
    return action.id, manager, qa


def test_progress_and_mark_done_are_one_form_so_nothing_typed_is_lost(app, tmp_path):
    action_id, manager, qa = _action_for(app, tmp_path)
    client = signed_in(app, manager)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    assert "Record progress, and optionally mark it done" in page
    progress = re.search(r'<form[^>]*/progress".*?</form>', page, re.S).group(0)
    assert 'name="note"' in progress and 'name="mark_done"' in progress
    assert 'value="done"' not in page  # no second form that would save without the note
    response = client.post(f"/actions/{action_id}/progress", data={
        "csrf_token": csrf_token_from(page), "version": "1", "note": "Training booked for 3 March",
        "mark_done": "y", "evidence": (io.BytesIO(b"%PDF-1.4 minutes"), "minutes.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        action = db.session.get(Action, action_id)
        assert action.status == "done"
        assert [u.kind for u in action.updates][1] == "evidence" and "minutes.pdf" in {u.file_name for u in action.updates}
    # A QA lead sees no progress fields, only the checks.
    qa_page = signed_in(app, qa).get(f"/actions/{action_id}").get_data(as_text=True)
    assert 'name="note"' not in qa_page and "Verify and close it" in qa_page


def test_a_refused_progress_form_keeps_the_note_and_link_and_says_to_choose_the_file_again(app, tmp_path):
    action_id, manager, _ = _action_for(app, tmp_path)
    client = signed_in(app, manager)
    page = client.get(f"/actions/{action_id}").get_data(as_text=True)
    html = client.post(f"/actions/{action_id}/progress", data={
        "csrf_token": csrf_token_from(page), "version": "1", "note": "Typed at length", "mark_done": "y",
        "link": "not a web address", "evidence": (io.BytesIO(b"%PDF-1.4 minutes"), "minutes.pdf")},
        content_type="multipart/form-data").get_data(as_text=True)
    assert "Typed at length" in html and 'value="not a web address"' in html
    assert re.search(r'name="mark_done"[^>]*checked|checked[^>]*name="mark_done"', html)
    assert "choose the file again" in html
    with app.app_context():
        assert db.session.get(Action, action_id).status == "open"


def test_a_concern_with_an_error_keeps_its_text_and_a_sent_one_is_listed_on_the_case(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        case_audit = repeat_plan_audit(tmp_path, [], lead)
    client = signed_in(app, lead)
    too_long = "Child seen with bruising. " * 300
    html = post_form(client, f"/audits/{case_audit.id}/concerns", {"details": too_long},
                     follow_redirects=True).get_data(as_text=True)
    # Issue 24: the concern has its own page (no collapsed box), which comes back with the text.
    assert "Child seen with bruising." in html and "Raise a safeguarding concern</h1>" in html
    post_form(client, f"/audits/{case_audit.id}/concerns", {"details": "Child seen with bruising"})
    page = client.get(f"/audits/{case_audit.id}").get_data(as_text=True)
    assert "Safeguarding concerns raised on this case" in page
    assert "Child seen with bruising" in page and "Not acknowledged yet" in page
    assert "QA leads" in page
