"""The general rule: for every POST form found from the app's url_map, a refused submission (a
field error, a rule, a conflict) comes back with every value the user typed (or saves it as a
draft and says so). Each POST endpoint is walked below, or named as one where nothing is typed."""
from datetime import date, timedelta

import pytest

from audit_tools.sampling import SampleRequest
from qa_app.extensions import db
from qa_app.models import AuditProgramme, Role
from qa_app.services import actions, programmes, queries, safeguarding
from qa_app.services.case_audits import LEAD, save_part
from qa_app.services.participation import practitioners
from tests.case_data_helpers import REFERRAL_HEADINGS, import_file, write_csv
from tests.helpers import make_user, post_form, sign_in

TYPED = "Typed with care 7f3a"  # a value no page shows unless it was typed
SOON = date.today() + timedelta(days=20)
ANSWERS = {"earlier_decision": "No further action", "earlier_threshold_right": "yes", "early_help_offered": "no",
           "referrer_feedback": "yes", "consent": "yes", "what_changed": "x", "threshold_of_need": "yes",
           "threshold_document_used": "yes", "overall_grade": "Good"}

# POST endpoints where the user types nothing worth keeping (a button, a password that must not be
# echoed back, a file that a browser cannot be given back), with why.
NOTHING_TYPED = {
    "auth.logout": "a button", "auth.login": "a password is never shown again; the email is kept by its own test",
    "auth.resume": "a password", "auth.change_password": "passwords are never shown again",
    "admin.set_one_time_password": "a password", "admin.release_legal_hold": "a button",
    "findings.close": "a button", "programmes.check": "a button",
    "data.new_import": "a chosen file (the page asks for it again)",
    "data.blank_optional_import": "a button", "questionnaires.list_questionnaires": "a chosen file",
    "exports.programme_findings": "a tick box; a refusal is a redirect with nothing typed",
    "audits.complete": "walked in tests/test_typed_work_kept.py and tests/test_case_audits.py (saved as a draft)",
    "actions.record_progress": "walked in tests/test_typed_work_kept.py (the file is asked for again)",
    "second_factor.code": "a one-time code, never shown again", "second_factor.enrol": "a one-time code",
    "second_factor.reset": "a button",
    # Families' feedback (issue 25).
    "families.make_invitation": "a choice of letter (parent or carer, or child)",
    "families.review": "walked in tests/test_family_feedback.py (needs a family's answer to review)",
    "feedback.start": "walked in tests/test_family_feedback.py (the code typed is shown again)",
    "feedback.questions": "walked in tests/test_family_feedback.py (needs a letter's link)",
    "feedback.check": "a button",
    # Issue 25: the practitioner's part.
    "practitioners.programme_setting": "a choice of three radios, shown again as saved",
    "practitioners.invite": "a choice of practitioner (radios)", "practitioners.share": "a button",
    "practitioners.sign_off": "a tick box",
    # Issue 26: the calibration forms with typing are walked at the end of this file.
    "calibration.new_exercise": "walked below (test_a_refused_calibration_form_keeps_what_was_typed)",
    "calibration.edit_reference": "walked below (test_a_refused_calibration_form_keeps_what_was_typed)",
    "calibration.invite": "walked below (test_a_refused_calibration_form_keeps_what_was_typed)",
    "calibration.answer": "walked below (test_a_refused_calibration_form_keeps_what_was_typed)",
    "calibration.close_exercise": "a button", "calibration.new_round": "a button",
    "calibration.export_report": "a tick box; a refusal is a redirect with nothing typed",
    # Issue 24: check your answers submits answers already saved; nothing is typed on it.
    "audits.check_answers": "a button (the answers were saved as a draft on the way to it)",
    "main.stay_signed_in": "a button in the timeout warning",
}
# Issue 19: the nine forms that were "not yet walked" are walked below (the benchmarks form's one
# field is a chosen file, named here with the others).
NOTHING_TYPED["data.benchmarks"] = "a chosen file (the page asks for it again)"
NOT_YET_WALKED: set[str] = set()


@pytest.fixture
def world(app, tmp_path):
    with app.app_context():
        import_file("referrals", write_csv(tmp_path / "r.csv", REFERRAL_HEADINGS, [
            ["C1", "A1", "2014-03-01", "nfa", "", "North"], ["C1", "B1", "2014-05-01", "nfa", "", "North"],
            ["C2", "A2", "2014-03-01", "nfa", "", "North"], ["C2", "B2", "2014-05-01", "nfa", "", "North"]]))
        auditor = make_user(Role.AUDITOR)
        qa = make_user(Role.QA_LEAD, Role.ADMIN)
        manager = make_user(Role.TEAM_MANAGER, teams=["North"])
        programme = programmes.create_programme(name="P", theme="", questionnaire_id="re-referral-audit",
                                                frame_kind="re-referrals", period_text="Q1 2014/15")
        programmes.draw_programme_sample(programme.id, SampleRequest("census"), seed=1)
        audits = programmes.active_case_audits(db.session.get(AuditProgramme, programme.id))
        programmes.reassign(audits[0].id, lead_auditor_id=auditor.id, section_auditors={}, due_date=None, user=qa)
        save_part(audits[0].id, LEAD, ANSWERS, 1, submit=True, user=auditor)
        action = actions.raise_action(programme.id, None, actions.NewAction(
            "Train the front door", "Threshold not applied", SOON, team="North"), qa)
        actions.change_status(action.id, "done", user=manager)
        concern = safeguarding.raise_concern(audits[0].id, "A concern", auditor)
        undrawn = programmes.create_programme(name="Not drawn yet", theme="", questionnaire_id="re-referral-audit",
                                              frame_kind="re-referrals", period_text="Q1 2014/15")
        # Issue 25: the submitted audit shared with its practitioner; the other with learning signed off.
        practitioner = make_user(Role.PRACTITIONER)
        practitioners.set_how_practitioners_take_part(programme.id, "reflect_after", qa)
        programmes.reassign(audits[1].id, lead_auditor_id=auditor.id, section_auditors={}, due_date=None, user=qa)
        for audit in audits[:2]:
            practitioners.invite(audit.id, practitioner.id, auditor)
            practitioners.share(audit.id, auditor)
        practitioners.record_learning(audits[1].id, "Agreed", auditor)
        practitioners.sign_off(audits[1].id, True, auditor)
        query = queries.open_query(audits[0].id, LEAD, "overall_grade", "Why Good?", None, qa)  # issue 26
    return {"programme": programme.id, "submitted": audits[0].id, "unstarted": audits[1].id, "action": action.id,
            "concern": concern.id, "auditor": auditor, "qa": qa, "manager": manager, "undrawn": undrawn.id,
            "practitioner": practitioner, "query": query.id}


def _as(app, user):
    client = app.test_client()
    assert sign_in(client, user.email).status_code == 302
    return client


# endpoint -> (who, url, a refused submission with TYPED in it)
def _walks(w):
    return {
        "audits.raise_concern": ("auditor", f"/audits/{w['submitted']}/concerns", {"details": TYPED + " x" * 3000}),
        "moderation.moderate": ("qa", f"/moderation/{w['submitted']}",
                                {"overall_grade": "Inadequate", "outcome": "returned", "overall_grade_reason": TYPED}),
        "moderation.reopen": ("qa", f"/moderation/{w['submitted']}/reopen", {"part": "police", "reason": TYPED}),
        "moderation.acknowledge": ("manager", f"/moderation/safeguarding/{w['concern']}/acknowledge",
                                   {"note": TYPED + " x" * 1500}),
        "actions.raise_action": ("qa", f"/actions/new?programme={w['programme']}",
                                 {"description": TYPED, "finding": "", "team": "North"}),
        "actions.change_status": ("qa", f"/actions/{w['action']}/status",
                                  {"version": "1", "to_status": "returned", "reason": TYPED}),
        "programmes.add_case": ("qa", f"/programmes/{w['programme']}/cases", {"case_id": "NO-SUCH-CASE", "reason": TYPED}),
        "programmes.remove_case": ("qa", f"/programmes/case-audits/{w['unstarted']}/remove",
                                   {"reason": TYPED + " x" * 300}),
        "programmes.assign": ("qa", f"/programmes/{w['programme']}/assign",
                              {"due_date": ["27", "2", "2027"]}),
        "programmes.reassign": ("qa", f"/programmes/case-audits/{w['submitted']}/assignment",
                                {"lead_auditor_id": str(w["manager"].id), "due_date": ["26", "2", "2027"]}),
        "programmes.moderation_policy": ("qa", f"/programmes/{w['programme']}/moderation-policy",
                                         {"new_auditor_first": "7", "random_percent": "250"}),
        "practitioners.reflect": ("practitioner", f"/practitioners/audits/{w['submitted']}/reflection",
                                  {"went_well": TYPED, "do_differently": "", "overall_grade": "no"}),
        "practitioners.rate": ("practitioner", f"/practitioners/audits/{w['submitted']}/usefulness",
                               {"usefulness_comment": TYPED}),
        "practitioners.record_learning": ("practitioner", f"/practitioners/audits/{w['submitted']}/learning",
                                          {"agreed_learning": TYPED + " x" * 3000}),
        "practitioners.add_addendum": ("auditor", f"/practitioners/audits/{w['unstarted']}/addenda",
                                       {"addendum": TYPED + " x" * 3000}),
        "admin.create_user": ("qa", "/admin/users/new", {"display_name": TYPED, "email": "not-an-email",
                                                         "roles": "auditor", "agency": "childrens_social_care"}),
        # Families' feedback (issue 25): "asked" not chosen, so the reason typed must come back.
        "families.case_family": ("auditor", f"/families/case-audits/{w['submitted']}", {"reason": TYPED}),
        # Issue 19: the forms that were not yet walked.
        "admin.edit_user": ("qa", f"/admin/users/{w['manager'].id}",
                            {"display_name": TYPED, "roles": ["team_manager", "auditor"], "agency": "police",
                             "teams": ["North", "Compas"], "active": "y"}),
        "admin.legal_holds": ("qa", "/admin/legal-holds", {"programme_id": str(w["programme"]),
                                                           "reason": TYPED + " x" * 300}),
        "admin.partnership": ("qa", "/admin/partnership", {"name": TYPED + " x" * 120}),
        "data.population": ("qa", "/data/population", {"year": "1899", "population": "734519"}),
        "exports.board_pack": ("qa", "/exports/board-pack.xlsx", {"period": "Q5 2014/15 7f3a"}),
        "programmes.draw": ("qa", f"/programmes/{w['undrawn']}/draw",
                            {"method": "random", "size": "7777", "percent": "", "seed": "424242",
                             "minimum_per_stratum": "3", "exclude_audited_months": "11"}),
        "programmes.new_programme": ("qa", "/programmes/new", {
            "name": TYPED, "theme": "Theme 7f3a", "questionnaire_id": "re-referral-audit@1",
            "frame_kind": "re-referrals", "period": "Q5 2014/15", "team": "North", "decision": "nfa",
            "source": "6", "previous_decisions": "nfa", "due_date": ["27", "2", "2027"]}),
        "targets.target_list": ("qa", "/targets/", {"measure": "re_referral_rate", "target": "22.5",
                                                    "amber_tolerance": "2.5", "polarity": "lower",
                                                    "from_year": "1999"}),
        # Issue 19: a new team's name is shown back for a confirmation, never added at once.
        "admin.teams": ("qa", "/admin/teams", {"name": TYPED}),
        # Queries on a question (issue 26): a suggestion that is no grade; messages too long.
        "queries.open_query": ("qa", f"/queries/new/{w['submitted']}/lead/overall_grade",
                               {"note": TYPED, "suggested": "Brilliant"}),
        "queries.write": ("auditor", f"/queries/{w['query']}/messages", {"text": TYPED + " x" * 3000}),
        "queries.close": ("qa", f"/queries/{w['query']}/close", {"note": TYPED + " x" * 3000}),
    }


def test_every_post_endpoint_is_walked_or_named(app, world):
    found = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    walked = set(_walks(world))
    assert found - walked - set(NOTHING_TYPED) - NOT_YET_WALKED == set(), "walk the new form below"


KEPT = {  # what each walk must find again on the page it gets back
    "programmes.assign": ['value="27"', 'value="2027"'],
    "programmes.reassign": ['value="26"', 'value="2027"'],
    "programmes.moderation_policy": ['value="7"', 'value="250"'],
    "actions.change_status": [TYPED],
    # Issue 19: the forms that were not yet walked.
    "admin.edit_user": [TYPED, 'value="Compas" checked', 'value="police" selected', 'value="auditor" checked'],
    "data.population": ['value="1899"', 'value="734519"'],
    "exports.board_pack": ['value="Q5 2014/15 7f3a"'],
    "programmes.draw": ['value="7777"', 'value="424242"', 'value="3"', 'value="11"', 'value="random" checked'],
    "programmes.new_programme": [TYPED, 'value="Theme 7f3a"', 'value="Q5 2014/15"', 'value="North"',
                                 'value="nfa" selected', 'value="6"', 'value="27"', 'value="2027"',
                                 'value="re-referral-audit@1" checked'],
    "targets.target_list": ['value="22.5"', 'value="2.5"', 'value="1999"', 'value="lower" checked'],
    "admin.teams": [f'value="{TYPED}"', "Yes, create team"],
}


@pytest.mark.parametrize("endpoint", sorted(
    ["audits.raise_concern", "moderation.moderate", "moderation.reopen", "moderation.acknowledge",
     "actions.raise_action", "actions.change_status", "programmes.add_case", "programmes.remove_case",
     "programmes.assign", "programmes.reassign", "programmes.moderation_policy", "admin.create_user",
     "families.case_family",
     # Issue 19: the forms that were not yet walked.
     "admin.edit_user", "admin.legal_holds", "admin.partnership", "data.population", "exports.board_pack",
     "programmes.draw", "programmes.new_programme", "targets.target_list", "admin.teams",
     "practitioners.reflect", "practitioners.rate", "practitioners.record_learning", "practitioners.add_addendum",
     "queries.open_query", "queries.write", "queries.close"]))
def test_a_refused_submission_comes_back_with_what_was_typed(app, world, endpoint):
    who, url, data = _walks(world)[endpoint]
    # The board pack is a download: refused, it goes back to the measures page with the period.
    response = post_form(_as(app, world[who]), url, data, follow_redirects=endpoint == "exports.board_pack")
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 400, 409), f"{endpoint} answered {response.status_code}: typing lost"
    for expected in KEPT.get(endpoint, [TYPED]):
        assert expected in html, f"{endpoint} lost {expected!r}"
    assert "There is a problem" in html or "govuk-error-message" in html, f"{endpoint} did not say why"


# --- issue 26: calibration exercises ---------------------------------------------------------

@pytest.fixture
def exercises(app, world):
    from qa_app.services import calibration
    with app.app_context():
        draft = calibration.create_case_study(title="Draft", questionnaire="re-referral-audit:1",
                                              case_text="A case study.", user=world["qa"])
        released = calibration.create_case_study(title="Open", questionnaire="re-referral-audit:1",
                                                 case_text="A case study.", user=world["qa"])
        calibration.update_draft(released.id, case_text="A case study.", reference={"consent": "yes"}, user=world["qa"])
        calibration.invite(released.id, [world["auditor"].id], SOON, user=world["qa"])
    return {"draft": draft.id, "open": released.id}


CALIBRATION_WALKS = {  # endpoint -> (who, url, a refused submission, what must come back)
    "calibration.new_exercise": ("qa", "/calibration/new", {"title": TYPED, "source": "case_study",
                                                           "questionnaire": "re-referral-audit:1", "case_text": ""},
                                 [TYPED]),
    "calibration.edit_reference": ("qa", "/calibration/{draft}/reference", {"case_text": TYPED,
                                                                            "overall_grade": "Not a grade"}, [TYPED]),
    "calibration.invite": ("qa", "/calibration/{draft}/invite", {"closes_on": ["31", "2", "2027"]},
                           ['value="31"', 'value="2027"']),
    "calibration.answer": ("auditor", "/calibration/{open}/answer", {"action": "submit", "what_changed": TYPED},
                           [TYPED]),
}


@pytest.mark.parametrize("endpoint", sorted(CALIBRATION_WALKS))
def test_a_refused_calibration_form_keeps_what_was_typed(app, world, exercises, endpoint):
    who, url, data, kept = CALIBRATION_WALKS[endpoint]
    response = post_form(_as(app, world[who]), url.format(**exercises), data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, f"{endpoint} answered {response.status_code}: typing lost"
    for expected in kept:
        assert expected in html, f"{endpoint} lost {expected!r}"
    assert "There is a problem" in html, f"{endpoint} did not say why"
