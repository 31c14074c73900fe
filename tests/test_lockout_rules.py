"""Lockout rules, tested only through sign-in and Change password over HTTP (so they hold
whatever way the attempts are counted or the sessions are stored):

- an email address with no account is locked like one with an account, and stays locked for the
  whole lockout, however long ago the failures that locked it were;
- a lockout reached on Change password ends the user's other sessions too, not only this one."""
from datetime import timedelta

from qa_app.models import Role
from qa_app.models.base import utcnow
from qa_app.services import accounts
from tests.helpers import PASSWORD, make_user, post_form, sign_in

LOCKED = "Too many wrong attempts for this email address. Try again after "
GENERIC_ERROR = "Enter the correct email address and password"


def _later(monkeypatch, minutes):
    moment = utcnow() + timedelta(minutes=minutes)
    monkeypatch.setattr(accounts, "utcnow", lambda: moment)


def test_an_email_with_no_account_stays_locked_for_the_whole_lockout(app, client, monkeypatch):
    """With a lockout longer than the failure window, a lock outlives the failures that made it:
    only reading the lock itself keeps the address locked."""
    app.config["LOGIN_LOCKOUT"] = timedelta(minutes=60)
    app.config["LOGIN_FAILURE_WINDOW"] = timedelta(minutes=15)
    with app.app_context():
        user = make_user(Role.AUDITOR)
    unknown = "nobody@test.casefile.test"
    for email in (user.email, unknown):
        for _ in range(5):
            sign_in(client, email, "wrong password guess")
    _later(monkeypatch, 20)  # the failures are out of the window; the locks are not over
    for email in (user.email, unknown):
        html = sign_in(client, email, "one more guess").get_data(as_text=True)
        assert LOCKED in html, f"{email} is no longer locked 20 minutes into a 60-minute lock"
    assert sign_in(client, user.email).status_code == 200, "the right password is refused while locked"
    _later(monkeypatch, 61)
    for email in (user.email, unknown):
        html = sign_in(client, email, "a fresh guess").get_data(as_text=True)
        assert LOCKED not in html and GENERIC_ERROR in html
    assert sign_in(client, user.email).status_code == 302


def test_a_lockout_reached_on_change_password_signs_out_the_users_other_sessions(app):
    with app.app_context():
        user = make_user(Role.AUDITOR)
        bystander = make_user(Role.AUDITOR)
    laptop, phone, elsewhere = app.test_client(), app.test_client(), app.test_client()
    for browser, who in ((laptop, user), (phone, user), (elsewhere, bystander)):
        assert sign_in(browser, who.email).status_code == 302
    for attempt in range(5):
        post_form(laptop, "/change-password", {
            "current_password": "not my password", "password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"})
        if attempt < 4:
            assert phone.get("/").status_code == 200, "a wrong guess alone does not sign the phone out"
    assert phone.get("/").status_code == 302, "the phone is still signed in after the lockout"
    assert laptop.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 200, "another user's session is untouched"
    assert sign_in(phone, user.email, PASSWORD).status_code == 200, "and the account is locked"
