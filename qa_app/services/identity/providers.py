"""The OpenID Connect providers this installation trusts, from the environment and from
OIDC_PROVIDERS_FILE, each registered with Authlib's Flask client."""
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from authlib.integrations.flask_client import OAuth
from flask import current_app

from qa_app.models import Agency, Role

DEFAULT_LABEL = "Sign in with your organisation's account"
DEFAULT_NAME = "default"
_NAME_CHARACTERS = set("abcdefghijklmnopqrstuvwxyz0123456789-")


@dataclass(frozen=True)
class GroupGrant:
    """What membership of one of the provider's groups (or app roles) gives: used only to make
    and keep up to date accounts just in time."""
    roles: frozenset
    agency: str
    teams: tuple = ()


@dataclass(frozen=True)
class Provider:
    name: str
    issuer: str
    client_id: str
    client_secret: str
    label: str = DEFAULT_LABEL
    groups_claim: str | None = None  # e.g. "groups" or "roles"
    groups: dict = field(default_factory=dict)  # claim value -> GroupGrant

    @property
    def metadata_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def makes_accounts(self) -> bool:
        return bool(self.groups_claim and self.groups)


class ProviderSettingsError(RuntimeError):
    """The providers' settings cannot be used; the message says which and why, at start-up."""


def _grant(provider_name, value, entry) -> GroupGrant:
    if not isinstance(entry, dict):
        raise ProviderSettingsError(f"Provider {provider_name!r}: group {value!r} needs roles and agency")
    try:
        roles = frozenset(Role(role) for role in entry.get("roles") or [])
        agency = Agency(entry.get("agency", Agency.CHILDRENS_SOCIAL_CARE.value)).value
    except ValueError as error:
        raise ProviderSettingsError(f"Provider {provider_name!r}, group {value!r}: {error}") from None
    if not roles:
        raise ProviderSettingsError(f"Provider {provider_name!r}: group {value!r} names no roles")
    return GroupGrant(roles, agency, tuple(entry.get("teams") or ()))


def _provider(entry: dict, where: str) -> Provider:
    name = str(entry.get("name") or "").strip().lower()
    if not name or not set(name) <= _NAME_CHARACTERS:
        raise ProviderSettingsError(f"{where}: each provider needs a name of letters, digits and hyphens")
    secret = entry.get("client_secret")
    if entry.get("client_secret_env"):  # keeps the secret out of the file
        secret = os.environ.get(entry["client_secret_env"])
    missing = [key for key, value in (("issuer", entry.get("issuer")), ("client_id", entry.get("client_id")),
                                      ("client_secret", secret)) if not value]
    if missing:
        raise ProviderSettingsError(f"{where}: provider {name!r} has no {', '.join(missing)}")
    groups = {str(value): _grant(name, value, grant) for value, grant in (entry.get("groups") or {}).items()}
    return Provider(name=name, issuer=str(entry["issuer"]).rstrip("/"), client_id=str(entry["client_id"]),
                    client_secret=str(secret), label=entry.get("label") or DEFAULT_LABEL,
                    groups_claim=entry.get("groups_claim"), groups=groups)


def providers_from(config) -> list[Provider]:
    """The environment's provider first (it is the default), then the file's, in its order."""
    providers = []
    if config.get("OIDC_ISSUER"):
        providers.append(_provider({"name": DEFAULT_NAME, "issuer": config["OIDC_ISSUER"],
                                    "client_id": config.get("OIDC_CLIENT_ID"),
                                    "client_secret": config.get("OIDC_CLIENT_SECRET"),
                                    "label": config.get("OIDC_LABEL")}, "OIDC_ISSUER"))
    if config.get("OIDC_PROVIDERS_FILE"):
        path = Path(config["OIDC_PROVIDERS_FILE"])
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as error:
            raise ProviderSettingsError(f"OIDC_PROVIDERS_FILE {path}: {error}") from None
        entries = document.get("providers") if isinstance(document, dict) else document
        if not isinstance(entries, list):
            raise ProviderSettingsError(f"OIDC_PROVIDERS_FILE {path}: expected a list of providers")
        providers += [_provider(entry if isinstance(entry, dict) else {}, f"OIDC_PROVIDERS_FILE {path}")
                      for entry in entries]
    names = [provider.name for provider in providers]
    if len(set(names)) != len(names):
        raise ProviderSettingsError("Two OpenID providers have the same name: " + ", ".join(names))
    return providers


def register_providers(app) -> None:
    """Read the providers once at start-up, so a mistake in them stops the app starting rather
    than the first person signing in. Nothing is fetched from a provider until someone uses it."""
    if app.config["LOCAL_SIGN_IN"] not in ("on", "admins-only"):
        raise ProviderSettingsError(f"LOCAL_SIGN_IN must be on or admins-only, not {app.config['LOCAL_SIGN_IN']!r}")
    providers = providers_from(app.config)
    if app.config["LOCAL_SIGN_IN"] == "admins-only" and not providers:
        raise ProviderSettingsError("LOCAL_SIGN_IN=admins-only needs an OpenID provider for everyone else")
    oauth = OAuth(app)
    for provider in providers:
        oauth.register(provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
                       server_metadata_url=provider.metadata_url,
                       client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256",
                                      "default_timeout": 10})
    app.extensions["casefile_oidc_providers"] = {provider.name: provider for provider in providers}


def configured() -> list[Provider]:
    return list(current_app.extensions.get("casefile_oidc_providers", {}).values())


def named(name: str | None) -> Provider | None:
    providers = current_app.extensions.get("casefile_oidc_providers", {})
    if name is None:
        return next(iter(providers.values()), None)
    return providers.get(name)


def client(provider: Provider):
    """Authlib's client for the provider: it keeps the discovery document and the keys it has
    fetched, and fetches the keys again when a token names a key it has not seen."""
    return current_app.extensions["authlib.integrations.flask_client"].create_client(provider.name)
