"""Issue 24, timeouts: the admin's create and edit user forms keep what was typed through signing
in again, as every other form with typed text does, but a password is never kept or echoed back:
not on the sign-in page, not in the kept post it carries, not in the session."""
import html as html_text
import re

from werkzeug.datastructures import MultiDict

from qa_app import security
from qa_app.extensions import db
from qa_app.models import User
from tests.helpers import PASSWORD, csrf_token_from
from tests.test_refused_forms_keep_typing import TYPED, _as, world  # noqa: F401 (fixture)

TYPED_PASSWORD = "Orchard-kettle-typed-3e9d"
NEW_EMAIL = "new.person.3e9d@test.casefile.test"


def _hidden_fields(page):
    """What a browser sends back from the page's hidden fields: the kept post."""
    return [(name, html_text.unescape(value))
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page)]


def _session_ends(monkeypatch):
    later = security._now_timestamp() + 45 * 60
    monkeypatch.setattr(security, "_now_timestamp", lambda: later)


def _sign_in_again(client, page, admin):
    """The admin signs in on the page the timed-out post was answered with, as a browser posts it."""
    fields = [(k, v) for k, v in _hidden_fields(page) if k != "csrf_token"]
    return client.post("/sign-in/resume", data=MultiDict(
        [("csrf_token", csrf_token_from(page)), *fields, ("email", admin.email), ("password", PASSWORD),
         ("code", "")]))


def _no_password_anywhere(client, *pages):
    for page in pages:
        assert TYPED_PASSWORD not in page
        assert not [name for name, value in _hidden_fields(page) if "password" in name and value]
    with client.session_transaction() as session:
        assert TYPED_PASSWORD not in repr(dict(session))


def test_a_new_users_details_typed_before_the_timeout_come_back_without_the_password(app, world, monkeypatch):
    admin = world["qa"]
    client = _as(app, admin)
    form_page = client.get("/admin/users/new").get_data(as_text=True)
    _session_ends(monkeypatch)
    typed = MultiDict([("csrf_token", csrf_token_from(form_page)), ("email", NEW_EMAIL), ("display_name", TYPED),
                       ("roles", "auditor"), ("roles", "qa_lead"), ("agency", "police"), ("teams", "North"),
                       ("password", TYPED_PASSWORD), ("submit", "Create user")])
    ended = client.post("/admin/users/new", data=typed)
    sign_in_page = ended.get_data(as_text=True)
    assert ended.status_code == 401 and "Sign in again to keep what you typed" in sign_in_page
    assert TYPED in sign_in_page and NEW_EMAIL in sign_in_page
    # The sign-in form's own email box is the admin's to fill, not the new user's address.
    assert re.search(r'<input [^>]*id="email" name="email"[^>]*value=""', sign_in_page)

    resumed = client.post("/sign-in/resume", data=MultiDict(
        [("csrf_token", csrf_token_from(sign_in_page)), *[(k, v) for k, v in _hidden_fields(sign_in_page)
                                                           if k != "csrf_token"],
         ("email", admin.email), ("password", PASSWORD), ("code", "")]))
    ready = resumed.get_data(as_text=True)
    assert resumed.status_code == 200 and TYPED in ready and NEW_EMAIL in ready
    assert "password was not kept" in ready
    # What is listed as typed is words, not the choices' codes (auditor, police: sent all the same).
    listed = re.findall(r'<li class="app-details-list">([^<]*)</li>', ready)
    assert listed == [NEW_EMAIL, TYPED, "North"]
    kept = _hidden_fields(ready)
    assert ("email", NEW_EMAIL) in kept and ("display_name", TYPED) in kept
    assert ("roles", "auditor") in kept and ("roles", "qa_lead") in kept and ("agency", "police") in kept
    _no_password_anywhere(client, sign_in_page, ready)

    # Sent as it was: the form comes back with everything typed, asking for a new password.
    sent = client.post("/admin/users/new", data=MultiDict(kept))
    form_again = sent.get_data(as_text=True)
    assert sent.status_code == 200 and "Enter a one-time password" in form_again
    assert f'value="{TYPED}"' in form_again and f'value="{NEW_EMAIL}"' in form_again
    assert re.search(r'value="auditor" checked', form_again) and re.search(r'value="qa_lead" checked', form_again)
    assert 'value="police" selected' in form_again
    _no_password_anywhere(client, form_again)
    with app.app_context():
        assert db.session.scalars(db.select(User).filter_by(email=NEW_EMAIL)).first() is None


def test_a_users_changes_typed_before_the_timeout_are_saved_after_signing_in_again(app, world, monkeypatch):
    admin, person = world["qa"], world["manager"]
    client = _as(app, admin)
    url = f"/admin/users/{person.id}"
    form_page = client.get(url).get_data(as_text=True)
    _session_ends(monkeypatch)
    ended = client.post(url, data=MultiDict([
        ("csrf_token", csrf_token_from(form_page)), ("display_name", TYPED), ("roles", "team_manager"),
        ("roles", "auditor"), ("agency", "police"), ("teams", "North"), ("active", "y"),
        ("submit", "Save changes")]))
    sign_in_page = ended.get_data(as_text=True)
    assert ended.status_code == 401 and TYPED in sign_in_page
    ready = _sign_in_again(client, sign_in_page, admin).get_data(as_text=True)
    assert TYPED in ready and "password was not kept" not in ready
    assert client.post(url, data=MultiDict(_hidden_fields(ready))).status_code == 302
    with app.app_context():
        saved = db.session.get(User, person.id)
        assert saved.display_name == TYPED and saved.agency == "police"
        assert sorted(r.value for r in saved.roles) == ["auditor", "team_manager"]
