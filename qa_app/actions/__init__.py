"""Actions: raised from audits, worked by teams and agencies, verified by QA leads."""
