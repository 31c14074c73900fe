"""Fixtures: a real database for every test (a SQLite file, or PostgreSQL when
TEST_DATABASE_URL points at one), migrated by Alembic exactly as in production."""
import os
import shutil

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, inspect, text

from config import TestConfig, normalise_database_url
from qa_app import create_app
from qa_app.extensions import db
from qa_app.services.jobs import wait_for_in_process_jobs
from tests.helpers import make_user, sign_in

SERVER_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def test_config(database_url: str) -> TestConfig:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(database_url)
    return config


def using_postgres() -> bool:
    return bool(SERVER_DATABASE_URL)


def _migrate(database_url: str) -> None:
    app = create_app(test_config(database_url))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """Migrate once per run; each test then starts from this schema with no rows."""
    if using_postgres():
        engine = create_engine(normalise_database_url(SERVER_DATABASE_URL))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(SERVER_DATABASE_URL)
        return SERVER_DATABASE_URL
    template = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{template}")
    return template


def _empty_postgres_tables(database_url):
    engine = create_engine(normalise_database_url(database_url))
    with engine.begin() as connection:
        tables = [t for t in inspect(connection).get_table_names() if t != "alembic_version"]
        if tables:
            # TRUNCATE does not fire the audit trail's row triggers, which refuse DELETE.
            connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                                    + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def database_url(migrated_database, tmp_path):
    if using_postgres():
        _empty_postgres_tables(migrated_database)
        return migrated_database
    path = tmp_path / "casefile_qa.sqlite3"
    shutil.copyfile(migrated_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    """The app, with no context held open: each request, and each `with app.app_context()`
    block in a test, gets its own database session, as in production."""
    config = test_config(database_url)
    config.INSTANCE_PATH = str(tmp_path / "instance")
    app = create_app(config)
    yield app
    wait_for_in_process_jobs()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def login_as(app, client):
    """login_as("qa_lead") creates a user with that role (or roles) and signs the client in."""
    def sign_in_as(*roles, **user_fields):
        with app.app_context():
            user = make_user(*roles, **user_fields)
        response = sign_in(client, user.email)
        assert response.status_code == 302, "sign-in failed"
        return user
    return sign_in_as
