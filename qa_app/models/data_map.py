"""The data map: for every column of every table, whose data it is, how sensitive, where it
comes from and what the Excel exports do with it.

It lives beside the models rather than as `info=` on each column so that a branch adding a
column and a branch classifying one merge cleanly. tests/test_governance.py walks db.metadata
and fails on any column missing here; `flask --app wsgi governance report` prints it as the
data map of the DPIA.

Export treatment is what the findings workbook and the board pack (the everyday exports) do.
The subject access export (`flask subject-access`) holds all of one child's records,
identifiably, by design.
"""
from dataclasses import dataclass

# Whose data a column holds.
CHILD, FAMILY, STAFF, NO_ONE = "child", "family", "staff", "none"
SUBJECTS = (CHILD, FAMILY, STAFF, NO_ONE)
# How sensitive it is. Special category: UK GDPR Art 9 (health, ethnicity, disability), and
# the CP plan's abuse category, which can reveal sexual abuse or a health condition and is
# handled with the same care.
PERSONAL, SPECIAL, NOT_PERSONAL = "personal", "special category", "not personal"
CATEGORIES = (PERSONAL, SPECIAL, NOT_PERSONAL)
# What the findings workbook and board pack do with it.
PSEUDONYMISED = "pseudonymised"  # a keyed hash (CH-…, CA-…) unless the export is ticked identifiable
LEFT_OUT = "left out"
KEPT = "kept"  # written as it is (text as text, never a formula)
COUNTED = "counted only"  # appears in totals and percentages, never row by row
EXPORT_TREATMENTS = (PSEUDONYMISED, LEFT_OUT, KEPT, COUNTED)

# Where values come from.
REFERRAL_FILES = "referral import: house CSV/XLSX, Annex A List 3, CIN census XML"
PLAN_FILES = "CP plan import: house CSV/XLSX, Annex A List 7, CIN census XML"
CHILD_FILES = "child details in Annex A lists and the CIN census (house files: id only)"
ANY_IMPORT = "any case data import"
SYSTEM = "set by the app"
ADMIN_FORM = "admin: user form or create-user command"
SIGN_IN = "sign-in and password forms"
PROGRAMME_FORM = "QA lead: programme pages"
AUDIT_FORM = "auditor: case audit form"
MODERATION_FORM = "QA lead: moderation form"
ACTION_FORM = "action pages (raise, progress, evidence, status)"
CONCERN_FORM = "auditor: safeguarding concern form; team manager: acknowledgement"
DATA_FORM = "QA lead: population and benchmarks pages"
QUESTIONNAIRE_UPLOAD = "QA lead: questionnaire upload (or the files shipped with the app)"
REQUEST = "the request (address, signed-in user)"
PRACTITIONER_FORM = "lead auditor and practitioner: the practitioner's part of a case audit (issue 25)"
CALIBRATION_FORM = "QA lead and auditors: calibration exercise pages (issue 26)"
QUERY_FORM = "QA lead and auditor: a query on an answer (issue 26)"


@dataclass(frozen=True)
class ColumnUse:
    subject: str
    category: str
    source: str
    export: str
    note: str = ""


def _use(subject, category, source, export, note=""):
    return ColumnUse(subject, category, source, export, note)


def _none(source=SYSTEM, export=LEFT_OUT, note=""):
    return ColumnUse(NO_ONE, NOT_PERSONAL, source, export, note)


def _staff(source, export=LEFT_OUT, note=""):
    return ColumnUse(STAFF, PERSONAL, source, export, note)


def _child(source, export, note="", category=PERSONAL):
    return ColumnUse(CHILD, category, source, export, note)


STAFF_LINK = "links to a user: the person's name appears only where the column says kept"

DATA_MAP: dict[str, ColumnUse] = {
    # --- case data -------------------------------------------------------------------------
    "child.child_id": _child(ANY_IMPORT, PSEUDONYMISED, "the council's case-management id"),
    "child.date_of_birth": _child(CHILD_FILES, LEFT_OUT, "age at referral is worked out, never exported"),
    "child.sex": _child(CHILD_FILES, LEFT_OUT),
    "child.ethnicity": _child(CHILD_FILES, LEFT_OUT, category=SPECIAL),
    "child.disability": _child(CHILD_FILES, LEFT_OUT, "health", category=SPECIAL),
    "referral.id": _none(),
    "referral.referral_id": _child(REFERRAL_FILES, PSEUDONYMISED, "case ref when the case is a referral"),
    "referral.child_id": _child(REFERRAL_FILES, PSEUDONYMISED),
    "referral.referral_date": _child(REFERRAL_FILES, COUNTED),
    "referral.decision": _child(REFERRAL_FILES, COUNTED),
    "referral.source": _use(FAMILY, PERSONAL, REFERRAL_FILES, COUNTED,
                            "who referred (police, school, a relative…): can point at a family member"),
    "referral.team": _none(REFERRAL_FILES, KEPT, "the allocated team"),
    "referral.import_batch_id": _none(),
    "cp_plan.id": _none(),
    "cp_plan.plan_id": _child(PLAN_FILES, PSEUDONYMISED, "case ref when the case is a plan"),
    "cp_plan.child_id": _child(PLAN_FILES, PSEUDONYMISED),
    "cp_plan.start_date": _child(PLAN_FILES, COUNTED),
    "cp_plan.end_date": _child(PLAN_FILES, COUNTED),
    "cp_plan.category": _child(PLAN_FILES, LEFT_OUT, "abuse category (NEG, PHY, SAB, EMO, MUL)",
                               category=SPECIAL),
    "cp_plan.team": _none(PLAN_FILES, KEPT),
    "cp_plan.previous_plans": _child(PLAN_FILES, LEFT_OUT, "Annex A List 7 only"),
    "cp_plan.import_batch_id": _none(),
    "child_population.year": _none(DATA_FORM, KEPT),
    "child_population.population": _none(DATA_FORM, KEPT, "ONS estimate, no person"),
    "benchmark.id": _none(),
    "benchmark.measure": _none(DATA_FORM, KEPT),
    "benchmark.period": _none(DATA_FORM, KEPT),
    "benchmark.comparator": _none(DATA_FORM, KEPT),
    "benchmark.value": _none(DATA_FORM, KEPT, "published SN or England figure"),
    # --- imports: the staged copy lives only while an import runs ---------------------------
    "import_batch.id": _none(),
    "import_batch.kind": _none(ANY_IMPORT),
    "import_batch.file_name": _staff(ANY_IMPORT, note="as uploaded; may name a child if staff name files so"),
    "import_batch.checksum": _none(ANY_IMPORT),
    "import_batch.status": _none(),
    "import_batch.created_by_id": _staff(REQUEST, note=STAFF_LINK),
    "import_batch.created_at": _none(),
    "import_batch.finished_at": _none(),
    "import_batch.rows_processed": _none(),
    "import_batch.counts": _none(),
    "import_batch.errors": _child(ANY_IMPORT, LEFT_OUT, "the first 100 problems quote values from the file; "
                                  "cleared by retention", category=SPECIAL),
    "import_batch.error_count": _none(),
    "import_batch.warnings": _child(ANY_IMPORT, LEFT_OUT, "the first 100 data-quality warnings with ids; "
                                    "cleared by retention"),
    "import_batch.warning_count": _none(),
    "import_batch.dropped_columns": _none(ANY_IMPORT, note="headings of columns not used"),
    "import_batch.layout": _none(ANY_IMPORT),
    "import_batch.blank_bad_optional": _none(),
    "import_batch.blanked": _child(ANY_IMPORT, LEFT_OUT, "cells left blank, quoting their values; "
                                   "cleared by retention", category=SPECIAL),
    "import_batch.blanked_count": _none(),
    "import_batch.retry_of_id": _none(),
    "staged_child.id": _none(),
    "staged_child.batch_id": _none(),
    "staged_child.child_id": _child(ANY_IMPORT, LEFT_OUT, "deleted when its import ends"),
    "staged_child.date_of_birth": _child(CHILD_FILES, LEFT_OUT, "deleted when its import ends"),
    "staged_child.sex": _child(CHILD_FILES, LEFT_OUT, "deleted when its import ends"),
    "staged_child.ethnicity": _child(CHILD_FILES, LEFT_OUT, "deleted when its import ends", category=SPECIAL),
    "staged_child.disability": _child(CHILD_FILES, LEFT_OUT, "deleted when its import ends", category=SPECIAL),
    "staged_referral.id": _none(),
    "staged_referral.batch_id": _none(),
    "staged_referral.location": _none(ANY_IMPORT),
    "staged_referral.referral_id": _child(REFERRAL_FILES, LEFT_OUT, "deleted when its import ends"),
    "staged_referral.child_id": _child(REFERRAL_FILES, LEFT_OUT, "deleted when its import ends"),
    "staged_referral.referral_date": _child(REFERRAL_FILES, LEFT_OUT),
    "staged_referral.decision": _child(REFERRAL_FILES, LEFT_OUT),
    "staged_referral.source": _use(FAMILY, PERSONAL, REFERRAL_FILES, LEFT_OUT),
    "staged_referral.team": _none(REFERRAL_FILES),
    "staged_plan.id": _none(),
    "staged_plan.batch_id": _none(),
    "staged_plan.location": _none(ANY_IMPORT),
    "staged_plan.plan_id": _child(PLAN_FILES, LEFT_OUT, "deleted when its import ends"),
    "staged_plan.child_id": _child(PLAN_FILES, LEFT_OUT, "deleted when its import ends"),
    "staged_plan.start_date": _child(PLAN_FILES, LEFT_OUT),
    "staged_plan.end_date": _child(PLAN_FILES, LEFT_OUT),
    "staged_plan.category": _child(PLAN_FILES, LEFT_OUT, category=SPECIAL),
    "staged_plan.team": _none(PLAN_FILES),
    "staged_plan.previous_plans": _child(PLAN_FILES, LEFT_OUT),
    # --- audit programmes and samples --------------------------------------------------------
    "audit_programme.id": _none(),
    "audit_programme.name": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.theme": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.questionnaire_id": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.questionnaire_version": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.questionnaire_title": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.frame_kind": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.period_label": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.period_start": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.period_end": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.filters": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.previous_decisions": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.agencies": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.due_date": _none(PROGRAMME_FORM, KEPT),
    "audit_programme.status": _none(),
    "audit_programme.moderation_policy": _none(PROGRAMME_FORM),
    "audit_programme.created_by_id": _staff(REQUEST, note=STAFF_LINK),
    "audit_programme.created_at": _none(),
    "audit_programme.closed_at": _none(SYSTEM, KEPT),
    "sample.id": _none(),
    "sample.programme_id": _none(),
    "sample.method": _none(PROGRAMME_FORM, KEPT),
    "sample.requested_size": _none(PROGRAMME_FORM, KEPT),
    "sample.requested_percent": _none(PROGRAMME_FORM, KEPT),
    "sample.stratify_by": _none(PROGRAMME_FORM, KEPT),
    "sample.minimum_per_stratum": _none(PROGRAMME_FORM, KEPT),
    "sample.exclude_audited_months": _none(PROGRAMME_FORM, KEPT),
    "sample.seed": _none(PROGRAMME_FORM, KEPT),
    "sample.algorithm_version": _none(SYSTEM, KEPT),
    "sample.frame_definition": _none(PROGRAMME_FORM, KEPT),
    "sample.frame_size": _none(SYSTEM, KEPT),
    "sample.frame_hash": _none(SYSTEM, KEPT, "SHA-256 of the sorted case ids: not reversible to one id"),
    "sample.frame_ids": _child(SYSTEM, LEFT_OUT, "every eligible referral or plan id, for re-checking"),
    "sample.excluded": _child(SYSTEM, LEFT_OUT, "case ids left out as audited recently"),
    "sample.drawn_ids": _child(SYSTEM, LEFT_OUT, "the drawn case ids, in order"),
    "sample.allocation": _none(SYSTEM, KEPT, "cases per stratum"),
    "sample.drawn_by_id": _staff(REQUEST, note=STAFF_LINK),
    "sample.drawn_at": _none(SYSTEM, KEPT),
    "sample_change.id": _none(),
    "sample_change.sample_id": _none(),
    "sample_change.case_id": _child(PROGRAMME_FORM, LEFT_OUT),
    "sample_change.change": _none(PROGRAMME_FORM),
    "sample_change.reason": _child(PROGRAMME_FORM, LEFT_OUT, "free text: may describe the case"),
    "sample_change.changed_by_id": _staff(REQUEST, note=STAFF_LINK),
    "sample_change.changed_at": _none(),
    # --- case audits, moderation, concerns ----------------------------------------------------
    "case_audit.id": _none(),
    "case_audit.programme_id": _none(),
    "case_audit.case_id": _child(SYSTEM, PSEUDONYMISED, "the sampled referral or plan id"),
    "case_audit.child_id": _child(SYSTEM, PSEUDONYMISED),
    "case_audit.lead_auditor_id": _staff(PROGRAMME_FORM, KEPT, "the lead auditor's name is on the Cases sheet"),
    "case_audit.due_date": _none(PROGRAMME_FORM),
    "case_audit.status": _none(SYSTEM, KEPT),
    "case_audit.created_at": _none(),
    "case_audit.answers": _child(AUDIT_FORM, KEPT, "answers and free text about the child and family; "
                                 "may hold health or abuse details", category=SPECIAL),
    "case_audit.version": _none(),
    "case_audit.submitted_at": _none(SYSTEM, KEPT),
    "case_audit_section.id": _none(),
    "case_audit_section.case_audit_id": _none(),
    "case_audit_section.agency": _none(PROGRAMME_FORM, KEPT),
    "case_audit_section.auditor_id": _staff(PROGRAMME_FORM),
    "case_audit_section.status": _none(SYSTEM, KEPT),
    "case_audit_section.answers": _child(AUDIT_FORM, KEPT, "an agency's answers and free text",
                                         category=SPECIAL),
    "case_audit_section.version": _none(),
    "case_audit_section.submitted_at": _none(SYSTEM, KEPT),
    "case_audit_author.id": _none(),
    "case_audit_author.case_audit_id": _none(),
    "case_audit_author.part": _none(SYSTEM, LEFT_OUT, "lead part or an agency's section"),
    "case_audit_author.user_id": _staff(AUDIT_FORM, LEFT_OUT, "who saved or submitted the part: "
                                       "keeps anyone who wrote any of it from moderating it"),
    "case_audit_author.did": _none(SYSTEM, LEFT_OUT, "saved or submitted"),
    "case_audit_author.first_at": _none(),
    "measure_target.id": _none(),
    "measure_target.measure": _none(DATA_FORM, KEPT, "which measure the target is for"),
    "measure_target.target": _none(DATA_FORM, KEPT),
    "measure_target.amber_tolerance": _none(DATA_FORM, KEPT),
    "measure_target.polarity": _none(DATA_FORM, KEPT, "whether higher or lower is better"),
    "measure_target.from_year": _none(DATA_FORM, KEPT),
    "measure_target.set_by_id": _staff(DATA_FORM, LEFT_OUT, STAFF_LINK),
    "measure_target.set_at": _none(),
    "partnership_setting.name": _none(ADMIN_FORM),
    "partnership_setting.value": _none(ADMIN_FORM, KEPT, "the partnership's name, on every export's Cover"),
    "moderation.id": _none(),
    "moderation.case_audit_id": _none(),
    "moderation.moderator_id": _staff(MODERATION_FORM),
    "moderation.grades": _none(MODERATION_FORM, KEPT, "the moderator's grades, per question"),
    "moderation.outcome": _none(MODERATION_FORM, KEPT),
    "moderation.comments": _child(MODERATION_FORM, LEFT_OUT, "free text about the audit and the case"),
    "moderation.created_at": _none(),
    "safeguarding_concern.id": _none(),
    "safeguarding_concern.case_audit_id": _none(),
    "safeguarding_concern.team": _none(SYSTEM),
    "safeguarding_concern.details": _child(CONCERN_FORM, LEFT_OUT, "what worries the auditor about the child now",
                                           category=SPECIAL),
    "safeguarding_concern.raised_by_id": _staff(REQUEST),
    "safeguarding_concern.raised_at": _none(),
    "safeguarding_concern.acknowledged_by_id": _staff(REQUEST),
    "safeguarding_concern.acknowledged_at": _none(),
    "safeguarding_concern.acknowledgement": _child(CONCERN_FORM, LEFT_OUT, "what the manager is doing"),
    # --- actions ----------------------------------------------------------------------------
    "action.id": _none(SYSTEM, KEPT, "the action ref"),
    "action.programme_id": _none(),
    "action.case_audit_id": _none(),
    "action.team_id": _none(ACTION_FORM, KEPT),
    "action.agency": _none(ACTION_FORM, KEPT),
    "action.description": _child(ACTION_FORM, KEPT, "what must be done; may describe the case"),
    "action.finding": _child(ACTION_FORM, KEPT, "the finding it answers; may describe the case"),
    "action.question_id": _none(ACTION_FORM, KEPT),
    "action.answer": _none(ACTION_FORM),
    "action.owner_id": _staff(ACTION_FORM, KEPT, "findings workbook: the owner's name; board pack: the role"),
    "action.due_date": _none(ACTION_FORM, KEPT),
    "action.priority": _none(ACTION_FORM, KEPT),
    "action.status": _none(ACTION_FORM, KEPT),
    "action.raised_by_id": _staff(REQUEST),
    "action.raised_at": _none(SYSTEM, KEPT),
    "action.done_at": _none(),
    "action.closed_at": _none(SYSTEM, KEPT),
    "action.version": _none(),
    "action_update.id": _none(),
    "action_update.action_id": _none(),
    "action_update.kind": _none(),
    "action_update.text": _child(ACTION_FORM, KEPT, "progress notes: the latest is on the Actions sheet"),
    "action_update.link": _child(ACTION_FORM, LEFT_OUT, "a link into the case-management record"),
    "action_update.file_name": _child(ACTION_FORM, LEFT_OUT, "the evidence file's name as uploaded"),
    "action_update.stored_name": _none(SYSTEM, LEFT_OUT, "a random name in instance/evidence; the file "
                                       "itself may hold anything about the case"),
    "action_update.file_size": _none(),
    "action_update.from_status": _none(),
    "action_update.to_status": _none(),
    "action_update.user_id": _staff(REQUEST),
    "action_update.created_at": _none(),
    "action_reminder.id": _none(),
    "action_reminder.user_id": _staff(SYSTEM),
    "action_reminder.sent_on": _none(),
    "action_reminder.action_ids": _none(SYSTEM),
    "action_reminder.sent_at": _none(),
    # --- people and sign-in -----------------------------------------------------------------
    "user.id": _none(),
    "user.email": _staff(ADMIN_FORM),
    "user.display_name": _staff(ADMIN_FORM, KEPT, "as lead auditor, action owner and exporter"),
    "user.password_hash": _staff(SIGN_IN, note="scrypt hash; never shown"),
    "user.active": _staff(ADMIN_FORM),
    "user.agency": _staff(ADMIN_FORM),
    "user.must_change_password": _staff(ADMIN_FORM),
    "user_session.id": _none(),
    "user_session.user_id": _staff(SIGN_IN, LEFT_OUT, STAFF_LINK),
    "user_session.token_hash": _staff(SYSTEM, LEFT_OUT, "a SHA-256 of a signed-in browser's session token, "
                                      "never the token; removed at sign-out, password change and lock"),
    "user_session.created_at": _staff(SIGN_IN, LEFT_OUT, "when that browser signed in"),
    "worker_heartbeat.worker": _none(SYSTEM, LEFT_OUT, "host and process id of a background worker"),
    "worker_heartbeat.beat_at": _none(),
    "user.failed_login_count": _staff(SIGN_IN),
    "user.failed_login_window_start": _staff(SIGN_IN),
    "user.locked_until": _staff(SIGN_IN),
    "user.created_at": _staff(SYSTEM),
    "user.last_login_at": _staff(SIGN_IN),
    "user.last_sign_in_method": _none(SIGN_IN, LEFT_OUT, "password or the single sign-on provider's name"),
    "identity_link.id": _none(),
    "identity_link.user_id": _staff(SIGN_IN, LEFT_OUT, STAFF_LINK),
    "identity_link.provider": _none(SIGN_IN),
    "identity_link.issuer": _none(SIGN_IN),
    "identity_link.subject": _staff(SIGN_IN, LEFT_OUT, "the identity provider's id for the person"),
    "identity_link.created_at": _none(),
    "identity_link.last_used_at": _staff(SIGN_IN, LEFT_OUT, "when the person last signed in this way"),
    "second_factor.user_id": _staff(SIGN_IN, LEFT_OUT, STAFF_LINK),
    "second_factor.totp_secret": _staff(SIGN_IN, LEFT_OUT, "the authenticator's shared secret: a credential"),
    "second_factor.enrolled_at": _none(),
    "second_factor.last_used_step": _none(SIGN_IN, LEFT_OUT, "stops a code being used twice"),
    "recovery_code.id": _none(),
    "recovery_code.user_id": _staff(SIGN_IN, LEFT_OUT, STAFF_LINK),
    "recovery_code.code_hash": _staff(SIGN_IN, LEFT_OUT, "a hash of a single-use recovery code: a credential"),
    "recovery_code.used_at": _none(),
    "user_role.user_id": _none(),
    "user_role.role": _staff(ADMIN_FORM),
    "user_team.user_id": _none(),
    "user_team.team_id": _staff(ADMIN_FORM),
    "team.id": _none(),
    "team.name": _none(ANY_IMPORT, KEPT, "from case data and the user form"),
    "sign_in_failure.id": _none(),
    "sign_in_failure.occurred_at": _none(),
    "sign_in_failure.email": _staff(SIGN_IN, note="as typed: may be anyone's"),
    "sign_in_failure.ip_address": _staff(REQUEST),
    "sign_in_failure.locks_until": _none(),
    # --- the audit trail --------------------------------------------------------------------
    "audit_event.id": _none(),
    "audit_event.occurred_at": _none(),
    "audit_event.user_id": _staff(REQUEST),
    "audit_event.user_email": _staff(REQUEST),
    "audit_event.role": _staff(REQUEST),
    "audit_event.action": _none(),
    "audit_event.object_type": _none(),
    "audit_event.object_id": _none(SYSTEM, LEFT_OUT, "a row's id; for some events a case id"),
    "audit_event.ip_address": _staff(REQUEST),
    "audit_event.outcome": _none(),
    "audit_event.details": _staff(SYSTEM, LEFT_OUT, "ids, field names and before/after of settings, "
                                  "never case content"),
    # Issue 21, point 7: when retention removed an event's free text.
    "audit_event.redacted_at": _none(),
    "audit_event_child.event_id": _none(),
    "audit_event_child.child_id": _child(SYSTEM, LEFT_OUT, "which child a read named"),
    # --- the app's own working tables --------------------------------------------------------
    "questionnaire_version.id": _none(),
    "questionnaire_version.questionnaire_id": _none(QUESTIONNAIRE_UPLOAD, KEPT),
    "questionnaire_version.version": _none(QUESTIONNAIRE_UPLOAD, KEPT),
    "questionnaire_version.title": _none(QUESTIONNAIRE_UPLOAD, KEPT),
    "questionnaire_version.source": _none(QUESTIONNAIRE_UPLOAD, KEPT, "the questions"),
    "questionnaire_version.uploaded_by_id": _staff(REQUEST),
    "questionnaire_version.uploaded_at": _none(),
    "job.id": _none(),
    "job.kind": _none(),
    "job.payload": _none(SYSTEM, note="the import batch id and the uploaded file's stored name"),
    "job.status": _none(),
    "job.attempts": _none(),
    "job.worker": _none(SYSTEM, note="host name and process id"),
    "job.created_at": _none(),
    "job.started_at": _none(),
    "job.heartbeat_at": _none(),
    "job.finished_at": _none(),
    "job.error": _none(SYSTEM, note="why a job failed"),
    "measures_cache.name": _none(),
    "measures_cache.data_version": _none(),
    "measures_cache.figures": _none(SYSTEM, COUNTED, "counts and rates only"),
    "measures_cache.computed_at": _none(),
    "legal_hold.id": _none(),
    "legal_hold.programme_id": _none(),
    "legal_hold.reason": _none(ADMIN_FORM, note="the admin's reason, e.g. a court case reference"),
    "legal_hold.placed_by_id": _staff(REQUEST),
    "legal_hold.placed_at": _none(),
    # Families' feedback on the audit of their case (issue 25).
    "family_consent.id": _none(),
    "family_consent.case_audit_id": _none(),
    "family_consent.asked": _use(FAMILY, PERSONAL, "auditor: family feedback page", COUNTED),
    "family_consent.who": _use(FAMILY, PERSONAL, "auditor: family feedback page", LEFT_OUT,
                               "parent or carer, child, or both: a role, never a name"),
    "family_consent.asked_on": _use(FAMILY, PERSONAL, "auditor: family feedback page", LEFT_OUT),
    "family_consent.how": _use(FAMILY, PERSONAL, "auditor: family feedback page", LEFT_OUT),
    "family_consent.consent": _use(FAMILY, PERSONAL, "auditor: family feedback page", COUNTED),
    "family_consent.not_asked_reason": _use(FAMILY, PERSONAL, "auditor: family feedback page", LEFT_OUT),
    "family_consent.recorded_by_id": _staff(REQUEST),
    "family_consent.recorded_at": _none(),
    "family_invitation.id": _none(),
    "family_invitation.case_audit_id": _none(),
    "family_invitation.kind": _none(SYSTEM, note="parent or carer, or child (easy read)"),
    "family_invitation.token_hash": _none(SYSTEM, note="SHA-256 of the link's token; the token itself is kept nowhere"),
    "family_invitation.code_hash": _none(SYSTEM, note="SHA-256 of the short code; the code itself is kept nowhere"),
    "family_invitation.made_by_id": _staff(REQUEST),
    "family_invitation.made_at": _none(),
    "family_invitation.expires_at": _none(),
    "family_invitation.used_at": _none(),
    "family_invitation.withdrawn_at": _none(),
    "family_invitation.draft_answers": _use(FAMILY, PERSONAL, "family: public feedback form", LEFT_OUT,
                                            "answers saved before they are sent; cleared when sent"),
    "family_feedback.id": _none(),
    "family_feedback.invitation_id": _none(),
    "family_feedback.case_audit_id": _none(),
    "family_feedback.kind": _none(SYSTEM, KEPT),
    "family_feedback.answers": _use(FAMILY, PERSONAL, "family: public feedback form", KEPT,
                                    "the choice answers; counted with small numbers withheld, and per case "
                                    "beside the pseudonymised case id"),
    "family_feedback.submitted_at": _none(),
    "family_feedback.free_text": _use(FAMILY, PERSONAL, "family: public feedback form", LEFT_OUT,
                                      "the family's own words, held for a QA lead's review and cleared by it"),
    "family_feedback.reviewed_text": _use(FAMILY, PERSONAL, "QA lead: family feedback review", KEPT,
                                          "names and details taken out; quoted only once approved"),
    "family_feedback.review": _none(SYSTEM),
    "family_feedback.reviewed_by_id": _staff(REQUEST),
    "family_feedback.reviewed_at": _none(),
    "family_feedback.concern_id": _none(),
    # --- practitioners taking part in the audit of their case (issue 25) -------------------
    "audit_programme.practitioners_take_part": _none(PROGRAMME_FORM, KEPT, "not at all, reflect after, or joint"),
    "practitioner_review.id": _none(),
    "practitioner_review.case_audit_id": _none(),
    "practitioner_review.practitioner_id": _staff(PRACTITIONER_FORM, note="who was invited; never in an export"),
    "practitioner_review.invited_by_id": _staff(REQUEST, note=STAFF_LINK),
    "practitioner_review.invited_at": _none(SYSTEM, COUNTED),
    "practitioner_review.shared_at": _none(SYSTEM, COUNTED),
    "practitioner_review.went_well": _child(PRACTITIONER_FORM, LEFT_OUT, "the practitioner's reflection on the case; "
                                            "may describe the child and family"),
    "practitioner_review.do_differently": _child(PRACTITIONER_FORM, LEFT_OUT, "as went_well"),
    "practitioner_review.agreement": _staff(PRACTITIONER_FORM, COUNTED, "agrees or not with each graded "
                                            "judgement, and why; only counts by question leave the app"),
    "practitioner_review.reflected_at": _none(SYSTEM, COUNTED),
    "practitioner_review.usefulness": _staff(PRACTITIONER_FORM, COUNTED, "1 to 5"),
    "practitioner_review.usefulness_comment": _staff(PRACTITIONER_FORM, LEFT_OUT),
    "practitioner_review.rated_at": _none(),
    "practitioner_review.agreed_learning": _child(PRACTITIONER_FORM, LEFT_OUT, "the learning both sides agreed; "
                                                  "may describe the case"),
    "practitioner_review.learning_recorded_by_id": _staff(REQUEST, note=STAFF_LINK),
    "practitioner_review.learning_recorded_at": _none(),
    "practitioner_review.auditor_signed_off_by_id": _staff(REQUEST, note=STAFF_LINK),
    "practitioner_review.auditor_signed_off_at": _none(SYSTEM, COUNTED),
    "practitioner_review.practitioner_signed_off_at": _none(SYSTEM, COUNTED),
    "learning_addendum.id": _none(),
    "learning_addendum.review_id": _none(),
    "learning_addendum.author_id": _staff(REQUEST, note=STAFF_LINK),
    "learning_addendum.text": _child(PRACTITIONER_FORM, LEFT_OUT, "added to signed-off learning; may describe the case"),
    "learning_addendum.added_at": _none(),
    # --- issue 26: calibration exercises (never in the findings workbook or board pack; the
    # calibration workbook names participants only when the QA lead chooses names) ------------
    "calibration_exercise.id": _none(),
    "calibration_exercise.title": _none(CALIBRATION_FORM),
    "calibration_exercise.source": _none(),
    "calibration_exercise.case_audit_id": _none(CALIBRATION_FORM, note="the moderated audit the case came from"),
    "calibration_exercise.case_text": _child(CALIBRATION_FORM, LEFT_OUT, "the case as participants read it: "
                                             "a case study, or a moderated audit's case with ids pseudonymised "
                                             "and its free text reviewed by the QA lead before release"),
    "calibration_exercise.questionnaire_id": _none(),
    "calibration_exercise.questionnaire_version": _none(),
    "calibration_exercise.reference_answers": _child(CALIBRATION_FORM, LEFT_OUT, "graded answers only "
                                                     "(free text is left out); in the calibration workbook"),
    "calibration_exercise.closes_on": _none(CALIBRATION_FORM),
    "calibration_exercise.status": _none(),
    "calibration_exercise.round_number": _none(),
    "calibration_exercise.first_round_id": _none(),
    "calibration_exercise.created_by_id": _staff(REQUEST),
    "calibration_exercise.created_at": _none(),
    "calibration_exercise.released_at": _none(),
    "calibration_exercise.closed_at": _none(),
    "calibration_participant.id": _none(),
    "calibration_participant.exercise_id": _none(),
    "calibration_participant.user_id": _staff(CALIBRATION_FORM, LEFT_OUT, "in the calibration workbook as "
                                              "Participant 1, 2… unless the QA lead chooses names"),
    "calibration_participant.answers": _staff(CALIBRATION_FORM, LEFT_OUT, "how one auditor graded the case: "
                                              "read by them and the QA leads only, after close"),
    "calibration_participant.invited_at": _none(),
    "calibration_participant.submitted_at": _none(),
    "calibration_attachment.id": _none(),
    "calibration_attachment.exercise_id": _none(),
    "calibration_attachment.file_name": _child(CALIBRATION_FORM, LEFT_OUT, "the attachment's name as uploaded"),
    "calibration_attachment.stored_name": _none(SYSTEM, LEFT_OUT, "a random name in instance/evidence"),
    "calibration_attachment.file_size": _none(),
    "calibration_attachment.uploaded_by_id": _staff(REQUEST),
    "calibration_attachment.uploaded_at": _none(),
    # --- queries on a question (issue 26) ---------------------------------------------------
    "answer_query.id": _none(),
    "answer_query.case_audit_id": _none(),
    "answer_query.part": _none(QUERY_FORM, COUNTED, "lead part or an agency's section"),
    "answer_query.question_id": _none(QUERY_FORM, COUNTED, "findings workbook: queries counted by question"),
    "answer_query.answer_when_opened": _child(SYSTEM, LEFT_OUT, "the audit's answer as it stood when queried"),
    "answer_query.suggested_answer": _child(QUERY_FORM, LEFT_OUT, "the answer the moderator thinks is right"),
    "answer_query.status": _none(SYSTEM, COUNTED, "open or closed"),
    "answer_query.opened_by_id": _staff(REQUEST, LEFT_OUT, STAFF_LINK),
    "answer_query.opened_at": _none(),
    "answer_query.closed_by_id": _staff(REQUEST, LEFT_OUT, STAFF_LINK),
    "answer_query.closed_at": _none(),
    "answer_query_message.id": _none(),
    "answer_query_message.query_id": _none(),
    "answer_query_message.author_id": _staff(REQUEST, LEFT_OUT, "who wrote the message"),
    "answer_query_message.kind": _none(SYSTEM, LEFT_OUT, "opened, answered, replied or closed"),
    "answer_query_message.text": _child(QUERY_FORM, LEFT_OUT, "the moderator's and the author's words; "
                                                             "may describe the case"),
    "answer_query_message.written_at": _none(),
}


def unclassified_columns(metadata) -> list[str]:
    """Every "table.column" in the schema that DATA_MAP does not classify."""
    return sorted(f"{table.name}.{column.name}" for table in metadata.sorted_tables
                  for column in table.columns if f"{table.name}.{column.name}" not in DATA_MAP)


def classified_but_gone(metadata) -> list[str]:
    """Entries for columns the schema no longer has (a renamed or dropped column)."""
    present = {f"{table.name}.{column.name}" for table in metadata.sorted_tables for column in table.columns}
    return sorted(set(DATA_MAP) - present)
