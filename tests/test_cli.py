"""The command line: flask --app wsgi create-user and demo-data."""
from qa_app.extensions import db
from qa_app.models import Role, User
from qa_app.services.accounts import check_password_hash


def test_create_user_reads_the_password_from_standard_input(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "Lead@Example.org", "--name", "Lee Lead", "--role", "qa_lead",
        "--role", "auditor", "--new-team", "Compass", "--agency", "health"],
        input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(email="lead@example.org")).one()
        assert user.roles == {Role.QA_LEAD, Role.AUDITOR}
        assert user.agency == "health" and user.team_names == ["Compass"]
        assert check_password_hash(user.password_hash, "a long enough password")


def test_create_user_refuses_a_team_nobody_knows_unless_it_is_new_on_purpose(app):
    # Issue 19: a typo never silently becomes a team, on the command line either.
    result = app.test_cli_runner().invoke(args=[
        "create-user", "tm@example.org", "--name", "Tia", "--role", "team_manager", "--team", "Compas"],
        input="a long enough password\n")
    assert result.exit_code != 0 and "Compas is not a team we know" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_create_user_refuses_a_short_password_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(args=[
        "create-user", "x@example.org", "--name", "X", "--role", "admin"], input="short\n")
    assert result.exit_code != 0
    assert "Password must be 12 characters or more" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id))) == 0


def test_demo_data_creates_one_user_per_role_and_a_multi_role_user_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-data"])
    assert first.exit_code == 0, first.output
    assert "qa.lead@demo.casefile.test" in first.output
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
    assert {role for user in users for role in user.roles} == set(Role)
    assert any(len(user.roles) > 1 for user in users)
    second = runner.invoke(args=["demo-data"])
    assert "already has users" in second.output


def test_demo_data_has_a_programme_of_each_kind_with_audits_in_every_state(app):
    from qa_app.models import AuditProgramme, CaseAudit, Moderation, SafeguardingConcern
    assert app.test_cli_runner().invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        kinds = set(db.session.scalars(db.select(AuditProgramme.questionnaire_id)))
        states = set(db.session.scalars(db.select(CaseAudit.status)))
        changed = [m for m in db.session.scalars(db.select(Moderation))
                   if any(g["auditor"] != g["moderator"] for g in m.grades.values())]
        concerns = db.session.scalars(db.select(SafeguardingConcern)).all()
    assert kinds == {"re-referral-audit", "repeat-cp-plan-audit"}
    assert {"assigned", "draft", "submitted", "moderated"} <= states
    assert changed and concerns
