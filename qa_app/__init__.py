"""Casefile QA: the Flask application factory."""
import logging
import os
import stat
from pathlib import Path

from flask import Flask
from govuk_frontend_wtf.main import WTFormsHelpers
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from sqlalchemy import select
from sqlalchemy.engine import make_url
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter
from werkzeug.serving import WSGIRequestHandler

from config import BASE_DIR, INSTANCE_DIR, config_from_environment
from qa_app import db as _database_behaviour  # noqa: F401  (registers SQLite connection events)
from qa_app.db import MAX_DATABASE_ID, database_id
from qa_app.actions.routes import actions
from qa_app.admin.routes import admin
from qa_app.audits.routes import audits
from qa_app.auth.oidc_routes import oidc, provider_origins
from qa_app.auth.routes import auth
from qa_app.auth.second_factor_routes import second_factor
from qa_app.cli import register_commands
from qa_app.data.routes import data
from qa_app.errors import register_error_handlers
from qa_app.findings.routes import findings
from qa_app.exports.routes import exports
from qa_app.targets.routes import targets
from qa_app.calibration.routes import calibration  # issue 26
from qa_app.queries.routes import queries  # issue 26
from qa_app.extensions import csrf, db, login_manager, migrate
from qa_app.models import User, UserSession
from qa_app.models.user import session_token_hash
from qa_app.main.routes import main
from qa_app.measures.routes import measures
from qa_app.moderation.routes import moderation
from qa_app.programmes.routes import programmes
from qa_app.practitioners.routes import practitioners
from qa_app.questionnaires.routes import questionnaires
from qa_app.families.public_routes import feedback, install_log_redaction
from qa_app.families.routes import families
from qa_app.security import add_security_headers, content_security_policy, enforce_access, limit_request_size
from qa_app.services.identity.providers import register_providers
from qa_app.template_helpers import register_template_helpers


# Everything the app writes (the SQLite database and its WAL, uploads, evidence, backups, the
# instance keys) holds children's records or guards them: readable by the app's account only.
# The web, the worker and the CLI all start here; the systemd units set UMask=0077 as well.
PRIVATE_UMASK = 0o077


def create_app(config=None) -> Flask:
    os.umask(PRIVATE_UMASK)
    config = config if config is not None else config_from_environment()
    # Uploads wait in the instance folder; tests give each app a folder of its own.
    instance_path = getattr(config, "INSTANCE_PATH", None) or str(INSTANCE_DIR)
    app = Flask(__name__, instance_path=instance_path, static_folder="static")
    load_configuration(app, config)
    make_private(app)
    configure_templates(app)
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_error_handlers(app)
    register_cli(app)
    return app


def _server_name_without_versions(_handler) -> str:
    return "Casefile QA"


# The development server (make run) would send "Server: Werkzeug/x.y Python/x.y", telling an
# attacker which versions to look up. gunicorn, in production, sends no version.
WSGIRequestHandler.version_string = _server_name_without_versions


def load_configuration(app, config):
    app.config.from_object(config)
    register_providers(app)
    # Sign-out is a form whose answer may send the browser on to the provider's sign-out page.
    app.config["CONTENT_SECURITY_POLICY"] = content_security_policy(provider_origins(app))
    if app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])
    if not app.debug:
        logging.basicConfig(level=logging.INFO)


def make_private(app):
    """The instance folder, and a SQLite database with its WAL (which SQLite creates with the
    database file's own mode), made private to the app's account: an older install, or a file
    copied under a shell's umask, would otherwise stay readable by every local account."""
    instance = Path(app.instance_path)
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in [instance, *(path for path in instance.rglob("*") if path.is_dir())]:
        _tighten(folder, 0o700)
    for path in instance.rglob("*"):
        if path.is_file():
            _tighten(path, 0o600)
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        for path in database.parent.glob(database.name + "*"):
            _tighten(path, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(path.stat().st_mode) != mode:
            os.chmod(path, mode)
    except PermissionError:  # another account's file: say so rather than refuse to start
        logging.getLogger(__name__).warning("Cannot make %s private (mode %o): not ours", path, mode)


def configure_templates(app):
    app.jinja_loader = ChoiceLoader([
        FileSystemLoader(str(BASE_DIR / "templates")),
        PrefixLoader({
            "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
            "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
        }),
    ])
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    WTFormsHelpers(app)
    register_template_helpers(app)


def register_extensions(app):
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the guard sends people to sign in; no flash needed
    login_manager.session_protection = None  # our own session rules: see qa_app.security
    login_manager.user_loader(load_user)


def load_user(session_user_id: str):
    """The session holds "<id>.<session token>"; a token with no session row (ended by signing
    out, a password change or disabling) means signed out. Only the token's hash is stored."""
    user_id, _, token = session_user_id.partition(".")
    user_id = database_id(user_id)
    if user_id is None or not token:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return None
    if db.session.scalar(select(UserSession.id).filter_by(user_id=user.id, token_hash=session_token_hash(token))) is None:
        return None
    user.session_token = token
    return user


class DatabaseIdConverter(IntegerConverter):
    """<int:...> in our routes: a number too big to be an id matches no route, so it is a 404
    rather than an overflow in the database driver."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(url_map, *args, **kwargs)


def register_blueprints(app):
    app.url_map.converters["int"] = DatabaseIdConverter
    app.register_blueprint(main)
    app.register_blueprint(auth)
    app.register_blueprint(oidc)
    app.register_blueprint(second_factor)
    app.register_blueprint(admin, url_prefix="/admin")
    app.register_blueprint(data, url_prefix="/data")
    app.register_blueprint(measures, url_prefix="/measures")
    app.register_blueprint(programmes, url_prefix="/programmes")
    app.register_blueprint(audits, url_prefix="/audits")
    app.register_blueprint(moderation, url_prefix="/moderation")
    app.register_blueprint(questionnaires, url_prefix="/questionnaires")
    app.register_blueprint(actions, url_prefix="/actions")
    app.register_blueprint(findings, url_prefix="/programmes")
    app.register_blueprint(exports, url_prefix="/exports")
    app.register_blueprint(targets, url_prefix="/targets")
    # Families' feedback (issue 25): staff pages, and the family's own public pages.
    app.register_blueprint(families, url_prefix="/families")
    app.register_blueprint(feedback, url_prefix="/feedback")
    install_log_redaction()
    app.register_blueprint(practitioners, url_prefix="/practitioners")
    app.register_blueprint(calibration, url_prefix="/calibration")  # issue 26
    app.register_blueprint(queries, url_prefix="/queries")  # issue 26


def register_request_hooks(app):
    # First of all the before_request hooks: CSRFProtect's, registered earlier, reads the form.
    app.before_request_funcs.setdefault(None, []).insert(0, limit_request_size)
    app.before_request(enforce_access)
    app.after_request(add_security_headers)


def register_cli(app):
    register_commands(app)
