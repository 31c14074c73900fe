"""Default deny: every endpoint is public or names its roles, and each role gets exactly what
the design says (DESIGN.md section 5)."""
from datetime import date, timedelta
from pathlib import Path

import pytest

from qa_app.extensions import db
from audit_tools.sampling import SampleRequest
from qa_app.models import AuditEvent, CaseAudit, Role
from qa_app.services import actions, programmes
from qa_app.security import PUBLIC_ENDPOINTS, RESUMABLE_ENDPOINTS
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token, make_user, sign_in

ALL = set(Role)
ADMIN = {Role.ADMIN}
QA_LEAD = {Role.QA_LEAD}

# endpoint -> (roles allowed, requests to try). "{user_id}" is replaced by a real user's id.
# Adding an endpoint without adding it here fails test_every_endpoint_is_in_the_matrix.
MATRIX = {
    "main.home": (ALL, [("GET", "/")]),
    "auth.logout": (ALL, [("POST", "/sign-out")]),
    "auth.change_password": (ALL, [("GET", "/change-password"), ("POST", "/change-password")]),
    "admin.list_users": (ADMIN, [("GET", "/admin/users")]),
    "admin.create_user": (ADMIN, [("GET", "/admin/users/new"), ("POST", "/admin/users/new")]),
    "admin.edit_user": (ADMIN, [("GET", "/admin/users/{user_id}"), ("POST", "/admin/users/{user_id}")]),
    "admin.set_one_time_password": (ADMIN, [("POST", "/admin/users/{user_id}/one-time-password")]),
    "admin.audit_trail": (ADMIN, [("GET", "/admin/audit-trail")]),
    "admin.partnership": (ADMIN, [("GET", "/admin/partnership"), ("POST", "/admin/partnership")]),
    "admin.child_reads": (ADMIN, [("GET", "/admin/child-reads?child_id=C1")]),
    "admin.legal_holds": (ADMIN, [("GET", "/admin/legal-holds"), ("POST", "/admin/legal-holds")]),
    "admin.release_legal_hold": (ADMIN, [("POST", "/admin/legal-holds/{programme_id}/release")]),
    "data.import_history": (QA_LEAD, [("GET", "/data/imports")]),
    "data.new_import": (QA_LEAD, [("GET", "/data/imports/new"), ("POST", "/data/imports/new")]),
    "data.import_batch": (QA_LEAD, [("GET", "/data/imports/{batch_id}")]),
    "data.import_status": (QA_LEAD, [("GET", "/data/imports/{batch_id}/status")]),
    "data.blank_optional_import": (QA_LEAD, [("POST", "/data/imports/{batch_id}/blank-optional")]),
    "data.population": (QA_LEAD, [("GET", "/data/population"), ("POST", "/data/population")]),
    "data.benchmarks": (QA_LEAD, [("GET", "/data/benchmarks"), ("POST", "/data/benchmarks")]),
    "targets.target_list": (QA_LEAD, [("GET", "/targets/"), ("POST", "/targets/")]),
    "measures.dashboard": (QA_LEAD, [("GET", "/measures/")]),
    "measures.re_referrals": (QA_LEAD, [("GET", "/measures/re-referrals?period=Q1+2015/16")]),
    "measures.repeat_plans": (QA_LEAD, [("GET", "/measures/repeat-plans?period=2015/16")]),
    "measures.data_quality_list": (QA_LEAD, [("GET", "/measures/data-quality/no_birth_date")]),
    "programmes.list_programmes": (QA_LEAD, [("GET", "/programmes/")]),
    "programmes.new_programme": (QA_LEAD, [("GET", "/programmes/new"), ("POST", "/programmes/new")]),
    "programmes.show_programme": (QA_LEAD, [("GET", "/programmes/{programme_id}")]),
    "programmes.draw": (QA_LEAD, [("POST", "/programmes/{programme_id}/draw")]),
    "programmes.check": (QA_LEAD, [("POST", "/programmes/{programme_id}/check")]),
    "programmes.moderation_policy": (QA_LEAD, [("POST", "/programmes/{programme_id}/moderation-policy")]),
    "programmes.add_case": (QA_LEAD, [("POST", "/programmes/{programme_id}/cases")]),
    "programmes.remove_case": (QA_LEAD, [("POST", "/programmes/case-audits/{case_audit_id}/remove")]),
    "programmes.assign": (QA_LEAD, [("POST", "/programmes/{programme_id}/assign")]),
    "programmes.reassign": (QA_LEAD, [("GET", "/programmes/case-audits/{case_audit_id}/assignment"),
                                      ("POST", "/programmes/case-audits/{case_audit_id}/assignment")]),
    "audits.show": ({Role.AUDITOR}, [("GET", "/audits/{case_audit_id}")]),
    "audits.complete": ({Role.AUDITOR}, [("GET", "/audits/{case_audit_id}/lead"),
                                         ("POST", "/audits/{case_audit_id}/lead")]),
    "audits.raise_concern": ({Role.AUDITOR}, [("POST", "/audits/{case_audit_id}/concerns")]),
    "moderation.queue": (QA_LEAD, [("GET", "/moderation/")]),
    "moderation.moderate": (QA_LEAD, [("GET", "/moderation/{case_audit_id}"),
                                      ("POST", "/moderation/{case_audit_id}")]),
    "moderation.reopen": (QA_LEAD, [("POST", "/moderation/{case_audit_id}/reopen")]),
    "questionnaires.list_questionnaires": (QA_LEAD, [("GET", "/questionnaires/"), ("POST", "/questionnaires/")]),
    "questionnaires.preview": (QA_LEAD, [("GET", "/questionnaires/re-referral-audit/1")]),
    "exports.programme_findings": (QA_LEAD, [("POST", "/exports/programmes/{programme_id}/findings.xlsx")]),
    "exports.board_pack": (QA_LEAD, [("POST", "/exports/board-pack.xlsx")]),
    "moderation.acknowledge": ({Role.TEAM_MANAGER, Role.QA_LEAD}, [("POST", "/moderation/safeguarding/1/acknowledge")]),
    "actions.list_actions": (ALL, [("GET", "/actions/")]),
    "actions.raise_action": ({Role.AUDITOR, Role.QA_LEAD}, [("GET", "/actions/new?case_audit={case_audit_id}"),
                                                             ("POST", "/actions/new?case_audit={case_audit_id}")]),
    "actions.show_action": (ALL, [("GET", "/actions/{action_id}")]),
    "actions.record_progress": (ALL, [("POST", "/actions/{action_id}/progress")]),
    "actions.change_status": (ALL, [("POST", "/actions/{action_id}/status")]),
    "actions.download_evidence": (ALL, [("GET", "/actions/{action_id}/evidence/1")]),
    "findings.show": ({Role.QA_LEAD, Role.AUDITOR}, [("GET", "/programmes/{programme_id}/findings")]),
    "findings.close": (QA_LEAD, [("POST", "/programmes/{programme_id}/close")]),
}
# Past the role guard these check the record itself, and answer 404 to a role that may use the
# page but not this record (tests/test_actions.py proves who sees what).
RECORD_CHECKED = {"actions.download_evidence", "findings.show"}
PUBLIC_PAGES = {"auth.login": "/sign-in", "main.health": "/health",
                "main.accessibility_statement": "/accessibility"}

def existing_ids(app, auditor=None) -> dict:
    """Real rows for the URLs that name one; an auditor given is made the case audit's lead."""
    with app.app_context():
        target = make_user(Role.AUDITOR)
        batch = import_file("referrals", write_csv(Path(app.instance_path) / "matrix.csv", REFERRAL_HEADINGS,
                                                   [["C1", "R1", "2015-04-01", "NFA", "", ""],
                                                    ["C1", "R2", "2015-05-01", "NFA", "", ""]]))
        programme = programmes.create_programme(name="Matrix", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2015/16")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        case_audit = db.session.scalars(db.select(CaseAudit)).one()
        if auditor is not None and auditor.has_role(Role.AUDITOR):
            programmes.reassign(case_audit.id, lead_auditor_id=auditor.id, section_auditors={}, due_date=None)
        # Owned by the user under test, so every role may read it.
        action = actions.raise_action(programme.id, case_audit.id, actions.NewAction(
            "Review the decision", "Threshold not applied", date.today() + timedelta(days=30), team="Compass",
            owner_id=auditor.id if auditor is not None else None), make_user(Role.QA_LEAD))
    return {"user_id": target.id, "batch_id": batch.id, "programme_id": programme.id,
            "case_audit_id": case_audit.id, "action_id": action.id}


CASES = [(endpoint, method, url, role)
         for endpoint, (_, requests) in MATRIX.items()
         for method, url in requests
         for role in Role]


def test_every_endpoint_is_public_or_declares_its_roles(app):
    unguarded = [endpoint for endpoint, view in app.view_functions.items()
                 if endpoint not in PUBLIC_ENDPOINTS and not getattr(view, "required_roles", None)]
    assert unguarded == []


def test_every_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC_ENDPOINTS == set(MATRIX)
    assert PUBLIC_ENDPOINTS - {"static"} == set(PUBLIC_PAGES) | {"auth.resume"}


def test_the_matrix_agrees_with_the_declared_roles(app):
    for endpoint, (allowed, _) in MATRIX.items():
        assert app.view_functions[endpoint].required_roles == allowed, endpoint


@pytest.mark.parametrize("endpoint, method, url", [
    (endpoint, method, url) for endpoint, (_, reqs) in MATRIX.items() for method, url in reqs])
def test_anonymous_requests_are_sent_to_sign_in(app, client, endpoint, method, url):
    ids = existing_ids(app)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(url.format(**ids), method=method, data=data)
    if method == "POST" and endpoint in RESUMABLE_ENDPOINTS:
        # The typed answers are kept on a sign-in page rather than lost to a redirect.
        assert response.status_code == 401
        assert "Sign in again to keep your answers" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_signing_in_again_after_a_session_ends_is_public_but_checks_the_password(client):
    response = client.post("/sign-in/resume", data={"csrf_token": csrf_token(client), "email": "x@y.org",
                                                     "password": "wrong password here", "target": "/"})
    assert response.status_code == 401
    assert "Enter the correct email address and password" in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_PAGES))
def test_public_pages_need_no_sign_in(client, endpoint):
    assert client.get(PUBLIC_PAGES[endpoint]).status_code == 200


@pytest.mark.parametrize("endpoint, method, url, role", CASES,
                         ids=[f"{e}-{m}-{r.value}" for e, m, _, r in CASES])
def test_role_matrix(app, client, endpoint, method, url, role):
    with app.app_context():
        user = make_user(role)
    ids = existing_ids(app, user)
    assert sign_in(client, user.email).status_code == 302
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(url.format(**ids), method=method, data=data)
    allowed = role in MATRIX[endpoint][0]
    if allowed:
        # Past the guard: a page, a redirect, or the endpoint's own answer to an empty form.
        expected = (200, 302, 400, 409, 404) if endpoint in RECORD_CHECKED else (200, 302, 400, 409)
        assert response.status_code in expected, response.status_code
    else:
        assert response.status_code == 403
        assert "You do not have permission to see this page" in response.get_data(as_text=True)
        with app.app_context():
            denial = db.session.scalars(db.select(AuditEvent).filter_by(action="access_denied")).one()
        assert denial.user_id == user.id
        assert denial.outcome == "denied"
        assert denial.details["endpoint"] == endpoint
