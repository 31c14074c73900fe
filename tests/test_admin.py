"""Admins create users, set roles, agency and teams, disable them and reset passwords."""
from qa_app.extensions import db
from qa_app.models import AuditEvent, Role, User
from qa_app.services import accounts
from tests.helpers import make_user, post_form, sign_in


def user_by_email(app, email):
    with app.app_context():
        user = db.session.scalars(db.select(User).filter_by(email=email)).one()
        user.team_names  # load teams before the session closes
        return user


def test_an_admin_creates_a_user_who_must_change_the_one_time_password(app, client, login_as):
    admin = login_as(Role.ADMIN)
    with app.app_context():  # teams are ticked from a list of known teams (issue 19)
        for team in ("North", "Compass"):
            accounts.add_team(team, confirmed_as=team, added_by=admin)
    response = post_form(client, "/admin/users/new", {
        "email": "New.Auditor@Police.example", "display_name": "Nia New",
        "roles": ["auditor", "team_manager"], "agency": "police", "teams": ["North", "Compass"],
        "password": "one time password 1"})
    assert response.status_code == 302
    user = user_by_email(app, "new.auditor@police.example")
    assert user.roles == {Role.AUDITOR, Role.TEAM_MANAGER}
    assert user.agency == "police" and user.team_names == ["Compass", "North"]
    assert user.must_change_password
    new_client = app.test_client()
    sign_in(new_client, "new.auditor@police.example", "one time password 1")
    assert new_client.get("/").headers["Location"] == "/change-password"


def test_creating_a_user_with_mistakes_keeps_what_was_typed(app, client, login_as):
    login_as(Role.ADMIN)
    html = post_form(client, "/admin/users/new", {
        "email": "not-an-email", "display_name": "Kept Name", "agency": "health",
        "teams": "Kept Team", "password": "short"}).get_data(as_text=True)
    assert "<title>Error: Create a user" in html
    assert "Select at least one role" in html
    assert "Password must be 12 characters or more" in html
    assert 'value="Kept Name"' in html and 'value="Kept Team"' in html


def test_a_duplicate_email_is_refused(app, client, login_as):
    with app.app_context():
        existing = make_user(Role.AUDITOR)
    login_as(Role.ADMIN)
    html = post_form(client, "/admin/users/new", {
        "email": existing.email.upper(), "display_name": "Copy", "roles": "auditor",
        "agency": "health", "password": "a good long password"}).get_data(as_text=True)
    assert "A user with this email address already exists" in html


def test_editing_roles_and_disabling_is_recorded_with_before_and_after(app, client, login_as):
    with app.app_context():
        user = make_user(Role.AUDITOR, teams=["North"])
    admin = login_as(Role.ADMIN)
    response = post_form(client, f"/admin/users/{user.id}", {
        "display_name": user.display_name, "roles": ["auditor", "qa_lead"], "agency": "health",
        "teams": "North", "active": "y"})
    assert response.status_code == 302
    post_form(client, f"/admin/users/{user.id}", {
        "display_name": user.display_name, "roles": ["auditor", "qa_lead"], "agency": "health",
        "teams": "North"})  # active unticked
    with app.app_context():
        trail = db.session.scalars(db.select(AuditEvent).filter(
            AuditEvent.object_id == str(user.id), AuditEvent.action != "user_created")
            .order_by(AuditEvent.id)).all()
        assert db.session.get(User, user.id).active is False
    assert [e.action for e in trail] == ["user_updated", "user_disabled"]
    assert trail[0].user_id == admin.id
    assert trail[0].details["changes"]["roles"] == {"before": ["auditor"], "after": ["auditor", "qa_lead"]}
    assert trail[0].details["changes"]["agency"]["after"] == "health"
    assert trail[1].details["changes"]["active"] == {"before": True, "after": False}


def test_an_admin_cannot_lock_themselves_out(app, client, login_as):
    admin = login_as(Role.ADMIN)
    html = post_form(client, f"/admin/users/{admin.id}", {
        "display_name": "Me", "roles": ["auditor"], "agency": "health", "active": "y"}
    ).get_data(as_text=True)
    assert "You cannot remove your own admin role" in html
    assert user_by_email(app, admin.email).roles == {Role.ADMIN}


def test_a_one_time_password_signs_the_user_out_and_must_be_changed(app, client, login_as):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    their_client = app.test_client()
    sign_in(their_client, user.email)
    login_as(Role.ADMIN)
    response = post_form(client, f"/admin/users/{user.id}/one-time-password",
                         {"password": "reset by the admin"})
    assert response.status_code == 302
    assert their_client.get("/").status_code == 302
    sign_in(their_client, user.email, "reset by the admin")
    assert their_client.get("/").headers["Location"] == "/change-password"


def test_the_audit_trail_page_filters_events(app, client, login_as):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    sign_in(app.test_client(), user.email, "a wrong password here")
    login_as(Role.ADMIN)
    html = client.get("/admin/audit-trail?outcome=failure").get_data(as_text=True)
    assert "wrong password" in html and "1 event." in html
    html = client.get("/admin/audit-trail?action=user_created").get_data(as_text=True)
    assert "2 events." in html
    local_part = user.email.split('@')[0] + '@'
    html = client.get(f"/admin/audit-trail?user_email={local_part}&action=login").get_data(as_text=True)
    assert "1 event." in html
