from datetime import date

from audit_tools.programme_findings import (CAME_BACK, NOT_KNOWN, STAYED_AWAY, AuditRecord, case_outcome,
                                            compare, outcomes_by_grade, programme_findings)
from audit_tools.questionnaires import built_in, parse_questionnaire

REPEAT = built_in()[("repeat-cp-plan-audit", 1)]

V1 = """
id: tiny
version: 1
title: Tiny
sections:
  - id: lead
    title: Lead
    questions:
      - {id: right, label: "Was it right?", type: met}
      - {id: overall_grade, label: "Grade", type: grade}
  - id: agency
    title: Each agency
    agency: each
    questions:
      - {id: shared, label: "Was information shared?", type: met}
"""
# Version 2 asks a new question; the re-audit compares what both ask and names the rest.
V2 = V1.replace("version: 1", "version: 2").replace(
    '      - {id: overall_grade', '      - {id: feedback, label: "Was feedback given?", type: met}\n      - {id: overall_grade')


def audit(number, lead=None, status="submitted", team="Compass", agencies=None, moderated=None, **kwargs):
    return AuditRecord(number, f"R{number}", f"C{number}", team, status, lead or {}, agencies or {},
                       moderated or {}, **kwargs)


def test_an_empty_programme_has_no_percentages_and_no_errors():
    findings = programme_findings(REPEAT, [], agencies=["police"])
    assert findings.sampled == findings.audited == findings.moderated == 0
    assert all(q.base == 0 and all(a.pct is None for a in q.answers) for q in findings.questions)
    assert findings.grades.before.base == 0 and findings.grades.after.pcts["Good"] is None
    assert findings.themes == () and findings.quotes == ()


def test_not_applicable_is_outside_the_base_and_not_evidenced_is_inside_it_on_its_own():
    tiny = parse_questionnaire(V1, "tiny.yaml")
    audits = [audit(1, {"right": "yes"}), audit(2, {"right": "not_evidenced"}),
              audit(3, {"right": "not_applicable"}), audit(4, {"right": "no"}),
              audit(5, {"right": "yes"}, status="draft")]  # work in progress does not count
    right = next(q for q in programme_findings(tiny, audits).questions if q.question_id == "right")
    assert (right.answered, right.base) == (4, 3)
    assert right.count("yes") == 1 and right.pct("yes") == 33.3
    assert right.count("not_evidenced") == 1 and right.pct("not_evidenced") == 33.3
    assert right.count("not_applicable") == 1 and right.pct("not_applicable") is None
    assert right.small_base


def test_all_not_applicable_gives_a_base_of_zero_not_a_division_error():
    tiny = parse_questionnaire(V1, "tiny.yaml")
    right = programme_findings(tiny, [audit(1, {"right": "not_applicable"})]).questions[0]
    assert (right.answered, right.base, right.pct("yes")) == (1, 0, None)
    assert not right.small_base


def test_agency_sections_are_summarised_per_agency_and_one_with_no_answers_has_an_empty_base():
    tiny = parse_questionnaire(V1, "tiny.yaml")
    audits = [audit(1, agencies={"police": {"shared": "yes"}}), audit(2, agencies={"police": {"shared": "no"}})]
    findings = programme_findings(tiny, audits, agencies=["police", "health"])
    shared = {q.agency: q for q in findings.questions if q.question_id == "shared"}
    assert shared["police"].base == 2 and shared["police"].pct("yes") == 50.0
    assert shared["health"].base == 0 and shared["health"].answered == 0


def test_grades_before_and_after_moderation_and_by_team():
    tiny = parse_questionnaire(V1, "tiny.yaml")
    audits = [audit(1, {"overall_grade": "Good"}, status="moderated", moderated={"overall_grade": "Inadequate"}),
              audit(2, {"overall_grade": "Good"}, team="North"),
              audit(3, {"overall_grade": "Requires improvement to be good"})]
    findings = programme_findings(tiny, audits)
    assert findings.grades.before.counts["Good"] == 2 and findings.grades.after.counts["Good"] == 1
    assert findings.grades.after.counts["Inadequate"] == 1 and findings.grades.moderated == 1
    assert findings.grades.after.pcts["Inadequate"] == 33.3
    assert set(findings.grades_by_team) == {"Compass", "North"}
    assert findings.grades_by_team["North"].after.counts["Good"] == 1


def test_learning_themes_rank_by_frequency_and_quotes_keep_their_case():
    audits = [audit(1, {"learning_themes": ["Recording", "Consent"], "good_practice": "Clear plan"}),
              audit(2, {"learning_themes": ["Recording"], "recommendations": "Train on thresholds"})]
    findings = programme_findings(built_in()[("re-referral-audit", 1)], audits)
    assert findings.themes == (("Recording", 2), ("Consent", 1))
    assert [(q.case_id, q.kind, q.text) for q in findings.quotes] == [
        ("R1", "good_practice", "Clear plan"), ("R2", "recommendations", "Train on thresholds")]


def test_a_re_audit_compares_shared_questions_and_names_a_question_only_the_later_version_asks():
    v1, v2 = parse_questionnaire(V1, "v1.yaml"), parse_questionnaire(V2, "v2.yaml")
    before = programme_findings(v1, [audit(1, {"right": "no"}), audit(2, {"right": "yes"})])
    after = programme_findings(v2, [audit(3, {"right": "yes", "feedback": "yes"}), audit(4, {"right": "yes"})])
    rows = {r.question_id: r for r in compare(before, after)}
    assert (rows["right"].before_pct, rows["right"].after_pct, rows["right"].change) == (50.0, 100.0, 50.0)
    assert rows["right"].direction == "Improved"
    assert rows["feedback"].direction == "Not asked before" and rows["feedback"].before_base is None


def test_a_child_re_referred_after_the_audit_came_back_and_one_re_referred_before_it_did_not():
    audited = audit(1, {"overall_grade": "Good"}, case_date=date(2024, 4, 10), audited_on=date(2024, 7, 1))
    before_audit = case_outcome(audited, [date(2024, 6, 1)], data_until=date(2025, 7, 1), grade_question="overall_grade")
    after_audit = case_outcome(audited, [date(2024, 6, 1), date(2024, 9, 1)], data_until=date(2025, 7, 1),
                               grade_question="overall_grade")
    assert before_audit.outcome == STAYED_AWAY and before_audit.re_referred_before
    assert after_audit.outcome == CAME_BACK and after_audit.came_back_on == date(2024, 9, 1)


def test_the_re_referral_window_is_12_months_from_the_audit_and_needs_data_to_its_end():
    # DESIGN.md "Outcomes after an audit": counted from the audit date D, (D, D + 12 months].
    audited = audit(1, case_date=date(2024, 4, 10), audited_on=date(2024, 7, 1))
    assert case_outcome(audited, [date(2025, 7, 1)], date(2025, 7, 1), None).outcome == CAME_BACK
    assert case_outcome(audited, [date(2025, 7, 2)], date(2025, 7, 2), None).outcome == STAYED_AWAY
    unknown = case_outcome(audited, [], data_until=date(2025, 6, 30), grade_question=None)  # a day short
    assert unknown.outcome == NOT_KNOWN and unknown.window_end == date(2025, 7, 1)
    assert case_outcome(audited, [], data_until=date(2025, 7, 1), grade_question=None).outcome == STAYED_AWAY


def test_an_audit_long_after_the_referral_counts_from_the_audit_not_an_empty_window():
    audited = audit(1, case_date=date(2014, 5, 1), audited_on=date(2026, 11, 1))
    result = case_outcome(audited, [date(2014, 9, 1)], data_until=date(2026, 12, 1), grade_question=None)
    assert result.outcome == NOT_KNOWN  # the data does not yet reach 1 November 2027
    assert (result.window_start, result.window_end) == (date(2026, 11, 1), date(2027, 11, 1))
    assert result.re_referred_before  # the 2014 re-referral: its own column, not "came back"
    later = case_outcome(audited, [date(2015, 9, 1)], data_until=date(2027, 11, 1), grade_question=None)
    assert later.outcome == STAYED_AWAY and not later.re_referred_before  # outside both windows


def test_a_referral_on_the_audit_day_is_before_the_audit_not_an_outcome():
    audited = audit(1, case_date=date(2024, 4, 10), audited_on=date(2024, 7, 1))
    same_day = case_outcome(audited, [date(2024, 7, 1)], data_until=date(2025, 8, 1), grade_question=None)
    assert same_day.outcome == STAYED_AWAY and same_day.re_referred_before
    next_day = case_outcome(audited, [date(2024, 7, 2)], data_until=date(2025, 8, 1), grade_question=None)
    assert next_day.outcome == CAME_BACK and not next_day.re_referred_before


def test_a_new_plan_after_the_audit_of_a_plan_counts_within_two_years_of_the_audit():
    audited = audit(1, case_kind="plan", case_date=date(2023, 1, 5), audited_on=date(2023, 6, 1))
    assert case_outcome(audited, [date(2025, 6, 1)], date(2025, 7, 1), None).outcome == CAME_BACK
    assert case_outcome(audited, [date(2023, 3, 1)], date(2025, 7, 1), None).outcome == STAYED_AWAY


def test_outcomes_are_tallied_by_grade_group_with_unknowns_outside_the_percentage():
    def outcome(grade, result):
        audited = audit(1, {"overall_grade": grade}, case_date=date(2024, 1, 1), audited_on=date(2024, 2, 1))
        later = [date(2024, 5, 1)] if result == CAME_BACK else []
        until = date(2023, 12, 1) if result == NOT_KNOWN else date(2026, 1, 1)
        return case_outcome(audited, later, until, "overall_grade")
    rows = {r.grade_group: r for r in outcomes_by_grade([
        outcome("Good", CAME_BACK), outcome("Outstanding", STAYED_AWAY), outcome("Good", NOT_KNOWN),
        outcome("Inadequate", CAME_BACK), outcome("Requires improvement to be good", CAME_BACK)])}
    good = rows["Good or better"]
    assert (good.audited, good.came_back, good.did_not, good.not_known, good.came_back_pct) == (3, 1, 1, 1, 50.0)
    assert rows["Requires improvement or inadequate"].came_back_pct == 100.0
    assert "No grade" not in rows
