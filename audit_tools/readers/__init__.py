"""Readers: files in, validated records out, with every problem named by file, row and column.

Each reader yields the records it could read and adds the problems it met to an ImportReport;
the caller writes nothing when the report has errors. Readers stream: a million-row file is
never held in memory.
"""
from audit_tools.readers.common import FileRejected, ImportProblem, ImportReport

__all__ = ["FileRejected", "ImportProblem", "ImportReport"]
