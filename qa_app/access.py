"""Who sees what: the roles each endpoint admits, and the rules on rows inside them, in words.

One table read three ways: tests/test_access.py tries every endpoint as every role against it
(and checks it equals the @roles_required on each view), and the governance report prints it
as the DPIA's "who sees what". Change a route's decorator and this table together; a new
endpoint missing here fails tests/test_access.py.
"""
from qa_app.models import Role

ALL = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
QA_LEAD = frozenset({Role.QA_LEAD})
AUDITOR = frozenset({Role.AUDITOR})
# Everyone but practitioners (issue 25), who see only the audits shared with them.
STAFF = ALL - {Role.PRACTITIONER}

ENDPOINT_ROLES: dict[str, frozenset] = {
    "main.home": ALL,
    "auth.logout": ALL,
    "auth.change_password": ALL,
    "second_factor.enrol": ALL,
    "second_factor.reset": ADMIN,
    "admin.list_users": ADMIN,
    "admin.create_user": ADMIN,
    "admin.edit_user": ADMIN,
    "admin.set_one_time_password": ADMIN,
    "admin.audit_trail": ADMIN,
    "admin.partnership": ADMIN,
    "admin.child_reads": ADMIN,
    "admin.legal_holds": ADMIN,
    "admin.release_legal_hold": ADMIN,
    "data.import_history": QA_LEAD,
    "data.new_import": QA_LEAD,
    "data.import_batch": QA_LEAD,
    "data.import_status": QA_LEAD,
    "data.blank_optional_import": QA_LEAD,
    "data.population": QA_LEAD,
    "data.benchmarks": QA_LEAD,
    "targets.target_list": QA_LEAD,
    "measures.dashboard": QA_LEAD,
    "measures.re_referrals": QA_LEAD,
    "measures.repeat_plans": QA_LEAD,
    "measures.data_quality_list": QA_LEAD,
    "programmes.list_programmes": QA_LEAD,
    "programmes.new_programme": QA_LEAD,
    "programmes.show_programme": QA_LEAD,
    "programmes.draw": QA_LEAD,
    "programmes.check": QA_LEAD,
    "programmes.moderation_policy": QA_LEAD,
    "programmes.add_case": QA_LEAD,
    "programmes.remove_case": QA_LEAD,
    "programmes.assign": QA_LEAD,
    "programmes.reassign": QA_LEAD,
    "audits.show": AUDITOR,
    "audits.complete": AUDITOR,
    "audits.raise_concern": AUDITOR,
    "moderation.queue": QA_LEAD,
    "moderation.moderate": QA_LEAD,
    "moderation.reopen": QA_LEAD,
    "moderation.acknowledge": frozenset({Role.TEAM_MANAGER, Role.QA_LEAD}),
    "questionnaires.list_questionnaires": QA_LEAD,
    "questionnaires.preview": QA_LEAD,
    "exports.programme_findings": QA_LEAD,
    "exports.board_pack": QA_LEAD,
    "actions.list_actions": STAFF,
    "actions.raise_action": frozenset({Role.AUDITOR, Role.QA_LEAD}),
    "actions.show_action": STAFF,
    "actions.record_progress": STAFF,
    "actions.change_status": STAFF,
    "actions.download_evidence": STAFF,
    "findings.show": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    "findings.close": QA_LEAD,
    # Families' feedback (issue 25).
    "families.case_family": AUDITOR,
    "families.make_invitation": AUDITOR,
    "families.letter": AUDITOR,
    "families.review_queue": QA_LEAD,
    "families.review": QA_LEAD,
    # Issue 19: teams are chosen from a list; admins add a new one here, with a confirmation.
    "admin.teams": ADMIN,
    # Practitioners taking part in the audit of their case (issue 25).
    "practitioners.programme_setting": QA_LEAD,
    "practitioners.audit_page": frozenset({Role.AUDITOR, Role.PRACTITIONER}),
    "practitioners.invite": AUDITOR,
    "practitioners.share": AUDITOR,
    "practitioners.reflect": frozenset({Role.PRACTITIONER}),
    "practitioners.rate": frozenset({Role.PRACTITIONER}),
    "practitioners.record_learning": frozenset({Role.AUDITOR, Role.PRACTITIONER}),
    "practitioners.sign_off": frozenset({Role.AUDITOR, Role.PRACTITIONER}),
    "practitioners.add_addendum": frozenset({Role.AUDITOR, Role.PRACTITIONER}),
    # Issue 26: calibration exercises.
    "calibration.list_exercises": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    "calibration.new_exercise": QA_LEAD,
    "calibration.show_exercise": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    "calibration.edit_reference": QA_LEAD,
    "calibration.invite": QA_LEAD,
    "calibration.answer": AUDITOR,
    "calibration.close_exercise": QA_LEAD,
    "calibration.new_round": QA_LEAD,
    "calibration.report": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    "calibration.export_report": QA_LEAD,
    "calibration.download_attachment": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    # Queries on a question (issue 26): QA leads open and close them, authors answer them.
    "queries.open_query": QA_LEAD,
    "queries.show": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    "queries.write": frozenset({Role.QA_LEAD, Role.AUDITOR}),
    "queries.close": QA_LEAD,
    # Issue 24: the safeguarding concern has a page of its own, opened from every audit form page.
    "audits.concern_page": AUDITOR,
    "audits.check_answers": AUDITOR,
    "main.stay_signed_in": ALL,  # the timeout warning's "Stay signed in"
}

# Rules on rows past the role check, in words, with the function that applies each. A role
# that may open the page but not this row gets 404, as for a row that does not exist.
ROW_RULES: dict[str, str] = {
    "own audits": "Auditors open only the case audits they lead or hold an agency section of "
                  "(qa_app/audits/routes.py); a section's auditor sees the other agencies' answers "
                  "only once their own is submitted. Sections go only to auditors of that agency.",
    "actions": "QA leads and admins read every action. Anyone else reads the actions they own, those "
               "of their teams, and, as an auditor of a partner agency, their agency's "
               "(qa_app/services/actions.visibility_clause and can_read). Progress and 'done' are for "
               "the owning team's managers, the named owner or the agency's auditors (can_work); "
               "only QA leads verify, return or cancel.",
    "raise action": "A lead auditor raises actions only on their own case audit; QA leads on any.",
    "findings": "QA leads read every programme's findings; auditors only a closed programme they "
                "audited in (qa_app/services/findings.readable_programme).",
    "concerns": "QA leads see every safeguarding concern; team managers their teams' concerns "
                "(qa_app/services/safeguarding.concerns_for).",
    "home": "The home page has a section per role held, each showing only what the rules above allow.",
    "evidence": "An evidence file downloads only for someone who may read its action.",
    "family feedback": "Only an auditor of the case records whether the family was asked and makes its "
                       "letters; a letter prints only in the browser that made it "
                       "(qa_app/families/routes.py). Only QA leads read what families wrote before review.",
    "practitioner's part": "Only the case audit's lead auditor, and the practitioner they named once the "
                           "lead part is shared with them, open its practitioner's part; the practitioner "
                           "reads the lead part only, and nothing else of any case "
                           "(qa_app/services/participation/practitioners.may_open). A practitioner's "
                           "reflection is seen only by those who can see that audit: its lead auditor, "
                           "its practitioner and the QA leads on the moderation page.",
    # Issue 26
    "calibration": "QA leads open every calibration exercise; an auditor only one they are invited to, once "
                   "released, and its report only after close, with their own answers and the group's spread, "
                   "never another participant's (qa_app/services/calibration exercise_for and report_for).",
    "queries": "A query on an answer is opened, added to and closed only by a QA lead who may moderate the "
               "audit (never one who wrote any part of it), and only on a submitted audit; it is read and "
               "answered only by the queried part's authors who still hold a part of the audit; QA leads read "
               "every query (qa_app/services/queries/rules.py).",
}

ENDPOINT_ROW_RULES: dict[str, str] = {
    "main.home": "home",
    "audits.show": "own audits",
    "audits.complete": "own audits",
    "audits.raise_concern": "own audits",
    "actions.list_actions": "actions",
    "actions.show_action": "actions",
    "actions.record_progress": "actions",
    "actions.change_status": "actions",
    "actions.download_evidence": "evidence",
    "actions.raise_action": "raise action",
    "findings.show": "findings",
    "moderation.acknowledge": "concerns",
    "families.case_family": "family feedback",
    "families.make_invitation": "family feedback",
    "families.letter": "family feedback",
    "practitioners.audit_page": "practitioner's part",
    "practitioners.invite": "practitioner's part",
    "practitioners.share": "practitioner's part",
    "practitioners.reflect": "practitioner's part",
    "practitioners.rate": "practitioner's part",
    "practitioners.record_learning": "practitioner's part",
    "practitioners.sign_off": "practitioner's part",
    "practitioners.add_addendum": "practitioner's part",
    # Issue 26
    "calibration.show_exercise": "calibration",
    "calibration.answer": "calibration",
    "calibration.report": "calibration",
    "calibration.download_attachment": "calibration",
    "queries.open_query": "queries",
    "queries.show": "queries",
    "queries.write": "queries",
    "queries.close": "queries",
    # Issue 24
    "audits.concern_page": "own audits",
    "audits.check_answers": "own audits",
}

# Pages anyone may open without signing in (see qa_app.security.PUBLIC_ENDPOINTS).
PUBLIC_PAGES: dict[str, str] = {
    "auth.login": "Sign in",
    "auth.resume": "Sign in again and keep typed answers",
    "main.health": "Health check for load balancers (says only whether the database answers)",
    "main.accessibility_statement": "Accessibility statement",
    "main.privacy_notice": "Privacy notice for staff",
    "oidc.start": "Single sign-on: go to the organisation's identity provider",
    "oidc.start_named": "Single sign-on: go to a named agency's identity provider",
    "oidc.callback": "Single sign-on: the provider's answer, checked before any session",
    "second_factor.code": "The second step of a password sign-in: the authenticator code",
    # Families' feedback (issue 25): nothing about any case; a link or code that does not work gets
    # one page, whatever the reason. Wrong tries count against the address as failed sign-ins do.
    "feedback.start": "Family feedback: enter the code from the letter",
    "feedback.open_link": "Family feedback: the letter's single-use link",
    "feedback.questions": "Family feedback: the questions (only after a link or code)",
    "feedback.check": "Family feedback: check and send (only after a link or code)",
    "feedback.done": "Family feedback: thank you",
}

# Partner agencies: a user's agency (qa_app.models.Agency) decides which agency sections of a
# case audit they may be given and, for auditors outside children's social care, which actions
# they read and work. Roles decide everything else.
AGENCY_RULE = ("Every user belongs to one agency. Agency sections of a case audit go only to "
               "auditors of that agency; auditors of a partner agency read and work their agency's "
               "actions. Children's social care auditors see actions only as owner or team member.")


def row_rule_for(endpoint: str) -> str:
    key = ENDPOINT_ROW_RULES.get(endpoint)
    return ROW_RULES[key] if key else ""
