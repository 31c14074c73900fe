"""The measures page keeps its figures until the data changes: a QA lead never sees figures
from before the latest import, a deletion or a new population figure, whichever worker (app
process) serves the page."""
import re

from sqlalchemy import delete

from config import TestConfig
from qa_app import create_app
from qa_app.extensions import db
from qa_app.models import Referral, Role
from qa_app.services.case_data import set_population
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv


def _figure(html, label):
    """The period-against-last-year table's (this period, last year) for one measure."""
    row = re.search(rf"{re.escape(label)}</th>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", html)
    return row.groups()


def _without_form_tokens(html):
    return re.sub(r'name="csrf_token" value="[^"]*"', "", html)


def _quality(html):
    return re.findall(r'/data-quality/([a-z_0-9]+)">([^<]*)</a>', html.split('id="data-quality"')[1])


def test_the_page_shows_new_figures_after_each_import_and_deletion(app, client, login_as, tmp_path):
    login_as(Role.QA_LEAD)
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r1.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-02-10", "NFA", "", ""], ["C2", "R2", "2014-03-01", "NFA", "", ""],
            ["C1", "R3", "2015-02-10", "NFA", "", ""]]))
    html = client.get("/measures/?period=2015").get_data(as_text=True)
    assert _figure(html, "Re-referrals %") == ("100.0%", "0.0%")  # exactly 12 months on
    assert _figure(html, "Referrals") == ("1", "2")
    again = client.get("/measures/?period=2015").get_data(as_text=True)  # kept: the same page
    assert _without_form_tokens(again) == _without_form_tokens(html)

    # The same number of rows, one date moved a day: a day more than 12 months, no re-referral.
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r2.csv", REFERRAL_HEADINGS, [
            ["C1", "R3", "2015-02-11", "NFA", "", ""]]))
    html = client.get("/measures/?period=2015").get_data(as_text=True)
    assert _figure(html, "Re-referrals %") == ("0.0%", "0.0%")

    # A plan before any referral for its child shows among the data-quality counts at once.
    assert "plan_before_referral" not in dict(_quality(html))
    with app.app_context():
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["C2", "P1", "2014-01-01", "", "NEG", ""]]))
    html = client.get("/measures/?period=2015").get_data(as_text=True)
    assert dict(_quality(html))["plan_before_referral"] == "1 CP plan starting before any referral for the child"
    assert _figure(html, "CP plans started") == ("0", "1")

    # Rows deleted by anything other than an import (a purge, a database administrator).
    with app.app_context():
        db.session.execute(delete(Referral).where(Referral.referral_id == "R2"))
        db.session.commit()
    html = client.get("/measures/?period=2015").get_data(as_text=True)
    assert _figure(html, "Referrals") == ("1", "1")


def _re_referrals_listed(html):
    """(the total shown, the children in the list's rows)."""
    return (re.search(r"(\d+) re-referrals?", html).group(1),
            re.findall(r'<td class="govuk-table__cell">(C\d+)</td>', html))


def test_the_re_referrals_list_shows_new_re_referrals_after_each_import_and_deletion(app, client, login_as,
                                                                                     tmp_path):
    """The list keeps the period's re-referrals found (for the next pages and filters) only
    while the data is the same."""
    login_as(Role.QA_LEAD)
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r1.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-02-10", "NFA", "", ""], ["C2", "R2", "2014-05-01", "NFA", "", ""],
            ["C1", "R3", "2015-02-10", "NFA", "", ""], ["C2", "R4", "2015-03-01", "Assessment", "", ""]]))
    for url in ("/measures/re-referrals?period=2015", "/measures/re-referrals?period=2015"):  # found, then kept
        html = client.get(url).get_data(as_text=True)
        assert _re_referrals_listed(html) == ("2", ["C1", "C2"])
    html = client.get("/measures/re-referrals?period=2015&previous_decision=nfa").get_data(as_text=True)
    assert _re_referrals_listed(html) == ("2", ["C1", "C2"])

    # The same number of rows, one date moved a day: a day more than 12 months, no re-referral.
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r2.csv", REFERRAL_HEADINGS, [
            ["C1", "R3", "2015-02-11", "NFA", "", ""]]))
    html = client.get("/measures/re-referrals?period=2015").get_data(as_text=True)
    assert _re_referrals_listed(html) == ("1", ["C2"])
    html = client.get("/measures/re-referrals?period=2015&previous_decision=nfa").get_data(as_text=True)
    assert _re_referrals_listed(html) == ("1", ["C2"])

    # Rows deleted by anything other than an import.
    with app.app_context():
        db.session.execute(delete(Referral).where(Referral.referral_id == "R2"))
        db.session.commit()
    html = client.get("/measures/re-referrals?period=2015").get_data(as_text=True)
    assert _re_referrals_listed(html) == ("0", [])


def test_a_new_population_changes_the_rates_shown(app, client, login_as, tmp_path):
    login_as(Role.QA_LEAD)
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS,
                                           [[f"C{i}", f"R{i}", "2015-06-01", "NFA", "", ""] for i in range(30)]))
    assert _figure(client.get("/measures/?period=2015/16").get_data(as_text=True),
                   "Rate per 10,000 children")[0] == "n/a"
    with app.app_context():
        set_population(2015, 60000)
    html = client.get("/measures/?period=2015/16").get_data(as_text=True)
    assert _figure(html, "Rate per 10,000 children")[0] == "5"  # 30 / 60,000 × 10,000


def test_a_worker_never_shows_figures_from_before_another_workers_import(app, client, login_as,
                                                                          database_url, tmp_path):
    """Two app processes on one database, as gunicorn runs them: one shows the page, the other
    imports, the first shows the new figures."""
    login_as(Role.QA_LEAD)
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r1.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2015-05-01", "NFA", "", ""]]))
    assert _figure(client.get("/measures/?period=2015/16").get_data(as_text=True), "Referrals")[0] == "1"
    other = TestConfig()
    other.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
    other.INSTANCE_PATH = str(tmp_path / "other-worker")
    other_worker = create_app(other)
    with other_worker.app_context():
        import_file("referrals", write_csv(tmp_path / "r2.csv", REFERRAL_HEADINGS, [
            ["C2", "R2", "2015-06-01", "NFA", "", ""], ["C3", "R3", "2015-07-01", "NFA", "", ""]]))
        db.session.remove()
        db.engine.dispose()
    assert _figure(client.get("/measures/?period=2015/16").get_data(as_text=True), "Referrals")[0] == "3"


def test_an_uploaded_import_leaves_the_measures_page_worked_out_for_its_data(app, client, login_as):
    """The worker works the page's figures out after the import, so the first QA lead to open
    the measures page reads them rather than waiting for every row to be read."""
    import io
    import time

    from qa_app.models import MeasuresCache
    from qa_app.services import measures_cache
    from qa_app.services.jobs import wait_for_in_process_jobs
    from tests.helpers import post_form

    login_as(Role.QA_LEAD)
    response = post_form(client, "/data/imports/new", {
        "kind": "referrals",
        "file": (io.BytesIO(b"child_id,referral_id,referral_date,decision\n"
                            b"C1,R1,2015-01-10,NFA\nC1,R2,2015-04-10,assessment\n"), "referrals.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not client.get(response.headers["Location"] + "/status").json["finished"]:
        time.sleep(0.1)
    wait_for_in_process_jobs()
    with app.app_context():
        version = measures_cache.data_version()
        kept = {row.name for row in db.session.scalars(db.select(MeasuresCache))
                if row.data_version == version}
    assert any(name.startswith("dashboard ") for name in kept)
    assert any(name.startswith("data-quality ") for name in kept)
    html = client.get("/measures/").get_data(as_text=True)
    assert "Re-referrals" in html
