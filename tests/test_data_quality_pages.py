"""Issue 11: data-quality warnings counted and listed on the import and measures pages, the
error page's choice to leave bad optional cells blank, and a measures page never opening on a
future year."""
import io
from datetime import date, timedelta

from qa_app.extensions import db
from qa_app.models import AuditEvent, Child, ImportBatch, Referral, Role
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import post_form
from tests.real_format_files import LIST_3, LIST_7, annex_a
from tests.test_case_data_pages import wait_for_import


def _quality_workbook(path):
    # Annex A List 3 and List 7 rows, each with one thing a performance team checks.
    referrals = [
        ["N1", "a) Male", "a) WBRI", None, None, "2020-05-01", "q) 6: Police", "b) No", 0, "T", "W"],
        ["N2", "a) Male", "a) WBRI", None, None, "2020-05-02", "q) 6: Police", "b) No", 0, "T", "W"],
        ["N3", "a) Male", "a) WBRI", None, None, "2020-05-03", "q) 6: Police", "b) No", 0, "T", "W"],
        # Referred 334 days before birth: more than the 40 weeks the census allows (rule 8606).
        ["B1", "a) Male", "a) WBRI", "2021-05-01", 0, "2020-06-01", "q) 6: Police", "b) No", 0, "T", "W"],
        ["A1", "b) Female", "a) WBRI", "2002-01-01", 18, "2020-06-01", "q) 6: Police", "b) No", 0, "T", "W"],
    ]
    plans = [
        ["P1", "a) Male", "a) WBRI", "2015-01-01", 5, "b) No", "2019-01-01", "a) Neglect", "a) Neglect", None, 0, "T"],
        ["B1", "a) Male", "a) WBRI", "2021-05-01", 0, "b) No", "2020-06-20", "a) Neglect", "a) Neglect", "2020-08-01", 0, "T"],
    ]
    return annex_a(path, {"List 3": (LIST_3, referrals), "List 7": (LIST_7, plans)})


def test_data_quality_warnings_are_counted_and_listed_on_the_import_page(app, client, login_as, tmp_path):
    with app.app_context():
        batch = import_file("annex-a", _quality_workbook(tmp_path / "quality.xlsx"))
        assert batch.status == "succeeded", batch.errors
        batch_id = batch.id
    login_as(Role.QA_LEAD)
    html = client.get(f"/data/imports/{batch_id}").get_data(as_text=True)
    assert "3 referrals for children with no date of birth" in html
    assert "1 referral more than 40 weeks before the child&#39;s date of birth" in html
    assert "1 referral for a child aged 18 or over" in html
    assert "1 CP plan starting before the child&#39;s date of birth" in html
    assert "1 CP plan starting before any referral for the child" in html  # P1; B1 was referred first
    # P1 open from 1 Jan 2019 to the file's last date (1 Aug 2020): 19 months.
    assert "1 CP plan open 15 months or more at the end date" in html
    assert "List 3, row 2" in html and "List 7, row 2" in html
    assert "Please check: the child&#39;s date of birth is missing" in html


def test_the_measures_page_counts_the_same_warnings_and_lists_their_records(app, client, login_as, tmp_path):
    with app.app_context():
        import_file("annex-a", _quality_workbook(tmp_path / "quality.xlsx"))
    login_as(Role.QA_LEAD)
    html = client.get("/measures/").get_data(as_text=True)
    assert "3 referrals for children with no date of birth" in html
    assert "1 referral for a child aged 18 or over" in html
    listing = client.get("/measures/data-quality/no_birth_date").get_data(as_text=True)
    assert listing.count('class="govuk-table__row app-quality-row"') == 3
    assert "AA-REF-N2-20200502" in listing and "quality.xlsx" in listing
    assert client.get("/measures/data-quality/nonsense").status_code == 404


def test_the_error_page_offers_to_leave_bad_optional_cells_blank(app, client, login_as, tmp_path):
    rows = [["C1", "a) Male", "a) WBRI", 17.5, 8, "2020-05-01", "q) 6: Police", "b) No", 0, "T", "W"],
            ["C2", "a) Male", "a) WBRI", "2010-01-01", 8, "2020-05-02", "q) 6: Police", "b) No", 0, "T", "W"]]
    content = annex_a(tmp_path / "dob.xlsx", {"List 3": (LIST_3, rows)}).read_bytes()
    login_as(Role.QA_LEAD)
    response = post_form(client, "/data/imports/new", {
        "kind": "annex-a", "file": (io.BytesIO(content), "dob.xlsx")}, content_type="multipart/form-data")
    batch_url = response.headers["Location"]
    assert wait_for_import(client, batch_url)["status"] == "failed"
    html = client.get(batch_url).get_data(as_text=True)
    assert "Import with this cell left blank" in html and "Date of Birth" in html
    retry = post_form(client, batch_url + "/blank-optional", {})
    new_url = retry.headers["Location"]
    assert new_url != batch_url
    assert wait_for_import(client, new_url)["status"] == "succeeded"
    html = client.get(new_url).get_data(as_text=True)
    assert "1 optional cell left blank" in html and "17.5" in html
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Referral.id))) == 2
        assert db.session.get(Child, "C1").date_of_birth is None
        batch = db.session.scalars(db.select(ImportBatch).order_by(ImportBatch.id.desc())).first()
        assert batch.blank_bad_optional and batch.blanked_count == 1 and batch.retry_of_id
        uploaded = db.session.scalars(db.select(AuditEvent).filter_by(action="import_uploaded")
                                      .order_by(AuditEvent.id.desc())).first()
        assert uploaded.details["blank_bad_optional"] is True
    # The file is gone once used: a second click is refused.
    again = post_form(client, batch_url + "/blank-optional", {})
    assert again.headers["Location"].endswith(batch_url.rsplit("/", 1)[-1])


def test_a_refused_file_with_a_measure_error_offers_no_blanking(app, client, login_as, tmp_path):
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS,
                                                   [["C1", "R1", "2999-12-31", "NFA", "", ""]]))
        batch_id = batch.id
    login_as(Role.QA_LEAD)
    html = client.get(f"/data/imports/{batch_id}").get_data(as_text=True)
    assert "left blank" not in html and "on or before the day of import" in html


def test_the_measures_page_never_opens_on_a_future_year(app, client, login_as, tmp_path):
    today = date.today()
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS,
                                           [["C1", "R1", (today - timedelta(days=400)).isoformat(), "NFA", "", ""]]))
        # A placeholder date loaded before imports refused them.
        db.session.add(Referral(referral_id="OLD", child_id="C1", referral_date=date(2999, 12, 31), decision="nfa"))
        db.session.commit()
    login_as(Role.QA_LEAD)
    html = client.get("/measures/").get_data(as_text=True)
    assert "2999" not in html and "3000" not in html
    year = today.year if today.month >= 4 else today.year - 1
    assert f"{year}/{str(year + 1)[2:]}" in html


def test_the_import_page_says_what_was_found_where(app, client, login_as, tmp_path):
    from tests.real_format_files import cin_census, cin_child, cin_details
    headings = ["Child ID"] + [h if h != "Number of Previous Child Protection Plans" else
                               "Sum of Number of Previous Child Protection Plans" for h in LIST_7[1:]]
    plans = [["C1", "a) Male", "a) WBRI", "2012-05-01", 8, "b) No", "2020-06-01", "a) Neglect", "a) Neglect",
              None, 2, "T"]]
    workbook = annex_a(tmp_path / "pivot.xlsx", {"List 7 - CP plans": (headings, plans)},
                       title_rows={"List 7 - CP plans": "Children on a plan"})
    census = cin_census(tmp_path / "cin.xml", 2025, "2025-03-31",
                        [cin_child("K1", sex_element="<Sex>F</Sex>", details=cin_details("2024-06-01"))])
    with app.app_context():
        annex_id = import_file("annex-a", workbook).id
        census_id = import_file("cin-census", census).id
    login_as(Role.QA_LEAD)
    html = client.get(f"/data/imports/{annex_id}").get_data(as_text=True)
    assert "List 7: sheet &#39;List 7 - CP plans&#39;, headings on row 2" in html
    assert "Sum of Number of Previous Child Protection Plans" in html and "by a similar heading" in html
    html = client.get(f"/data/imports/{census_id}").get_data(as_text=True)
    assert "CIN census schema 2024/25" in html and "Sex read from &lt;Sex&gt;" in html
    # The pivot heading's previous plans make the plan a repeat: 1 of 1 in 2020/21, not 0.
    result = app.test_cli_runner().invoke(args=["measures", "--start", "2020-04-01", "--end", "2021-03-31", "--json"])
    figures = __import__("json").loads(result.output)
    assert (figures["repeat_plans_ever"], figures["repeat_plans_ever_pct"]) == (1, 100.0)
