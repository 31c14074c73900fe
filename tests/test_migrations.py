"""Migrations are the one schema path: after `flask db upgrade` the schema matches the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from qa_app.extensions import db


def test_the_upgraded_schema_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []
