"""Issue 24: the demo lives in the present. Its case data runs to last month, and its audits,
moderations, actions and outcomes sit in the same time, so every page shows something real."""
import re
from datetime import date, timedelta

import pytest

from audit_tools.periods import financial_year, financial_year_of, parse_period
from qa_app.demo import DEMO_PASSWORD
from qa_app.extensions import db
from qa_app.models import AuditProgramme
from qa_app.services import findings, measures_cache
from tests.helpers import sign_in


@pytest.fixture
def demo_app(app):
    loaded = app.test_cli_runner().invoke(args=["demo-data"])
    assert loaded.exit_code == 0, loaded.output
    return app


def signed_in_as(app, email):
    client = app.test_client()
    assert sign_in(client, email, DEMO_PASSWORD).status_code == 302
    return client


def test_the_measures_page_opens_on_this_financial_year_with_figures_up_to_last_month(demo_app):
    today = date.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    page = signed_in_as(demo_app, "qa.lead@demo.casefile.test").get("/measures/").get_data(as_text=True)
    this_year = financial_year(financial_year_of(last_month_end))
    # The board pack's default period is the latest year, and it has referrals in it.
    board_pack = re.search(r'id="board-pack-period" name="period" type="text" value="([^"]*)"', page)
    assert board_pack and board_pack.group(1) == this_year.label
    with demo_app.app_context():
        board = measures_cache.dashboard()
        columns = {c.period.label: c for c in board.years}
        comparison = measures_cache.measures_page(parse_period(board_pack.group(1)))[1]
    assert columns[this_year.label].referrals.referrals > 0
    assert comparison.this.referrals > 0 and comparison.plans.cp_plans_started > 0
    # The figures, and the data-quality checks as at the same day, run to last month.
    assert last_month_end - timedelta(days=7) <= board.as_of <= last_month_end
    assert f"From the loaded data, up to {board.as_of:%d %b %Y}" in page


def test_the_team_manager_has_an_action_overdue_today(demo_app):
    client = signed_in_as(demo_app, "team.manager@demo.casefile.test")
    home = client.get("/").get_data(as_text=True)
    assert re.search(r"Actions \((\d+) overdue\)", home)
    overdue = client.get("/actions/?status=overdue").get_data(as_text=True)
    assert "Demo: chase the school for the second referral&#39;s details" in overdue


def test_the_re_referral_programme_has_a_child_who_came_back_after_the_audit(demo_app):
    with demo_app.app_context():
        programme = db.session.scalars(db.select(AuditProgramme).filter_by(questionnaire_id="re-referral-audit")).one()
        outcomes = findings.outcomes_for(programme)
        programme_id = programme.id
    assert {case.outcome for case in outcomes.cases} >= {"came_back", "did_not_come_back"}
    page = signed_in_as(demo_app, "qa.lead@demo.casefile.test").get(
        f"/programmes/{programme_id}/findings").get_data(as_text=True)
    assert re.search(r"<td class=\"govuk-table__cell\">Came back \(\d+ \w+ \d{4}\)</td>", page)
