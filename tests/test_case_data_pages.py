"""QA leads load data in the browser, set population and benchmarks, and read the measures."""
import io
import re
import time

from qa_app.extensions import db
from qa_app.models import ChildPopulation, ImportBatch, Role
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import post_form

REFERRALS_CSV = (b"child_id,referral_id,referral_date,decision\n"
                 b"C1,R1,2015-01-10,NFA\nC1,R2,2015-04-10,assessment\nC2,R3,2015-05-01,s47\n")


def wait_for_import(client, batch_url, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(batch_url + "/status").json
        if status["finished"]:
            return status
        time.sleep(0.1)
    raise AssertionError("the import did not finish")


def test_an_upload_runs_as_a_job_and_reports_what_changed(app, client, login_as):
    login_as(Role.QA_LEAD)
    response = post_form(client, "/data/imports/new", {
        "kind": "referrals", "file": (io.BytesIO(REFERRALS_CSV), "referrals.csv")},
        content_type="multipart/form-data")
    batch_url = response.headers["Location"]
    assert wait_for_import(client, batch_url)["status"] == "succeeded"
    html = client.get(batch_url).get_data(as_text=True)
    assert "Imported" in html and "What changed" in html
    assert "referrals.csv" in client.get("/data/imports").get_data(as_text=True)


def test_a_failed_upload_lists_its_problems(app, client, login_as):
    login_as(Role.QA_LEAD)
    bad = REFERRALS_CSV + b"C3,R4,2015-13-01,NFA\n"
    response = post_form(client, "/data/imports/new", {
        "kind": "referrals", "file": (io.BytesIO(bad), "referrals.csv")}, content_type="multipart/form-data")
    wait_for_import(client, response.headers["Location"])
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file was not imported" in html and "Nothing was written" in html
    assert "row 5" in html and "referral_date" in html and "2015-13-01" in html


def test_population_is_saved_and_used_for_rates(app, client, login_as):
    login_as(Role.QA_LEAD)
    assert post_form(client, "/data/population", {"year": "2015", "population": "60000"}).status_code == 302
    html = post_form(client, "/data/population", {"year": "2015", "population": "-3"}).get_data(as_text=True)
    assert "Enter a whole number above 0" in html
    with app.app_context():
        assert db.session.get(ChildPopulation, 2015).population == 60000
        import_file("referrals", write_csv(
            app.instance_path + "/r.csv", REFERRAL_HEADINGS,
            [[f"C{i}", f"R{i}", "2015-06-01", "NFA", "", ""] for i in range(30)]))
    html = client.get("/measures/").get_data(as_text=True)
    assert "5.0" in html  # 30 referrals / 60,000 × 10,000


def test_benchmarks_upload_checks_every_row(app, client, login_as):
    login_as(Role.QA_LEAD)
    good = b"measure,period,comparator,value\nre_referral_pct,2014/15,England,24.0\nreferrals,2014/15,SN,\"5,459.1\"\n"
    response = post_form(client, "/data/benchmarks", {"file": (io.BytesIO(good), "b.csv")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    assert "5,459.1" in client.get("/data/benchmarks").get_data(as_text=True)
    bad = b"measure,period,comparator,value\nre_referral_pct,2014/15,Wales,x\nnonsense,2014-15,SN,1\n"
    html = post_form(client, "/data/benchmarks", {"file": (io.BytesIO(bad), "b.csv")},
                     content_type="multipart/form-data").get_data(as_text=True)
    assert "b.csv, row 2, column &#39;comparator&#39;: &#39;Wales&#39;: expected SN or England" in html
    assert "b.csv, row 3, column &#39;measure&#39;" in html and "b.csv, row 2, column &#39;value&#39;" in html


def test_the_dashboard_and_drill_down_lists(app, client, login_as):
    login_as(Role.QA_LEAD)
    assert "No case data has been loaded yet" in client.get("/measures/").get_data(as_text=True)
    with app.app_context():
        import_file("referrals", write_csv(app.instance_path + "/r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-03-10", "NFA", "", "North"], ["C1", "R2", "2014-05-10", "assessment", "", "North"],
            ["C2", "R3", "2014-04-20", "early_help", "", "South"], ["C2", "R4", "2015-06-01", "nfa", "", "South"]]))
        import_file("cp-plans", write_csv(app.instance_path + "/p.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2013-01-01", "2013-09-01", "NEG", ""], ["C1", "P2", "2014-06-01", "", "NEG", ""]]))
    html = client.get("/measures/").get_data(as_text=True)
    assert "Re-referrals by quarter" in html and "<svg" in html and "Q1 2014/15" in html
    html = client.get("/measures/re-referrals?period=Q1+2014/15").get_data(as_text=True)
    assert "1 re-referral." in html and "10 May 2014" in html and "10 Mar 2014" in html
    html = client.get("/measures/re-referrals?period=Q1+2014/15&previous_decision=early_help").get_data(as_text=True)
    assert "0 re-referrals" in html
    html = client.get("/measures/repeat-plans?period=2014/15&within=2y").get_data(as_text=True)
    assert "1 plan." in html and "01 Sep 2013" in html
    assert re.search(r'name="within"[^>]*value="2y"[^>]*checked', html)  # the box stays ticked
    html = client.get("/measures/re-referrals?period=Q5+2014").get_data(as_text=True)
    assert "is not a period" in html and 'href="#period"' in html and "<title>Error: " in html
    assert re.search(r'name="period"[^>]*value="Q5 2014"', html)  # what was typed stays in the box


def test_measures_for_any_period_beside_the_same_period_last_year(app, client, login_as):
    login_as(Role.QA_LEAD)
    with app.app_context():
        import_file("referrals", write_csv(app.instance_path + "/r.csv", REFERRAL_HEADINGS, [
            ["C1", "R1", "2014-02-10", "NFA", "", ""], ["C2", "R2", "2014-03-01", "NFA", "", ""],
            ["C1", "R3", "2015-02-10", "NFA", "", ""]]))
    html = client.get("/measures/?period=2015").get_data(as_text=True)
    assert "2015 against 2014" in html
    # 2015: one referral, a re-referral exactly 12 months on; 2014: two first referrals.
    row = re.search(r"Re-referrals %</th>\s*<td[^>]*>([^<]*)</td>\s*<td[^>]*>([^<]*)</td>", html)
    assert row.groups() == ("100.0%", "0.0%")
    html = client.get("/measures/?period=2015-01-01..2015-03-31").get_data(as_text=True)
    assert "01 Jan 2015 to 31 Mar 2015 against 01 Jan 2014 to 31 Mar 2014" in html
    assert "is not a period" in client.get("/measures/?period=soon").get_data(as_text=True)


def test_a_long_re_referral_list_comes_a_hundred_to_a_page(app, client, login_as):
    login_as(Role.QA_LEAD)
    rows = []
    for child in range(130):  # 130 children, each referred in March and again in May 2014
        rows += [[f"C{child:03d}", f"R{child:03d}a", "2014-03-10", "NFA", "", "North"],
                 [f"C{child:03d}", f"R{child:03d}b", "2014-05-10", "assessment", "", "North"]]
    with app.app_context():
        import_file("referrals", write_csv(app.instance_path + "/r.csv", REFERRAL_HEADINGS, rows))
    html = client.get("/measures/re-referrals?period=2014/15").get_data(as_text=True)
    assert "130 re-referrals." in html and "Showing 1 to 100, page 1 of 2." in html
    assert html.count("10 May 2014") >= 100 and 'rel="next"' in html and 'rel="prev"' not in html
    html = client.get("/measures/re-referrals?period=2014/15&page=2").get_data(as_text=True)
    assert "Showing 101 to 130, page 2 of 2." in html and 'rel="prev"' in html and 'rel="next"' not in html
    assert "C129" in html and "C000" not in html
