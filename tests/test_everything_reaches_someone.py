"""Every concern and action reaches someone: a team with no active manager is named to the QA
leads and on the admin's home page until it has one; a team manager must have a team."""
from datetime import date, timedelta

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, Role
from qa_app.services import accounts, actions, programmes, safeguarding
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, sign_in

SOON = date.today() + timedelta(days=20)


@pytest.fixture
def north_case(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR)
        manager = make_user(Role.TEAM_MANAGER, teams=["North"])
        qa = make_user(Role.QA_LEAD)
        admin = make_user(Role.ADMIN)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        [audit] = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
    return {"audit": audit.id, "programme": programme.id, "auditor": auditor, "manager": manager, "qa": qa,
            "admin": admin}


def _home(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client.get("/").get_data(as_text=True)


def test_a_concern_for_a_team_whose_only_manager_is_disabled_reaches_the_qa_leads_marked(app, north_case):
    w = north_case
    with app.app_context():
        accounts.update_user(w["manager"].id, display_name="North Manager", roles=[Role.TEAM_MANAGER],
                             agency="childrens_social_care", team_names=["North"], active=False,
                             changed_by=w["admin"])
        safeguarding.raise_concern(w["audit"], "Bruising seen on a home visit", w["auditor"])
    qa_home = _home(app, w["qa"])
    assert "Bruising seen on a home visit" in qa_home and "No team manager for team North" in qa_home
    admin_home = _home(app, w["admin"])
    assert "No team manager for team North" in admin_home
    with app.app_context():
        make_user(Role.TEAM_MANAGER, teams=["North"])
    assert "No team manager for team North" not in _home(app, w["admin"])


def test_an_action_for_a_team_without_a_manager_is_named_on_the_admins_home(app, north_case):
    w = north_case
    with app.app_context():
        make_user(Role.AUDITOR, teams=["Compass"])  # Compass exists, but nobody manages it
        actions.raise_action(w["programme"], None, actions.NewAction(
            "Review step-down", "Step-down not reviewed", SOON, team="Compass"), w["qa"])
    assert "No team manager for team Compass" in _home(app, w["admin"])
    assert "No team manager for team Compass" in _home(app, w["qa"])


def test_a_team_manager_must_have_a_team(app):
    with app.app_context():
        with pytest.raises(accounts.AccountError) as refused:
            accounts.create_user(email="tm@test.casefile.test", display_name="TM", password="a long password 123",
                                 roles=[Role.TEAM_MANAGER], team_names=[])
        assert refused.value.field == "teams"
