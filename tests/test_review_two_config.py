"""Second security review: production keys that are guessable or shared, and demo data loaded
only where the environment says development or test."""
import secrets

import pytest

from config import ProductionConfig, config_from_environment
from qa_app import create_app
from qa_app.extensions import db
from qa_app.models import User


@pytest.fixture
def production_environment(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PSEUDONYM_KEY", secrets.token_hex(32))
    monkeypatch.setenv("PUBLIC_URL", "https://qa.council.example")


@pytest.mark.parametrize("name", ["SECRET_KEY", "PSEUDONYM_KEY"])
@pytest.mark.parametrize("weak", ["a" * 32, "ab" * 32, "0123456789" * 4, "password" * 5])
def test_production_refuses_a_key_anyone_could_guess(production_environment, monkeypatch, name, weak):
    monkeypatch.setenv(name, weak)
    with pytest.raises(RuntimeError, match=f"{name} is too easy to guess"):
        ProductionConfig()


def test_production_refuses_one_key_for_both_jobs(production_environment, monkeypatch):
    key = secrets.token_hex(32)
    monkeypatch.setenv("SECRET_KEY", key)
    monkeypatch.setenv("PSEUDONYM_KEY", key)
    with pytest.raises(RuntimeError, match="must differ"):
        ProductionConfig()


def test_production_accepts_random_keys(production_environment):
    assert ProductionConfig().SECRET_KEY


def test_demo_data_is_refused_when_the_environment_is_not_named(database_url, tmp_path, monkeypatch):
    monkeypatch.delenv("QA_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", secrets.token_hex(32))
    config = config_from_environment()  # development by default, but nobody said so
    config.SQLALCHEMY_DATABASE_URI = str(database_url) if "://" in str(database_url) else f"sqlite:///{database_url}"
    config.INSTANCE_PATH = str(tmp_path / "instance")
    app = create_app(config)
    result = app.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0 and "QA_ENV=development" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0
        db.session.remove()  # its connection back to the pool, or dispose() leaves it open
        db.engine.dispose()



@pytest.mark.parametrize("environment", ["production", "development"])
def test_passwords_are_stored_at_scrypts_full_cost_outside_the_tests(production_environment, monkeypatch,
                                                                     app, tmp_path, environment):
    """The suite hashes at a lower cost to run in minutes (TestConfig); every other environment
    stores a new password at werkzeug's full scrypt cost, and checks one stored at either cost."""
    from qa_app.services import accounts
    with app.app_context():
        cheap = accounts.new_password_hash("a long enough password")
    assert cheap.startswith("scrypt:1024:8:1$")
    monkeypatch.setenv("QA_ENV", environment)
    config = config_from_environment()
    config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    config.INSTANCE_PATH = str(tmp_path / "instance")
    other = create_app(config)
    with other.app_context():
        stored = accounts.new_password_hash("a long enough password")
        assert stored.startswith("scrypt:32768:8:1$")
        assert accounts.check_password_hash(stored, "a long enough password")
        assert accounts.check_password_hash(cheap, "a long enough password")
        db.engine.dispose()
