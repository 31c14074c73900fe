"""Signing in through a real OpenID provider (oidc-provider from npm, on loopback) in Chromium:
to the home page and out again through the provider, after it rotates its keys, and refused
for an email it has not verified."""
import threading

import pytest
from werkzeug.serving import make_server

from qa_app import create_app
from qa_app.extensions import db
from qa_app.models import IdentityLink, Role
from tests.conftest import test_config as settings_for
from tests.helpers import make_user
from tests.oidc.real_provider import CLIENT_ID, CLIENT_SECRET, free_port, real_provider

pytestmark = pytest.mark.browser


@pytest.fixture
def app_port():
    return free_port()


@pytest.fixture
def provider(app_port):
    running = real_provider(f"http://127.0.0.1:{app_port}")
    yield running
    running.stop()


@pytest.fixture
def app(database_url, tmp_path, provider, app_port):
    config = settings_for(database_url)
    config.INSTANCE_PATH = str(tmp_path / "instance")
    config.PUBLIC_URL = f"http://127.0.0.1:{app_port}"
    config.OIDC_ISSUER = provider.issuer
    config.OIDC_CLIENT_ID = CLIENT_ID
    config.OIDC_CLIENT_SECRET = CLIENT_SECRET
    config.OIDC_LABEL = "Sign in with your council account"
    config.SECOND_FACTOR = "required"  # as in production: single sign-on relies on the provider's
    app = create_app(config)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def sso_server(app, app_port):
    with app.app_context():
        make_user(Role.AUDITOR, email="sam.worker@council.test", name="Sam Worker")
        make_user(Role.AUDITOR, email="unverified@council.test")
    server = make_server("127.0.0.1", app_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{app_port}"
    server.shutdown()
    thread.join(timeout=5)


def sign_in_at_provider(page, base_url, provider, login):
    page.goto(base_url + "/sign-in")
    page.get_by_role("link", name="Sign in with your council account").click()
    page.wait_for_url(provider.issuer + "/**")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password: the test provider's page takes any")
    page.click("button:has-text('Sign-in')")


def test_a_council_worker_signs_in_through_their_provider_and_out_again(sso_server, page, provider, app):
    sign_in_at_provider(page, sso_server, provider, "sam")
    page.wait_for_url(sso_server + "/")
    assert page.get_by_role("heading", name="My audits").is_visible()
    assert "Sam Worker" in page.inner_text("header")
    with app.app_context():
        link = db.session.scalars(db.select(IdentityLink)).one()
        assert (link.issuer, link.subject) == (provider.issuer, "sam")

    # Signing out ends the session here and at the provider, which sends the browser back.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(provider.issuer + "/**")
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(sso_server + "/sign-in**")
    page.goto(sso_server + "/")
    assert page.url.startswith(sso_server + "/sign-in")

    # The provider starts again with a new signing key; the next sign-in still works.
    provider.restart()
    sign_in_at_provider(page, sso_server, provider, "sam")
    page.wait_for_url(sso_server + "/")
    assert page.get_by_role("heading", name="My audits").is_visible()


def test_an_email_the_provider_has_not_verified_is_refused_plainly(sso_server, page, provider):
    sign_in_at_provider(page, sso_server, provider, "unverified")
    page.wait_for_url(sso_server + "/sign-in/oidc/callback**")
    assert "has not confirmed your email address" in page.inner_text("#sign-on-refused")
    page.goto(sso_server + "/")
    assert page.url.startswith(sso_server + "/sign-in")
