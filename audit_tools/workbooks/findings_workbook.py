"""The findings workbook for one audit programme: plain data in (audit_tools.programme_findings
results, agreement statistics, actions), a workbook laid out by audit_tools.workbooks.layout out.

Child and case ids go through the pseudonymiser given (or pass through in an identifiable
export, which the Cover says it is)."""
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from audit_tools.findings import OFSTED_GRADES
from audit_tools.programme_findings import (LEARNING, THEMES, AuditRecord, ProgrammeFindings, positive_share,
                                            overall_grade_question, grade_after, grade_before)
from audit_tools.questionnaires import MET_ANSWERS, Questionnaire, is_shown
from audit_tools.records import AGENCY_LABELS
from audit_tools.workbooks.participation_sheets import family_feedback_sheet, family_views_sheet, practitioners_sheet
from audit_tools.workbooks.pseudonyms import Identifiable
from audit_tools.suppression import SMALLEST_BASE, SUPPRESSED
from audit_tools.workbooks.layout import (NOT_APPLICABLE, NOT_AVAILABLE, Chart, Column, Sheet,
                                          WorkbookSpec, write_workbook)

LEAD_PART = "Lead auditor"
MIN_AGREEMENT_PAIRS = SMALLEST_BASE
NOTES = [
    ("[note 1]", "Not applicable answers are outside the base: a percentage is of the audits that "
                 "answered the question with anything other than \"Not applicable\"."),
    ("[note 2]", "\"Not evidenced on file\" is an answer of its own and stays in the base: a missing "
                 "record is itself a finding."),
    ("[note 3]", "Grades use Ofsted's four-point scale: Outstanding, Good, Requires improvement to be "
                 "good, Inadequate. \"After moderation\" is the moderator's grade where the audit was "
                 "moderated, and the auditor's grade otherwise."),
    ("[note 4]", "A re-referral is a referral within 12 months of a previous referral for the same "
                 "child. A repeat plan is a child protection plan for a child who had one before "
                 "(ever, or ending within two years of the new plan's start)."),
    ("[note 5]", "A base under 5 is marked \"Small base\": read its percentages with care."),
    ("[note 6]", "Agreement compares auditors' grades with moderators' grades on the same questions: "
                 "linear-weighted kappa (1 is full agreement, 0 what chance would give), the share "
                 "exactly the same and the share within one grade. From fewer than 10 pairs they are [c]: "
                 "too few to read anything into."),
    ("[note 7]", "A re-audit compares with the latest earlier programme of the same questionnaire. "
                 "\"Counted as\" says what answers well: Yes, or a grade of Good or better. Direction of "
                 "travel says whether that share went up (Improved) or down (Declined)."),
]


@dataclass
class ActionRow:
    reference: str
    finding: str
    question_id: str | None
    owned_by: str  # team or agency
    owner: str | None  # a person in the findings workbook, a role in the board pack
    priority: str
    due: date
    status: str
    latest_progress: str | None
    overdue: bool
    days_open: int
    programme: str = ""
    description: str = ""


@dataclass
class FindingsExport:
    title: str  # the programme's name
    cover: list[tuple[str, list[str]]]  # what, programme, sample, data currency, export (from the service)
    questionnaire: Questionnaire
    agencies: list[str]
    audits: list[AuditRecord]
    auditors: dict  # case audit id -> lead auditor's name
    findings: ProgrammeFindings
    agreement: object  # qa_app AgreementReport-like: .overall, .by_question, .by_auditor
    pseudonyms: object  # Pseudonymiser or Identifiable
    actions: list[ActionRow] = field(default_factory=list)
    outcomes: list | None = None  # audit_tools.programme_findings.OutcomeRow, when data exists
    outcomes_until: date | None = None  # the last day the case data covers
    earlier: str | None = None  # the programme a re-audit compares with
    comparison: list = field(default_factory=list)  # audit_tools.programme_findings.ComparisonRow
    marking: str = "OFFICIAL-SENSITIVE"
    # Families' feedback (issue 25): audit_tools.family_feedback.QuestionTally per question, and
    # each family's view (qa_app's FamilyView: case id, answers, grades, reviewed quote).
    family_questions: list = field(default_factory=list)
    family_views: list = field(default_factory=list)
    # Issue 25: practitioners taking part, as counts only (qa_app's Involvement, or None).
    practitioners: object | None = None
    # Moderators' queries on answers (issue 26), counted by question: objects with question_id,
    # agency (None for the lead's part), queries, still_open and closed. Counts only.
    queries: list = field(default_factory=list)


def agency_label(agency) -> str:
    return LEAD_PART if agency is None else AGENCY_LABELS.get(agency, agency)


def _pct(value):
    return None if value is None else value / 100


def _yes_no(flag: bool) -> str:
    return "Yes" if flag else "No"


def summary_sheet(data: FindingsExport) -> Sheet:
    # Counts and kappa in columns of their own, so each carries its own number format.
    f, a = data.findings, data.agreement.overall
    kappa, exact, within_one = _agreement(a)[1:]
    rows = [["Cases sampled", f.sampled, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE],
            ["Cases audited (submitted or moderated)", f.audited, NOT_APPLICABLE, f.sampled,
             _pct(_share(f.audited, f.sampled))],
            ["Cases moderated", f.moderated, NOT_APPLICABLE, f.audited, _pct(_share(f.moderated, f.audited))],
            ["Audits with an overall grade", f.grades.before.base, NOT_APPLICABLE, f.audited,
             _pct(_share(f.grades.before.base, f.audited))],
            ["Grade pairs compared in moderation", a.pairs, NOT_APPLICABLE, NOT_APPLICABLE, NOT_APPLICABLE],
            ["Weighted kappa (auditor against moderator)", NOT_APPLICABLE, kappa, a.pairs, NOT_APPLICABLE],
            ["Exact agreement", NOT_APPLICABLE, NOT_APPLICABLE, a.pairs, exact],
            ["Agreement within one grade", NOT_APPLICABLE, NOT_APPLICABLE, a.pairs, within_one]]
    return Sheet("Summary", "Summary of the programme's findings",
                 "Headline figures: how many cases were sampled, audited and moderated, and how far "
                 "moderators agreed with auditors [note 6]. Grades are on the Grades sheet.",
                 "Summary", [Column("Figure", width=46), Column("Count", "count"), Column("Kappa", "decimal"),
                             Column("Base", "count"), Column("Percent", "percent")], rows)


def _share(part, whole):
    return None if not whole else round(part * 100 / whole, 1)


def grades_sheet(data: FindingsExport) -> Sheet:
    g = data.findings.grades
    rows = [[grade, g.before.counts[grade], g.before.base, _pct(g.before.pcts[grade]),
             g.after.counts[grade], g.after.base, _pct(g.after.pcts[grade])] for grade in OFSTED_GRADES]
    return Sheet("Grades", "Overall grades before and after moderation",
                 "The overall grade of each audited case, as the auditor gave it and after moderation, "
                 "with the base (audits with a grade) [note 3].", "Grades",
                 [Column("Grade", width=32), Column("Before moderation", "count"), Column("Base before", "count"),
                  Column("Before moderation %", "percent"), Column("After moderation", "count"),
                  Column("Base after", "count"), Column("After moderation %", "percent")], rows,
                 charts=[Chart("Overall grades before and after moderation",
                               "Chart: the number of cases with each grade, before and after moderation.",
                               0, [1, 4], y_title="Cases")])


def chart_label(questionnaire: Questionnaire, question_id: str, agency) -> str:
    """The questionnaire's short label for a chart's category, never the internal id."""
    question = next((q for section in questionnaire.sections for q in section.questions if q.id == question_id), None)
    label = question.short_label if question else question_id
    return label if agency is None else f"{label} ({agency_label(agency)})"


def yes_sheet(data: FindingsExport) -> Sheet:
    rows = []
    for q in data.findings.questions:
        if q.type != "met":
            continue
        count, base, pct = positive_share(q)
        rows.append([q.question_id, agency_label(q.agency), q.label,
                     chart_label(data.questionnaire, q.question_id, q.agency), count, base,
                     NOT_APPLICABLE if not base else _pct(pct),  # nobody answered: a share of nothing
                     _yes_no(q.small_base)])
    return Sheet("Yes by question", "Share of \"Yes\" answers by question",
                 "For each yes-or-no question (and agency part), how many audits answered Yes, out of "
                 "those that answered other than not applicable [note 1] [note 2].", "YesByQuestion",
                 [Column("Question id", width=26), Column("Agency part", width=22), Column("Question", width=60),
                  Column("Short label", width=30), Column("Yes", "count"), Column("Base", "count"),
                  Column("Yes %", "percent"), Column("Small base")], rows,
                 charts=[Chart("Share answering Yes, by question",
                               "Chart: the percentage of audits answering Yes to each question.",
                               3, [6], horizontal=True, y_title="Yes %")])


def questions_sheet(data: FindingsExport) -> Sheet:
    groups = [("All teams", data.findings.questions)] + sorted(data.findings.questions_by_team.items())

    def rows():
        for team, summaries in groups:
            for q in summaries:
                for answer in q.answers:
                    yield [team, q.question_id, q.section, agency_label(q.agency), answer.label, answer.count,
                           q.base, NOT_APPLICABLE if answer.answer == "not_applicable" or not q.base
                           else _pct(answer.pct),
                           _yes_no(q.small_base)]
    return Sheet("Questions", "Answers to each question, by team and agency part",
                 "One row per team, question, agency part and answer, with the count and the percentage of "
                 "the base [note 1] [note 2] [note 5].", "Questions",
                 [Column("Team", width=20), Column("Question id", width=26), Column("Section", width=26),
                  Column("Agency part", width=22), Column("Answer", width=30), Column("Count", "count"),
                  Column("Base", "count"), Column("Percent", "percent"), Column("Small base")], rows())


def _parts(questionnaire: Questionnaire, agencies):
    """(question, agency or None) in questionnaire order; an 'each' section once per agency."""
    for section in questionnaire.sections:
        names = [None] if section.agency is None else (agencies if section.agency == "each" else [section.agency])
        for agency in names:
            for question in section.questions:
                yield section, question, agency


def question_list_sheet(data: FindingsExport) -> Sheet:
    rows = [[q.id, s.title, "Each agency" if s.agency == "each" else agency_label(s.agency), q.type, q.label]
            for s in data.questionnaire.sections for q in s.questions]
    return Sheet("Question list", "Questions in the questionnaire",
                 "Every question, with the short id the Cases sheet uses as its column heading.", "QuestionList",
                 [Column("Question id", width=28), Column("Section", width=30), Column("Agency part", width=22),
                  Column("Answer type", width=16), Column("Question", width=90)], rows)


def _answer_value(question, answers):
    value = answers.get(question.id)
    if value in (None, "", []):
        return NOT_AVAILABLE if is_shown(question, answers) else NOT_APPLICABLE
    if question.type == "met":
        return MET_ANSWERS.get(value, value)
    if question.type == "multiple_choice" and isinstance(value, list):
        return "; ".join(map(str, value))
    if question.type == "date":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return str(value)
    if question.type == "number":
        try:
            number = float(value)
            return int(number) if number.is_integer() else number
        except ValueError:
            return str(value)
    return value


def cases_sheet(data: FindingsExport) -> Sheet:
    questions = [q for s in data.questionnaire.sections for q in s.questions]
    lead_ids = {q.id for s in data.questionnaire.sections if s.agency is None for q in s.questions}
    kinds = {"date": "date", "number": "number"}
    grade_id = overall_grade_question(data.questionnaire)
    fixed = [Column("Case ref", width=20), Column("Child ref", width=20), Column("Agency part", width=22),
             Column("Team name", width=18), Column("Audit status", width=14), Column("Lead auditor", width=22),
             Column("Submitted on", "date"), Column("Auditor grade", width=22), Column("Moderated grade", width=22)]
    columns = fixed + [Column(q.id, kinds.get(q.type, "text"), width=18) for q in questions]
    pseudonyms = data.pseudonyms

    def rows():
        for audit in data.audits:
            case_ref, child_ref = pseudonyms.case(audit.case_id), pseudonyms.child(audit.child_id)
            common = [case_ref, child_ref]
            details = [audit.team or NOT_AVAILABLE, audit.status.capitalize(),
                       data.auditors.get(audit.case_audit_id) or NOT_AVAILABLE, audit.audited_on,
                       grade_before(audit, grade_id),
                       grade_after(audit, grade_id) if audit.status == "moderated" else NOT_APPLICABLE]
            yield common + [LEAD_PART] + details + [
                _answer_value(q, audit.lead_answers) if q.id in lead_ids else NOT_APPLICABLE for q in questions]
            for agency, answers in sorted(audit.agency_answers.items()):
                yield common + [agency_label(agency)] + details + [
                    NOT_APPLICABLE if q.id in lead_ids else _answer_value(q, answers) for q in questions]
    return Sheet("Cases", "Every case audit's answers",
                 "One row per case audit and agency part, every answer in its own column in questionnaire "
                 "order; column headings are question ids (see the Question list sheet).", "Cases",
                 columns, rows())


def moderation_sheets(data: FindingsExport) -> list[Sheet]:
    shift = data.agreement.overall.shift
    rows = [[a] + [shift.get(a, {}).get(m, 0) for m in OFSTED_GRADES] + [sum(shift.get(a, {}).values())]
            for a in OFSTED_GRADES]
    matrix = Sheet("Moderation", "Auditor grades against moderator grades",
                   "How many grades moved from the auditor's (rows) to the moderator's (columns), from the "
                   "latest moderation of each case audit [note 3].", "ModerationShift",
                   [Column("Auditor grade", width=32)] + [Column(f"Moderator: {m}", "count", width=20)
                                                          for m in OFSTED_GRADES] + [Column("Total", "count")],
                   rows)
    queries = queries_sheet(data)
    agreement_rows = [["Programme", "All questions and auditors", *_agreement(data.agreement.overall)]]
    agreement_rows += [["Question", q, *_agreement(a)] for q, a in sorted(data.agreement.by_question.items())]
    agreement_rows += [["Auditor", name, *_agreement(a)] for name, a in data.agreement.by_auditor.items()]
    agreement = Sheet("Agreement", "Agreement between auditors and moderators",
                      "Weighted kappa, exact agreement and agreement within one grade, for the programme, "
                      "each graded question and each auditor [note 6].", "Agreement",
                      [Column("Grouped by", width=14), Column("Question or auditor", width=30),
                       Column("Pairs", "count"), Column("Weighted kappa", "decimal"),
                       Column("Exact agreement %", "percent"), Column("Within one grade %", "percent")],
                      agreement_rows)
    return [matrix, queries, agreement]


def queries_sheet(data: FindingsExport) -> Sheet:
    """Beside the Moderation sheet (one table per sheet): how often moderators queried each
    question, and how many of those queries are still open. No words of the queries, no names."""
    labels = {q.id: q.label for s in data.questionnaire.sections for q in s.questions}
    rows = [[c.question_id, agency_label(c.agency), labels.get(c.question_id, NOT_AVAILABLE), c.queries,
             c.still_open, c.closed] for c in data.queries]
    return Sheet("Moderation queries", "Moderators' queries by question",
                 "How many times moderators queried an answer to each question (and agency part), from every "
                 "case audit in the programme, with how many of those queries are still open and how many "
                 "are closed. Questions never queried are not listed.", "ModerationQueries",
                 [Column("Question id", width=26), Column("Agency part", width=22), Column("Question", width=60),
                  Column("Queries", "count"), Column("Still open", "count"), Column("Closed", "count")], rows)


def _agreement(a):
    """Kappa is undefined (not applicable) with no pairs, or when every grade is the same; under
    MIN_AGREEMENT_PAIRS pairs it and the agreement shares are [c]: too few to mean anything, and
    a share of two pairs says how one moderator graded one auditor's case."""
    if a.pairs < MIN_AGREEMENT_PAIRS:
        return [a.pairs, SUPPRESSED, SUPPRESSED, SUPPRESSED]
    return [a.pairs, NOT_APPLICABLE if a.kappa is None else a.kappa, _pct(a.exact_pct), _pct(a.within_one_pct)]


def learning_items(data: FindingsExport) -> list[tuple]:
    """(case ref, team, agency part, kind, themes, text): one per piece of learning a finished
    audit recorded, from the lead auditor's part and any agency part that asks for learning."""
    items = []
    for audit in data.audits:
        if not audit.finished:
            continue
        themes = [str(t) for t in (audit.lead_answers.get(THEMES) or [])]
        parts = [(None, audit.lead_answers)] + sorted((audit.agency_answers or {}).items())
        for agency, answers in parts:
            for kind, kind_label in LEARNING.items():
                text = str(answers.get(kind) or "").strip()
                if text:
                    items.append((data.pseudonyms.case(audit.case_id), audit.team, agency_label(agency),
                                  kind_label, themes, text))
    return items


def learning_sheets(data: FindingsExport) -> list[Sheet]:
    items = learning_items(data)
    rows = [[case, team or NOT_AVAILABLE, agency, kind, "; ".join(themes) or NOT_AVAILABLE, text]
            for case, team, agency, kind, themes, text in items]
    learning = Sheet("Learning", "Good practice, areas for development and recommendations",
                     "One row per piece of learning an auditor recorded: the case, its team, the agency part "
                     "that wrote it, the kind of learning, the case's learning themes and what was written "
                     "(several lines stay in one cell and print wrapped).", "Learning",
                     [Column("Case ref", width=20), Column("Team name", width=18), Column("Agency part", width=18),
                      Column("Kind", width=22), Column("Themes", width=28),
                      Column("What the auditor wrote", width=80)], rows)
    counts = Counter()
    cases = defaultdict(set)
    for case, _, agency, _, themes, _ in items:
        for theme in themes or [NOT_AVAILABLE]:
            counts[(theme, agency)] += 1
            cases[(theme, agency)].add(case)
    theme_rows = [[theme, agency, n, len(cases[(theme, agency)])]
                  for (theme, agency), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    themes = Sheet("Themes", "Learning by theme and agency",
                   "How many pieces of learning, and from how many cases, each learning theme drew from each "
                   "agency part, most first; learning from a case with no theme named is under [x].", "Themes",
                   [Column("Theme", width=40), Column("Agency part", width=20), Column("Learning items", "count"),
                    Column("Cases", "count")], theme_rows)
    return [learning, themes]


def action_columns(owner_heading: str) -> list[Column]:
    return [Column("Action ref", width=12), Column("Programme", width=26), Column("Action", width=50),
            Column("Finding it answers", width=50), Column("Question id", width=22),
            Column("Team or agency", width=22), Column(owner_heading, width=22), Column("Priority", width=10),
            Column("Due", "date"), Column("Status", width=18), Column("Latest progress", width=50),
            Column("Overdue", width=10), Column("Days open", "count")]


def action_values(a: ActionRow) -> list:
    return [a.reference, a.programme, a.description, a.finding, a.question_id or NOT_APPLICABLE, a.owned_by,
            a.owner or NOT_AVAILABLE, a.priority, a.due, a.status, a.latest_progress or NOT_AVAILABLE,
            _yes_no(a.overdue), a.days_open]


def actions_sheet(data: FindingsExport) -> Sheet:
    return Sheet("Actions", "Actions raised from the findings",
                 "Every action the programme raised, with the finding it answers, who owns it, when it is "
                 "due, its status and latest progress.", "Actions", action_columns("Owner"),
                 [action_values(a) for a in data.actions])


def outcomes_sheet(data: FindingsExport) -> Sheet:
    rows = [[r.grade_group, r.audited, r.came_back, r.did_not, r.not_known, r.known, _pct(r.came_back_pct),
             _yes_no(r.small_base), r.re_referred_before] for r in (data.outcomes or [])]
    description = ("Whether audited children came back, counted from the audit date (a new referral within "
                   "12 months, or a new plan within 24 months, after the audit; not known yet until the case "
                   "data reaches the end of that window), by the case's grade after moderation [note 5]. "
                   "A re-referral before the audit is its own column, not an outcome.")
    if data.outcomes is None:
        description += " Not available: no case data has been loaded."
    elif data.outcomes_until:
        description += f" Case data loaded up to {data.outcomes_until:%d %B %Y}."
    return Sheet("Outcomes", "Findings against outcomes", description, "Outcomes",
                 [Column("Grade after moderation", width=36), Column("Audited", "count"),
                  Column("Came back", "count"), Column("Did not come back", "count"),
                  Column("Not known yet", "count"), Column("Known", "count"), Column("Came back %", "percent"),
                  Column("Small base"), Column("Re-referred before the audit", "count")], rows)


def reaudit_sheet(data: FindingsExport) -> Sheet:
    rows = [[r.question_id, agency_label(r.agency), r.label, r.measure, r.before_count, r.before_base,
             _pct(r.before_pct), r.after_count, r.after_base, _pct(r.after_pct),
             NOT_APPLICABLE if r.change is None else r.change, r.direction] for r in data.comparison]
    earlier = f"the earlier programme \"{data.earlier}\"" if data.earlier else "an earlier programme"
    description = (f"The share answering well on each yes-or-no and grade question, in {earlier} of the same "
                   "questionnaire and in this one, with the change in percentage points [note 1] [note 7].")
    if not data.earlier:
        description += " Not applicable: there is no earlier programme of this questionnaire."
    return Sheet("Re-audit", "Compared with the previous audit", description, "ReAudit",
                 [Column("Question id", width=26), Column("Agency part", width=22), Column("Question", width=60),
                  Column("Counted as", width=16), Column("Before", "count"), Column("Base before", "count"),
                  Column("Before %", "percent"), Column("Now", "count"), Column("Base now", "count"),
                  Column("Now %", "percent"), Column("Change (points)", "rate", width=16),
                  Column("Direction of travel", width=22)], rows)


def findings_sheets(data: FindingsExport) -> list[Sheet]:
    return [summary_sheet(data), grades_sheet(data), yes_sheet(data), questions_sheet(data),
            question_list_sheet(data), cases_sheet(data), *moderation_sheets(data), *learning_sheets(data),
            actions_sheet(data), reaudit_sheet(data), outcomes_sheet(data),
            family_feedback_sheet(data), family_views_sheet(data),
            *([practitioners_sheet(data.practitioners)] if data.practitioners is not None else [])]


def write_findings_workbook(data: FindingsExport, target) -> int:
    """Writes the workbook; returns the number of table rows written (for the audit trail)."""
    identifiable = " (IDENTIFIABLE)" if isinstance(data.pseudonyms, Identifiable) else ""
    return write_workbook(WorkbookSpec(f"Audit findings: {data.title}{identifiable}", data.cover, NOTES,
                                       findings_sheets(data), data.marking), target)


def exported_line(user_name: str, when: datetime, version: str) -> str:
    return f"Exported by {user_name} on {when:%d %B %Y at %H:%M} UTC from Casefile QA version {version}."
