"""The findings workbook's sheets about who took part beside the auditors (issue 25): what
families told us, each family's view beside their case's grades, and how practitioners took
part. Counts, reviewed words and pseudonymised case refs only."""
from __future__ import annotations

from typing import TYPE_CHECKING

from audit_tools.workbooks.layout import NOT_APPLICABLE, NOT_AVAILABLE, Column, Sheet

if TYPE_CHECKING:
    from audit_tools.workbooks.findings_workbook import FindingsExport


def family_feedback_sheet(data: "FindingsExport") -> Sheet:
    """Families' answers counted per question, with their base; 1 to 5 withheld as [c]."""
    rows = [[q.label, a.label, a.count, a.share / 100 if isinstance(a.share, (int, float)) else
             (a.share if a.share is not None else NOT_APPLICABLE), q.base]
            for q in data.family_questions for a in q.answers]
    return Sheet("Family feedback", "What families told us",
                 "How many families gave each answer to each question, with the number who answered (the base). "
                 "A count of 1 to 5 families, and every count of a question answered by 1 to 5, is [c].",
                 "FamilyFeedback", [Column("Question", width=60), Column("Answer", width=20),
                                    Column("Families", "count"), Column("% of base", "percent"),
                                    Column("Base", "count")], rows)


def family_views_sheet(data: "FindingsExport") -> Sheet:
    """Each family's view beside the grades of the audit of their case (pseudonymised case ref)."""
    rows = [[data.pseudonyms.case(v.case_id), v.kind, v.understood_why, v.listened, v.things_better,
             v.grade_before or NOT_AVAILABLE, v.grade_after or NOT_AVAILABLE,
             v.quote if v.quote else NOT_AVAILABLE] for v in data.family_views]
    return Sheet("Family views", "Each family's view beside their case's grades",
                 "One row per family that answered: their answers, the auditor's overall grade and the grade "
                 "after moderation of the audit of their case, and their words only once a QA lead has "
                 "reviewed them (names and details taken out).", "FamilyViews",
                 [Column("Case ref", width=20), Column("From", width=26), Column("Understood why", width=16),
                  Column("Listened to", width=14), Column("Things better", width=16),
                  Column("Auditor grade", width=22), Column("Grade after moderation", width=22),
                  Column("In their own words (reviewed)", width=60)], rows)


def _count_row(figure, what, count, base):
    # A share as the other sheets show one: a percentage to one place, as a fraction for Excel.
    return [figure, what, count, base, round(count * 100 / base, 1) / 100 if base else NOT_APPLICABLE]


def practitioners_sheet(involvement) -> Sheet:
    """Issue 25: how practitioners took part, whether they agreed with each graded judgement, and
    how useful they found the audit. Counts only: no practitioner and no reflection is named."""
    rows = [_count_row("Practitioner invited", NOT_APPLICABLE, involvement.invited, involvement.audits),
            _count_row("Took part (reflection recorded)", NOT_APPLICABLE, involvement.took_part, involvement.invited),
            _count_row("Learning signed off by both", NOT_APPLICABLE, involvement.signed_off, involvement.invited)]
    for row in involvement.agreement:
        rows.append(_count_row("Agrees with the graded judgement", row.label, row.agree, row.answered))
        rows.append(_count_row("Disagrees with the graded judgement", row.label, row.disagree, row.answered))
    for score, label in involvement.usefulness_labels.items():
        rows.append(_count_row("Usefulness", f"{score}: {label}", involvement.usefulness.get(score, 0),
                               involvement.rated))
    return Sheet("Practitioners", "Practitioners taking part in the audit of their case",
                 "How many practitioners were invited, took part and signed off the learning agreed with "
                 "the auditor; whether they agreed with each graded judgement; how useful they found the "
                 "audit. A practitioner's view never changes a grade.", "Practitioners",
                 [Column("Figure", width=36), Column("Question or rating", width=46), Column("Count", "count"),
                  Column("Base", "count"), Column("Percent", "percent")], rows)
