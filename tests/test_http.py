"""HTTP hygiene: CSRF, security headers, cookies and error pages."""
import secrets

import pytest

from config import ProductionConfig
from qa_app.models import Role
from qa_app.security import roles_required
from tests.helpers import make_user, post_form, sign_in


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "script-src 'self' 'sha256-" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_signed_in_post_without_a_csrf_token_is_refused(app, client, login_as):
    login_as(Role.ADMIN)
    response = client.post("/admin/users/new", data={
        "email": "new@test.casefile.test", "display_name": "New", "roles": "auditor",
        "agency": "police", "password": "a good long password"})
    assert response.status_code == 400
    assert "Your form could not be sent" in response.get_data(as_text=True)
    assert "new@test.casefile.test" not in client.get("/admin/users").get_data(as_text=True)


def test_sign_in_without_a_csrf_token_is_refused(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    response = client.post("/sign-in", data={"email": user.email, "password": "x" * 20})
    assert response.status_code == 400


@pytest.mark.parametrize("path, status", [("/sign-in", 200), ("/no-such-page", 404), ("/", 302)])
def test_every_response_carries_the_security_headers(client, path, status):
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages_and_refusals_are_not_cached(client, login_as):
    login_as(Role.AUDITOR)
    for path, status in (("/", 200), ("/admin/users", 403)):
        response = client.get(path)
        assert response.status_code == status
        assert response.headers["Cache-Control"] == "no-store"
        assert_security_headers(response)


def test_unknown_pages_get_a_404_page_even_when_signed_in(client, login_as):
    login_as(Role.AUDITOR)
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_a_generic_page_without_a_traceback(app, client, login_as):
    @app.get("/explode")
    @roles_required(Role.AUDITOR)
    def explode():
        raise RuntimeError("secret internal detail")

    login_as(Role.AUDITOR)
    response = client.get("/explode")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in html
    assert "secret internal detail" not in html and "Traceback" not in html
    assert_security_headers(response)


def test_session_cookie_flags(app, client):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    response = sign_in(client, user.email)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_it_needs_a_secret_key_and_a_pseudonym_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY must be set"):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", "too-short")
    with pytest.raises(RuntimeError):
        ProductionConfig()
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    with pytest.raises(RuntimeError, match="PSEUDONYM_KEY must be set"):
        ProductionConfig()
    monkeypatch.setenv("PSEUDONYM_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PUBLIC_URL", "https://qa.council.example")
    config = ProductionConfig()
    assert config.SESSION_COOKIE_SECURE is True
    assert config.SESSION_COOKIE_HTTPONLY is True


def test_user_input_is_escaped_in_pages(app, client, login_as):
    with app.app_context():
        make_user(Role.AUDITOR, name="<script>alert('x')</script>")
    login_as(Role.ADMIN)
    html = client.get("/admin/users").get_data(as_text=True)
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(" in html


def test_health_check_answers_without_sign_in(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.json == {"status": "ok", "worker": "running"}


def test_oversized_requests_are_refused(app, client, login_as):
    login_as(Role.ADMIN)
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = post_form(client, "/admin/users/new", {"display_name": "x" * 5000})
    assert response.status_code == 413


def test_production_needs_the_public_url_and_serves_only_its_host(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PSEUDONYM_KEY", secrets.token_hex(32))
    monkeypatch.delenv("PUBLIC_URL", raising=False)
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be set"):
        ProductionConfig()
    monkeypatch.setenv("PUBLIC_URL", "qa.council.example")
    with pytest.raises(RuntimeError, match="PUBLIC_URL must be"):
        ProductionConfig()
    monkeypatch.setenv("PUBLIC_URL", "https://qa.council.example/")
    config = ProductionConfig()
    assert config.PUBLIC_URL == "https://qa.council.example"
    assert config.TRUSTED_HOSTS == ["qa.council.example"]
    monkeypatch.setenv("TRUSTED_HOSTS", "qa.council.example, qa.internal")
    assert ProductionConfig().TRUSTED_HOSTS == ["qa.council.example", "qa.internal"]


def test_a_request_for_a_host_we_do_not_serve_is_refused(app, client):
    app.config["TRUSTED_HOSTS"] = ["qa.council.example"]
    assert client.get("/sign-in", headers={"Host": "evil.example"}).status_code == 400
    assert client.get("/sign-in", headers={"Host": "qa.council.example"}).status_code == 200
