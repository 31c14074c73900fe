"""A second factor for password sign-in: setting up an authenticator app, the code after the
password, wrong and reused codes (counted with wrong passwords), recovery codes, an admin's reset,
and what each environment requires."""
import re
import time

import pyotp
import pytest

from qa_app import create_app
from qa_app.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, seed_demo_users
from qa_app.extensions import db
from qa_app.models import AuditEvent, RecoveryCode, Role, SecondFactor, User
from tests.conftest import test_config as settings_for
from tests.helpers import PASSWORD, make_user, post_form, sign_in

WRONG_CODE = "Enter the correct code from your authenticator app, or one of your recovery codes"


def second_factor_app(database_url, tmp_path, rule="required"):
    config = settings_for(database_url)
    config.INSTANCE_PATH = str(tmp_path / "instance")
    config.SECOND_FACTOR = rule
    return create_app(config)


@pytest.fixture
def app(database_url, tmp_path):
    app = second_factor_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.engine.dispose()


def enrol(client) -> tuple[str, list[str]]:
    """Set up an authenticator app as a person would: read the key, type the code it shows."""
    page = client.get("/account/second-factor").get_data(as_text=True)
    secret = re.search(r'id="secret">([A-Z2-7]+)<', page).group(1)
    done = post_form(client, "/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    return secret, codes


def enter_code(client, code):
    return post_form(client, "/sign-in/code", {"code": code})


def failures(app) -> list[str]:
    with app.app_context():
        return [e.details.get("reason") for e in db.session.scalars(
            db.select(AuditEvent).filter_by(action="login", outcome="failure").order_by(AuditEvent.id))]


@pytest.fixture
def enrolled(app, client):
    """A user who has set up their app and signed out: (user, secret, recovery codes)."""
    with app.app_context():
        user = make_user(Role.AUDITOR)
    sign_in(client, user.email)
    secret, codes = enrol(client)
    post_form(client, "/sign-out")
    return user, secret, codes


def test_without_a_second_factor_every_page_leads_to_setting_one_up(app, client):
    with app.app_context():
        user = make_user(Role.QA_LEAD)
    assert sign_in(client, user.email).status_code == 302
    for page in ("/", "/programmes/", "/admin/users"):
        response = client.get(page)
        assert response.status_code == 302 and response.headers["Location"] == "/account/second-factor"
    setup = client.get("/account/second-factor").get_data(as_text=True)
    assert "Every account that signs in with a password needs a second factor" in setup
    assert "<svg" in setup  # the QR code is drawn here, not fetched from a service
    secret = re.search(r'id="secret">([A-Z2-7]+)<', setup).group(1)
    assert f"secret={secret}" not in setup  # the provisioning URI is only inside the QR code
    wrong = post_form(client, "/account/second-factor", {"code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert "Enter the 6-digit code your authenticator app shows now" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302
    done = post_form(client, "/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.get_data(as_text=True))
    assert len(codes) == len(set(codes)) == 10
    assert client.get("/").status_code == 200
    with app.app_context():
        stored = db.session.scalars(db.select(RecoveryCode.code_hash)).all()
        assert len(stored) == 10 and not set(codes) & set(stored)  # kept hashed only
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="second_factor_enrolled")).one()


def test_with_a_second_factor_the_code_is_asked_for_after_the_password(app, client, enrolled):
    user, secret, _ = enrolled
    response = sign_in(client, user.email)
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/").status_code == 302  # nothing is open before the code
    assert enter_code(client, pyotp.TOTP(secret).at(time.time() + 30)).headers["Location"] == "/"
    assert client.get("/").status_code == 200
    with app.app_context():
        assert db.session.get(User, user.id).last_sign_in_method == "password"


def test_a_wrong_code_is_refused_and_counts_towards_the_lockout(app, client, enrolled):
    user, secret, _ = enrolled
    right = pyotp.TOTP(secret).now()
    wrong = "123456" if right != "123456" else "654321"
    sign_in(client, user.email)
    for _ in range(4):
        response = enter_code(client, wrong)
        assert WRONG_CODE in response.get_data(as_text=True)
    locked = enter_code(client, wrong)
    assert locked.headers["Location"] == "/sign-in"
    assert "Too many wrong attempts for this email address" in client.get("/sign-in").get_data(as_text=True)
    assert failures(app) == ["wrong code"] * 5
    # The lock is the password's lock: the right password now gets no further either.
    assert "Too many wrong attempts" in sign_in(client, user.email).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="account_locked")).one()


def test_wrong_passwords_and_wrong_codes_add_up_to_one_lockout(app, client, enrolled):
    user, secret, _ = enrolled
    for _ in range(3):
        sign_in(client, user.email, "not the right password")
    sign_in(client, user.email)
    enter_code(client, "000001")
    assert enter_code(client, "000002").headers["Location"] == "/sign-in"
    assert failures(app) == ["wrong password"] * 3 + ["wrong code"] * 2


def test_a_code_cannot_be_used_twice_in_its_window(app, client, enrolled):
    user, secret, _ = enrolled
    code = pyotp.TOTP(secret).at(time.time() + 30)
    sign_in(client, user.email)
    assert enter_code(client, code).headers["Location"] == "/"
    post_form(client, "/sign-out")
    sign_in(client, user.email)
    replay = enter_code(client, code)
    assert "That code has already been used" in replay.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert failures(app) == ["reused code"]


def test_a_recovery_code_signs_in_once(app, client, enrolled):
    user, _, codes = enrolled
    sign_in(client, user.email)
    response = enter_code(client, codes[3].upper().replace("-", " "))  # as typed from paper
    assert response.headers["Location"] == "/"
    assert "You have 9 left" in client.get("/").get_data(as_text=True)
    post_form(client, "/sign-out")
    sign_in(client, user.email)
    assert WRONG_CODE in enter_code(client, codes[3]).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="recovery_code_used")).one()


def test_the_code_step_runs_out_after_five_minutes(app, client, enrolled):
    user, secret, _ = enrolled
    sign_in(client, user.email)
    with client.session_transaction() as session:
        pending = session["second_factor_pending"]
        session["second_factor_pending"] = {**pending, "at": pending["at"] - 301}
    response = enter_code(client, pyotp.TOTP(secret).now())
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/").status_code == 302


def test_an_admins_reset_signs_the_user_out_and_they_must_set_up_again(app, client, enrolled):
    user, secret, _ = enrolled
    other = app.test_client()
    sign_in(other, user.email)
    enter_code(other, pyotp.TOTP(secret).at(time.time() + 30))
    assert other.get("/").status_code == 200
    with app.app_context():
        admin = make_user(Role.ADMIN)
    sign_in(client, admin.email)
    enrol(client)  # the admin, too, needs a second factor before reaching the users page
    users_page = client.get("/admin/users").get_data(as_text=True)
    assert "Sign-in method" in users_page and "Last sign-in" in users_page
    assert "Authenticator app" in users_page
    assert "Reset second factor" in client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    response = post_form(client, f"/admin/users/{user.id}/second-factor/reset")
    assert response.headers["Location"] == f"/admin/users/{user.id}"
    assert other.get("/").status_code == 302  # signed out everywhere
    with app.app_context():
        reset = db.session.scalars(db.select(AuditEvent).filter_by(action="second_factor_reset")).one()
        assert (reset.user_id, reset.object_id) == (admin.id, str(user.id))
        assert db.session.get(SecondFactor, user.id) is None
        assert db.session.scalars(db.select(RecoveryCode).filter_by(user_id=user.id)).all() == []
    fresh = app.test_client()
    assert sign_in(fresh, user.email).headers["Location"] == "/"
    assert fresh.get("/").headers["Location"] == "/account/second-factor"


def test_signing_in_again_to_keep_answers_asks_for_the_code_too(app, client, enrolled):
    user, secret, _ = enrolled
    data = {"email": user.email, "password": PASSWORD, "target": "/", "answer": "kept"}
    refused = post_form(client, "/sign-in/resume", data)
    assert refused.status_code == 401
    assert "Enter the code from your authenticator app as well as your password" in refused.get_data(as_text=True)
    accepted = post_form(client, "/sign-in/resume", {**data, "code": pyotp.TOTP(secret).at(time.time() + 30)})
    assert accepted.status_code == 200
    assert client.get("/").status_code == 200


def test_in_development_demo_accounts_may_skip_and_one_has_an_app_set_up(database_url, tmp_path):
    app = second_factor_app(database_url, tmp_path, "demo accounts may skip")
    client = app.test_client()
    with app.app_context():
        seed_demo_users()
        other = make_user(Role.AUDITOR)
    page = client.get("/sign-in").get_data(as_text=True)
    assert "the demo accounts (@demo.casefile.test) may skip the second factor" in page
    sign_in(client, "qa.lead@demo.casefile.test", DEMO_PASSWORD)
    assert client.get("/").status_code == 200
    post_form(client, "/sign-out")
    sign_in(client, other.email)
    assert client.get("/").headers["Location"] == "/account/second-factor"
    post_form(client, "/sign-out")
    assert sign_in(client, "second.factor@demo.casefile.test", DEMO_PASSWORD).headers["Location"] == "/sign-in/code"
    assert enter_code(client, pyotp.TOTP(DEMO_TOTP_SECRET).now()).headers["Location"] == "/"
    with app.app_context():
        db.engine.dispose()


def test_make_runs_demo_data_prints_the_demo_authenticator_key(app):
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert f"add this key to an authenticator app: {DEMO_TOTP_SECRET}" in result.output
