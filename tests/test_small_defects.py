"""Smaller defects from the security review: redirects, empty and oversized case data files,
section assignment by agency, and the server's name."""
import threading
import urllib.request
from datetime import date

import pytest
from werkzeug.serving import make_server

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import Agency, CaseAudit, Role
from qa_app.services import programmes
from tests.case_data_helpers import PLAN_HEADINGS, REFERRAL_HEADINGS, counts, import_file, write_csv
from tests.helpers import PASSWORD, make_user, post_form


@pytest.mark.parametrize("target", ["/\\evil.example", "/\\/evil.example", "\\\\evil.example",
                                    "/\t/evil.example", " //evil.example", "/\n\\evil.example"])
def test_sign_in_never_returns_to_another_site_through_backslashes(app, client, target):
    with app.app_context():
        user = make_user(Role.AUDITOR)
    response = post_form(client, "/sign-in?" + "next=" + urllib.request.quote(target, safe=""),
                         {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_a_file_with_headings_but_no_rows_is_refused_and_says_so(app, tmp_path):
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "empty.csv", REFERRAL_HEADINGS, []))
        assert batch.status == "failed"
        assert "no rows" in str(batch.errors)


def test_a_cell_over_a_mebibyte_is_a_row_error_not_a_fault(app, tmp_path):
    rows = [["C1", "R1", "2015-04-01", "nfa", "", "North"], ["C2", "R2", "2015-04-02", "nfa", "", "x" * ((1 << 20) + 1)]]
    with app.app_context():
        batch = import_file("referrals", write_csv(tmp_path / "huge.csv", REFERRAL_HEADINGS, rows))
        assert batch.status == "failed"
        text = str(batch.errors)
        assert "row 3" in text and "longer than" in text and "fault in the service" not in text
        assert counts() == (0, 0)


def test_a_section_goes_only_to_an_auditor_of_its_agency(app, tmp_path):
    with app.app_context():
        import_file("cp-plans", write_csv(tmp_path / "p.csv", PLAN_HEADINGS, [
            ["C1", "P1", "2012-01-01", "2013-01-01", "NEG", ""], ["C1", "P2", "2014-05-01", "", "NEG", ""]]))
        lead = make_user(Role.AUDITOR)
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value)
        health = make_user(Role.AUDITOR, agency=Agency.HEALTH.value)
        programme = programmes.create_programme(name="Repeat", theme="", questionnaire_id="repeat-cp-plan-audit",
                                                frame_kind="repeat-plans-ever", period_text="Q1 2014/15",
                                                agencies=["police"])
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        case_audit = db.session.scalars(db.select(CaseAudit)).one()
        with pytest.raises(programmes.ProgrammeError, match="Police section"):
            programmes.reassign(case_audit.id, lead_auditor_id=lead.id,
                                section_auditors={"police": health.id}, due_date=date(2027, 1, 1))
        programmes.reassign(case_audit.id, lead_auditor_id=lead.id,
                            section_auditors={"police": police.id}, due_date=date(2027, 1, 1))
        db.session.expire_all()
        assert db.session.get(CaseAudit, case_audit.id).sections[0].auditor_id == police.id


def test_the_server_header_names_no_versions(app):
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/health") as response:
            header = response.headers.get("Server", "")
    finally:
        server.shutdown()
        thread.join(5)
    assert "Werkzeug" not in header and "Python" not in header
    assert not any(character.isdigit() for character in header)
