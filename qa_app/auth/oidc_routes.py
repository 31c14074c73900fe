"""Single sign-on through OpenID Connect: start at the provider, come back to the callback,
and (at sign-out) leave through the provider's end_session_endpoint."""
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, session
from flask_login import current_user, login_user

from qa_app.security import start_session
from qa_app.services.identity import providers, sign_on

oidc = Blueprint("oidc", __name__)

# Kept in the session (a signed cookie) for the provider's sign-out. Large ID tokens (an Entra
# token with many groups) are not kept: sign-out then names the client instead of the token.
MAX_KEPT_ID_TOKEN = 2500


def callback_url() -> str:
    """Built from PUBLIC_URL, never the request's Host, so it is exactly what was registered."""
    return current_app.config["PUBLIC_URL"] + "/sign-in/oidc/callback"


def _start(provider):
    if provider is None:
        abort(404)
    if current_user.is_authenticated:
        return redirect("/")
    session["oidc_provider"] = provider.name
    try:
        return providers.client(provider).authorize_redirect(callback_url())
    except Exception as error:  # noqa: BLE001 - the provider unreachable or misconfigured
        refused = sign_on.SignOnRefused(f"could not start: {type(error).__name__}")
        sign_on.log_refusal(provider, refused)
        return render_template("auth/sign_on_refused.html", message=refused.message), 502


@oidc.get("/sign-in/oidc")
def start():
    return _start(providers.named(None))


@oidc.get("/sign-in/oidc/<name>")
def start_named(name):
    return _start(providers.named(name))


@oidc.get("/sign-in/oidc/callback")
def callback():
    provider = providers.named(session.get("oidc_provider", ""))
    try:
        if provider is None:
            raise sign_on.SignOnRefused("state mismatch (no sign-in was started in this browser)")
        claims, id_token = sign_on.verified_claims(provider)
        user = sign_on.account_for(provider, claims)
    except sign_on.SignOnRefused as refused:
        sign_on.log_refusal(provider, refused)
        session.pop("oidc_provider", None)
        return render_template("auth/sign_on_refused.html", message=refused.message), 403
    start_session(user)
    session["sign_in_method"] = "sso"
    session["oidc_provider"] = provider.name
    if len(id_token) <= MAX_KEPT_ID_TOKEN:
        session["oidc_id_token"] = id_token
    login_user(user)
    return redirect("/")


def provider_sign_out_url() -> str | None:
    """Where sign-out sends someone who came through a provider that offers RP-initiated
    logout; read before the session is cleared. None: sign-out stays here."""
    provider = providers.named(session.get("oidc_provider", "")) if session.get("sign_in_method") == "sso" else None
    if provider is None:
        return None
    try:
        oidc_client = providers.client(provider)
        endpoint = oidc_client.load_server_metadata().get("end_session_endpoint")
    except Exception:  # noqa: BLE001 - sign-out here must never fail because the provider is down
        current_app.logger.warning("Could not read %s's end_session_endpoint", provider.name)
        return None
    if not endpoint:
        return None
    back = current_app.config["PUBLIC_URL"] + "/sign-in"
    hint = session.get("oidc_id_token")
    extra = {"id_token_hint": hint} if hint else {"client_id": provider.client_id}
    return oidc_client.create_logout_url(post_logout_redirect_uri=back, **extra)["url"]


def provider_origins(app) -> list[str]:
    """The providers' origins, which the sign-out form may be redirected to (CSP form-action)."""
    origins = []
    for provider in app.extensions.get("casefile_oidc_providers", {}).values():
        parts = urlsplit(provider.issuer)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


@oidc.app_context_processor
def sign_in_options():
    """What the sign-in page offers besides the password form."""
    return {"sign_in_providers": providers.configured(),
            "local_sign_in": current_app.config["LOCAL_SIGN_IN"],
            "demo_may_skip_second_factor": current_app.config["SECOND_FACTOR"] == "demo accounts may skip"}
