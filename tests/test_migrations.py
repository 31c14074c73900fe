"""Migrations are the one schema path: after `flask db upgrade` the schema matches the models."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from qa_app.extensions import db
from qa_app.models import Role, User
from qa_app.services import people


def test_the_upgraded_schema_matches_the_models(app):
    with app.app_context():
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def _user_columns(connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("user")}


def test_a_users_space_separated_roles_become_one_row_each_and_come_back_on_downgrade(app):
    """0014 moves roles into user_role without losing a role or a team (on SQLite, rebuilding the
    user table with foreign keys on would cascade-delete both)."""
    with app.app_context():
        db.session.remove()
        downgrade(revision="0013")
        try:
            with db.engine.begin() as connection:
                user_id = connection.execute(text(
                    "INSERT INTO \"user\" (email, display_name, password_hash, active, role_names, agency, "
                    "must_change_password, session_token, failed_login_count, created_at) VALUES "
                    "('both@test.casefile.test', 'Both Roles', 'x', :yes, 'auditor qa_lead', 'police', :no, "
                    "'token', 0, '2026-01-01 00:00:00') RETURNING id"), {"yes": True, "no": False}).scalar_one()
                team_id = connection.execute(text("INSERT INTO team (name) VALUES ('Compass') RETURNING id")).scalar_one()
                connection.execute(text("INSERT INTO user_team (user_id, team_id) VALUES (:u, :t)"),
                                   {"u": user_id, "t": team_id})
            upgrade()
            with db.engine.connect() as connection:
                rows = connection.execute(text("SELECT role FROM user_role WHERE user_id = :u ORDER BY role"),
                                          {"u": user_id}).scalars().all()
                assert "role_names" not in _user_columns(connection)
            assert rows == ["auditor", "qa_lead"]
            user = db.session.get(User, user_id)
            assert user.roles == {Role.AUDITOR, Role.QA_LEAD} and user.team_names == ["Compass"]
            assert [u.email for u in people.qa_leads()] == [u.email for u in people.auditors("police")] == [user.email]
            db.session.remove()

            downgrade(revision="0013")
            with db.engine.connect() as connection:
                assert connection.execute(text("SELECT role_names FROM \"user\" WHERE id = :u"),
                                          {"u": user_id}).scalar_one() == "auditor qa_lead"
                assert connection.execute(text("SELECT count(*) FROM user_team")).scalar_one() == 1
        finally:
            db.session.remove()
            upgrade()
