"""Queries counted by question, for the findings workbook: counts only, no words, no names."""
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from qa_app.extensions import db
from qa_app.models import AnswerQuery, CaseAudit, QueryStatus
from qa_app.services.case_audits import LEAD


@dataclass
class QueryCount:
    question_id: str
    agency: str | None  # None for the lead auditor's part, as the workbook's other sheets have it
    queries: int
    still_open: int

    @property
    def closed(self) -> int:
        return self.queries - self.still_open


def counts_by_question(programme_id: int) -> list[QueryCount]:
    rows = db.session.execute(
        select(AnswerQuery.part, AnswerQuery.question_id, AnswerQuery.status, func.count())
        .join(CaseAudit, CaseAudit.id == AnswerQuery.case_audit_id)
        .where(CaseAudit.programme_id == programme_id)
        .group_by(AnswerQuery.part, AnswerQuery.question_id, AnswerQuery.status)).all()
    total, still_open = Counter(), Counter()
    for part, question_id, status, n in rows:
        key = (None if part == LEAD else part, question_id)
        total[key] += n
        if status == QueryStatus.OPEN:
            still_open[key] += n
    return [QueryCount(question_id, agency, total[(agency, question_id)], still_open[(agency, question_id)])
            for agency, question_id in sorted(total, key=lambda k: (k[0] or "", k[1]))]
