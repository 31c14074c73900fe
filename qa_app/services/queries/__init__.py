"""Queries on a question (issue 26): a moderator queries one answer of a submitted case audit
(the lead's part or an agency's section), the author answers, the moderator closes the query.

`rules` says who may open, read, answer and close one; `threads` opens, answers and closes them
and lists them; `notices` tells the authors by email; `counts` counts them by question for the
findings workbook. Moderation asks `open_queries_on` before it accepts an audit."""
from qa_app.services.queries.counts import QueryCount, counts_by_question
from qa_app.services.queries.rules import answerers_of, may_answer, may_moderate, may_read
from qa_app.services.queries.threads import (QueryRefused, QuerySummary, close, current_answer, described, get,
                                             open_queries_on, open_query, queries_on, question_of, readable,
                                             waiting_for, why_not_open, write)

__all__ = ["QueryCount", "QueryRefused", "QuerySummary", "answerers_of", "close", "counts_by_question",
           "current_answer", "described", "get", "may_answer", "may_moderate", "may_read", "open_queries_on",
           "open_query", "queries_on", "question_of", "readable", "waiting_for", "why_not_open", "write"]
