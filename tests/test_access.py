"""Default deny: every endpoint is public or names its roles, and each role gets exactly what
the design says (DESIGN.md section 5)."""
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.access import ENDPOINT_ROLES
from qa_app.extensions import db
from qa_app.models import AnswerQuery, AuditEvent, CaseAudit, Role
from qa_app.services import actions, calibration, programmes
from qa_app.services.participation import practitioners
from qa_app.security import PUBLIC_ENDPOINTS, RESUMABLE_ENDPOINTS
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import csrf_token, make_user, sign_in

# endpoint -> requests to try, each with the status an allowed role really gets (a dict by role
# where roles differ). "{user_id}" is replaced by a real user's id. Who may use each endpoint is
# qa_app.access.ENDPOINT_ROLES, the table the governance report prints; an endpoint missing
# from either fails test_every_endpoint_is_in_the_matrix.
MATRIX = {
    # An empty form post is refused and the page shown again with its errors (200), never a redirect
    # that would lose what was typed (issue 19).
    "main.home": [("GET", "/", 200)],
    "auth.logout": [("POST", "/sign-out", 302)],
    "auth.change_password": [("GET", "/change-password", 200), ("POST", "/change-password", 200)],
    "second_factor.enrol": [("GET", "/account/second-factor", 200), ("POST", "/account/second-factor", 200)],
    "second_factor.reset": [("POST", "/admin/users/{user_id}/second-factor/reset", 302)],
    "admin.list_users": [("GET", "/admin/users", 200)],
    "admin.create_user": [("GET", "/admin/users/new", 200), ("POST", "/admin/users/new", 200)],
    "admin.edit_user": [("GET", "/admin/users/{user_id}", 200), ("POST", "/admin/users/{user_id}", 200)],
    "admin.set_one_time_password": [("POST", "/admin/users/{user_id}/one-time-password", 200)],
    "admin.audit_trail": [("GET", "/admin/audit-trail", 200)],
    "admin.partnership": [("GET", "/admin/partnership", 200), ("POST", "/admin/partnership", 200)],
    "admin.child_reads": [("GET", "/admin/child-reads?child_id=C1", 200)],
    "admin.legal_holds": [("GET", "/admin/legal-holds", 200), ("POST", "/admin/legal-holds", 200)],
    "admin.release_legal_hold": [("POST", "/admin/legal-holds/{programme_id}/release", 302)],
    "data.import_history": [("GET", "/data/imports", 200)],
    "data.new_import": [("GET", "/data/imports/new", 200), ("POST", "/data/imports/new", 200)],
    "data.import_batch": [("GET", "/data/imports/{batch_id}", 200)],
    "data.import_status": [("GET", "/data/imports/{batch_id}/status", 200)],
    "data.blank_optional_import": [("POST", "/data/imports/{batch_id}/blank-optional", 302)],
    "data.population": [("GET", "/data/population", 200), ("POST", "/data/population", 200)],
    "data.benchmarks": [("GET", "/data/benchmarks", 200), ("POST", "/data/benchmarks", 200)],
    "targets.target_list": [("GET", "/targets/", 200), ("POST", "/targets/", 200)],
    "measures.dashboard": [("GET", "/measures/", 200)],
    "measures.re_referrals": [("GET", "/measures/re-referrals?period=Q1+2015/16", 200)],
    "measures.repeat_plans": [("GET", "/measures/repeat-plans?period=2015/16", 200)],
    "measures.data_quality_list": [("GET", "/measures/data-quality/no_birth_date", 200)],
    "programmes.list_programmes": [("GET", "/programmes/", 200)],
    "programmes.new_programme": [("GET", "/programmes/new", 200), ("POST", "/programmes/new", 200)],
    "programmes.show_programme": [("GET", "/programmes/{programme_id}", 200)],
    "programmes.draw": [("POST", "/programmes/{programme_id}/draw", 302)],
    "programmes.check": [("POST", "/programmes/{programme_id}/check", 302)],
    "programmes.moderation_policy": [("POST", "/programmes/{programme_id}/moderation-policy", 200)],
    "programmes.add_case": [("POST", "/programmes/{programme_id}/cases", 200)],  # an empty form is shown again
    "programmes.remove_case": [("POST", "/programmes/case-audits/{case_audit_id}/remove", 200)],
    "programmes.assign": [("POST", "/programmes/{programme_id}/assign", 200)],
    "programmes.reassign": [("GET", "/programmes/case-audits/{case_audit_id}/assignment", 200),
                            ("POST", "/programmes/case-audits/{case_audit_id}/assignment", 302)],
    "audits.show": [("GET", "/audits/{case_audit_id}", 200)],
    # A post without the form's version number is malformed (400), not a save.
    "audits.complete": [("GET", "/audits/{case_audit_id}/lead", 200),
                        ("POST", "/audits/{case_audit_id}/lead", 400)],
    "audits.raise_concern": [("POST", "/audits/{case_audit_id}/concerns", 200)],
    "moderation.queue": [("GET", "/moderation/", 200)],
    "moderation.moderate": [("GET", "/moderation/{case_audit_id}", 200),
                            ("POST", "/moderation/{case_audit_id}", 200)],
    "moderation.reopen": [("POST", "/moderation/{case_audit_id}/reopen", 200)],
    "questionnaires.list_questionnaires": [("GET", "/questionnaires/", 200), ("POST", "/questionnaires/", 200)],
    "questionnaires.preview": [("GET", "/questionnaires/re-referral-audit/1", 200)],
    "exports.programme_findings": [("POST", "/exports/programmes/{programme_id}/findings.xlsx", 200)],
    "exports.board_pack": [("POST", "/exports/board-pack.xlsx", 302)],
    "moderation.acknowledge": [("POST", "/moderation/safeguarding/1/acknowledge", 200)],
    "actions.list_actions": [("GET", "/actions/", 200)],
    "actions.raise_action": [("GET", "/actions/new?case_audit={case_audit_id}", 200),
                             ("POST", "/actions/new?case_audit={case_audit_id}", 200)],
    "actions.show_action": [("GET", "/actions/{action_id}", 200)],
    "actions.record_progress": [("POST", "/actions/{action_id}/progress", 200)],
    "actions.change_status": [("POST", "/actions/{action_id}/status", 200)],
    # The action has no evidence file 1, whoever asks.
    "actions.download_evidence": [("GET", "/actions/{action_id}/evidence/1", 404)],
    # Auditors read a programme's findings only once it is closed; this one is open.
    "findings.show": [("GET", "/programmes/{programme_id}/findings", {Role.AUDITOR: 404, Role.QA_LEAD: 200})],
    "findings.close": [("POST", "/programmes/{programme_id}/close", 302)],
    # Families' feedback (issue 25). The auditor is the case's lead; nothing is recorded yet, so an
    # empty form is shown again (200). No invitation or feedback 1 exists, whoever asks.
    "families.case_family": [("GET", "/families/case-audits/{case_audit_id}", 200),
                             ("POST", "/families/case-audits/{case_audit_id}", 200)],
    "families.make_invitation": [("POST", "/families/case-audits/{case_audit_id}/invitations", 200)],
    "families.letter": [("GET", "/families/invitations/1/letter", 404)],
    "families.review_queue": [("GET", "/families/reviews", 200)],
    "families.review": [("GET", "/families/feedback/1/review", 404), ("POST", "/families/feedback/1/review", 404)],
    # Issue 19: an empty name is refused and the page shown again.
    "admin.teams": [("GET", "/admin/teams", 200), ("POST", "/admin/teams", 200)],
    # Issue 25. The case audit's lead auditor and its practitioner (named, and the lead part shared
    # with them, by existing_ids) get the page; an empty form is shown again with its errors (200).
    "practitioners.programme_setting": [("GET", "/practitioners/programmes/{programme_id}", 200),
                                        ("POST", "/practitioners/programmes/{programme_id}", 200)],
    "practitioners.audit_page": [("GET", "/practitioners/audits/{case_audit_id}", 200)],
    "practitioners.invite": [("POST", "/practitioners/audits/{case_audit_id}/invite", 200)],
    # A second sharing is refused: the page comes back saying so.
    "practitioners.share": [("POST", "/practitioners/audits/{case_audit_id}/share", 200)],
    "practitioners.reflect": [("POST", "/practitioners/audits/{case_audit_id}/reflection", 200)],
    "practitioners.rate": [("POST", "/practitioners/audits/{case_audit_id}/usefulness", 200)],
    "practitioners.record_learning": [("POST", "/practitioners/audits/{case_audit_id}/learning", 200)],
    "practitioners.sign_off": [("POST", "/practitioners/audits/{case_audit_id}/sign-off", 200)],
    "practitioners.add_addendum": [("POST", "/practitioners/audits/{case_audit_id}/addenda", 200)],
    # Issue 26: an open exercise and a closed one, the user under test invited to both when an auditor.
    "calibration.list_exercises": [("GET", "/calibration/", 200)],
    "calibration.new_exercise": [("GET", "/calibration/new", 200), ("POST", "/calibration/new", 200)],
    "calibration.show_exercise": [("GET", "/calibration/{exercise_id}", 200)],
    # Released already: the case and reference can no longer change, and the page says so.
    "calibration.edit_reference": [("POST", "/calibration/{exercise_id}/reference", 200)],
    "calibration.invite": [("POST", "/calibration/{exercise_id}/invite", 200)],
    "calibration.answer": [("GET", "/calibration/{exercise_id}/answer", 200),
                           ("POST", "/calibration/{exercise_id}/answer", 302)],
    "calibration.close_exercise": [("POST", "/calibration/{exercise_id}/close", 302)],
    "calibration.new_round": [("POST", "/calibration/{closed_exercise_id}/rounds", 302)],
    "calibration.report": [("GET", "/calibration/{closed_exercise_id}/report", 200)],
    "calibration.export_report": [("POST", "/calibration/{closed_exercise_id}/report.xlsx", 200)],
    "calibration.download_attachment": [("GET", "/calibration/{exercise_id}/attachments/1", 404)],
    # Queries on a question (issue 26). The matrix's audit is not submitted, so opening a query is
    # refused on the page (200); an empty message is shown again (200); closing the query works.
    "queries.open_query": [("GET", "/queries/new/{case_audit_id}/lead/overall_grade", 200),
                           ("POST", "/queries/new/{case_audit_id}/lead/overall_grade", 200)],
    "queries.show": [("GET", "/queries/{query_id}", 200)],
    "queries.write": [("POST", "/queries/{query_id}/messages", 200)],
    "queries.close": [("POST", "/queries/{query_id}/close", 302)],
    # Issue 24: the safeguarding concern's own page, for the case audit's auditors.
    "audits.concern_page": [("GET", "/audits/{case_audit_id}/concerns", 200)],
    # Check your answers: a post without the checked version is malformed (400).
    "audits.check_answers": [("GET", "/audits/{case_audit_id}/lead/check", 200),
                             ("POST", "/audits/{case_audit_id}/lead/check", 400)],
    "main.stay_signed_in": [("POST", "/session/stay-signed-in", 204)],
}
PUBLIC_PAGES = {"auth.login": "/sign-in", "main.health": "/health",
                "main.accessibility_statement": "/accessibility", "main.privacy_notice": "/privacy"}

# Steps of signing in that come before a session: each answers without one, and none shows a page
# of the app (tests/test_single_sign_on.py and tests/test_second_factor.py cover them working).
SIGN_IN_STEPS = {"oidc.start": ("/sign-in/oidc", 404), "oidc.start_named": ("/sign-in/oidc/nhs", 404),
                 "oidc.callback": ("/sign-in/oidc/callback?code=x&state=y", 403),
                 "second_factor.code": ("/sign-in/code", 302)}

# Families' feedback (issue 25): the family's own pages, open to anyone. Without a letter's link or
# code they open nothing: one "does not work" page (404) for every link, and for the form and its
# check page without one. tests/test_family_feedback.py shows they reveal nothing about any case.
PUBLIC_PAGES.update({"feedback.start": "/feedback", "feedback.done": "/feedback/done"})
FEEDBACK_STEPS = {"feedback.open_link": ("/feedback/" + "x" * 43, 404),
                  "feedback.questions": ("/feedback/questions", 404), "feedback.check": ("/feedback/check", 404)}


def existing_ids(app, auditor=None) -> dict:
    """Real rows for the URLs that name one; an auditor given is made the case audit's lead."""
    with app.app_context():
        target = make_user(Role.AUDITOR)
        batch = import_file("referrals", write_csv(Path(app.instance_path) / "matrix.csv", REFERRAL_HEADINGS,
                                                   [["C1", "R1", "2015-04-01", "NFA", "", "Compass"],
                                                    ["C1", "R2", "2015-05-01", "NFA", "", "Compass"]]))
        programme = programmes.create_programme(name="Matrix", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2015/16")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        case_audit = db.session.scalars(db.select(CaseAudit)).one()
        if auditor is not None and auditor.has_role(Role.AUDITOR):
            programmes.reassign(case_audit.id, lead_auditor_id=auditor.id, section_auditors={}, due_date=None)
        # Issue 25: a practitioner under test is named for the case audit and it is shared with them.
        practitioners.set_how_practitioners_take_part(programme.id, "reflect_after", None)
        if auditor is not None and auditor.has_role(Role.PRACTITIONER):
            lead = make_user(Role.AUDITOR)
            programmes.reassign(case_audit.id, lead_auditor_id=lead.id, section_auditors={}, due_date=None)
            practitioners.invite(case_audit.id, auditor.id, lead)
            practitioners.share(case_audit.id, lead)
        elif auditor is not None and auditor.has_role(Role.AUDITOR):
            practitioners.invite(case_audit.id, make_user(Role.PRACTITIONER).id, auditor)
            practitioners.share(case_audit.id, auditor)
        # Owned by the user under test, so every role may read it.
        action = actions.raise_action(programme.id, case_audit.id, actions.NewAction(
            "Review the decision", "Threshold not applied", date.today() + timedelta(days=30), team="Compass",
            owner_id=auditor.id if auditor is not None else None), make_user(Role.QA_LEAD))
        query_id = _query_on(case_audit.id)
        exercises = _calibration_exercises(auditor)
    return {"user_id": target.id, "batch_id": batch.id, "programme_id": programme.id,
            "case_audit_id": case_audit.id, "action_id": action.id, "query_id": query_id, **exercises}


def _query_on(case_audit_id) -> int:
    """A query on the case audit's lead part (issue 26), written directly: the service opens
    queries only on submitted audits. Its author is the audit's lead auditor, as in the matrix."""
    moderator = make_user(Role.QA_LEAD)
    query = AnswerQuery(case_audit_id=case_audit_id, part="lead", question_id="overall_grade",
                        opened_by_id=moderator.id)
    db.session.add(query)
    db.session.commit()
    return query.id


def _calibration_exercises(auditor) -> dict:
    """Issue 26: an open and a closed calibration exercise, to which the user under test (an
    auditor) is invited."""
    lead = make_user(Role.QA_LEAD)
    invited = [make_user(Role.AUDITOR).id] + ([auditor.id] if auditor is not None and auditor.has_role(Role.AUDITOR) else [])
    made = {}
    for key in ("exercise_id", "closed_exercise_id"):
        exercise = calibration.create_case_study(title=f"Matrix {key}", questionnaire="re-referral-audit:1",
                                                 case_text="A case study.", user=lead)
        calibration.update_draft(exercise.id, case_text="A case study.", reference={"consent": "yes"}, user=lead)
        calibration.invite(exercise.id, invited, date.today() + timedelta(days=7), user=lead)
        made[key] = exercise.id
    calibration.close(made["closed_exercise_id"], user=lead)
    return made


CASES = [(endpoint, method, url, expected, role)
         for endpoint, requests in MATRIX.items()
         for method, url, expected in requests
         for role in Role]


def test_every_endpoint_is_public_or_declares_its_roles(app):
    unguarded = [endpoint for endpoint, view in app.view_functions.items()
                 if endpoint not in PUBLIC_ENDPOINTS and not getattr(view, "required_roles", None)]
    assert unguarded == []


def test_every_endpoint_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - PUBLIC_ENDPOINTS == set(MATRIX) == set(ENDPOINT_ROLES)
    assert PUBLIC_ENDPOINTS - {"static"} == set(PUBLIC_PAGES) | {"auth.resume"} | set(SIGN_IN_STEPS) | set(FEEDBACK_STEPS)


def test_the_matrix_agrees_with_the_declared_roles(app):
    for endpoint, allowed in ENDPOINT_ROLES.items():
        assert app.view_functions[endpoint].required_roles == allowed, endpoint


@pytest.mark.parametrize("endpoint, method, url", [
    (endpoint, method, url) for endpoint, reqs in MATRIX.items() for method, url, _ in reqs])
def test_anonymous_requests_are_sent_to_sign_in(app, client, endpoint, method, url):
    ids = existing_ids(app)
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(url.format(**ids), method=method, data=data)
    if method == "POST" and endpoint in RESUMABLE_ENDPOINTS:
        # The typed answers are kept on a sign-in page rather than lost to a redirect.
        assert response.status_code == 401
        assert "Sign in again to keep" in response.get_data(as_text=True)
        return
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in")


def test_signing_in_again_after_a_session_ends_is_public_but_checks_the_password(client):
    response = client.post("/sign-in/resume", data={"csrf_token": csrf_token(client), "email": "x@y.org",
                                                     "password": "wrong password here", "target": "/"})
    assert response.status_code == 401
    assert "Enter the correct email address and password" in response.get_data(as_text=True)


@pytest.mark.parametrize("endpoint", sorted(SIGN_IN_STEPS))
def test_sign_in_steps_need_no_session_and_open_nothing_without_one(client, endpoint):
    """With no provider configured and no sign-in begun, each step refuses plainly."""
    url, status = SIGN_IN_STEPS[endpoint]
    response = client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"].startswith("/sign-in")


@pytest.mark.parametrize("endpoint", sorted(PUBLIC_PAGES))
def test_public_pages_need_no_sign_in(client, endpoint):
    assert client.get(PUBLIC_PAGES[endpoint]).status_code == 200


@pytest.mark.parametrize("endpoint, method, url, expected, role", CASES,
                         ids=[f"{e}-{m}-{r.value}" for e, m, _, _, r in CASES])
def test_role_matrix(app, client, endpoint, method, url, expected, role):
    with app.app_context():
        user = make_user(role)
    ids = existing_ids(app, user)
    assert sign_in(client, user.email).status_code == 302
    data = {"csrf_token": csrf_token(client)} if method == "POST" else None
    response = client.open(url.format(**ids), method=method, data=data)
    if role in ENDPOINT_ROLES[endpoint]:
        # Past the guard: what this page answers this role, exactly (a dict where roles differ).
        wanted = expected[role] if isinstance(expected, dict) else expected
        assert response.status_code == wanted, response.status_code
    else:
        assert response.status_code == 403
        assert "You do not have permission to see this page" in response.get_data(as_text=True)
        with app.app_context():
            denial = db.session.scalars(db.select(AuditEvent).filter_by(action="access_denied")).one()
        assert denial.user_id == user.id
        assert denial.outcome == "denied"
        assert denial.details["endpoint"] == endpoint


@pytest.mark.parametrize("endpoint", sorted(FEEDBACK_STEPS))
def test_family_feedback_steps_open_nothing_without_a_link(app, client, endpoint):
    existing_ids(app)  # a case, a programme and an action exist, which no public page may show
    url, status = FEEDBACK_STEPS[endpoint]
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert "This link or code does not work" in html
    assert response.headers["Referrer-Policy"] == "no-referrer"
    _names_no_case_detail(html)


@pytest.mark.parametrize("endpoint", ["feedback.start", "feedback.done"])
def test_the_familys_public_pages_reveal_nothing_about_any_case(app, client, endpoint):
    existing_ids(app)
    html = client.get(PUBLIC_PAGES[endpoint]).get_data(as_text=True)
    _names_no_case_detail(html)


def _without_tokens(html):
    # A random CSRF token (in a form, or on the timeout warning) can hold "C1" by chance; it is no
    # case detail, so it is taken out before looking for one.
    return re.sub(r'(name="csrf_token" value|data-csrf-token)="[^"]*"', "", html)


def _names_case_detail(html, detail):
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(detail)}(?![A-Za-z0-9])", _without_tokens(html))


def _names_no_case_detail(html):
    for detail in ("C1", "R1", "R2", "Matrix", "Compass", "Review the decision", "Test User"):
        assert not _names_case_detail(html, detail), detail


def test_a_practitioner_reaches_no_audit_or_case_page_not_shared_with_them(app, client):
    """Issue 25: the case audit is shared with one practitioner; another reaches nothing of it, nor
    any other page naming a programme, case audit or action (tests/test_practitioners.py has the
    shared practitioner's own view, and their other audits)."""
    with app.app_context():
        shared_with, other = make_user(Role.PRACTITIONER), make_user(Role.PRACTITIONER)
    ids = existing_ids(app, shared_with)
    assert sign_in(client, other.email).status_code == 302
    tried = 0
    for endpoint, requests in MATRIX.items():
        for method, url, _ in requests:
            if not any(key in url for key in ("{case_audit_id}", "{programme_id}", "{action_id}")):
                continue
            data = {"csrf_token": csrf_token(client)} if method == "POST" else None
            response = client.open(url.format(**ids), method=method, data=data)
            assert response.status_code in (403, 404), (endpoint, method, response.status_code)
            assert not _names_case_detail(response.get_data(as_text=True), "C1"), endpoint
            tried += 1
    assert tried > 30

