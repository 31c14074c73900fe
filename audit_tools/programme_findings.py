"""What an audit programme found: answers per question, grades before and after moderation,
the same by team and by agency section, learning themes, quoted learning, a comparison with an
earlier programme of the same questionnaire (a re-audit), and whether audited children came back.

Plain records in, plain results out: the app and the Excel workbooks both read these.

Bases: "not applicable" is outside the base of every percentage; "not evidenced on file" stays
in the base and is shown as its own answer, because a missing record is itself a finding
(docs/decisions.md). Every percentage is shown with its count, and a base under 5 is flagged.
"""
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from audit_tools.measures import RE_REFERRAL_MONTHS, REPEAT_PLAN_MONTHS, percentage
from audit_tools.periods import add_months
from audit_tools.questionnaires import GRADES, MET_ANSWERS, Question, Questionnaire

SMALL_BASE = 5
NOT_APPLICABLE = "not_applicable"
NOT_EVIDENCED = "not_evidenced"
GOOD_OR_BETTER, RI_OR_INADEQUATE = GRADES[:2], GRADES[2:]  # Ofsted's grades run best first
LEAD = None  # the lead auditor's part, where an agency would be named
# Questions by the role they play in a finding, matched on the built-in questionnaires' ids.
OVERALL_GRADE = "overall_grade"
THEMES = "learning_themes"
LEARNING = {"good_practice": "Good practice", "areas_for_development": "Areas for development",
            "recommendations": "Recommendations"}
SUMMARISED_TYPES = ("met", "grade", "choice", "multiple_choice")


@dataclass(frozen=True)
class AuditRecord:
    """One case audit as the findings see it: only submitted answers count."""
    case_audit_id: int
    case_id: str
    child_id: str
    team: str | None
    status: str  # submitted or moderated count; anything else is work in progress
    lead_answers: dict = field(default_factory=dict)
    agency_answers: dict = field(default_factory=dict)  # {agency: answers} for submitted sections
    moderated_grades: dict = field(default_factory=dict)  # {question id: moderator's grade}
    case_date: date | None = None  # the audited referral's date, or the audited plan's start
    audited_on: date | None = None  # when the lead's part was submitted
    case_kind: str = "referral"  # "referral" or "plan"

    @property
    def finished(self) -> bool:
        return self.status in ("submitted", "moderated")


@dataclass(frozen=True)
class AnswerCount:
    answer: str  # the stored value
    label: str
    count: int
    pct: float | None  # of the base; None for "not applicable", which is outside it


@dataclass(frozen=True)
class QuestionSummary:
    question_id: str
    label: str
    section: str
    agency: str | None  # None for the lead's part
    type: str
    answered: int  # audits that answered, "not applicable" included
    base: int  # answered less "not applicable"
    answers: tuple[AnswerCount, ...]

    @property
    def small_base(self) -> bool:
        return 0 < self.base < SMALL_BASE

    def count(self, answer: str) -> int:
        return next((a.count for a in self.answers if a.answer == answer), 0)

    def pct(self, answer: str) -> float | None:
        return next((a.pct for a in self.answers if a.answer == answer), None)


@dataclass(frozen=True)
class GradeDistribution:
    base: int
    counts: dict  # {grade: count} in GRADES order
    pcts: dict  # {grade: pct or None}

    @property
    def small_base(self) -> bool:
        return 0 < self.base < SMALL_BASE


@dataclass(frozen=True)
class GradeSummary:
    before: GradeDistribution  # the auditors' grades
    after: GradeDistribution  # the moderator's grade where there is one, else the auditor's
    moderated: int


@dataclass(frozen=True)
class Quote:
    case_id: str
    team: str | None
    kind: str  # a LEARNING key
    text: str


@dataclass(frozen=True)
class ProgrammeFindings:
    sampled: int
    audited: int  # submitted or moderated
    moderated: int
    questions: tuple[QuestionSummary, ...]
    grades: GradeSummary
    grades_by_team: dict  # {team: GradeSummary}
    questions_by_team: dict  # {team: (QuestionSummary, ...)}
    themes: tuple[tuple[str, int], ...]  # most frequent first
    quotes: tuple[Quote, ...]


def _summarise_question(question: Question, section: str, agency, values) -> QuestionSummary:
    values = [v for v in values if v not in (None, "", [])]
    if question.type == "multiple_choice":
        counts = Counter(choice for chosen in values for choice in chosen)
        answered = len(values)
        base = answered
    else:
        counts = Counter(values)
        answered = len(values)
        base = answered - counts.get(NOT_APPLICABLE, 0)
    rows = []
    for value, label in question.choices:
        pct = None if value == NOT_APPLICABLE else percentage(counts.get(value, 0), base)
        rows.append(AnswerCount(value, label, counts.get(value, 0), pct))
    return QuestionSummary(question.id, question.label, section, agency, question.type, answered, base, tuple(rows))


def _answer_sets(questionnaire: Questionnaire, audits, agencies):
    """(question, section title, agency, answers given) for every summarised question, in
    questionnaire order; agency sections once per agency."""
    for section in questionnaire.sections:
        if section.agency is None:
            parts = [(LEAD, [a.lead_answers for a in audits])]
        else:
            names = agencies if section.agency == "each" else [section.agency]
            parts = [(agency, [a.agency_answers[agency] for a in audits if agency in a.agency_answers])
                     for agency in names]
        for question in section.questions:
            if question.type not in SUMMARISED_TYPES:
                continue
            for agency, answer_dicts in parts:
                yield question, section.title, agency, [answers.get(question.id) for answers in answer_dicts]


def summarise_questions(questionnaire: Questionnaire, audits, agencies=()) -> tuple[QuestionSummary, ...]:
    finished = [a for a in audits if a.finished]
    return tuple(_summarise_question(q, title, agency, values)
                 for q, title, agency, values in _answer_sets(questionnaire, finished, list(agencies)))


def grade_distribution(grades) -> GradeDistribution:
    grades = [g for g in grades if g in GRADES]
    counts = Counter(grades)
    return GradeDistribution(len(grades), {g: counts.get(g, 0) for g in GRADES},
                             {g: percentage(counts.get(g, 0), len(grades)) for g in GRADES})


def overall_grade_question(questionnaire: Questionnaire) -> str | None:
    """The lead's overall grade: the question called overall_grade, else the last grade question."""
    lead = [q for s in questionnaire.sections if s.agency is None for q in s.questions if q.type == "grade"]
    if any(q.id == OVERALL_GRADE for q in lead):
        return OVERALL_GRADE
    return lead[-1].id if lead else None


def grade_before(audit: AuditRecord, question_id) -> str | None:
    return audit.lead_answers.get(question_id) if question_id else None


def grade_after(audit: AuditRecord, question_id) -> str | None:
    if not question_id:
        return None
    return audit.moderated_grades.get(question_id) or audit.lead_answers.get(question_id)


def summarise_grades(audits, question_id) -> GradeSummary:
    finished = [a for a in audits if a.finished]
    return GradeSummary(grade_distribution(grade_before(a, question_id) for a in finished),
                        grade_distribution(grade_after(a, question_id) for a in finished),
                        sum(1 for a in finished if a.status == "moderated"))


def learning_themes(audits) -> tuple[tuple[str, int], ...]:
    counts = Counter(theme for a in audits if a.finished for theme in (a.lead_answers.get(THEMES) or []))
    return tuple(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def learning_quotes(audits) -> tuple[Quote, ...]:
    quotes = []
    for audit in audits:
        if not audit.finished:
            continue
        for kind in LEARNING:
            text = (audit.lead_answers.get(kind) or "").strip()
            if text:
                quotes.append(Quote(audit.case_id, audit.team, kind, text))
    return tuple(quotes)


def team_name(audit: AuditRecord) -> str:
    return audit.team or "No team recorded"


def programme_findings(questionnaire: Questionnaire, audits, agencies=(), sampled: int | None = None) -> ProgrammeFindings:
    audits = list(audits)
    grade_question = overall_grade_question(questionnaire)
    teams = sorted({team_name(a) for a in audits if a.finished})
    by_team = {t: [a for a in audits if team_name(a) == t] for t in teams}
    finished = [a for a in audits if a.finished]
    return ProgrammeFindings(
        sampled=len(audits) if sampled is None else sampled,
        audited=len(finished),
        moderated=sum(1 for a in finished if a.status == "moderated"),
        questions=summarise_questions(questionnaire, audits, agencies),
        grades=summarise_grades(audits, grade_question),
        grades_by_team={t: summarise_grades(members, grade_question) for t, members in by_team.items()},
        questions_by_team={t: summarise_questions(questionnaire, members, agencies) for t, members in by_team.items()},
        themes=learning_themes(audits),
        quotes=learning_quotes(audits),
    )


# --- re-audit ----------------------------------------------------------------------------

POSITIVE = {"met": ("yes",), "grade": GOOD_OR_BETTER}


@dataclass(frozen=True)
class ComparisonRow:
    question_id: str
    label: str
    agency: str | None
    measure: str  # what the share counts, e.g. "Yes" or "Good or better"
    before_count: int | None
    before_base: int | None
    before_pct: float | None
    after_count: int | None
    after_base: int | None
    after_pct: float | None

    @property
    def change(self) -> float | None:
        if self.before_pct is None or self.after_pct is None:
            return None
        return round(self.after_pct - self.before_pct, 1)

    @property
    def direction(self) -> str:
        """In words, never colour alone."""
        if self.before_base is None:
            return "Not asked before"
        if self.after_base is None:
            return "Not asked now"
        if self.change is None:
            return "No answers to compare"
        if self.change > 0:
            return "Improved"
        if self.change < 0:
            return "Declined"
        return "No change"


def positive_share(summary: QuestionSummary) -> tuple[int, int, float | None]:
    positive = POSITIVE[summary.type]
    count = sum(summary.count(a) for a in positive)
    return count, summary.base, percentage(count, summary.base)


def compare(previous: ProgrammeFindings, current: ProgrammeFindings) -> tuple[ComparisonRow, ...]:
    """The share answering well on each met or grade question, earlier and now, matched by
    question id and agency: a question only one version asks shows as not asked."""
    def keyed(findings):
        return {(q.question_id, q.agency): q for q in findings.questions if q.type in POSITIVE}
    before, after = keyed(previous), keyed(current)
    rows = []
    for key in list(after) + [k for k in before if k not in after]:
        summary = after.get(key) or before[key]
        measure = "Yes" if summary.type == "met" else "Good or better"
        b = positive_share(before[key]) if key in before else (None, None, None)
        a = positive_share(after[key]) if key in after else (None, None, None)
        rows.append(ComparisonRow(key[0], summary.label, key[1], measure, *b, *a))
    return tuple(rows)


# --- outcomes ----------------------------------------------------------------------------

CAME_BACK, STAYED_AWAY, NOT_KNOWN = "came_back", "did_not_come_back", "not_known_yet"
OUTCOME_LABELS = {CAME_BACK: "Came back", STAYED_AWAY: "Did not come back",
                  NOT_KNOWN: "Not known yet: later case data not loaded"}


@dataclass(frozen=True)
class CaseOutcome:
    case_audit_id: int
    case_id: str
    grade: str | None  # after moderation
    outcome: str  # CAME_BACK, STAYED_AWAY or NOT_KNOWN
    window_start: date | None  # the audit date: the window is the days after it
    window_end: date | None
    came_back_on: date | None
    # Re-referred before the audit: reported beside the outcome, never as one.
    re_referred_before: bool = False


def case_outcome(audit: AuditRecord, later_dates, data_until: date | None, grade_question) -> CaseOutcome:
    """Did the child come back after the audit? The definition is DESIGN.md's "Outcomes after
    an audit", counted from the audit date D (when the lead's part was submitted):

    referral cases: a referral dated after D and not more than RE_REFERRAL_MONTHS after D;
    plan cases: a plan starting after D and not more than REPEAT_PLAN_MONTHS after D;
    "not known yet" while the loaded data ends before the window's last day. A re-referral
    after the audited referral, within RE_REFERRAL_MONTHS of it and on or before D (the auditor
    could see it) is `re_referred_before`, never an outcome.
    """
    grade = grade_after(audit, grade_question)
    if audit.case_date is None or audit.audited_on is None:
        return CaseOutcome(audit.case_audit_id, audit.case_id, grade, NOT_KNOWN, None, None, None)
    start = audit.audited_on
    months = REPEAT_PLAN_MONTHS if audit.case_kind == "plan" else RE_REFERRAL_MONTHS
    end = add_months(start, months)
    hits = sorted(d for d in later_dates if start < d <= end)
    before = audit.case_kind != "plan" and any(
        audit.case_date < d <= min(start, add_months(audit.case_date, RE_REFERRAL_MONTHS)) for d in later_dates)
    if hits:
        outcome = CAME_BACK
    elif data_until is not None and data_until >= end:
        outcome = STAYED_AWAY
    else:
        outcome = NOT_KNOWN
    return CaseOutcome(audit.case_audit_id, audit.case_id, grade, outcome, start, end, hits[0] if hits else None,
                       before)


@dataclass(frozen=True)
class OutcomeRow:
    grade_group: str
    audited: int
    came_back: int
    did_not: int
    not_known: int
    re_referred_before: int = 0  # before the audit, its own column: not an outcome

    @property
    def known(self) -> int:
        return self.came_back + self.did_not

    @property
    def came_back_pct(self) -> float | None:
        return percentage(self.came_back, self.known)

    @property
    def small_base(self) -> bool:
        return 0 < self.known < SMALL_BASE


def outcomes_by_grade(outcomes) -> tuple[OutcomeRow, ...]:
    groups = (("Good or better", GOOD_OR_BETTER), ("Requires improvement or inadequate", RI_OR_INADEQUATE),
              ("No grade", None))
    rows = []
    for name, grades in groups:
        members = [o for o in outcomes if (o.grade in grades if grades else o.grade not in GRADES)]
        if grades is None and not members:
            continue
        tally = Counter(o.outcome for o in members)
        rows.append(OutcomeRow(name, len(members), tally[CAME_BACK], tally[STAYED_AWAY], tally[NOT_KNOWN],
                               sum(1 for o in members if o.re_referred_before)))
    return tuple(rows)


def met_label(value: str) -> str:
    return MET_ANSWERS.get(value, value)
