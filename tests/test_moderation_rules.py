"""Moderation's rules one at a time, at the service (qa_app/services/moderation.py): which audit a
moderator is given next, what reopening refuses and records, and the moderation policy's limits
and record. Written for the survivors of the mutation run (docs/testing.md); the pages are in
tests/test_moderation.py."""
from datetime import date

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditEvent, AuditProgramme, CaseAudit, Role
from qa_app.services import moderation, programmes
from qa_app.services.case_audits import LEAD, save_part
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user
from tests.test_moderation import ANSWERS


@pytest.fixture
def two_auditors(app, tmp_path):
    """Two audits graded Inadequate (so both are in the queue): "first" by an auditor who is also a
    QA lead, "second" by another auditor; second was submitted first, so it is the older in the
    queue although it was made second."""
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"],
            ["C2", "A2", "2014-03-02", "nfa", "", "North"], ["C2", "B2", "2014-05-02", "nfa", "", "North"]]))
        both, other = make_user(Role.AUDITOR, Role.QA_LEAD), make_user(Role.AUDITOR)
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        first, second = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        programmes.reassign(first.id, lead_auditor_id=both.id, section_auditors={}, due_date=date(2027, 1, 1))
        programmes.reassign(second.id, lead_auditor_id=other.id, section_auditors={}, due_date=date(2027, 1, 1))
        for audit, auditor in ((second, other), (first, both)):
            audit = db.session.get(CaseAudit, audit.id)
            save_part(audit.id, LEAD, {**ANSWERS, "overall_grade": "Inadequate"}, audit.version, submit=True, user=auditor)
        lead = make_user(Role.QA_LEAD)
    return {"programme": programme.id, "first": first.id, "second": second.id, "both": both, "other": other,
            "lead": lead}


def test_a_moderator_is_given_the_oldest_audit_in_the_queue_that_is_not_their_own(app, two_auditors):
    w = two_auditors
    with app.app_context():
        assert [item.case_audit.id for item in moderation.moderation_queue()] == [w["second"], w["first"]]
        assert moderation.next_in_queue(w["lead"]).id == w["second"]
        assert moderation.next_in_queue(w["other"]).id == w["first"]  # their own is passed over
        assert moderation.next_in_queue(w["both"]).id == w["second"]


def test_reopening_needs_a_reason_and_is_never_done_on_ones_own_audit(app, two_auditors):
    w = two_auditors
    with app.app_context():
        with pytest.raises(moderation.ModerationError) as blank:
            moderation.reopen(w["first"], "lead", "   ", w["lead"])
        assert blank.value.problems == {"reason": "Enter why the audit is being reopened"}
        with pytest.raises(moderation.ModerationError) as own:
            moderation.reopen(w["first"], "lead", "Wrong case read", w["both"])
        assert own.value.problems == {"_state": moderation.OWN_WORK_REOPEN}
        with pytest.raises(moderation.ModerationError) as no_part:
            moderation.reopen(w["first"], "police", "Wrong case read", w["lead"])
        assert no_part.value.problems == {"_state": "Only a submitted part can be reopened"}
        assert db.session.get(CaseAudit, w["first"]).status == "submitted"
        assert db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_reopened")).all() == []

        moderation.reopen(w["first"], "lead", "  Wrong case read  ", w["lead"])
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_reopened")).one()
        assert (event.user_id, event.object_type, event.object_id) == (w["lead"].id, "case_audit", str(w["first"]))
        assert event.details == {"part": "lead", "reason": "Wrong case read"}
        # The trail keeps the first 500 characters of a long reason.
        moderation.reopen(w["second"], "lead", "x" * 499 + "yz", w["lead"])
        long_one = db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_reopened")
                                      .order_by(AuditEvent.id.desc())).first()
        assert long_one.details["reason"] == "x" * 499 + "y"
        # A draft cannot be reopened again: the refusal names why.
        with pytest.raises(moderation.ModerationError) as again:
            moderation.reopen(w["first"], "lead", "Again", w["lead"])
        assert again.value.problems == {"_state": "Only a submitted part can be reopened"}


@pytest.mark.parametrize("random_percent, new_auditor_first, refused", [
    (0, 0, None), (100, 50, None), (101, 0, "random_percent"), (-1, 0, "random_percent"),
    (0, 51, "new_auditor_first"), (0, -1, "new_auditor_first")])
def test_the_policy_takes_0_to_100_percent_and_0_to_50_first_audits(app, two_auditors, random_percent,
                                                                     new_auditor_first, refused):
    w = two_auditors
    messages = {"random_percent": "Enter a percentage from 0 to 100",
                "new_auditor_first": "Enter a number of audits from 0 to 50"}
    with app.app_context():
        before = dict(db.session.get(AuditProgramme, w["programme"]).moderation_policy or {})
        change = dict(inadequate=False, flagged=True, new_auditor_first=new_auditor_first,
                      random_percent=random_percent, user=w["lead"])
        if refused:
            with pytest.raises(moderation.ModerationError) as error:
                moderation.set_policy(w["programme"], **change)
            assert error.value.problems == {refused: messages[refused]}
            assert db.session.get(AuditProgramme, w["programme"]).moderation_policy == (before or None)
        else:
            moderation.set_policy(w["programme"], **change)
            # The random choice's seed, drawn when the programme was made, is kept.
            assert db.session.get(AuditProgramme, w["programme"]).moderation_policy == {
                **before, "inadequate": False, "flagged": True, "new_auditor_first": new_auditor_first,
                "random_percent": random_percent}


def test_a_policy_change_is_recorded_with_what_it_was_and_what_it_became(app, two_auditors):
    w = two_auditors
    with app.app_context():
        made_with = dict(db.session.get(AuditProgramme, w["programme"]).moderation_policy or {})
        moderation.set_policy(w["programme"], inadequate=True, flagged=False, new_auditor_first=2, random_percent=10,
                              user=w["lead"])
        moderation.set_policy(w["programme"], inadequate=False, flagged=True, new_auditor_first=0, random_percent=5,
                              user=w["lead"])
        first, second = db.session.scalars(db.select(AuditEvent).filter_by(action="moderation_policy_changed")
                                           .order_by(AuditEvent.id)).all()
        assert (second.user_id, second.object_type, second.object_id) == (w["lead"].id, "audit_programme", str(w["programme"]))
        assert first.details["before"] == made_with
        assert second.details == {
            "before": {**made_with, "inadequate": True, "flagged": False, "new_auditor_first": 2, "random_percent": 10},
            "after": {**made_with, "inadequate": False, "flagged": True, "new_auditor_first": 0, "random_percent": 5}}


def _moderated(case_audit_id, moderator, grades, day):
    from datetime import UTC, datetime

    from qa_app.models import Moderation, ModerationOutcome
    db.session.add(Moderation(case_audit_id=case_audit_id, moderator_id=moderator.id, outcome=ModerationOutcome.ACCEPTED,
                              grades={q: {"auditor": a, "moderator": m, "reason": None} for q, (a, m) in grades.items()},
                              created_at=datetime(2026, 7, day, tzinfo=UTC)))
    db.session.commit()


def test_agreement_counts_each_audits_latest_independent_moderation(app, two_auditors):
    """By question and by auditor: only the latest moderation of an audit counts, one made by the
    audit's own auditor (before that was refused) not at all, and a grade either side left blank
    is no pair."""
    w = two_auditors
    with app.app_context():
        _moderated(w["first"], w["both"], {"overall_grade": ("Inadequate", "Good")}, 1)  # their own audit
        # The latest by date, though written first (as a moderation restored from a backup might be).
        _moderated(w["second"], w["lead"], {"overall_grade": ("Inadequate", "Inadequate"),
                                            "plan_grade": ("Good", "Requires improvement to be good"),
                                            "unanswered": (None, "Good")}, 3)
        _moderated(w["second"], w["lead"], {"overall_grade": ("Inadequate", "Good")}, 2)  # superseded
        report = moderation.agreement_for(db.session.get(AuditProgramme, w["programme"]))
    assert (report.overall.pairs, report.overall.exact_pct, report.overall.within_one_pct) == (2, 50, 100)
    assert {q: (a.pairs, a.exact_pct) for q, a in report.by_question.items()} == {
        "overall_grade": (1, 100), "plan_grade": (1, 0)}
    assert {name: a.pairs for name, a in report.by_auditor.items()} == {w["other"].display_name: 2}


def test_agreement_by_auditor_names_an_audit_with_no_lead_auditor_unknown(app, two_auditors):
    w = two_auditors
    with app.app_context():
        db.session.get(CaseAudit, w["second"]).lead_auditor_id = None
        db.session.commit()
        _moderated(w["second"], w["lead"], {"overall_grade": ("Inadequate", "Inadequate")}, 1)
        _moderated(w["first"], w["lead"], {"overall_grade": ("Inadequate", "Good")}, 2)
        report = moderation.agreement_for(db.session.get(AuditProgramme, w["programme"]))
    assert list(report.by_auditor) == sorted([w["both"].display_name, "Unknown"])
    assert report.by_auditor["Unknown"].exact_pct == 100


def test_open_queries_stop_an_audit_being_accepted_and_are_named_with_their_part(app, two_auditors):
    from qa_app.services import queries
    w = two_auditors
    with app.app_context():
        queries.open_query(w["second"], LEAD, "overall_grade", "Is this grade right?", None, w["lead"])
        queries.open_query(w["second"], LEAD, "consent", "Was consent sought?", None, w["lead"])
        with pytest.raises(moderation.ModerationError) as nothing_chosen:
            moderation.moderate(w["second"], {}, {}, outcome="", comments=None, user=w["lead"])
        # Every problem at once, in one message as well as by field.
        assert str(nothing_chosen.value) == "; ".join(nothing_chosen.value.problems.values())
        assert len(nothing_chosen.value.problems) >= 2
        with pytest.raises(moderation.ModerationError) as refused:
            moderation.moderate(w["second"], {"overall_grade": "Inadequate"}, {}, outcome="accepted", comments=None,
                                user=w["lead"])
        assert refused.value.problems == {"_queries": "Close the open queries before accepting this audit: "
                                          "Overall grade for the handling of this case (Lead auditor's part); "
                                          "Was consent handled properly? (Lead auditor's part)"}
        # Returning it is how its author gets to change a queried answer.
        moderation.moderate(w["second"], {"overall_grade": "Inadequate"}, {}, outcome="returned",
                            comments="See the queries", user=w["lead"])
        assert db.session.get(CaseAudit, w["second"]).status == "draft"  # back with its auditor
