"""Teams are chosen from a list (issue 19, point 3): the teams in the loaded case data and those
an admin added on purpose. A typo ("Compas") never silently becomes a team: adding a new name is
its own step on the Teams page, with a confirmation. A team manager must have a team."""
from datetime import date, timedelta

import pytest

from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, Role, Team, User
from qa_app.services import accounts, actions, programmes
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import PASSWORD, make_user, post_form, sign_in

SOON = date.today() + timedelta(days=20)


@pytest.fixture
def case_data_teams(app, tmp_path):
    """North is a team of the referrals, Compass of the plans; neither was typed by anyone."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["C2", "P1", "2014-03-01", "", "NEG", "Compass"]]))
        admin = make_user(Role.ADMIN)
        qa = make_user(Role.QA_LEAD)
    return {"admin": admin, "qa": qa}


def _team_names():
    return set(db.session.scalars(db.select(Team.name)))


def test_the_known_teams_are_the_case_datas_and_those_added_on_purpose(app, case_data_teams):
    with app.app_context():
        assert accounts.known_team_names() == ["Compass", "North"]
        accounts.add_team("Early Help Hub", confirmed_as="Early Help Hub", added_by=case_data_teams["admin"])
        assert accounts.known_team_names() == ["Compass", "Early Help Hub", "North"]


def test_a_typed_team_that_nobody_knows_is_refused_and_never_created(app, case_data_teams):
    with app.app_context():
        with pytest.raises(accounts.AccountError) as refused:
            accounts.create_user(email="tm@test.casefile.test", display_name="Tia Manager", password=PASSWORD,
                                 roles=[Role.TEAM_MANAGER], team_names=["Compas"])
        assert refused.value.field == "teams" and "Compas is not a team we know" in str(refused.value)
        user = make_user(Role.AUDITOR, teams=["North"])
        with pytest.raises(accounts.AccountError):
            accounts.update_user(user.id, display_name="X", roles=[Role.AUDITOR], agency="childrens_social_care",
                                 team_names=["North", "Compas"], active=True, changed_by=case_data_teams["admin"])
        assert "Compas" not in _team_names()
        assert db.session.get(User, user.id).team_names == ["North"]
        # A case-data team needs no adding: it is known already.
        manager = accounts.create_user(email="tm@test.casefile.test", display_name="Tia Manager", password=PASSWORD,
                                       roles=[Role.TEAM_MANAGER], team_names=["Compass"])
        assert manager.team_names == ["Compass"]


def test_adding_a_team_needs_a_confirmation_and_is_in_the_audit_trail(app, case_data_teams):
    admin = case_data_teams["admin"]
    with app.app_context():
        with pytest.raises(accounts.TeamNotConfirmed) as asked:
            accounts.add_team("Compas", confirmed_as=None, added_by=admin)
        assert "Compas is not a team we know" in str(asked.value) and "Did you mean Compass?" in str(asked.value)
        # Confirming one name and then typing another confirms nothing.
        with pytest.raises(accounts.TeamNotConfirmed):
            accounts.add_team("Compas", confirmed_as="Compasss", added_by=admin)
        with pytest.raises(accounts.AccountError) as same:
            accounts.add_team(" north ", confirmed_as=" north ", added_by=admin)
        assert "North is already a team" in str(same.value)
        assert "Compas" not in _team_names()
        accounts.add_team("Compas", confirmed_as="Compas", added_by=admin)
        assert "Compas" in accounts.known_team_names()
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="team_added")).one()
        assert event.details["team"] == "Compas" and event.user_id == admin.id


def test_an_action_for_a_team_nobody_knows_is_refused(app, case_data_teams):
    with app.app_context():
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        with pytest.raises(actions.ActionError) as refused:
            actions.raise_action(programme.id, None, actions.NewAction(
                "Train the front door", "Threshold not applied", SOON, team="Compas"), case_data_teams["qa"])
        assert refused.value.field == "team"
        assert "Compas" not in _team_names()
        action = actions.raise_action(programme.id, None, actions.NewAction(
            "Train the front door", "Threshold not applied", SOON, team="North"), case_data_teams["qa"])
        assert action.team.name == "North"
        assert db.session.get(AuditProgramme, programme.id) is not None


def _admin(app, world):
    client = app.test_client()
    assert sign_in(client, world["admin"].email).status_code == 302
    return client


def test_the_user_form_offers_the_known_teams_to_tick(app, case_data_teams):
    client = _admin(app, case_data_teams)
    html = client.get("/admin/users/new").get_data(as_text=True)
    assert 'type="checkbox"' in html and 'name="teams"' in html
    assert 'value="North"' in html and 'value="Compass"' in html
    assert 'href="/admin/teams"' in html  # where a new team is added


def test_a_typo_posted_to_the_user_forms_is_refused_and_kept(app, case_data_teams):
    client = _admin(app, case_data_teams)
    response = post_form(client, "/admin/users/new", {
        "email": "tia@test.casefile.test", "display_name": "Tia Manager", "password": PASSWORD,
        "roles": "team_manager", "agency": "childrens_social_care", "teams": "Compas"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Compas is not a team we know" in html
    assert "Tia Manager" in html and 'value="Compas"' in html  # what was typed comes back
    with app.app_context():
        user = make_user(Role.AUDITOR, teams=["North"])
        assert db.session.scalars(db.select(User).filter_by(email="tia@test.casefile.test")).first() is None
    response = post_form(client, f"/admin/users/{user.id}", {
        "display_name": "Renamed", "roles": "auditor", "agency": "childrens_social_care",
        "teams": ["North", "Compas"], "active": "y"})
    html = response.get_data(as_text=True)
    assert "Compas is not a team we know" in html and "Renamed" in html
    with app.app_context():
        assert "Compas" not in _team_names()
        assert db.session.get(User, user.id).display_name != "Renamed"


def test_a_team_manager_without_a_team_is_refused_through_the_form(app, case_data_teams):
    client = _admin(app, case_data_teams)
    html = post_form(client, "/admin/users/new", {
        "email": "tia@test.casefile.test", "display_name": "Tia Manager", "password": PASSWORD,
        "roles": "team_manager", "agency": "childrens_social_care"}).get_data(as_text=True)
    assert "A team manager must have a team" in html
    with app.app_context():
        assert db.session.scalars(db.select(User).filter_by(email="tia@test.casefile.test")).first() is None


def test_the_teams_page_asks_before_adding_a_name_and_then_adds_it(app, case_data_teams):
    client = _admin(app, case_data_teams)
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "North" in page and "Compass" in page
    asked = post_form(client, "/admin/teams", {"name": "Compas"})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert "Compas is not a team we know" in html and "Did you mean Compass?" in html
    assert "Yes, create team \u2018Compas\u2019" in html and 'name="confirm"' in html and 'value="Compas"' in html
    with app.app_context():
        assert "Compas" not in _team_names()
    added = post_form(client, "/admin/teams", {"name": "Compas", "confirmed_name": "Compas", "confirm": "y"})
    assert added.status_code == 302
    with app.app_context():
        assert "Compas" in _team_names()
    assert 'value="Compas"' in client.get("/admin/users/new").get_data(as_text=True)


def test_a_programme_narrowed_to_a_team_chooses_it_from_the_list(app, case_data_teams):
    """A typo in "Only this team" made an empty frame without a word; now it is a list."""
    with app.app_context():
        with pytest.raises(programmes.ProgrammeError) as refused:
            programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                        frame_kind="re-referrals", period_text="Q1 2014/15", filters={"team": "Nrth"})
        assert refused.value.field == "team" and "Nrth is not a team we know" in str(refused.value)
    client = app.test_client()
    assert sign_in(client, case_data_teams["qa"].email).status_code == 302
    html = client.get("/programmes/new").get_data(as_text=True)
    assert '<select class="govuk-select" id="team" name="team"' in html and '<option value="North">' in html
    page = post_form(client, "/programmes/new", {
        "name": "Narrowed", "questionnaire_id": "re-referral-audit@1", "frame_kind": "re-referrals",
        "period": "Q1 2014/15", "team": "Nrth"}).get_data(as_text=True)
    assert "Nrth is not a team we know" in page
