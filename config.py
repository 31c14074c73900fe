"""Configuration from environment variables.

QA_ENV chooses the configuration: ``development`` (the default, used by ``make run``),
``test`` or ``production``. Production refuses to start without SECRET_KEY; development and
test generate a random key, never a literal one.
"""
import math
import os
import secrets
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("QA_INSTANCE_DIR", BASE_DIR / "instance"))


def _default_database_url() -> str:
    return f"sqlite:///{INSTANCE_DIR / 'casefile_qa.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Point plain postgres URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _instance_secret_key() -> str:
    """A random key kept in instance/ so that a development restart keeps people signed in."""
    INSTANCE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def public_url_from(value: str | None) -> str:
    """The address people use to reach the app, as written in emails: scheme and host only
    needed, no trailing slash."""
    url = (value or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise RuntimeError(f"PUBLIC_URL must be like https://casefile.council.example, not {value!r}")
    return url


def trusted_hosts_from(value: str | None, public_url: str | None) -> list[str] | None:
    """Host names the app answers to; by default only PUBLIC_URL's host (None: any host)."""
    if value:
        return [host.strip() for host in value.split(",") if host.strip()]
    if public_url:
        return [urlsplit(public_url).hostname]
    return None


def privacy_notice_file_from(value: str | None) -> str | None:
    """The council's privacy notice for staff, checked at start so a wrong path is not found
    out by the first person who opens the page."""
    if not value:
        return None
    path = Path(value)
    if not path.is_file():
        raise RuntimeError(f"PRIVACY_NOTICE_FILE {value!r} is not a file")
    path.read_text(encoding="utf-8")  # unreadable or not UTF-8: fail now
    return str(path)
# A production key must carry at least this many bits by a character-frequency estimate: a
# random 32-character hex key has about 120, 32 × "a" none and "password" × 5 about 90.
MIN_KEY_BITS = 100


def key_bits(key: str) -> float:
    """A generous estimate of a key's entropy: its length times the Shannon entropy of its
    characters. It cannot prove a key random, but catches repeated and patterned ones."""
    counts = Counter(key)
    return -len(key) * sum(n / len(key) * math.log2(n / len(key)) for n in counts.values())


def _repeats(key: str) -> bool:
    """A key that is a shorter piece written out again ("0123456789" × 4)."""
    return any(key[period:] == key[:-period] for period in range(1, len(key) // 2 + 1))


def _checked_production_key(name: str, key: str | None, purpose: str) -> str:
    if not key or len(key) < 32:
        raise RuntimeError(f"{name} must be set to a random value of at least 32 characters in production, "
                           f"{purpose}, for example: python -c 'import secrets; print(secrets.token_hex(32))'")
    if key_bits(key) < MIN_KEY_BITS or len(set(key)) < 10 or _repeats(key):
        raise RuntimeError(f"{name} is too easy to guess: make it random, for example: "
                           "python -c 'import secrets; print(secrets.token_hex(32))'")
    return key


class Config:
    APP_NAME = "Casefile QA"
    # Whether QA_ENV named this configuration (development is also what an unset QA_ENV gets):
    # demo data, with its published password, loads only where development or test was asked for.
    ENV_NAMED = False
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or _default_database_url()
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Session cookies: signed, HttpOnly, SameSite=Lax; Secure outside development.
    SESSION_COOKIE_NAME = "casefile_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)  # absolute limit from sign-in
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    # How long before the idle timeout the warning with "Stay signed in" shows (issue 24, WCAG 2.2.1).
    SESSION_TIMEOUT_WARNING = timedelta(minutes=2)

    # A CSRF token lives as long as a session can, so that a long audit form typed in one
    # sitting is not refused for an old token.
    WTF_CSRF_TIME_LIMIT = int(PERMANENT_SESSION_LIFETIME.total_seconds())

    # Accounts
    PASSWORD_MIN_LENGTH = 12
    PASSWORD_MAX_LENGTH = 128  # refused before hashing, so a huge input cannot tie up scrypt
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's scrypt at its default cost (N=32768, r=8, p=1)
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW = timedelta(minutes=15)
    LOGIN_LOCKOUT = timedelta(minutes=15)
    # Failed sign-ins from one address (any emails) in LOGIN_FAILURE_WINDOW before it must wait.
    LOGIN_ADDRESS_MAX_FAILURES = int(os.environ.get("LOGIN_ADDRESS_MAX_FAILURES", "30"))

    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_UPLOAD_MB", "50")) * 1024 * 1024
    # Every request except a file upload (views marked @accepts_uploads) is refused past this.
    MAX_FORM_BYTES = int(os.environ.get("MAX_FORM_KB", "1024")) * 1024
    # Number of reverse proxies in front of the app whose X-Forwarded-For we trust.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    AUDIT_TRAIL_PAGE_SIZE = 50
    # Background jobs (`flask --app wsgi worker`): how often an idle worker looks for work, how
    # often a running job's heartbeat is written, and how old a heartbeat may get before the
    # job is taken for abandoned and failed. The lease must outlast the longest single
    # transaction of a job (a million-row import's merge takes well under a minute).
    JOB_POLL_SECONDS = float(os.environ.get("JOB_POLL_SECONDS", "1"))
    JOB_HEARTBEAT_SECONDS = float(os.environ.get("JOB_HEARTBEAT_SECONDS", "10"))
    JOB_LEASE_SECONDS = float(os.environ.get("JOB_LEASE_SECONDS", "300"))
    # With no worker heartbeat for this long, the import page, the admin's home page and the
    # health check say that no background worker is running.
    WORKER_SILENT_SECONDS = float(os.environ.get("WORKER_SILENT_SECONDS", "60"))
    # A worker that cannot reach its database (locked, restarting) waits this long, doubling
    # each time up to a minute, and tries again: it never exits on a transient error.
    WORKER_RETRY_SECONDS = float(os.environ.get("WORKER_RETRY_SECONDS", "1"))
    # Years a closed programme's records are kept after it closes (`flask retention`).
    RETENTION_YEARS = int(os.environ.get("RETENTION_YEARS", "6"))
    # Families' feedback (issue 25): how long a feedback link and its code work, and the number
    # every public page gives to anyone worried about a child now (the council's front door).
    # The default is an Ofcom drama number, which reaches nobody: set the council's own.
    FAMILY_FEEDBACK_DAYS = int(os.environ.get("FAMILY_FEEDBACK_DAYS", "28"))
    WORRIED_ABOUT_A_CHILD_PHONE = os.environ.get("WORRIED_ABOUT_A_CHILD_PHONE", "01632 960000")
    # Tests run each queued job in a thread of their own process instead of a worker.
    JOBS_IN_PROCESS = False
    # Email for safeguarding concerns; none is sent unless SMTP_HOST is set.
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "casefile-qa@localhost")
    # Where people reach the app: links in emails are built from this, never from the request's
    # Host header.
    PUBLIC_URL = public_url_from(os.environ.get("PUBLIC_URL") or "http://127.0.0.1:5000")
    # Requests for any other host are refused with 400 (Flask checks request.host).
    TRUSTED_HOSTS = trusted_hosts_from(os.environ.get("TRUSTED_HOSTS"), None)
    # Largest evidence file a team manager may attach to an action.
    EVIDENCE_MAX_MB = int(os.environ.get("EVIDENCE_MAX_MB", "10"))
    # Excel exports: the protective marking on every sheet and page, and who readers should ask.
    EXPORT_MARKING = os.environ.get("EXPORT_MARKING", "OFFICIAL-SENSITIVE")
    EXPORT_CONTACT = os.environ.get("EXPORT_CONTACT", "the council's quality assurance team")
    # The partnership or council named on every workbook's Cover (an admin's setting, kept in
    # the partnership_setting table, takes its place when set).
    PARTNERSHIP_NAME = os.environ.get("PARTNERSHIP_NAME", "")
    # Secret for child and case pseudonyms in exports. Development and test keep a random one in
    # the instance folder; production must set it (and keep it: changing it changes every pseudonym).
    PSEUDONYM_KEY = os.environ.get("PSEUDONYM_KEY")
    # The privacy notice for staff (/privacy): plain text in the council's words; unset, the
    # app's default text (templates/main/privacy.html).
    PRIVACY_NOTICE_FILE = privacy_notice_file_from(os.environ.get("PRIVACY_NOTICE_FILE"))
    # Single sign-on (OpenID Connect): one provider from these, several from OIDC_PROVIDERS_FILE
    # (YAML). See docs/operations.md, "Single sign-on".
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET")
    OIDC_LABEL = os.environ.get("OIDC_LABEL")
    OIDC_PROVIDERS_FILE = os.environ.get("OIDC_PROVIDERS_FILE")
    # Seconds of clock difference allowed between the provider and this server for exp and iat.
    OIDC_CLOCK_SKEW_SECONDS = int(os.environ.get("OIDC_CLOCK_SKEW_SECONDS", "60"))
    # "on", or "admins-only": only admins may sign in with a password (a break-glass account),
    # everyone else through single sign-on.
    LOCAL_SIGN_IN = os.environ.get("LOCAL_SIGN_IN", "on")
    # Who must have a second factor before reaching any page beyond setting one up, when they
    # sign in with a password: "required" (everyone: production), "demo accounts may skip"
    # (development) or "optional" (tests that are not about it). Not an environment variable, so
    # production cannot be talked out of it.
    SECOND_FACTOR = "required"


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False  # served over plain http on 127.0.0.1
    SECOND_FACTOR = "demo accounts may skip"

    def __init__(self):
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or _instance_secret_key()


class TestConfig(Config):
    ENV_NAME = "test"
    ENV_NAMED = True  # a test builds it on purpose
    TESTING = True
    JOBS_IN_PROCESS = os.environ.get("JOBS_IN_PROCESS", "1") == "1"
    SECOND_FACTOR = "optional"  # the second factor's own tests set "required"
    # The same scrypt at a 32nd of the cost: the suite signs in thousands of times, and at full
    # cost a third of its time went on hashing. Never set outside TestConfig.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"
    SESSION_COOKIE_SECURE = False
    SECRET_KEY = secrets.token_hex(32)
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(INSTANCE_DIR / "test.sqlite3")
    )


class ProductionConfig(Config):
    ENV_NAME = "production"
    def __init__(self):
        self.SECRET_KEY = _checked_production_key(
            "SECRET_KEY", os.environ.get("SECRET_KEY"), "where it signs sessions and forms")
        self.PSEUDONYM_KEY = _checked_production_key(
            "PSEUDONYM_KEY", os.environ.get("PSEUDONYM_KEY"),
            "and kept: exports use it to give each child the same pseudonym every time")
        if self.SECRET_KEY == self.PSEUDONYM_KEY:
            raise RuntimeError("SECRET_KEY and PSEUDONYM_KEY must differ: one leaked key must not give "
                               "away the other's job")
        if not os.environ.get("PUBLIC_URL"):
            raise RuntimeError("PUBLIC_URL must be set in production to the address people use, "
                               "for example https://casefile.council.example")
        self.PUBLIC_URL = public_url_from(os.environ["PUBLIC_URL"])
        self.TRUSTED_HOSTS = trusted_hosts_from(os.environ.get("TRUSTED_HOSTS"), self.PUBLIC_URL)


CONFIGS = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def config_from_environment():
    name = os.environ.get("QA_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"QA_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    config = CONFIGS[name]()
    config.ENV_NAMED = "QA_ENV" in os.environ
    return config
