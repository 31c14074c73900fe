"""Sign-in defences: locks that do not show by timing, a per-address throttle, hashing outside
the write lock, and password changes that count wrong guesses and refuse common passwords."""
import sqlite3
import threading

import pytest
from sqlalchemy import create_engine, text

from config import normalise_database_url
from qa_app.extensions import db
from qa_app.models import AuditEvent, Role, SignInFailure
from qa_app.services import accounts
from tests.helpers import PASSWORD, make_user, post_form, sign_in


def count_hashes(monkeypatch):
    calls = []
    real_check = accounts.check_password_hash
    monkeypatch.setattr(accounts, "check_password_hash",
                        lambda stored, given: calls.append(1) or real_check(stored, given))
    return calls


def lock(client, email):
    for _ in range(5):
        sign_in(client, email, "wrong password guess")


def test_a_locked_account_costs_the_same_hash_as_an_unknown_email(app, client, monkeypatch):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    lock(client, user.email)
    calls = count_hashes(monkeypatch)
    for email in (user.email, "nobody@test.casefile.test", user.email):
        before = len(calls)
        sign_in(client, email, "another wrong guess")
        assert len(calls) - before == 1, f"{email} was answered with {len(calls) - before} hashes"


def test_a_locked_user_is_told_when_to_try_again_and_an_unknown_email_looks_the_same(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    lock(client, user.email)
    lock(client, "nobody@test.casefile.test")
    known = sign_in(client, user.email).get_data(as_text=True)  # even the right password
    unknown = sign_in(client, "nobody@test.casefile.test").get_data(as_text=True)
    for html in (known, unknown):
        assert "Too many wrong attempts for this email address. Try again after " in html
    strip = lambda html, email: html.replace(email, "EMAIL")  # noqa: E731
    assert strip(known, user.email).split("Try again after")[0] == \
        strip(unknown, "nobody@test.casefile.test").split("Try again after")[0]


def test_repeated_failures_from_one_address_are_throttled_whatever_the_email(app, client):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 6
    with app.app_context():
        user = make_user(Role.AUDITOR)
    for number in range(6):
        sign_in(client, f"guess{number}@test.casefile.test", "wrong password guess")
    refused = sign_in(client, user.email)
    assert refused.status_code == 429
    assert "Too many failed sign-ins from your network" in refused.get_data(as_text=True)
    elsewhere = app.test_client()
    response = post_form(elsewhere, "/sign-in", {"email": user.email, "password": PASSWORD},
                         environ_overrides={"REMOTE_ADDR": "10.9.8.7"})
    assert response.status_code == 302


def test_a_failed_sign_in_does_not_hold_the_write_lock_while_hashing(app, database_url, monkeypatch):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    url = normalise_database_url(str(database_url))
    blocked = []
    real_check = accounts.check_password_hash

    def hash_while_someone_saves(stored, given):
        # Another request saving an audit at this moment must not wait for us.
        if url.startswith("sqlite"):
            other = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0, isolation_level=None)
            try:
                other.execute("BEGIN IMMEDIATE")
                other.execute("UPDATE user SET display_name = display_name WHERE id = ?", (user.id,))
                other.execute("COMMIT")
            except sqlite3.OperationalError as error:
                blocked.append(str(error))
            finally:
                other.close()
        else:
            engine = create_engine(url)
            try:
                with engine.begin() as other:
                    other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                    other.execute(text('UPDATE "user" SET display_name = display_name WHERE id = :id'),
                                  {"id": user.id})
            except Exception as error:  # noqa: BLE001 - a lock timeout, whichever driver class
                blocked.append(str(error))
            finally:
                engine.dispose()
        return real_check(stored, given)

    monkeypatch.setattr(accounts, "check_password_hash", hash_while_someone_saves)
    client = app.test_client()
    sign_in(client, user.email, "wrong password guess")
    sign_in(client, "nobody@test.casefile.test", "wrong password guess")
    assert blocked == []


def test_wrong_current_passwords_count_with_sign_in_failures_and_lock(app, client, login_as):
    user = login_as(Role.AUDITOR)
    for _ in range(4):
        html = post_form(client, "/change-password", {
            "current_password": "not my password", "password": "a brand new passphrase",
            "confirm_password": "a brand new passphrase"}).get_data(as_text=True)
        assert "Enter your current password correctly" in html
    with app.app_context():
        failures = db.session.scalars(db.select(AuditEvent).filter_by(action="login", outcome="failure")).all()
        assert [e.details["reason"] for e in failures] == ["wrong current password"] * 4
    response = post_form(client, "/change-password", {
        "current_password": "not my password", "password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase"}, follow_redirects=True)
    assert "Too many wrong attempts for this email address" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302, "a locked account is signed out"
    assert sign_in(client, user.email).status_code == 200, "and cannot sign in until the lock ends"


@pytest.mark.parametrize("password", ["password1234", "Qwertyuiop123", "iloveyou2024!", "zzzzzzzzzzzzzz",
                                      "123456789012", "Safeguarding123"])
def test_common_and_repeated_passwords_are_refused(app, client, login_as, password):
    login_as(Role.AUDITOR)
    html = post_form(client, "/change-password", {
        "current_password": PASSWORD, "password": password, "confirm_password": password}
    ).get_data(as_text=True)
    assert "This password is too common" in html or "repeats one character" in html
    assert "Your password has been changed" not in html


def test_guesses_at_a_locked_email_count_against_the_address_but_do_not_lengthen_the_lock(app, client):
    app.config["LOGIN_ADDRESS_MAX_FAILURES"] = 8
    with app.app_context():
        user = make_user(Role.AUDITOR)
    lock(client, user.email)  # 5 failures
    for _ in range(3):
        assert "Try again after" in sign_in(client, user.email, "still guessing").get_data(as_text=True)
    assert sign_in(client, user.email, "still guessing").status_code == 429
    with app.app_context():
        failures = db.session.scalars(db.select(SignInFailure.email)).all()
    assert failures.count(user.email) == 5 and failures.count(None) == 3
