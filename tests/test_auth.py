"""Sign-in, lockout, session lifetime and sign-out."""
from datetime import timedelta

import pytest

from qa_app import security
from qa_app.extensions import db
from qa_app.models import AuditEvent, Role, User
from qa_app.models.base import utcnow
from qa_app.services import accounts
from tests.helpers import PASSWORD, make_user, post_form, sign_in

GENERIC_ERROR = "Enter the correct email address and password"


def events(app, action):
    with app.app_context():
        return db.session.scalars(db.select(AuditEvent).filter_by(action=action)
                                  .order_by(AuditEvent.id)).all()


def test_each_role_lands_on_its_home_page(app, client):
    headings = {Role.AUDITOR: "My audits", Role.QA_LEAD: "Quality assurance dashboard",
                Role.TEAM_MANAGER: "Outstanding actions", Role.ADMIN: "Users"}
    for role, heading in headings.items():
        with app.app_context():
            user = make_user(role)
        response = sign_in(client, user.email, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert heading in html
        assert [h for r, h in headings.items() if r != role and h in html] == []
        post_form(client, "/sign-out")


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    wrong_password = sign_in(client, user.email, "not the password at all")
    unknown_email = sign_in(client, "nobody@test.casefile.test")
    for response in (wrong_password, unknown_email):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "There is a problem" in html and GENERIC_ERROR in html
        assert "<title>Error: Sign in" in html
    assert [e.outcome for e in events(app, "login")] == ["failure", "failure"]
    assert events(app, "login")[1].details["reason"] == "unknown email"


def test_sign_in_keeps_the_email_typed(app, client):
    html = sign_in(client, "someone@test.casefile.test", "wrong-password-123").get_data(as_text=True)
    assert 'value="someone@test.casefile.test"' in html


def test_five_failures_lock_the_account_for_fifteen_minutes_and_no_other(app, client, monkeypatch):
    with app.app_context():
        user = make_user(Role.AUDITOR)
        other = make_user(Role.AUDITOR)
    for _ in range(5):
        sign_in(client, user.email, "wrong password guess")
    assert sign_in(client, user.email).status_code == 200, "the right password is refused while locked"
    assert len(events(app, "account_locked")) == 1
    # Another account is untouched.
    assert sign_in(client, other.email).status_code == 302
    post_form(client, "/sign-out")
    # Sixteen minutes later the lock has gone.
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(accounts, "utcnow", lambda: later)
    assert sign_in(client, user.email).status_code == 302


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(app, client, monkeypatch):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    start = utcnow()
    for minutes in (0, 5, 10, 16, 20):
        monkeypatch.setattr(accounts, "utcnow", lambda m=minutes: start + timedelta(minutes=m))
        sign_in(client, user.email, "wrong password guess")
    assert events(app, "account_locked") == []
    assert sign_in(client, user.email).status_code == 302


def test_an_over_long_password_is_refused_without_hashing(app, client, monkeypatch):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    hashed = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, given: hashed.append(len(given)) or real_check(stored, given))
    with app.test_request_context():
        result = accounts.sign_in(user.email, "x" * 100_000)
    assert result.user is None
    assert all(length <= 128 for length in hashed)


def test_sign_in_issues_a_new_session(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}.")


@pytest.mark.parametrize("elapsed, signed_out", [
    (timedelta(minutes=29), False),
    (timedelta(minutes=31), True),
])
def test_sessions_end_after_thirty_idle_minutes(app, client, monkeypatch, elapsed, signed_out):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    sign_in(client, user.email)
    now = security._now_timestamp()
    monkeypatch.setattr(security, "_now_timestamp", lambda: now + int(elapsed.total_seconds()))
    response = client.get("/")
    assert (response.status_code == 302) == signed_out
    if signed_out:
        assert response.headers["Location"].startswith("/sign-in")
        assert [e.object_id for e in events(app, "session_expired")] == [str(user.id)]


def test_sessions_end_twelve_hours_after_sign_in_even_when_busy(app, client, monkeypatch):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    sign_in(client, user.email)
    start = security._now_timestamp()
    for minutes in range(20, 12 * 60, 20):  # a request every 20 minutes
        monkeypatch.setattr(security, "_now_timestamp", lambda m=minutes: start + m * 60)
        assert client.get("/").status_code == 200
    monkeypatch.setattr(security, "_now_timestamp", lambda: start + 12 * 3600 + 60)
    assert client.get("/").status_code == 302


def test_a_disabled_user_is_signed_out_on_their_next_request(app, client):
    with app.app_context():
        admin = make_user(Role.ADMIN)
        user = make_user(Role.AUDITOR)
    sign_in(client, user.email)
    assert client.get("/").status_code == 200
    with app.test_request_context():
        accounts.update_user(user.id, display_name=user.display_name, roles=["auditor"],
                             agency=user.agency, team_names=[], active=False,
                             changed_by=db.session.get(User, admin.id))
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
    assert sign_in(client, user.email).status_code == 200  # and cannot sign in again


def test_changing_a_password_signs_out_other_sessions_but_not_this_one(app):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    laptop, phone = app.test_client(), app.test_client()
    sign_in(laptop, user.email)
    sign_in(phone, user.email)
    response = post_form(laptop, "/change-password", {
        "current_password": PASSWORD, "password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase"})
    assert response.status_code == 302
    assert laptop.get("/").status_code == 200
    assert phone.get("/").status_code == 302
    assert sign_in(phone, user.email, "a brand new passphrase").status_code == 302


def test_change_password_checks_length_and_match(app, client, login_as):
    login_as(Role.AUDITOR)
    html = post_form(client, "/change-password", {
        "current_password": PASSWORD, "password": "short", "confirm_password": "shorter"}
    ).get_data(as_text=True)
    assert "Password must be 12 characters or more" in html
    assert "Passwords must match" in html


def test_a_one_time_password_must_be_changed_before_anything_else(app, client):
    with app.app_context():
        user = make_user(Role.QA_LEAD, must_change_password=True)
    assert sign_in(client, user.email).status_code == 302
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/change-password"
    post_form(client, "/change-password", {"current_password": PASSWORD,
                                           "password": "my own passphrase now",
                                           "confirm_password": "my own passphrase now"})
    assert client.get("/").status_code == 200


def test_sign_out_ends_the_session(app, client, login_as):
    user = login_as(Role.AUDITOR)
    response = post_form(client, "/sign-out")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert [e.user_id for e in events(app, "logout")] == [user.id]


def test_sign_in_only_returns_to_pages_on_this_site(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    response = post_form(client, "/sign-in?next=https://evil.example/",
                         {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"
    post_form(client, "/sign-out")
    response = post_form(client, "/sign-in?next=/change-password",
                         {"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/change-password"


def test_a_cookie_copied_before_sign_out_is_dead_afterwards(app, client, login_as):
    login_as(Role.AUDITOR)
    copied = client.get_cookie("casefile_session").value
    assert post_form(client, "/sign-out").status_code == 302
    thief = app.test_client()
    thief.set_cookie("casefile_session", copied)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")
