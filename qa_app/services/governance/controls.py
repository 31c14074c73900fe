"""The security controls the app claims, each with the tests that prove it.

tests/test_governance.py fails when a named test does not exist (renamed or deleted), so the
report never cites a proof that has gone. A control the app does not have yet says so and
names no test; one that is the council's to run names where the guide is.
"""
from dataclasses import dataclass

IN_PLACE = "in place"
NOT_BUILT = "not built yet"
COUNCILS = "the council's to run"


@dataclass(frozen=True)
class Control:
    area: str
    control: str
    status: str
    tests: tuple[str, ...] = ()  # "tests/file.py::test_name"
    where: str = ""  # the code or guide that does it


CONTROLS: list[Control] = [
    Control("Access", "Every page needs sign-in and a declared role; anything undeclared is refused to everyone",
            IN_PLACE, ("tests/test_access.py::test_every_endpoint_is_public_or_declares_its_roles",
                       "tests/test_access.py::test_role_matrix"), "qa_app/security.py, qa_app/access.py"),
    Control("Access", "Refusals are recorded in the audit trail", IN_PLACE,
            ("tests/test_access.py::test_role_matrix",), "qa_app/security.deny"),
    Control("Access", "Actions, findings and concerns are shown only to the people the row rules allow",
            IN_PLACE, ("tests/test_actions.py::test_only_the_owning_team_its_managers_the_agency_qa_leads_and_admins_read_an_action",
                       "tests/test_moderation.py::test_a_safeguarding_concern_reaches_the_cases_team_manager_and_no_other"),
            "qa_app/services/actions.py, findings.py, safeguarding.py"),
    Control("Sessions", "A session ends after 30 minutes idle", IN_PLACE,
            ("tests/test_auth.py::test_sessions_end_after_thirty_idle_minutes",), "config.py SESSION_IDLE_TIMEOUT"),
    Control("Sessions", "A session ends 12 hours after sign-in, however busy", IN_PLACE,
            ("tests/test_auth.py::test_sessions_end_twelve_hours_after_sign_in_even_when_busy",),
            "config.py PERMANENT_SESSION_LIFETIME"),
    Control("Sessions", "Sign-in starts a new session; sign-out, a password change or disabling the account "
            "kills every copy of the cookie", IN_PLACE,
            ("tests/test_auth.py::test_sign_in_issues_a_new_session",
             "tests/test_auth.py::test_a_cookie_copied_before_sign_out_is_dead_afterwards",
             "tests/test_auth.py::test_changing_a_password_signs_out_other_sessions_but_not_this_one",
             "tests/test_auth.py::test_a_disabled_user_is_signed_out_on_their_next_request"), "user_session.token_hash"),
    Control("Sessions", "Session cookies are HttpOnly, SameSite=Lax, and Secure in production", IN_PLACE,
            ("tests/test_http.py::test_session_cookie_flags",
             "tests/test_http.py::test_production_cookies_are_secure_and_it_needs_a_secret_key_and_a_pseudonym_key"),
            "config.py"),
    Control("Sign-in", "Five wrong passwords in 15 minutes lock an email address for 15 minutes", IN_PLACE,
            ("tests/test_auth.py::test_five_failures_lock_the_account_for_fifteen_minutes_and_no_other",
             "tests/test_sign_in_defences.py::test_wrong_current_passwords_count_with_sign_in_failures_and_lock"),
            "qa_app/services/accounts.py"),
    Control("Sign-in", "Many failures from one address are throttled, whatever the email", IN_PLACE,
            ("tests/test_sign_in_defences.py::test_repeated_failures_from_one_address_are_throttled_whatever_the_email",),
            "LOGIN_ADDRESS_MAX_FAILURES"),
    Control("Sign-in", "Answers do not reveal which accounts exist or are locked, by words or timing", IN_PLACE,
            ("tests/test_auth.py::test_a_wrong_password_and_an_unknown_email_get_the_same_answer",
             "tests/test_sign_in_defences.py::test_a_locked_account_costs_the_same_hash_as_an_unknown_email"),
            "qa_app/services/accounts.py"),
    Control("Sign-in", "Passwords of 12 to 128 characters, scrypt-hashed, common and breached ones refused",
            IN_PLACE, ("tests/test_sign_in_defences.py::test_common_and_repeated_passwords_are_refused",
                       "tests/test_auth.py::test_an_over_long_password_is_refused_without_hashing"),
            "qa_app/services/passwords.py"),
    Control("Sign-in", "Sign-in returns only to pages on this site", IN_PLACE,
            ("tests/test_auth.py::test_sign_in_only_returns_to_pages_on_this_site",
             "tests/test_small_defects.py::test_sign_in_never_returns_to_another_site_through_backslashes"),
            "qa_app/auth/routes.py"),
    Control("Sign-in", "A second factor (TOTP with ten hashed single-use recovery codes) for password "
            "sign-in, required in production; wrong codes count towards the lockout; no code reused",
            IN_PLACE, ("tests/test_second_factor.py::test_without_a_second_factor_every_page_leads_to_setting_one_up",
                       "tests/test_second_factor.py::test_a_wrong_code_is_refused_and_counts_towards_the_lockout",
                       "tests/test_second_factor.py::test_a_code_cannot_be_used_twice_in_its_window",
                       "tests/test_second_factor.py::test_a_recovery_code_signs_in_once"),
            "qa_app/services/identity/second_factor.py"),
    Control("Sign-in", "Single sign-on with the council's identity provider (OpenID Connect: PKCE, state, "
            "nonce, signature, issuer, audience, expiry checked)", IN_PLACE,
            ("tests/test_single_sign_on.py::test_a_token_that_fails_a_check_is_refused_with_a_plain_message",
             "tests/test_single_sign_on.py::test_a_replayed_nonce_is_refused",
             "tests/test_single_sign_on.py::test_a_callback_whose_state_does_not_match_is_refused",
             "tests/test_single_sign_on.py::test_the_provider_rotates_its_keys_and_the_next_sign_in_still_works"),
            "qa_app/services/identity/sign_on.py"),
    Control("Requests", "Every form post carries a CSRF token", IN_PLACE,
            ("tests/test_http.py::test_a_signed_in_post_without_a_csrf_token_is_refused",
             "tests/test_http.py::test_sign_in_without_a_csrf_token_is_refused"), "Flask-WTF CSRFProtect"),
    Control("Requests", "Security headers on every response (CSP, nosniff, frame DENY, referrer, "
            "permissions) and no caching of pages", IN_PLACE,
            ("tests/test_http.py::test_every_response_carries_the_security_headers",
             "tests/test_http.py::test_signed_in_pages_and_refusals_are_not_cached"),
            "qa_app/security.add_security_headers"),
    Control("Requests", "Only the configured host names are served", IN_PLACE,
            ("tests/test_http.py::test_a_request_for_a_host_we_do_not_serve_is_refused",
             "tests/test_http.py::test_production_needs_the_public_url_and_serves_only_its_host"), "TRUSTED_HOSTS"),
    Control("Requests", "Errors show a plain page, no traceback; the server names no versions", IN_PLACE,
            ("tests/test_http.py::test_an_unexpected_error_shows_a_generic_page_without_a_traceback",
             "tests/test_small_defects.py::test_the_server_header_names_no_versions"), "qa_app/errors.py"),
    Control("Requests", "What people type is escaped in pages", IN_PLACE,
            ("tests/test_http.py::test_user_input_is_escaped_in_pages",), "Jinja autoescape"),
    Control("Transit", "Encryption in transit: TLS ends at the council's proxy; the app sends Secure cookies "
            "and HSTS in production and trusts X-Forwarded-Proto only from TRUSTED_PROXIES", IN_PLACE,
            ("tests/test_governance.py::test_production_tells_browsers_to_use_https_only",
             "tests/test_http.py::test_production_cookies_are_secure_and_it_needs_a_secret_key_and_a_pseudonym_key"),
            "docs/operations.md (reverse proxy)"),
    Control("Storage", "Encryption at rest of the database and backups", COUNCILS, (),
            "docs/operations.md: the council's database and disk"),
    Control("Storage", "Files holding children's records (subject access exports, backups, this report) "
            "are readable only by their owner (mode 0600)", IN_PLACE,
            ("tests/test_governance.py::test_files_holding_records_are_readable_only_by_their_owner",),
            "qa_app/services/subject_access.py, backups.py"),
    Control("Storage", "Backups are checked when taken, and restore is tested during saves", IN_PLACE,
            ("tests/test_backups.py::test_a_backup_taken_during_saves_restores_with_every_answer_saved_before_it",
             "tests/test_backups.py::test_a_damaged_sqlite_backup_is_refused_on_restore"), "flask backup / restore"),
    Control("Storage", "Secrets (SECRET_KEY, PSEUDONYM_KEY, PUBLIC_URL) are required in production", IN_PLACE,
            ("tests/test_http.py::test_production_cookies_are_secure_and_it_needs_a_secret_key_and_a_pseudonym_key",
             "tests/test_http.py::test_production_needs_the_public_url_and_serves_only_its_host"), "config.py"),
    Control("Audit trail", "The audit trail cannot be changed or deleted", IN_PLACE,
            ("tests/test_database.py::test_the_audit_trail_cannot_be_changed_or_deleted",), "database triggers"),
    Control("Audit trail", "Every read of a child's case record is logged; admins see who looked at a child",
            IN_PLACE, ("tests/test_case_reads.py::test_each_case_level_page_view_writes_one_read_event",
                       "tests/test_case_reads.py::test_an_admin_sees_who_looked_at_one_child"),
            "qa_app/services/case_reads.py"),
    Control("Exports", "Exports are pseudonymised by default with a keyed hash; identifiable is a separate, "
            "recorded choice", IN_PLACE,
            ("tests/test_exports.py::test_a_qa_lead_downloads_pseudonymised_findings_recorded_in_the_audit_trail",
             "tests/test_exports.py::test_an_identifiable_export_is_an_explicit_choice_that_says_so",
             "tests/audit_tools/test_workbooks.py::test_pseudonyms_are_keyed_stable_and_different_for_children_and_cases"),
            "audit_tools/workbooks/pseudonyms.py"),
    Control("Exports", "Nothing in an export can run as a formula", IN_PLACE,
            ("tests/audit_tools/test_workbooks.py::test_every_hostile_value_is_text_in_every_sheet",
             "tests/test_subject_access.py::test_a_cell_starting_like_a_formula_is_written_as_text"),
            "audit_tools/workbooks/safe.py"),
    Control("Exports", "The board pack names roles, not people", IN_PLACE,
            ("tests/test_exports.py::test_the_board_pack_lists_closed_programmes_and_open_actions_by_team_without_names",),
            "qa_app/services/board_pack.py"),
    Control("Email", "Emails carry no case content, and their links come from PUBLIC_URL", IN_PLACE,
            ("tests/test_moderation.py::test_an_escalation_is_emailed_when_smtp_is_set_up_without_case_content",
             "tests/test_actions.py::test_the_reminder_digest_goes_to_owners_and_managers_once_a_day_without_case_content",
             "tests/test_moderation.py::test_the_email_link_comes_from_public_url_not_from_the_requests_host"),
            "qa_app/services/safeguarding.py, action_reminders.py"),
    Control("Uploads", "Hostile files (zip bombs, XML entities, disguised types) are refused before parsing",
            IN_PLACE, ("tests/test_import_safety.py::test_a_zip_bomb_is_refused_before_it_is_opened",
                       "tests/test_import_safety.py::test_xml_entity_tricks_and_broken_xml_are_refused",
                       "tests/test_import_safety.py::test_a_csv_named_xlsx_is_refused_as_not_a_workbook",
                       "tests/test_actions.py::test_hostile_evidence_files_are_refused_with_the_file_named_and_nothing_kept"),
            "audit_tools/readers/safety.py, audit_tools/evidence.py"),
    Control("Uploads", "Uploads over the size limit are refused; a file's name is never used as a path",
            IN_PLACE, ("tests/test_http.py::test_oversized_requests_are_refused",
                       "tests/test_import_safety.py::test_an_uploads_file_name_is_never_used_as_a_path"),
            "MAX_UPLOAD_MB, EVIDENCE_MAX_MB"),
    Control("Retention", "Closed programmes past RETENTION_YEARS are deleted, except under a legal hold",
            IN_PLACE, ("tests/test_retention.py::test_a_dry_run_reports_and_a_run_deletes_only_what_is_past_retention_and_not_held",
                       "tests/test_retention.py::test_an_admin_places_and_releases_a_legal_hold_with_a_reason"),
            "qa_app/services/retention.py"),
    Control("Data map", "Every column of every table is classified in the data map", IN_PLACE,
            ("tests/test_governance.py::test_every_column_of_every_table_is_in_the_data_map",),
            "qa_app/models/data_map.py"),
]
