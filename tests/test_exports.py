"""Excel exports from the app: downloads, pseudonyms, identifiable exports, the audit trail,
the command line and the buttons. Layout and safety of the workbooks: tests/audit_tools/test_workbooks.py."""
import io
import sqlite3
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Action, AuditEvent, AuditProgramme, CaseAudit, PartnershipSetting, Role, Team
from qa_app.services import moderation, programmes
from qa_app.services.case_audits import LEAD, save_part
from qa_app.services.case_reads import reads_of_child
from tests.conftest import using_postgres
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in
from tests.workbook_checks import check_workbook, table_rows

ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "threshold_of_need": "yes",
           "threshold_document_used": "not_applicable", "good_practice": "Good use of the threshold document"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def programme_id(app, tmp_path):
    """Two children re-referred in Q1 2014/15, one audit moderated from Good to Inadequate. The team
    name and an answer start with '=' as a hostile file or auditor might write them."""
    with app.app_context():
        rows = [["C1", "A1", "2014-03-01", "nfa", "", "=North"], ["C1", "B1", "2014-05-01", "nfa", "", "=North"],
                ["C2", "A2", "2014-03-02", "nfa", "", "South"], ["C2", "B2", "2014-05-02", "nfa", "", "South"]]
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, rows))
        auditor = make_user(Role.AUDITOR, name="Alex Auditor")
        programme = programmes.create_programme(name="Re-referrals Q1", theme="Threshold",
                                                questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2027, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        for audit in audits:
            save_part(audit.id, LEAD, {**ANSWERS, "what_changed": "=1+1", "overall_grade": "Good"}, audit.version,
                      submit=True, user=auditor)
        moderation.moderate(audits[0].id, {"overall_grade": "Inadequate"}, {"overall_grade": "No plan"},
                            outcome="accepted", comments=None, user=make_user(Role.QA_LEAD))
        return programme.id


def _download(client, programme_id, **form):
    response = post_form(client, f"/exports/programmes/{programme_id}/findings.xlsx", form)
    assert response.status_code == 200, response.status_code
    return response


def test_a_qa_lead_downloads_pseudonymised_findings_recorded_in_the_audit_trail(app, client, login_as, programme_id):
    lead = login_as(Role.QA_LEAD)
    response = _download(client, programme_id)
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=findings-re-referrals-q1-2014-15.xlsx"
    assert "no-store" in response.headers["Cache-Control"]
    wb = check_workbook(io.BytesIO(response.data), "Audit findings: Re-referrals Q1")
    cover = "\n".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Pseudonymised" in cover and "Seed 1" in cover and "Re-referral audit, version 1" in cover
    assert f"Produced by {lead.display_name}" in cover
    cases = table_rows(wb["Cases"])
    assert {r["Case ref"][:3] for r in cases} == {"CA-"} and not {"B1", "B2"} & {r["Case ref"] for r in cases}
    assert {r["Team name"] for r in cases} == {"=North", "South"}  # as text, and check_workbook found no formula
    assert {r["what_changed"] for r in cases} == {"=1+1"}
    grades = {r["Grade"]: r for r in table_rows(wb["Grades"])}
    assert (grades["Good"]["Before moderation"], grades["Good"]["After moderation"]) == (2, 1)
    assert table_rows(wb["Learning"])[0]["What the auditor wrote"] == "Good use of the threshold document"
    # Audited today, with case data only to 2014: whether the children came back is not known yet.
    outcomes = {r["Grade after moderation"]: r["Not known yet"] for r in table_rows(wb["Outcomes"])}
    assert outcomes == {"Good or better": 1, "Requires improvement or inadequate": 1}
    # The same children get the same pseudonyms in the next export.
    again = table_rows(load_workbook(io.BytesIO(_download(client, programme_id).data))["Cases"])
    assert [r["Child ref"] for r in again] == [r["Child ref"] for r in cases]
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="findings_exported")).all()
    assert len(events) == 2 and events[0].user_id == lead.id
    assert events[0].details == {"file_name": "findings-re-referrals-q1-2014-15.xlsx", "identifiable": False,
                                 "via": "web", "rows": events[0].details["rows"]}
    assert events[0].details["rows"] > 0  # the row count recorded
    # The workbook names the sampled children, so "who looked at this child" finds the export.
    with app.app_context():
        child_id = db.session.scalars(db.select(CaseAudit.child_id).filter_by(programme_id=programme_id)).first()
        reads = reads_of_child(child_id)
    assert any(e.details.get("what") == "findings workbook" and e.user_id == lead.id for e in reads.lists)


def test_an_identifiable_export_is_an_explicit_choice_that_says_so(app, client, login_as, programme_id):
    login_as(Role.QA_LEAD)
    response = _download(client, programme_id, identifiable="yes")
    assert "findings-re-referrals-q1-2014-15-identifiable.xlsx" in response.headers["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.data))
    cover = "\n".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "IDENTIFIABLE" in cover
    cases = table_rows(wb["Cases"])
    assert {r["Case ref"] for r in cases} == {"B1", "B2"} and {r["Child ref"] for r in cases} == {"C1", "C2"}
    with app.app_context():
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="findings_exported")).one()
    assert event.details["identifiable"] is True


@pytest.mark.parametrize("value", ["no", "false", "on", "YES", "0"])
def test_only_the_ticked_box_makes_an_export_identifiable(app, client, login_as, programme_id, value):
    login_as(Role.QA_LEAD)
    response = _download(client, programme_id, identifiable=value)
    assert "identifiable" not in response.headers["Content-Disposition"]
    cases = table_rows(load_workbook(io.BytesIO(response.data))["Cases"])
    assert {r["Case ref"][:3] for r in cases} == {"CA-"}


def test_the_board_pack_downloads_from_the_measures_page(app, client, login_as, programme_id):
    login_as(Role.QA_LEAD)
    page = client.get("/measures/").get_data(as_text=True)
    assert "Download board pack" in page
    response = post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"})
    assert response.status_code == 200 and response.mimetype == XLSX
    assert response.headers["Content-Disposition"] == "attachment; filename=board-pack-2014-04-01-to-2015-03-31.xlsx"
    wb = check_workbook(io.BytesIO(response.data), "Board pack: 2014/15")
    assert table_rows(wb["Decisions"])[0]["This period"] == "[c]"  # 2 referrals: a small number
    refused = post_form(client, "/exports/board-pack.xlsx", {"period": "last year"}, follow_redirects=True)
    assert "is not a period" in refused.get_data(as_text=True)
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="board_pack_exported")).all()
    assert [e.object_id for e in events] == ["2014-04-01..2015-03-31"]


def test_the_programme_and_findings_pages_offer_the_download_to_qa_leads(app, client, login_as, programme_id):
    login_as(Role.QA_LEAD)
    for url in (f"/programmes/{programme_id}", f"/programmes/{programme_id}/findings"):
        page = client.get(url).get_data(as_text=True)
        assert f"/exports/programmes/{programme_id}/findings.xlsx" in page and "Download findings (Excel)" in page, url


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.TEAM_MANAGER, Role.ADMIN])
def test_only_qa_leads_can_export(client, login_as, programme_id, role):
    login_as(role)
    assert post_form(client, f"/exports/programmes/{programme_id}/findings.xlsx", {"identifiable": "yes"}).status_code == 403
    assert post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"}).status_code == 403


def test_exports_from_the_command_line(app, programme_id, tmp_path):
    """The command line names its producer with --as, who must be a QA lead; an identifiable file
    says so in its name, Cover, marking and title."""
    with app.app_context():
        lead = make_user(Role.QA_LEAD, email="lead@test.casefile.test", name="Quinn Lead")
        lead_id = lead.id
        make_user(Role.AUDITOR, email="auditor@test.casefile.test")
    runner = app.test_cli_runner()
    out = tmp_path / "findings.xlsx"
    findings = ["export", "findings", "--programme", str(programme_id), "--out", str(out), "--identifiable"]
    assert runner.invoke(args=findings).exit_code == 2  # --as is required
    refused = runner.invoke(args=findings + ["--as", "auditor@test.casefile.test"])
    assert refused.exit_code == 1 and "Only QA leads" in refused.output
    result = runner.invoke(args=findings + ["--as", "LEAD@test.casefile.test"])
    assert result.exit_code == 0, result.output
    written = tmp_path / "findings-identifiable.xlsx"
    assert not out.exists() and written.exists() and str(written) in result.output
    marking = "OFFICIAL-SENSITIVE IDENTIFIABLE"
    wb = check_workbook(written, "Audit findings", marking=marking)
    assert {r["Case ref"] for r in table_rows(wb["Cases"])} == {"B1", "B2"}
    assert wb.properties.title.endswith("(IDENTIFIABLE)")
    cover = "\n".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Produced by Quinn Lead (QA lead)" in cover and "IDENTIFIABLE" in cover
    pack = tmp_path / "pack.xlsx"
    result = runner.invoke(args=["export", "board-pack", "--start", "2014-04-01", "--end", "2015-03-31", "--out", str(pack),
                                 "--allow-partial", "--as", "lead@test.casefile.test"])
    assert result.exit_code == 0, result.output
    check_workbook(pack, "Board pack: 2014/15")
    assert runner.invoke(args=["export", "findings", "--programme", "999", "--out", str(out),
                               "--as", "lead@test.casefile.test"]).exit_code == 1
    with app.app_context():
        events = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id)
                                    .where(AuditEvent.action.in_(["findings_exported", "board_pack_exported"]))).all()
    assert [(e.action, e.details["via"], e.user_id) for e in events] == [
        ("findings_exported", "command line", lead_id), ("board_pack_exported", "command line", lead_id)]
    assert events[0].details["identifiable"] is True and events[0].details["rows"] > 0
    assert events[1].details["rows"] > 0


def test_the_cover_names_the_partnership_producer_contact_and_next_update(app, client, login_as, programme_id):
    app.config["PARTNERSHIP_NAME"] = "Anyshire Safeguarding Children Partnership"
    lead = login_as(Role.QA_LEAD)
    wb = load_workbook(io.BytesIO(post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"}).data))
    cover = "\n".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Partnership: Anyshire Safeguarding Children Partnership." in cover
    assert f"Produced by {lead.display_name} (QA lead)" in cover
    assert "Contact: the council's quality assurance team." in cover
    assert "Next update: the board pack for the following 12 months, to 31 March 2016" in cover
    with app.app_context():
        admin = make_user(Role.ADMIN)
    admin_client = app.test_client()
    assert sign_in(admin_client, admin.email).status_code == 302
    saved = post_form(admin_client, "/admin/partnership", {"name": "  Anytown   Council "}, follow_redirects=True)
    assert "Partnership name saved" in saved.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PartnershipSetting, "partnership_name").value == "Anytown Council"
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="partnership_name_set")).one()
    wb = load_workbook(io.BytesIO(post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"}).data))
    assert "Partnership: Anytown Council." in [c.value for row in wb["Cover"].iter_rows() for c in row]
    app.config["EXPORT_MARKING"] = "OFFICIAL-SENSITIVE " + "X" * 240
    refused = post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"}, follow_redirects=True)
    assert refused.mimetype == "text/html" and "Excel&#39;s print header and footer hold 255" in refused.get_data(
        as_text=True)


def test_the_board_pack_lists_closed_programmes_and_open_actions_by_team_without_names(app, client, login_as,
                                                                                        programme_id):
    with app.app_context():
        manager = make_user(Role.TEAM_MANAGER, name="Pat Manager", teams=["North"])
        programme = db.session.get(AuditProgramme, programme_id)
        programme.closed_at = datetime(2015, 2, 1, 12)
        team = db.session.scalars(db.select(Team).filter_by(name="North")).one()
        for status, due in (("open", date(2015, 1, 1)), ("closed", date(2015, 1, 1))):
            db.session.add(Action(programme_id=programme_id, team_id=team.id, description="=Review thresholds",
                                  finding="Threshold not used", owner_id=manager.id, due_date=due, status=status,
                                  raised_at=datetime(2014, 12, 1)))
        db.session.commit()
    login_as(Role.QA_LEAD)
    wb = check_workbook(io.BytesIO(post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"}).data),
                        "Board pack")
    [closed] = table_rows(wb["Programmes"])
    # Two cases, one moderated: small numbers, withheld as [c]; the share on a base of 2 too.
    assert (closed["Programme"], closed["Sampled"], closed["Moderated"], closed["Actions"], closed["Actions open"]) == \
        ("Re-referrals Q1", "[c]", "[c]", 2, 1)
    assert closed["Good or better after moderation %"] == "[c]" and closed["Base: audits graded"] == "[c]"
    [action] = table_rows(wb["Actions"])
    assert (action["Team or agency"], action["Owner's role"], action["Overdue"]) == ("Team North", "Team manager", "Yes")
    assert "Action" not in action and "Latest progress" not in action  # no free text in the board pack
    assert "Pat Manager" not in {c.value for row in wb["Actions"].iter_rows() for c in row}
    findings = load_workbook(io.BytesIO(_download(client, programme_id).data))
    assert [r["Owner"] for r in table_rows(findings["Actions"])] == ["Pat Manager", "Pat Manager"]


@pytest.mark.skipif(using_postgres(), reason="about SQLite's write lock")
def test_an_export_does_not_hold_sqlite_write_lock_while_it_reads(app, client, login_as, programme_id, monkeypatch):
    """A big export must not stop auditors saving: while it reads, another connection can write."""
    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    attempts = []
    real = moderation.agreement_for

    def agreement_while_someone_saves(programme):
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            attempts.append("wrote")
        except sqlite3.OperationalError as error:
            attempts.append(str(error))
        finally:
            other.close()
        return real(programme)

    monkeypatch.setattr(moderation, "agreement_for", agreement_while_someone_saves)
    login_as(Role.QA_LEAD)
    _download(client, programme_id)
    assert attempts == ["wrote"]


def test_a_board_pack_for_a_period_the_data_never_reaches_is_refused_with_the_reason(app, client, login_as,
                                                                                    programme_id, tmp_path):
    """The data runs from 1 March to 2 May 2014: a 2024/25 pack would be zeros and "No change"."""
    login_as(Role.QA_LEAD)
    refused = post_form(client, "/exports/board-pack.xlsx", {"period": "2024/25"}, follow_redirects=True)
    page = refused.get_data(as_text=True)
    assert refused.mimetype == "text/html" and "does not cover any of 1 April 2024 to 31 March 2025" in page
    assert "Referrals: 1 March 2014 to 2 May 2014." in page
    runner = app.test_cli_runner()
    with app.app_context():
        make_user(Role.QA_LEAD, email="lead@test.casefile.test")
    result = runner.invoke(args=["export", "board-pack", "--start", "2024-04-01", "--end", "2025-03-31",
                                 "--out", str(tmp_path / "pack.xlsx"), "--as", "lead@test.casefile.test"])
    assert result.exit_code == 1 and "does not cover any of" in result.output
    assert not (tmp_path / "pack.xlsx").exists()
    with app.app_context():
        assert not db.session.scalars(db.select(AuditEvent).filter_by(action="board_pack_exported")).all()


def test_a_partly_covered_period_warns_and_every_measures_sheet_says_where_the_data_ends(app, client, login_as,
                                                                                       programme_id, tmp_path):
    login_as(Role.QA_LEAD)
    response = post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"})
    assert response.status_code == 200
    warning = client.get("/measures/").get_data(as_text=True)
    assert "covers only part of 1 April 2014 to 31 March 2015" in warning and "ends on 2 May 2014" in warning
    wb = check_workbook(io.BytesIO(response.data), "Board pack: 2014/15")
    for name in ("Referrals", "Re-referrals", "Decisions", "Repeat plans"):
        assert "ends on 2 May 2014" in wb[name]["A3"].value, name
    cover = "\n".join(str(c.value) for row in wb["Cover"].iter_rows() for c in row if c.value)
    assert "Referrals: 1 March 2014 to 2 May 2014." in cover and "Child protection plans: no data loaded." in cover
    notes = " ".join(r["Text"] for r in table_rows(wb["Notes"]))
    assert "Referrals: 1 March 2014 to 2 May 2014." in notes
    runner = app.test_cli_runner()
    out = tmp_path / "pack.xlsx"
    with app.app_context():
        make_user(Role.QA_LEAD, email="lead@test.casefile.test")
    args = ["export", "board-pack", "--start", "2014-04-01", "--end", "2015-03-31", "--out", str(out),
            "--as", "lead@test.casefile.test"]
    refused = runner.invoke(args=args)
    assert refused.exit_code == 1 and "--allow-partial" in refused.output and not out.exists()
    made = runner.invoke(args=args + ["--allow-partial"])
    assert made.exit_code == 0, made.output
    assert "ends on 2 May 2014" in check_workbook(out, "Board pack")["Decisions"]["A3"].value


def test_a_qa_lead_sets_a_target_and_the_board_pack_shows_it_with_rag_in_words(app, client, login_as, programme_id):
    lead = login_as(Role.QA_LEAD)
    page = client.get("/targets/").get_data(as_text=True)
    assert "No targets set yet" in page
    saved = post_form(client, "/targets/", {"measure": "re_referral_pct", "target": "22.0", "amber_tolerance": "2",
                                            "polarity": "lower", "from_year": "2014"}, follow_redirects=True)
    page = saved.get_data(as_text=True)
    assert "Target saved" in page and "Re-referrals within 12 months" in page and "2014/15" in page
    refused = post_form(client, "/targets/", {"measure": "re_referral_pct", "target": "120", "amber_tolerance": "2",
                                              "polarity": "lower", "from_year": "2014"})
    assert "a percentage up to 100" in refused.get_data(as_text=True)
    with app.app_context():
        [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="target_set")).all()
    assert event.user_id == lead.id and event.details["after"]["target"] == 22.0
    wb = check_workbook(io.BytesIO(post_form(client, "/exports/board-pack.xlsx", {"period": "2014/15"}).data),
                        "Board pack")
    [quarter] = table_rows(wb["Re-referrals"])
    # The target is shown; the RAG of a percentage on 2 referrals is withheld with it (the words are
    # tested on a larger pack in tests/audit_tools/test_board_pack_truth.py).
    assert quarter["Target"] == pytest.approx(0.22) and quarter["RAG"] == "[c]"
    assert quarter["Good performance is"] == "Lower"
