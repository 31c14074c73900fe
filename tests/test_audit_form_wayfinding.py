"""Issue 24, the audit form: the "agency sections must be submitted" error leads somewhere real,
and "Raise a safeguarding concern" is a visible button on every page of the audit form."""
import re

from qa_app.extensions import db
from qa_app.models import Agency, Role, SafeguardingConcern
from tests.helpers import make_user, post_form, sign_in, submit_case_audit
from tests.test_case_audits import repeat_plan_audit


def signed_in(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


def _element_with_id(html, element_id):
    found = re.search(rf'<[^>]*\bid="{element_id}"[^>]*>', html)
    return found.group(0) if found else None


def test_the_agency_sections_error_links_to_the_sections_still_waiting(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead, police)
    client = signed_in(app, lead)
    url = f"/audits/{case_audit.id}/lead"
    html = submit_case_audit(client, url, {}).get_data(as_text=True)
    summary = html[html.index("govuk-error-summary"):]
    link = re.search(r'<a href="([^"]*)"[^>]*>The agency sections must be submitted', summary)
    assert link and link.group(1) == "#agency-sections"
    # The target is on the page, takes focus when the link is followed, and says who is waiting.
    target = _element_with_id(html, "agency-sections")
    assert target is not None and 'tabindex="-1"' in target
    section_list = html[html.index('id="agency-sections"'):]
    section_list = section_list[:section_list.index("</dl>")]
    assert "Police section" in section_list and "Assigned" in section_list
    assert police.display_name in section_list


def test_an_agency_section_has_no_list_of_the_other_sections(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead, police)
    html = signed_in(app, police).get(f"/audits/{case_audit.id}/police").get_data(as_text=True)
    assert 'id="agency-sections"' not in html


def _concern_button(html):
    return re.search(r'<a [^>]*href="(/audits/\d+/concerns)"[^>]*>\s*Raise a safeguarding concern(.*?)</a>',
                     html, re.S)


def test_every_page_of_the_audit_form_has_a_safeguarding_button_that_keeps_the_form_open(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        case_audit = repeat_plan_audit(tmp_path, ["police"], lead, police)
    concern_url = f"/audits/{case_audit.id}/concerns"
    for who, url in ((lead, f"/audits/{case_audit.id}/lead"), (police, f"/audits/{case_audit.id}/police")):
        html = signed_in(app, who).get(url).get_data(as_text=True)
        button = _concern_button(html)
        assert button and button.group(1) == concern_url, f"no safeguarding button on {url}"
        # A new tab, so that answers typed and not yet saved stay where they are; and it says so.
        assert 'target="_blank"' in button.group(0) and "opens in a new tab" in button.group(2)
        assert "govuk-button--warning" in button.group(0)
        # Above the questions, not at the foot of the form.
        assert html.index("Raise a safeguarding concern") < html.index('class="app-audit-form"')
    overview = signed_in(app, lead).get(f"/audits/{case_audit.id}").get_data(as_text=True)
    assert _concern_button(overview) and "govuk-details" not in overview


def test_the_concern_page_sends_a_concern_and_keeps_the_text_when_refused(app, tmp_path):
    with app.app_context():
        lead = make_user(Role.AUDITOR)
        case_audit = repeat_plan_audit(tmp_path, [], lead)
        stranger = make_user(Role.AUDITOR)
    client = signed_in(app, lead)
    url = f"/audits/{case_audit.id}/concerns"
    page = client.get(url)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<h1" in html and "Raise a safeguarding concern" in html
    assert 'name="details"' in html and "team manager" in html
    assert signed_in(app, stranger).get(url).status_code == 404
    too_long = "Child seen with bruising. " * 300
    refused = post_form(client, url, {"details": too_long})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "There is a problem" in html and "Child seen with bruising." in html
    assert 'name="details"' in html and "<title>Error: " in html
    sent = post_form(client, url, {"details": "Child seen with bruising"}, follow_redirects=True)
    assert "Your safeguarding concern has been sent" in sent.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(SafeguardingConcern.details)).all() == ["Child seen with bruising"]
