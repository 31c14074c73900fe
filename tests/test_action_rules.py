"""Actions' rules one at a time, at the service (qa_app/services/actions.py): whose work bars them
from checking it, who may own an action, which findings an action may answer, and what an
evidence download hands out and records. Written for the survivors of the mutation run
(docs/testing.md); the pages and the life of an action are in tests/test_actions.py."""
import io

from qa_app.extensions import db
from qa_app.models import Action, ActionStatus, AuditEvent, AuditProgramme, CaseAudit, CaseAuditSection, Role
from qa_app.services import actions
from tests.helpers import make_user
from tests.test_actions import audited, raise_for  # noqa: F401 (a fixture)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _qa_owned(app, audited):  # noqa: F811
    """An action owned by a QA lead (who may therefore both work it and check work), and a
    second QA lead."""
    programme_id, by_case, people = audited
    with app.app_context():
        owner_lead, other_lead = make_user(Role.QA_LEAD), make_user(Role.QA_LEAD)
        action = raise_for(programme_id, by_case["B1"], people["qa"], owner_id=owner_lead.id)
    return action.id, owner_lead, other_lead


def _may_close(action_id, user):
    action = db.session.get(Action, action_id)
    return actions.may_move(user, action, ActionStatus.CLOSED), actions.may_move(user, action, ActionStatus.RETURNED)


def _done_by_the_team(action_id, audited):  # noqa: F811
    manager = audited[2]["compass"]
    actions.change_status(action_id, "done", version=db.session.get(Action, action_id).version, user=manager)


def test_a_qa_lead_who_noted_progress_never_checks_the_action(app, audited):  # noqa: F811
    action_id, owner_lead, other_lead = _qa_owned(app, audited)
    with app.app_context():
        # The team has started (the first note moves an open action to in progress): the QA lead's
        # note is then their only part.
        actions.record_progress(action_id, note="Started", user=audited[2]["compass"])
        actions.record_progress(action_id, note="Spoke to the team", user=owner_lead)
        _done_by_the_team(action_id, audited)
        assert _may_close(action_id, owner_lead) == (False, False)
        assert _may_close(action_id, other_lead) == (True, True)
        try:
            actions.change_status(action_id, "closed", version=db.session.get(Action, action_id).version, user=owner_lead)
            raise AssertionError("closed by the QA lead who worked on it")
        except actions.ActionError as refused:
            assert (str(refused), refused.field) == (actions.OWN_WORK, "to_status")
        # Cancelling is no check of the work: they may still cancel it, with a reason.
        actions.change_status(action_id, "cancelled", reason="No longer needed",
                              version=db.session.get(Action, action_id).version, user=owner_lead)
        assert db.session.get(Action, action_id).state == ActionStatus.CANCELLED


def test_a_qa_lead_who_added_evidence_never_checks_the_action(app, audited):  # noqa: F811
    action_id, owner_lead, other_lead = _qa_owned(app, audited)
    with app.app_context():
        actions.record_progress(action_id, note="Started", user=audited[2]["compass"])
        actions.record_progress(action_id, note=None, upload=io.BytesIO(PDF), upload_name="minutes.pdf", user=owner_lead)
        _done_by_the_team(action_id, audited)
        assert _may_close(action_id, owner_lead) == (False, False)
        assert _may_close(action_id, other_lead) == (True, True)


def test_a_change_is_refused_with_words_that_say_why(app, audited):  # noqa: F811
    programme_id, by_case, people = audited
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], people["qa"])
        cases = [(dict(to_status="returned", reason=" ", version=1, user=people["qa"]),
                  ("Enter why the action is being returned", "reason")),
                 (dict(to_status="cancelled", reason="", version=1, user=people["qa"]),
                  ("Enter why the action is being cancelled", "reason")),
                 (dict(to_status="closed", version=1, user=people["qa"]),
                  ("An action that is open cannot be marked verified closed by you", None)),
                 (dict(to_status="done", version=7, user=people["compass"]),
                  ("Someone else changed this action after you opened it. Your change was not saved: read their "
                   "change below, then make yours again.", None))]
        for change, expected in cases:
            to_status = change.pop("to_status")
            try:
                actions.change_status(action.id, to_status, **change)
                raise AssertionError(f"{to_status} was applied")
            except actions.ActionError as refused:
                assert (str(refused), refused.field) == expected
        try:
            actions.change_status(10_000, "done", version=1, user=people["compass"])
            raise AssertionError("an action that does not exist was changed")
        except actions.ActionError as refused:
            assert str(refused) == "The action was not found"
        assert db.session.get(Action, action.id).state == ActionStatus.OPEN


def test_a_qa_lead_who_moved_the_action_as_its_owners_do_never_checks_it(app, audited):  # noqa: F811
    action_id, owner_lead, other_lead = _qa_owned(app, audited)
    with app.app_context():
        version = db.session.get(Action, action_id).version
        actions.change_status(action_id, "done", version=version, user=owner_lead)
        assert _may_close(action_id, owner_lead) == (False, False)
        assert _may_close(action_id, other_lead) == (True, True)


def test_a_qa_lead_whose_only_part_was_a_check_may_check_again(app, audited):  # noqa: F811
    """Returning an action is a QA lead's check, not work on it: the same lead may check the
    owners' next attempt."""
    programme_id, by_case, people = audited
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], people["qa"])
        manager, lead = people["compass"], people["qa"]
        actions.change_status(action.id, "done", version=db.session.get(Action, action.id).version, user=manager)
        actions.change_status(action.id, "returned", reason="No evidence", version=db.session.get(Action, action.id).version,
                              user=lead)
        actions.change_status(action.id, "done", version=db.session.get(Action, action.id).version, user=manager)
        assert _may_close(action.id, lead) == (True, True)


def test_an_action_may_be_owned_by_active_team_managers_and_partner_agency_auditors_only(app, audited):  # noqa: F811
    _, _, people = audited
    with app.app_context():
        leaver = make_user(Role.TEAM_MANAGER, teams=["North"], name="Aaron Leaver")
        leaver_row = db.session.get(type(leaver), leaver.id)
        leaver_row.active = False
        db.session.commit()
        owners = [user.display_name for user in actions.possible_owners()]
    assert owners == sorted(["Compass Manager", "North Manager", "Police Auditor", people["health"].display_name])


def test_a_case_actions_findings_are_its_weak_answers_with_the_leads_answer_first(app, audited):  # noqa: F811
    programme_id, by_case, _ = audited
    with app.app_context():
        case_audit = db.session.get(CaseAudit, by_case["B1"])
        options, answers = actions.finding_choices(db.session.get(AuditProgramme, programme_id), case_audit)
        assert options[0] == ("", "A recommendation, not one question")
        assert answers["consent"] == "not_evidenced" and answers["earlier_threshold_right"] == "no"
        assert ("consent", "Was consent handled properly?: Not evidenced on file") in options
        assert all(question != "threshold_of_need" for question, _ in options)  # answered "yes"
        # An agency section's answer fills a gap in the lead's, and never overrides it.
        db.session.add(CaseAuditSection(case_audit_id=case_audit.id, agency="police",
                                        answers={"consent": "yes", "police_only": "no"}))
        db.session.commit()
        db.session.refresh(case_audit)
        _, merged = actions.finding_choices(db.session.get(AuditProgramme, programme_id), case_audit)
        assert merged["consent"] == "not_evidenced" and merged["police_only"] == "no"


def test_an_evidence_download_hands_out_only_a_stored_file_and_records_who_took_it(app, audited):  # noqa: F811
    programme_id, by_case, people = audited
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], people["qa"])
        manager = people["compass"]
        actions.record_progress(action.id, note="First note", user=manager)
        actions.record_progress(action.id, note=None, upload=io.BytesIO(PDF), upload_name="minutes.pdf", user=manager)
        action = db.session.get(Action, action.id)
        note, evidence = sorted((u for u in action.updates if u.kind in ("note", "evidence")), key=lambda u: u.id)
        assert evidence.stored_name and len(evidence.stored_name) == 32 and evidence.file_size == len(PDF)
        assert actions.evidence_download(action, note.id, people["qa"]) is None  # a note has no file
        assert actions.evidence_download(action, 10_000, people["qa"]) is None
        path, update = actions.evidence_download(action, evidence.id, people["qa"])
        assert update.id == evidence.id and path == actions.evidence_dir() / evidence.stored_name
        assert path.parent.name == "evidence" and path.read_bytes() == PDF
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="action_evidence_downloaded")).one()
        assert (event.user_id, event.object_type, event.object_id, event.details) == (
            people["qa"].id, "action", str(action.id), {"update": evidence.id})
        path.unlink()  # gone from the disk (a restore without it): nothing to hand out
        assert actions.evidence_download(action, evidence.id, people["qa"]) is None
    assert actions.evidence_content_type("minutes.pdf") == "application/pdf"
    assert actions.evidence_content_type("run.exe") == "application/octet-stream"


def test_a_files_size_is_counted_over_every_chunk_and_the_limit_is_inclusive(app, audited):  # noqa: F811
    """Uploads are read a megabyte at a time: the limit applies to the whole file, and a file of
    exactly the limit is accepted."""
    programme_id, by_case, people = audited
    app.config["EVIDENCE_MAX_MB"] = 2
    limit = 2 * 1024 * 1024
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], people["qa"])
        manager = people["compass"]
        for size, name in ((limit + 1, "too-big.txt"), (int(1.5 * 1024 * 1024) + limit, "far-too-big.txt")):
            try:
                actions.record_progress(action.id, note=None, upload=io.BytesIO(b"a" * size), upload_name=name,
                                        user=manager)
                raise AssertionError(f"{name} was kept")
            except actions.ActionError as refused:
                assert str(refused) == f"{name}: evidence files must be 2 MB or smaller" and refused.field == "evidence"
        assert list(actions.evidence_dir().iterdir()) == []
        actions.record_progress(action.id, note=None, upload=io.BytesIO(b"a" * limit), upload_name="exact.txt",
                                user=manager)
        (kept,) = [u for u in db.session.get(Action, action.id).updates if u.kind == "evidence"]
        assert kept.file_size == limit and (actions.evidence_dir() / kept.stored_name).stat().st_size == limit


def test_an_unknown_status_is_refused_by_name(app, audited):  # noqa: F811
    programme_id, by_case, people = audited
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], people["qa"])
        try:
            actions.change_status(action.id, "finished", version=1, user=people["compass"])
            raise AssertionError("an unknown status was applied")
        except actions.ActionError as refused:
            assert (str(refused), refused.field) == ("Choose what to do with the action", "to_status")


def test_each_line_of_the_recommendations_is_one_possible_action(app, audited):  # noqa: F811
    _, by_case, _ = audited
    with app.app_context():
        case_audit = db.session.get(CaseAudit, by_case["B1"])
        assert actions.recommendations(case_audit) == [
            "Train the front door on the threshold document", "Review step-down to early help"]
        case_audit.answers = {**case_audit.answers, "recommendations": "\u2022 One\n  -  \n\t* Two and - three\n\n"}
        assert actions.recommendations(case_audit) == ["One", "Two and - three"]
        case_audit.answers = {k: v for k, v in case_audit.answers.items() if k != "recommendations"}
        assert actions.recommendations(case_audit) == []
        db.session.rollback()
    assert actions.recommendations(None) == []


def test_a_link_to_the_case_record_is_a_web_address_of_at_most_500_characters(app, audited):  # noqa: F811
    programme_id, by_case, people = audited
    refusal = ("Enter the link to the case record as a web address starting https://", "link")
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], people["qa"])
        manager = people["compass"]
        fits = "https://records.example/" + "a" * (500 - len("https://records.example/"))
        for link in ("https://records.example/case/1", "http://intranet/case/2", f"  {fits}  "):
            actions.record_progress(action.id, note=None, link=link, user=manager)
        kept = [u.link for u in db.session.get(Action, action.id).updates if u.kind == "evidence"]
        assert kept == ["https://records.example/case/1", "http://intranet/case/2", fits]
        for link in ("ftp://records.example/case", "javascript:alert(1)", "https://", "records.example/case", fits + "a"):
            try:
                actions.record_progress(action.id, note="With a link", link=link, user=manager)
                raise AssertionError(f"{link} was kept")
            except actions.ActionError as refused:
                assert (str(refused), refused.field) == refusal, link
        # No link at all is no link, not a bad one.
        actions.record_progress(action.id, note="Just a note", link="   ", user=manager)


def test_each_move_stamps_its_dates_and_is_recorded_with_who_and_why(app, audited):  # noqa: F811
    programme_id, by_case, people = audited
    manager, lead = people["compass"], people["qa"]
    with app.app_context():
        action = raise_for(programme_id, by_case["B1"], lead)
        version = lambda: db.session.get(Action, action.id).version  # noqa: E731
        actions.change_status(action.id, "in_progress", version=version(), user=manager)
        moved = db.session.get(Action, action.id)
        assert moved.done_at is None and moved.closed_at is None
        actions.change_status(action.id, "done", version=version(), user=manager)
        moved = db.session.get(Action, action.id)
        assert moved.done_at is not None and moved.closed_at is None
        actions.change_status(action.id, "returned", reason="  Where is the evidence?  ", version=version(), user=lead)
        assert db.session.get(Action, action.id).closed_at is None
        actions.change_status(action.id, "cancelled", reason="x" * 600, version=version(), user=lead)
        assert db.session.get(Action, action.id).closed_at is not None
        events = db.session.scalars(db.select(AuditEvent).filter_by(action="action_status_changed")
                                    .order_by(AuditEvent.id)).all()
        assert [(e.user_id, e.object_type, e.object_id, e.details) for e in events] == [
            (manager.id, "action", str(action.id), {"before": "open", "after": "in_progress", "reason": None}),
            (manager.id, "action", str(action.id), {"before": "in_progress", "after": "done", "reason": None}),
            (lead.id, "action", str(action.id), {"before": "done", "after": "returned", "reason": "Where is the evidence?"}),
            (lead.id, "action", str(action.id), {"before": "returned", "after": "cancelled", "reason": "x" * 500}),
        ]
