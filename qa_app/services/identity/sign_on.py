"""Single sign-on: check what the provider sent back, and find (or, where the provider's
settings map groups to roles, make) the account it reaches."""
import logging
import secrets
import time

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from flask import current_app
from joserfc.errors import (BadSignatureError, ClaimError, ExpiredTokenError, InvalidKeyIdError, JoseError,
                            MissingClaimError)
from sqlalchemy import select

from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import IdentityLink, User
from qa_app.models.base import utcnow
from qa_app.services import accounts
from qa_app.services.audit_trail import record_event
from qa_app.services.identity.providers import Provider, client

log = logging.getLogger(__name__)

NO_ACCOUNT = "You do not have an account: ask your administrator"
ACCOUNT_DISABLED = "Your account has been disabled: ask your administrator"
NOT_COMPLETED = ("Your organisation's sign-in could not be completed. Try again, and if it happens again "
                 "ask your administrator")
UNVERIFIED_EMAIL = ("Your organisation has not confirmed your email address, so it cannot be matched to "
                    "an account: ask your administrator")


class SignOnRefused(Exception):
    """The message is for the person signing in; the reason is for the log and the audit trail."""

    def __init__(self, reason: str, message: str = NOT_COMPLETED):
        super().__init__(reason)
        self.reason = reason
        self.message = message


def _claim_reason(error: ClaimError) -> str:
    claim = getattr(error, "claim", "")
    return {"iss": "wrong issuer", "aud": "wrong audience", "nonce": "replayed nonce",
            "iat": "issued in the future", "exp": "expired"}.get(claim, f"bad claim {claim}")


def verified_claims(provider: Provider) -> tuple[dict, str]:
    """Exchange the code for tokens (Authlib checks state, sends the PKCE verifier, checks the ID
    token's signature against the provider's keys, fetching them again for an unknown key id,
    then issuer, audience, expiry, issued-at and nonce, with OIDC_CLOCK_SKEW_SECONDS of skew)."""
    skew = current_app.config["OIDC_CLOCK_SKEW_SECONDS"]
    oidc = client(provider)
    try:
        metadata = oidc.load_server_metadata()
        if metadata.get("issuer", "").rstrip("/") != provider.issuer:
            raise SignOnRefused("discovery document names another issuer")
        # Named here rather than left to Authlib's defaults, which check the audience only through
        # azp: a token for another app that names this one as azp must still be refused.
        token = oidc.authorize_access_token(leeway=skew, claims_options={
            "iss": {"essential": True, "values": [metadata["issuer"]]},
            "aud": {"essential": True, "values": [provider.client_id]}})
    except SignOnRefused:
        raise
    except MismatchingStateError:
        raise SignOnRefused("state mismatch") from None
    except ExpiredTokenError:
        raise SignOnRefused("expired") from None
    except MissingClaimError as error:
        claim = getattr(error, "claim", "")
        # Authlib asks for azp when the audience is not this app alone.
        raise SignOnRefused("wrong audience" if claim == "azp" else f"missing claim {claim}") from None
    except ClaimError as error:
        raise SignOnRefused(_claim_reason(error)) from None
    except BadSignatureError:
        raise SignOnRefused("bad signature") from None
    except InvalidKeyIdError:
        raise SignOnRefused("signed with a key the provider does not publish") from None
    except JoseError as error:
        raise SignOnRefused(f"unreadable token ({error.error})") from None
    except OAuthError as error:
        # Anyone can put an error in a callback's address: kept short, and only in the log.
        said = f"{error.error}: {error.description or ''}".strip(" :")[:200]
        raise SignOnRefused(f"provider said {said}") from None
    except (requests.RequestException, ValueError) as error:
        raise SignOnRefused(f"provider unreachable or answered badly ({type(error).__name__})") from None
    claims = token.get("userinfo")
    if not claims or not token.get("id_token"):
        raise SignOnRefused("no ID token")
    now = time.time()
    # Authlib checks that iat is not in the future; an ID token is also refused without one.
    if not isinstance(claims.get("iat"), (int, float)) or claims["iat"] > now + skew:
        raise SignOnRefused("issued in the future" if isinstance(claims.get("iat"), (int, float)) else "no iat")
    return dict(claims), token["id_token"]


def _refuse(reason: str, message: str, claims: dict, user: User | None = None):
    refused = SignOnRefused(reason, message)
    refused.email = accounts.normalise_email(claims.get("email") or "")[:254] or None
    refused.user_id = user.id if user is not None else None
    raise refused


def log_refusal(provider: Provider | None, refused: SignOnRefused) -> None:
    """Keep why a sign-on was refused in the log and the audit trail (in a transaction of its
    own: the refused one has been rolled back)."""
    log.warning("Single sign-on refused (%s): %s", provider.name if provider else "no provider", refused.reason)
    user = db.session.get(User, refused.user_id) if getattr(refused, "user_id", None) else None
    target = {"actor": user, "object_type": "user", "object_id": user.id} if user is not None else {}
    with write_transaction():
        record_event("login", outcome="failure",
                     details={"method": "single sign-on", "provider": provider.name if provider else None,
                              "reason": refused.reason, "email": getattr(refused, "email", None)}, **target)


def _granted(provider: Provider, claims: dict):
    """The roles, agency and teams the provider's groups give, or None if it maps none."""
    values = claims.get(provider.groups_claim) or []
    values = [values] if isinstance(values, str) else values
    grants = [provider.groups[str(value)] for value in values if str(value) in provider.groups]
    if not grants:
        return None
    roles = frozenset().union(*(grant.roles for grant in grants))
    teams = sorted({team for grant in grants for team in grant.teams})
    return roles, grants[0].agency, teams


def _new_account(provider: Provider, claims: dict, email: str, granted) -> User:
    roles, agency, teams = granted
    user = User(email=email, display_name=(claims.get("name") or email)[:120], agency=agency,
                # Never a password that can be typed: this account signs in through its provider.
                password_hash=accounts.new_password_hash(secrets.token_urlsafe(32)))
    user.roles = roles
    # The provider's group map is configuration an admin wrote on purpose: its teams may be new.
    user.teams = accounts.teams_named(teams, new=teams)
    db.session.add(user)
    db.session.flush()
    record_event("user_created", actor=user, object_type="user", object_id=user.id,
                 details={"email": email, "roles": sorted(r.value for r in roles), "agency": agency,
                          "teams": user.team_names, "by": f"single sign-on ({provider.name})"})
    return user


def _bring_roles_up_to_date(provider: Provider, user: User, granted) -> None:
    roles, _, _ = granted
    before = sorted(r.value for r in user.roles)
    if set(before) != {r.value for r in roles}:
        user.roles = roles
        record_event("user_updated", actor=user, object_type="user", object_id=user.id,
                     details={"changes": {"roles": {"before": before, "after": sorted(r.value for r in roles)}},
                              "by": f"single sign-on ({provider.name})"})


def account_for(provider: Provider, claims: dict) -> User:
    """The account these verified claims reach: by an earlier link of (iss, sub), else by a
    verified email (then linked). Unknown and disabled people are refused (the caller logs the
    reason with log_refusal). Where the provider maps groups, a mapped group makes the account
    just in time, and brings its roles up to date at each sign-in; with no mapped group the roles
    an admin gave stay as they are."""
    issuer, subject = claims.get("iss"), str(claims.get("sub") or "")
    if not subject:
        raise SignOnRefused("no subject")
    now = utcnow()
    granted = _granted(provider, claims) if provider.makes_accounts else None
    with write_transaction():
        link = db.session.scalars(select(IdentityLink).filter_by(issuer=issuer, subject=subject)).first()
        user = db.session.get(User, link.user_id, with_for_update=True) if link else None
        if user is None:
            email = accounts.normalise_email(claims.get("email") or "")
            if not email:
                _refuse("no email in token", NO_ACCOUNT, claims)
            if "email_verified" in claims and claims["email_verified"] is not True:
                _refuse("unverified email", UNVERIFIED_EMAIL, claims)
            user = db.session.scalars(select(User).filter_by(email=email).with_for_update()).first()
            if user is None and granted is not None:
                user = _new_account(provider, claims, email, granted)
            if user is None:
                _refuse("unknown user", NO_ACCOUNT, claims)
            # One link per account and provider: a second subject for the same email at the same
            # issuer is someone else with a recycled address, not this user.
            taken = db.session.scalars(select(IdentityLink).filter_by(user_id=user.id, issuer=issuer)).first()
            if taken is not None:
                _refuse("email already linked to another subject", NO_ACCOUNT, claims, user)
            link = IdentityLink(user_id=user.id, provider=provider.name, issuer=issuer, subject=subject)
            db.session.add(link)
        if not user.active:
            _refuse("account disabled", ACCOUNT_DISABLED, claims, user)
        if granted is not None:
            _bring_roles_up_to_date(provider, user, granted)
        link.last_used_at = now
        user.last_login_at = now
        user.last_sign_in_method = f"sso:{provider.name}"
        record_event("login", actor=user, object_type="user", object_id=user.id,
                     details={"method": "single sign-on", "provider": provider.name})
    return user
