"""Audit programmes: reproducible draws, exclusions, checks, manual changes and assignment."""
import json
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import (Agency, AuditEvent, AuditProgramme, CaseAudit, Role, Sample,
                           SampleChange)
from qa_app.models.base import utcnow
from qa_app.services import accounts, my_audits, people, programmes
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form


def referral_rows(count, start=date(2014, 4, 2)):
    """`count` children each referred in March 2014 and again in Q1 2014/15 (re-referrals),
    across three teams."""
    rows = []
    for i in range(count):
        team = ("North", "South", "Compass")[i % 3]
        decision = ("nfa", "professional_conversation")[i % 2]
        rows.append([f"C{i:03d}", f"A{i:03d}", "2014-03-01", decision, "", team])
        rows.append([f"C{i:03d}", f"B{i:03d}", (start + timedelta(days=i % 80)).isoformat(), "assessment", "", team])
    return rows


@pytest.fixture
def case_data(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, referral_rows(60)))


def new_programme(name="Q1 re-referrals", agencies=(), **kwargs):
    # The re-referral questionnaire has no agency sections (issue 19: a programme offers only the
    # agencies its questionnaire has questions for); the repeat-plan one has a section for each.
    questionnaire = "repeat-cp-plan-audit" if agencies else "re-referral-audit"
    return programmes.create_programme(name=name, theme="", questionnaire_id=questionnaire,
                                       frame_kind=kwargs.pop("frame_kind", "re-referrals"),
                                       period_text=kwargs.pop("period_text", "Q1 2014/15"),
                                       agencies=agencies, **kwargs)


def test_a_stratified_draw_is_recorded_in_full_and_makes_case_audits(app, case_data):
    with app.app_context():
        programme = new_programme(agencies=["police", "health"])
        sample = programmes.draw_programme_sample(
            programme.id, SampleRequest("stratified", size=12, stratify_by="team"), seed=99)
        assert sample.frame_size == 60 and len(sample.drawn_ids) == 12
        assert sample.allocation == {"Compass": 4, "North": 4, "South": 4}
        assert sample.frame_definition["kind"] == "re-referrals" and sample.seed == 99
        assert sample.algorithm_version == "casefile-sampling-1" and len(sample.frame_ids) == 60
        audits = db.session.scalars(db.select(CaseAudit)).all()
        assert sorted(a.case_id for a in audits) == sorted(sample.drawn_ids)
        assert {s.agency for s in audits[0].sections} == {"police", "health"}
        actions = db.session.scalars(db.select(AuditEvent.action).order_by(AuditEvent.id)).all()
        assert actions[-2:] == ["programme_created", "sample_drawn"]


def test_the_same_inputs_draw_the_same_sample_in_another_programme(app, case_data):
    with app.app_context():
        first = programmes.draw_programme_sample(new_programme("One").id, SampleRequest("random", size=10), seed=5)
        # With no exclusion window, the second programme sees the same frame.
        second = programmes.draw_programme_sample(new_programme("Two").id, SampleRequest("random", size=10),
                                                  seed=5, exclude_months=0)
        other_seed = programmes.draw_programme_sample(new_programme("Three").id, SampleRequest("random", size=10),
                                                      seed=6, exclude_months=0)
    assert second.frame_hash == first.frame_hash and second.drawn_ids == first.drawn_ids
    assert other_seed.drawn_ids != first.drawn_ids


def test_the_exclusion_window_leaves_out_recently_audited_children(app, case_data):
    with app.app_context():
        earlier = programmes.draw_programme_sample(new_programme("Earlier").id, SampleRequest("random", size=10), seed=1)
        audited = {c.child_id for c in db.session.scalars(db.select(CaseAudit))}
        later = new_programme("Later")
        preview = programmes.preview_frame(later, 12)
        assert {c.child_id for c in preview.excluded} == audited
        assert audited.isdisjoint(c.child_id for c in preview.eligible)
        # Thirteen months on, those audits no longer exclude anyone.
        with programmes.write_transaction():
            db.session.execute(update(CaseAudit).values(created_at=utcnow() - timedelta(days=400)))
        assert programmes.preview_frame(later, 12).excluded == []
        assert len(programmes.preview_frame(later, 24).excluded) == len(earlier.drawn_ids)


def test_a_programme_gets_one_sample_even_from_two_tabs_at_once(app, case_data):
    with app.app_context():
        programme_id = new_programme().id
    outcomes = []

    def draw():
        with app.app_context():
            try:
                programmes.draw_programme_sample(programme_id, SampleRequest("random", size=5))
                outcomes.append("drawn")
            except programmes.ProgrammeError as error:
                outcomes.append(str(error))
            db.session.remove()

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("drawn") == 1
    assert any("already has a sample" in outcome or "finished first" in outcome for outcome in outcomes)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Sample.id))) == 1
        assert db.session.scalar(db.select(db.func.count(CaseAudit.id))) == 5


def test_check_this_sample_matches_then_detects_a_changed_frame(app, case_data, tmp_path):
    with app.app_context():
        programme = new_programme()
        sample = programmes.draw_programme_sample(programme.id, SampleRequest("random", size=10), seed=3)
        check = programmes.check_sample(programme.id)
        assert check.matches and check.frame_unchanged
        import_file("referrals", write_csv(tmp_path / "more.csv", REFERRAL_HEADINGS,
                                           [["Z1", "Z-A", "2014-03-05", "nfa", "", ""],
                                            ["Z1", "Z-B", "2014-05-05", "nfa", "", ""]]))
        check = programmes.check_sample(programme.id)
    assert not check.frame_unchanged and check.added_to_frame == ["Z-B"]
    assert check.redrawn_ids != sample.drawn_ids or check.matches


def test_bad_draws_say_what_is_wrong(app, case_data):
    with app.app_context():
        with pytest.raises(programmes.ProgrammeError, match="has only 60. Audit them all"):
            programmes.draw_programme_sample(new_programme("Too many").id, SampleRequest("random", size=61))
        make_user(Role.AUDITOR, teams=["Nowhere"])  # a known team (issue 19) with no cases
        empty = new_programme("Empty", filters={"team": "Nowhere"})
        with pytest.raises(programmes.ProgrammeError, match="team 'Nowhere'. These filters emptied it"):
            programmes.draw_programme_sample(empty.id, SampleRequest("census"))
        with pytest.raises(programmes.ProgrammeError, match="fewer cases than the minimum of 25"):
            programmes.draw_programme_sample(new_programme("Strata").id, SampleRequest(
                "stratified", size=30, stratify_by="team", minimum_per_stratum=25))
        assert db.session.scalar(db.select(db.func.count(Sample.id))) == 0
        refusals = db.session.scalars(db.select(AuditEvent).filter_by(action="sample_draw_refused")).all()
        assert len(refusals) == 3


def test_cases_added_and_removed_by_hand_keep_their_reasons(app, client, login_as, case_data):
    with app.app_context():
        programme = new_programme()
        sample = programmes.draw_programme_sample(programme.id, SampleRequest("random", size=3), seed=1)
        outside = next(f"B{i:03d}" for i in range(60) if f"B{i:03d}" not in sample.drawn_ids)
        first = db.session.scalars(db.select(CaseAudit).filter_by(case_id=sample.drawn_ids[0])).one()
    login_as(Role.QA_LEAD)
    post_form(client, f"/programmes/{programme.id}/cases", {"case_id": outside, "reason": "Raised by the police"})
    post_form(client, f"/programmes/case-audits/{first.id}/remove", {"reason": "Child has moved away"})
    html = post_form(client, f"/programmes/{programme.id}/cases", {"case_id": "NOPE", "reason": "x"},
                     follow_redirects=True).get_data(as_text=True)
    assert "There is no referral with the id &#39;NOPE&#39;" in html
    html = client.get(f"/programmes/{programme.id}").get_data(as_text=True)
    assert f"{outside} added by" in html and "Raised by the police" in html
    assert f"{first.case_id} removed by" in html and "Child has moved away" in html
    assert "added by hand" in html
    with app.app_context():
        assert [c.change for c in db.session.scalars(db.select(SampleChange).order_by(SampleChange.id))] == \
            ["added", "removed"]


def test_round_robin_assignment_matches_sections_by_agency(app, case_data):
    with app.app_context():
        # Auditors are taken in name order; fixed names keep that order independent of test order.
        police = make_user(Role.AUDITOR, agency=Agency.POLICE.value, name="Ann Police")
        health_1 = make_user(Role.AUDITOR, agency=Agency.HEALTH.value, name="Ben Health")
        health_2 = make_user(Role.AUDITOR, agency=Agency.HEALTH.value, name="Cat Health")
        programme = new_programme(agencies=["police", "health", "education"])
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=4), seed=2)
        result = programmes.assign_round_robin(programme.id, [police.id, health_1.id, health_2.id],
                                               date(2027, 1, 31))
        assert result == {"assigned": 4, "agencies_without_auditor": ["education"]}
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        assert [a.lead_auditor_id for a in audits] == [police.id, health_1.id, health_2.id, police.id]
        for audit in audits:
            sections = {s.agency: s.auditor_id for s in audit.sections}
            assert sections["police"] == police.id and sections["health"] in (health_1.id, health_2.id)
            assert sections["education"] is None
        assert {s.auditor_id for a in audits for s in a.sections if s.agency == "health"} == {health_1.id, health_2.id}
        assert db.session.get(AuditProgramme, programme.id).status == "in_audit"


def test_my_audits_lists_overdue_first_and_reassignment_is_recorded(app, case_data):
    with app.app_context():
        auditor = make_user(Role.AUDITOR)
        other = make_user(Role.AUDITOR)
        programme = new_programme()
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=3), seed=4)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2099, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        programmes.reassign(audits[2].id, lead_auditor_id=auditor.id, section_auditors={},
                            due_date=date(2020, 1, 1))
        programmes.reassign(audits[0].id, lead_auditor_id=other.id, section_auditors={}, due_date=date(2099, 1, 1))
        mine = my_audits.my_assignments(db.session.get(type(auditor), auditor.id))
        assert [a.case_audit.id for a in mine] == [audits[2].id, audits[1].id]
        assert mine[0].overdue and not mine[1].overdue
        event = db.session.scalars(db.select(AuditEvent).filter_by(action="case_audit_reassigned")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event.details["changes"]["lead"] == {"before": auditor.id, "after": other.id}


def test_the_sample_command_prints_json_and_saves_nothing_without_a_programme(app, case_data):
    runner = app.test_cli_runner()
    args = ["sample", "--frame", "re-referrals", "--start", "2014-04-01", "--end", "2014-06-30",
            "--size", "8", "--stratify", "team", "--seed", "11", "--json"]
    first = json.loads(runner.invoke(args=args).output)
    assert set(first) == {"frame_size", "seed", "method", "frame_hash", "ids"}
    assert first["frame_size"] == 60 and first["seed"] == 11 and len(first["ids"]) == 8
    assert json.loads(runner.invoke(args=args).output)["ids"] == first["ids"]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(Sample.id))) == 0
    unseeded = json.loads(runner.invoke(args=args[:-3] + ["--json"]).output)
    assert isinstance(unseeded["seed"], int)
    saved = runner.invoke(args=args + ["--programme", "From the CLI"])
    assert json.loads(saved.output)["ids"] == first["ids"]
    with app.app_context():
        assert db.session.scalars(db.select(AuditProgramme.name)).all() == ["From the CLI"]
    too_big = runner.invoke(args=["sample", "--frame", "re-referrals", "--start", "2014-04-01",
                                  "--end", "2014-06-30", "--size", "100", "--json"])
    assert too_big.exit_code != 0 and "census" in too_big.output


def test_a_closed_programme_refuses_assignment_and_stays_closed(app, case_data):
    with app.app_context():
        auditor = make_user(Role.AUDITOR)
        programme = new_programme()
        with pytest.raises(programmes.ProgrammeError, match="once the sample is drawn"):
            programmes.assign_round_robin(programme.id, [auditor.id], None)
        sample = programmes.draw_programme_sample(programme.id, SampleRequest("random", size=1), seed=1)
        only = db.session.scalars(db.select(CaseAudit).filter_by(case_id=sample.drawn_ids[0])).one()
        programmes.remove_case_by_hand(only.id, "Child has moved away")
        programmes.close_programme(programme.id, user=None)
        with pytest.raises(programmes.ProgrammeError, match="until the programme closes"):
            programmes.assign_round_robin(programme.id, [auditor.id], None)
        assert db.session.get(AuditProgramme, programme.id, populate_existing=True).status_label == "Closed"


def test_roles_are_found_by_query_the_auditors_of_an_agency_and_the_qa_leads(app):
    with app.app_context():
        police = make_user(Role.AUDITOR, Role.QA_LEAD, agency=Agency.POLICE.value, name="Ann Police")
        make_user(Role.AUDITOR, agency=Agency.HEALTH.value, name="Ben Health")
        lead = make_user(Role.QA_LEAD, name="Cat Lead")
        gone = make_user(Role.AUDITOR, agency=Agency.POLICE.value, name="Dan Gone")
        admin = make_user(Role.ADMIN)
        accounts.update_user(gone.id, display_name=gone.display_name, roles=["auditor"], agency=gone.agency,
                             team_names=[], active=False, changed_by=admin)
        assert [u.id for u in people.auditors(Agency.POLICE.value)] == [police.id]
        assert [u.id for u in people.qa_leads()] == [police.id, lead.id]
        assert [u.display_name for u in programmes.auditors()] == ["Ann Police", "Ben Health"]


def test_my_audits_shows_where_each_stands_with_filters_and_due_dates(app, client, login_as, case_data):
    from qa_app.services import moderation
    from qa_app.services.case_audits import LEAD, save_part
    answers = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
               "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
               "threshold_document_used": "yes", "overall_grade": "Inadequate"}
    auditor = login_as(Role.AUDITOR)
    with app.app_context():
        programme = new_programme()
        programmes.draw_programme_sample(programme.id, SampleRequest("random", size=4), seed=4)
        programmes.assign_round_robin(programme.id, [auditor.id], date(2099, 1, 1))
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        programmes.reassign(audits[3].id, lead_auditor_id=auditor.id, section_auditors={}, due_date=date(2098, 1, 1))
        me = db.session.get(type(auditor), auditor.id)
        save_part(audits[0].id, LEAD, {"consent": "yes"}, audits[0].version, submit=False, user=me)
        for audit in audits[1:3]:
            save_part(audit.id, LEAD, answers, audit.version, submit=True, user=me)
        moderation.moderate(audits[2].id, {"overall_grade": "Good"}, {"overall_grade": "Plan is sound"},
                            outcome="returned", comments="Look again", user=make_user(Role.QA_LEAD))
        cases = [a.case_id for a in audits]
    html = client.get("/").get_data(as_text=True)
    rows = html.split('class="govuk-table__row app-my-audit"')[1:]
    assert len(rows) == 4
    # Earliest due first; each row says where it stands.
    assert cases[3] in rows[0] and "Not started" in rows[0] and "1 Jan 2098" in rows[0]
    statuses = {case: next(r for r in rows if f">{case}</a>" in r) for case in cases[:3]}
    assert "In progress" in statuses[cases[0]] and "Submitted" in statuses[cases[1]]
    assert "Returned to you" in statuses[cases[2]]
    assert "To do (1)" in html and "In progress (1)" in html and "Returned (1)" in html and "Submitted (1)" in html
    returned = client.get("/?show=returned").get_data(as_text=True)
    assert returned.count('class="govuk-table__row app-my-audit"') == 1 and f">{cases[2]}</a>" in returned
    assert '<strong aria-current="page">Returned (1)</strong>' in returned
