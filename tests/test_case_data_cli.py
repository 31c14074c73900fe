"""flask import, population set and measures --json: the same code as the pages."""
import json

import pytest

from qa_app.extensions import db
from qa_app.models import Referral
from tests.case_data_helpers import FIXTURES, PLAN_HEADINGS, REFERRAL_HEADINGS, write_csv


def test_import_succeeds_with_exit_0_and_fails_with_the_errors_and_no_change(app, tmp_path):
    runner = app.test_cli_runner()
    good = write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [["C1", "R1", "2015-04-01", "NFA", "", ""]])
    result = runner.invoke(args=["import", "referrals", str(good)])
    assert result.exit_code == 0, result.output
    bad = write_csv(tmp_path / "bad.csv", REFERRAL_HEADINGS, [["C2", "R2", "2015-04-01", "perhaps", "", ""]])
    result = runner.invoke(args=["import", "referrals", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv, row 2, column 'decision': 'perhaps': expected one of NFA" in result.output
    with app.app_context():
        assert db.session.scalars(db.select(Referral.referral_id)).all() == ["R1"]


def test_an_import_at_the_command_line_leaves_the_measures_page_worked_out_for_its_data(app, tmp_path):
    """As after an uploaded import: the first QA lead to open the page reads kept figures."""
    from qa_app.models import MeasuresCache
    from qa_app.services import measures_cache
    runner = app.test_cli_runner()
    referrals = write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [["C1", "R1", "2015-01-10", "NFA", "", ""],
                                                                   ["C1", "R2", "2015-04-10", "NFA", "", ""]])
    assert runner.invoke(args=["import", "referrals", str(referrals)]).exit_code == 0
    with app.app_context():
        version = measures_cache.data_version()
        kept = {row.name for row in db.session.scalars(db.select(MeasuresCache)) if row.data_version == version}
    assert any(name.startswith("dashboard ") for name in kept)
    assert any(name.startswith("data-quality ") for name in kept)


def test_import_each_format_from_the_command_line(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["import", "annex-a", str(FIXTURES / "Annex_A.xlsx")]).exit_code == 0
    assert runner.invoke(args=["import", "cin-census", str(FIXTURES / "cin-2022.xml")]).exit_code == 0
    refused = runner.invoke(args=["import", "cin-census", str(FIXTURES / "Annex_A.xlsx")])
    assert refused.exit_code != 0 and "must be a .xml file" in refused.output


def test_measures_json_has_exactly_the_published_keys_and_uses_the_stored_population(app, tmp_path):
    runner = app.test_cli_runner()
    runner.invoke(args=["import", "referrals", str(write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
        ["C1", "R1", "2015-01-10", "NFA", "", ""], ["C1", "R2", "2015-04-10", "assessment", "", ""],
        ["C2", "R3", "2015-05-01", "s47", "", ""]]))])
    runner.invoke(args=["import", "cp-plans", str(write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
        ["C1", "P1", "2013-05-01", "2013-05-31", "", ""], ["C1", "P2", "2015-06-01", "", "", ""]]))])
    assert runner.invoke(args=["population", "set", "2015", "60000"]).exit_code == 0
    result = runner.invoke(args=["measures", "--start", "2015-04-01", "--end", "2016-03-31", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {
        "start": "2015-04-01", "end": "2016-03-31", "referrals": 2, "rate_per_10k": 0.3,
        "re_referrals": 1, "re_referral_pct": 50.0,
        "decisions": {"nfa": 0, "professional_conversation": 0, "early_help": 0, "assessment": 1,
                      "section_47": 1},
        "cp_plans_started": 1, "repeat_plans_ever": 1, "repeat_plans_ever_pct": 100.0,
        "repeat_plans_within_2y": 0, "repeat_plans_within_2y_pct": 0.0}
    override = runner.invoke(args=["measures", "--start", "2015-04-01", "--end", "2016-03-31",
                                   "--population", "20000", "--json"])
    assert json.loads(override.output)["rate_per_10k"] == 1.0
    empty = runner.invoke(args=["measures", "--start", "2020-04-01", "--end", "2020-06-30", "--json"])
    assert json.loads(empty.output)["re_referral_pct"] is None
    assert json.loads(empty.output)["rate_per_10k"] is None


def test_population_set_refuses_nonsense(app):
    result = app.test_cli_runner().invoke(args=["population", "set", "2015", "0"])
    assert result.exit_code != 0 and "whole number above 0" in result.output


def test_demo_data_is_calibrated_to_the_background_report(app):
    """Issue 24: under the moved years; the README says which demo year is the report's 2014/15."""
    from datetime import date
    from audit_tools.synthetic import years_to_the_present
    runner = app.test_cli_runner()
    loaded = runner.invoke(args=["demo-data"])
    assert loaded.exit_code == 0
    moved = years_to_the_present(date.today())

    def measures(start, end):
        start, end = date.fromisoformat(start), date.fromisoformat(end)
        result = runner.invoke(args=["measures", "--start", start.replace(year=start.year + moved).isoformat(),
                                     "--end", end.replace(year=end.year + moved).isoformat(), "--json"])
        return json.loads(result.output)

    def near(value, target, tolerance):
        return abs(value - target) <= tolerance

    y2013, y2014 = measures("2013-04-01", "2014-03-31"), measures("2014-04-01", "2015-03-31")
    assert near(y2013["referrals"], 2089, 2089 * 0.03) and near(y2014["referrals"], 2722, 2722 * 0.03)
    assert near(y2013["rate_per_10k"], 347.2, 347.2 * 0.03)
    # The report's April to September 2015 is whole once today is past the moved September.
    if date.today().month in (10, 11, 12, 1, 2, 3):
        assert near(measures("2015-04-01", "2015-09-30")["referrals"], 1125, 1125 * 0.03)
        assert near(measures("2015-07-01", "2015-09-30")["re_referral_pct"], 20.8, 1)
        h1_2015 = measures("2015-04-01", "2015-09-30")
        assert near(100 * h1_2015["decisions"]["professional_conversation"] / h1_2015["referrals"], 3.4, 1)
        assert near(100 * h1_2015["decisions"]["assessment"] / h1_2015["referrals"], 48.8, 1)
    assert near(measures("2014-07-01", "2014-09-30")["re_referral_pct"], 27.1, 1)
    h1_2014 = measures("2014-04-01", "2014-09-30")
    assert near(100 * h1_2014["decisions"]["professional_conversation"] / h1_2014["referrals"], 26.8, 1)
    assert near(100 * h1_2014["decisions"]["assessment"] / h1_2014["referrals"], 43, 1)
    assert near(y2013["cp_plans_started"], 165, 165 * 0.03)
    assert near(y2013["repeat_plans_ever"], 31, 1) and near(y2013["repeat_plans_ever_pct"], 18.8, 1)
    assert near(y2013["repeat_plans_within_2y"], 14, 1) and near(y2013["repeat_plans_within_2y_pct"], 8.5, 1)
    # History from 2011 (moved), so look-backs from April 2012 (moved) on are complete.
    assert measures("2011-01-01", "2011-12-31")["referrals"] > 0
    last_complete = date.today().year - (1 if date.today().month >= 4 else 2)
    assert f"The demo's {last_complete}/{(last_complete + 1) % 100:02d} is the background report's 2014/15" \
        in loaded.output


def test_demo_data_runs_to_last_month_and_its_last_complete_financial_year_is_the_one_before_todays(app):
    """Issue 24: the demo lives in the present, computed from today at seed time."""
    from datetime import date, timedelta
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo-data"]).exit_code == 0
    today = date.today()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    this_year = today.year if today.month >= 4 else today.year - 1
    with app.app_context():
        last = db.session.scalar(db.select(db.func.max(Referral.referral_date)))
    assert last_month_end - timedelta(days=7) <= last <= last_month_end
    last_complete = runner.invoke(args=["measures", "--start", f"{this_year - 1}-04-01",
                                        "--end", f"{this_year}-03-31", "--json"])
    this_year_so_far = runner.invoke(args=["measures", "--start", f"{this_year}-04-01",
                                           "--end", last_month_end.isoformat(), "--json"])
    assert json.loads(last_complete.output)["referrals"] == pytest.approx(2722, rel=0.03)
    assert json.loads(this_year_so_far.output)["referrals"] > 0
