"""Helpers shared by the tests: CSRF tokens, sign-in and factories for data."""
import re
from itertools import count

from qa_app.models import Agency
from qa_app.services import accounts

# Not the demo password: that is refused for any account but the demo loader's.
PASSWORD = "plum-harbour-lantern-57"
_CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
_numbers = count(1)


def csrf_token_from(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def date_boxes(day) -> list[str]:
    """A date as a person types it into the GOV.UK day, month and year boxes."""
    return [str(day.day), str(day.month), str(day.year)]


def csrf_token(client) -> str:
    """A valid token for the client's session, taken from a page that has a form."""
    page = client.get("/accessibility")
    html = page.get_data(as_text=True)
    if 'name="csrf_token"' not in html:
        html = client.get("/sign-in").get_data(as_text=True)
    return csrf_token_from(html)


def post_form(client, url, data=None, **kwargs):
    payload = {"csrf_token": csrf_token(client), **(data or {})}
    return client.post(url, data=payload, **kwargs)


def make_user(*roles, email=None, password=PASSWORD, agency=Agency.CHILDRENS_SOCIAL_CARE.value,
              teams=(), name=None, must_change_password=False):
    number = next(_numbers)
    if "team_manager" in {str(r) for r in roles} and not teams:
        teams = ("Test team",)  # a team manager must have a team; this one holds no cases
    return accounts.create_user(
        email=email or f"user{number}@test.casefile.test",
        display_name=name or f"Test User {number}", password=password,
        roles=roles, agency=agency, team_names=teams, must_change_password=must_change_password,
        new_teams=teams)  # a test's teams exist on purpose (the forms offer only known teams)


def sign_in(client, email, password=PASSWORD, follow_redirects=False):
    return post_form(client, "/sign-in", {"email": email, "password": password},
                     follow_redirects=follow_redirects)


_VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def submit_case_audit(client, url, answers, *, version=None):
    """Submits one part of a case audit the way an auditor does (issue 24): the form's Continue
    saves the answers and leads to the check-your-answers page, whose Submit sends them. The form
    is read first for its token and version, unless `version` names the one the auditor's page
    carries. A refusal on the form (answers missing, sections waiting) comes back as that page;
    otherwise the check page's answer to Submit does."""
    html = client.get(url).get_data(as_text=True)
    form = {"csrf_token": csrf_token_from(html), "version": version or _VERSION.search(html).group(1)}
    response = client.post(url, data={**form, **answers, "action": "check"})
    if response.status_code != 302 or not response.headers["Location"].endswith(f"{url}/check"):
        return response
    html = client.get(f"{url}/check").get_data(as_text=True)
    return client.post(f"{url}/check", data={"csrf_token": csrf_token_from(html),
                                             "version": _VERSION.search(html).group(1)})
