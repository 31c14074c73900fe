"""Single sign-on through OpenID Connect, against a provider on loopback whose tokens the tests
write (tests/oidc/fake_provider.py): who gets in, and each way a token or a callback is refused,
with a plain message for the person and the reason in the audit trail."""
import importlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest

import config as config_module
from qa_app import create_app
from qa_app.extensions import db
from qa_app.models import AuditEvent, IdentityLink, Role, User
from qa_app.services import accounts
from tests.conftest import test_config as settings_for
from tests.helpers import make_user, post_form, sign_in
from tests.oidc.fake_provider import CLIENT_ID, CLIENT_SECRET, FakeProvider, new_key

NO_ACCOUNT = "You do not have an account: ask your administrator"
NOT_COMPLETED = "Your organisation&#39;s sign-in could not be completed"


@pytest.fixture
def provider():
    fake = FakeProvider().start()
    yield fake
    fake.stop()


def sso_app(database_url, tmp_path, provider, **settings):
    config = settings_for(database_url)
    config.INSTANCE_PATH = str(tmp_path / "instance")
    config.OIDC_ISSUER = provider.issuer
    config.OIDC_CLIENT_ID = CLIENT_ID
    config.OIDC_CLIENT_SECRET = CLIENT_SECRET
    for key, value in settings.items():
        setattr(config, key, value)
    return create_app(config)


@pytest.fixture
def app(database_url, tmp_path, provider):
    app = sso_app(database_url, tmp_path, provider)
    yield app
    with app.app_context():
        db.engine.dispose()


def local(url: str) -> str:
    """The callback as the test client reaches it (its cookies are for its own host name)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == "http://127.0.0.1:5000"  # PUBLIC_URL, as registered
    return f"{parts.path}?{parts.query}"


def sign_on(client, provider, start="/sign-in/oidc", **claims):
    """Start at the app, sign in at the provider, come back to the callback."""
    started = client.get(start)
    assert started.status_code == 302, started.get_data(as_text=True)
    assert started.headers["Location"].startswith(provider.issuer + "/authorize?")
    return client.get(local(provider.authorize(started.headers["Location"], **claims)))


def refusals(app) -> list[str]:
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="login", outcome="failure")
                                    .order_by(AuditEvent.id)).all()
        return [event.details.get("reason") for event in events]


def worker(app, email="worker@council.test", **fields):
    with app.app_context():
        return make_user(Role.AUDITOR, email=email, **fields)


def test_a_person_with_an_account_signs_in_and_is_linked_to_the_providers_subject(app, client, provider):
    user = worker(app, email="Sam.Worker@Council.test")  # stored normalised
    response = sign_on(client, provider, sub="abc-123", email="  SAM.WORKER@council.test ")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "My audits" in client.get("/").get_data(as_text=True)
    with app.app_context():
        link = db.session.scalars(db.select(IdentityLink)).one()
        assert (link.user_id, link.issuer, link.subject, link.provider) == (user.id, provider.issuer, "abc-123", "default")
        assert db.session.get(User, user.id).last_sign_in_method == "sso:default"
    # The request for the code carried PKCE (S256), a state and a nonce.
    post_form(client, "/sign-out")
    started = client.get("/sign-in/oidc").headers["Location"]
    query = parse_qs(urlsplit(started).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"] and query["state"] and query["nonce"]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/sign-in/oidc/callback"]
    # Later sign-ins match the link, even after the provider's email changes.
    assert sign_on(client, provider, sub="abc-123", email="sam.w@council.test").headers["Location"] == "/"


def test_a_session_after_single_sign_on_follows_the_same_rules_as_a_password_one(app, client, provider):
    worker(app)
    sign_on(client, provider)
    with client.session_transaction() as session:
        assert session["sign_in_method"] == "sso"
        session["last_seen"] -= 31 * 60  # 31 minutes idle
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/sign-in")


def test_an_unknown_person_is_told_to_ask_their_administrator_and_the_attempt_is_logged(app, client, provider):
    response = sign_on(client, provider, email="stranger@council.test")
    assert response.status_code == 403
    assert NO_ACCOUNT in response.get_data(as_text=True)
    assert refusals(app) == ["unknown user"]
    assert client.get("/").status_code == 302  # not signed in


def test_a_disabled_account_is_refused_whatever_the_provider_says(app, client, provider):
    user = worker(app)
    sign_on(client, provider, sub="s-1")  # linked
    post_form(client, "/sign-out")
    with app.app_context():
        admin = make_user(Role.ADMIN)
        accounts.update_user(user.id, display_name=user.display_name, roles=["auditor"], agency=user.agency,
                             team_names=[], active=False, changed_by=admin)
    response = sign_on(client, provider, sub="s-1")
    assert response.status_code == 403
    assert "Your account has been disabled: ask your administrator" in response.get_data(as_text=True)
    assert refusals(app)[-1] == "account disabled"


def test_an_email_the_provider_has_not_verified_is_not_matched(app, client, provider):
    worker(app)
    response = sign_on(client, provider, email_verified=False)
    assert response.status_code == 403
    assert "has not confirmed your email address" in response.get_data(as_text=True)
    assert refusals(app) == ["unverified email"]
    with app.app_context():
        assert db.session.scalars(db.select(IdentityLink)).all() == []


@pytest.mark.parametrize("claims, reason", [
    ({"_tamper": True}, "bad signature"),
    ({"aud": "another-app"}, "wrong audience"),
    ({"aud": "another-app", "azp": CLIENT_ID}, "wrong audience"),
    ({"aud": ["another-app", "a-third-app"], "azp": CLIENT_ID}, "wrong audience"),
    ({"iss": "http://127.0.0.1:9/another-provider"}, "wrong issuer"),
    # Times as seconds from when the test runs (not from collection: a full run takes longer
    # than the ten minutes these are out by).
    ({"exp": ("now", -600), "iat": ("now", -900)}, "expired"),
    ({"iat": ("now", 600), "exp": ("now", 900)}, "issued in the future"),
], ids=["tampered signature", "wrong audience", "wrong audience naming us as azp", "audiences without us", "wrong issuer", "expired", "issued in the future"])
def test_a_token_that_fails_a_check_is_refused_with_a_plain_message(app, client, provider, claims, reason):
    worker(app)
    now = int(time.time())
    claims = {key: now + value[1] if isinstance(value, tuple) and value[0] == "now" else value
              for key, value in claims.items()}
    response = sign_on(client, provider, **claims)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert NOT_COMPLETED in page and "Traceback" not in page
    assert refusals(app) == [reason]
    assert client.get("/").status_code == 302


def test_a_little_clock_skew_is_allowed(app, client, provider):
    worker(app)
    now = int(time.time())
    assert sign_on(client, provider, iat=now + 30, exp=now + 330).headers["Location"] == "/"


def test_a_replayed_nonce_is_refused(app, client, provider):
    worker(app)
    first = client.get("/sign-in/oidc").headers["Location"]
    used_nonce = parse_qs(urlsplit(first).query)["nonce"][0]
    client.get(local(provider.authorize(first)))
    post_form(client, "/sign-out")
    response = sign_on(client, provider, nonce=used_nonce)
    assert response.status_code == 403
    assert refusals(app) == ["replayed nonce"]


def test_a_callback_whose_state_does_not_match_is_refused(app, client, provider):
    worker(app)
    started = client.get("/sign-in/oidc").headers["Location"]
    back = local(provider.authorize(started))
    forged = back.replace("state=", "state=forged")
    response = client.get(forged)
    assert response.status_code == 403
    assert NOT_COMPLETED in response.get_data(as_text=True)
    assert refusals(app) == ["state mismatch"]
    # A callback in a browser that never started a sign-in is refused the same way.
    other = app.test_client()
    assert other.get(back).status_code == 403


def test_the_provider_rotates_its_keys_and_the_next_sign_in_still_works(app, client, provider):
    worker(app)
    assert sign_on(client, provider).headers["Location"] == "/"
    assert provider.jwks_fetches == 1
    post_form(client, "/sign-out")
    provider.rotate_keys()
    assert sign_on(client, provider).headers["Location"] == "/"
    assert provider.jwks_fetches == 2  # the unknown key id made the app fetch the keys again
    post_form(client, "/sign-out")
    assert sign_on(client, provider).headers["Location"] == "/"
    assert provider.jwks_fetches == 2  # and then kept them


def test_a_token_signed_with_a_key_the_provider_does_not_publish_is_refused(app, client, provider):
    worker(app)
    response = sign_on(client, provider, _signing_key=new_key("not-published"))
    assert response.status_code == 403
    assert refusals(app) == ["signed with a key the provider does not publish"]


def test_signing_out_ends_the_session_here_and_at_the_provider(app, client, provider):
    worker(app)
    sign_on(client, provider)
    id_token = provider.tokens_issued[-1]
    response = post_form(client, "/sign-out")
    location = response.headers["Location"]
    assert location.startswith(provider.issuer + "/logout?")
    query = parse_qs(urlsplit(location).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://127.0.0.1:5000/sign-in"]
    assert client.get("/").status_code == 302
    # The sign-out form may be answered with a redirect to the provider (browsers check form-action).
    assert f"form-action 'self' {provider.issuer}" in response.headers["Content-Security-Policy"]


def test_the_sign_in_page_shows_a_button_for_each_provider(database_url, tmp_path, provider):
    other = tmp_path / "providers.yaml"
    other.write_text(f"""providers:
  - name: nhs
    issuer: {provider.issuer}
    client_id: {CLIENT_ID}
    client_secret_env: NHS_TEST_SECRET
    label: Sign in with NHSmail
""")
    import os
    os.environ["NHS_TEST_SECRET"] = CLIENT_SECRET
    try:
        app = sso_app(database_url, tmp_path, provider, OIDC_LABEL="Sign in with your council account",
                      OIDC_PROVIDERS_FILE=str(other))
    finally:
        del os.environ["NHS_TEST_SECRET"]
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/sign-in/oidc">Sign in with your council account</a>' in page
    assert 'href="/sign-in/oidc/nhs">Sign in with NHSmail</a>' in page
    worker(app)
    assert sign_on(client, provider, start="/sign-in/oidc/nhs").headers["Location"] == "/"
    with app.app_context():
        assert db.session.scalars(db.select(IdentityLink)).one().provider == "nhs"
        db.session.remove()  # the connection back in the pool before the pool is closed
        db.engine.dispose()


def test_accounts_are_made_just_in_time_only_where_the_providers_file_maps_groups(database_url, tmp_path, provider):
    mapping = tmp_path / "providers.yaml"
    mapping.write_text(f"""- name: police
  issuer: {provider.issuer}
  client_id: {CLIENT_ID}
  client_secret: {CLIENT_SECRET}
  groups_claim: groups
  groups:
    casefile-auditors: {{roles: [auditor], agency: police, teams: [North]}}
    casefile-leads: {{roles: [qa_lead], agency: police}}
""")
    app = sso_app(database_url, tmp_path, provider, OIDC_ISSUER=None, OIDC_PROVIDERS_FILE=str(mapping))
    client = app.test_client()
    refused = sign_on(client, provider, sub="p-1", email="pc.smith@police.test", groups=["other-group"])
    assert NO_ACCOUNT in refused.get_data(as_text=True)
    assert sign_on(client, provider, sub="p-1", email="pc.smith@police.test",
                   groups=["casefile-auditors"]).headers["Location"] == "/"
    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(email="pc.smith@police.test")).one()
        assert user.roles == {Role.AUDITOR} and user.agency == "police" and user.team_names == ["North"]
    post_form(client, "/sign-out")
    # The provider now says QA lead: the roles follow at this sign-in, and the change is audited.
    sign_on(client, provider, sub="p-1", email="pc.smith@police.test", groups=["casefile-leads"])
    with app.app_context():
        assert db.session.get(User, user.id).roles == {Role.QA_LEAD}
        change = db.session.scalars(db.select(AuditEvent).filter_by(action="user_updated")).one()
        assert change.details["changes"]["roles"] == {"before": ["auditor"], "after": ["qa_lead"]}
        # It can never sign in with a password.
        assert accounts.sign_in("pc.smith@police.test", "").user is None
        db.session.remove()  # the connection back in the pool before the pool is closed
        db.engine.dispose()


def test_admins_only_local_sign_in_refuses_a_password_to_everyone_else(database_url, tmp_path, provider):
    app = sso_app(database_url, tmp_path, provider, LOCAL_SIGN_IN="admins-only")
    client = app.test_client()
    with app.app_context():
        auditor, admin = make_user(Role.AUDITOR), make_user(Role.ADMIN)
    assert "Admins: sign in with a password" in client.get("/sign-in").get_data(as_text=True)
    refused = sign_in(client, auditor.email)
    assert refused.status_code == 200
    assert "Only admins may sign in with a password here" in refused.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert sign_in(client, admin.email).status_code == 302
    assert client.get("/").status_code == 200
    assert refusals(app) == ["local sign-in is for admins only"]
    with app.app_context():
        db.engine.dispose()


def test_a_provider_configured_only_by_the_environment_needs_no_code_change(database_url, tmp_path, provider,
                                                                          monkeypatch):
    for name, value in {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": CLIENT_ID,
                        "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_LABEL": "Sign in with Entra ID"}.items():
        monkeypatch.setenv(name, value)
    try:
        fresh = importlib.reload(config_module)
        settings = fresh.TestConfig()
    finally:
        monkeypatch.undo()
        importlib.reload(config_module)
    settings.SQLALCHEMY_DATABASE_URI = config_module.normalise_database_url(database_url)
    settings.INSTANCE_PATH = str(tmp_path / "instance")
    app = create_app(settings)
    client = app.test_client()
    assert "Sign in with Entra ID" in client.get("/sign-in").get_data(as_text=True)
    worker(app)
    assert sign_on(client, provider).headers["Location"] == "/"
    with app.app_context():
        db.engine.dispose()


def test_a_mistake_in_the_providers_file_stops_the_app_starting(database_url, tmp_path, provider):
    broken = tmp_path / "providers.yaml"
    broken.write_text("- name: nhs\n  issuer: https://login.example\n")
    with pytest.raises(RuntimeError, match="provider 'nhs' has no client_id, client_secret"):
        sso_app(database_url, tmp_path, provider, OIDC_PROVIDERS_FILE=str(broken))
    with pytest.raises(RuntimeError, match="LOCAL_SIGN_IN must be on or admins-only"):
        sso_app(database_url, tmp_path, provider, LOCAL_SIGN_IN="off")


def test_a_sign_in_cancelled_at_the_provider_is_refused_plainly(app, client, provider):
    client.get("/sign-in/oidc")
    response = client.get("/sign-in/oidc/callback?error=access_denied&error_description=" + "x" * 5000)
    assert response.status_code == 403
    assert NOT_COMPLETED in response.get_data(as_text=True)
    reason = refusals(app)[0]
    assert reason.startswith("provider said access_denied") and len(reason) < 300


def test_a_provider_that_cannot_be_reached_gives_a_plain_message(app, client, provider):
    provider.stop()
    response = client.get("/sign-in/oidc")
    assert response.status_code == 502
    page = response.get_data(as_text=True)
    assert NOT_COMPLETED in page and "Traceback" not in page
    assert refusals(app) == ["could not start: ConnectionError"]


def test_the_admins_users_page_shows_how_each_person_signs_in(app, client, provider):
    user = worker(app)
    sign_on(client, provider)
    post_form(client, "/sign-out")
    with app.app_context():
        admin = make_user(Role.ADMIN, name="Ada Admin")
    sign_in(client, admin.email)
    page = client.get("/admin/users").get_data(as_text=True)
    row = page[page.index(user.email):]
    row = row[:row.index("</tr>")]
    assert "Single sign-on (default)" in row and "From their organisation" in row and "(single sign-on)" in row
    admin_row = page[page.index(admin.email):]
    admin_row = admin_row[:admin_row.index("</tr>")]
    assert "Password" in admin_row and "None" in admin_row and "(password)" in admin_row
