"""Import batches and the staging rows an import is checked in before anything real changes."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from audit_tools.readers.formats import FORMATS
from qa_app.extensions import db
from qa_app.models.base import utcnow
from qa_app.models.user import User


# Built from the registry of import formats (audit_tools/readers/formats.py): REFERRALS,
# CP_PLANS, ANNEX_A, CIN_CENSUS, and one member for each format added there.
ImportKind = enum.StrEnum("ImportKind", {kind.upper().replace("-", "_"): kind for kind in FORMATS})
ImportKind.label = property(lambda self: FORMATS[self.value].label)
ImportKind.file_types = property(lambda self: FORMATS[self.value].file_types)


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    CHECKING = "checking"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ImportBatch(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))  # as uploaded; shown, never used as a path
    checksum: Mapped[str] = mapped_column(String(64))  # SHA-256 of the file
    status: Mapped[str] = mapped_column(String(20), default=ImportStatus.QUEUED.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    rows_processed: Mapped[int] = mapped_column(default=0)
    # {"referrals": {"added": n, "updated": n, "unchanged": n}, "cp_plans": {...}, "children": {...}}
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    errors: Mapped[list] = mapped_column(JSON, default=list)  # the first 100, as dicts
    error_count: Mapped[int] = mapped_column(default=0)
    warnings: Mapped[list] = mapped_column(JSON, default=list)  # the first 100, as dicts
    warning_count: Mapped[int] = mapped_column(default=0)
    dropped_columns: Mapped[list] = mapped_column(JSON, default=list)
    # What was found where: {"notes": ["List 3: sheet 'List 3 - Referrals', headings on row 2",
    # "CIN census schema 2024/25 ..."], "headings": [[where, heading in the file, read as, how]]}
    layout: Mapped[dict] = mapped_column(JSON, default=dict)
    # The QA lead chose to import with bad cells in optional columns left blank (docs/decisions.md).
    blank_bad_optional: Mapped[bool] = mapped_column(default=False)
    blanked: Mapped[list] = mapped_column(JSON, default=list)  # the first 100 cells left blank, as dicts
    blanked_count: Mapped[int] = mapped_column(default=0)
    retry_of_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))  # the refused batch

    created_by: Mapped[User | None] = relationship()

    @property
    def kind_label(self) -> str:
        return ImportKind(self.kind).label

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)


class StagedChild(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int]  # no foreign key: see migration 0014
    child_id: Mapped[str] = mapped_column(String(64))
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(40))
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[str | None] = mapped_column(String(100))

    # Only the batch is indexed: staging is written once and read in bulk, so more indexes
    # would cost more to keep up than they save.
    __table_args__ = (Index("ix_staged_child_batch", "batch_id"),)


class StagedReferral(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int]  # no foreign key: see migration 0014
    location: Mapped[str] = mapped_column(String(120))  # where in the file, for messages
    referral_id: Mapped[str] = mapped_column(String(64))
    child_id: Mapped[str] = mapped_column(String(64))
    referral_date: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(30))
    source: Mapped[str | None] = mapped_column(String(4))
    team: Mapped[str | None] = mapped_column(String(100))

    __table_args__ = (Index("ix_staged_referral_batch", "batch_id"),)


class StagedPlan(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int]  # no foreign key: see migration 0014
    location: Mapped[str] = mapped_column(String(120))
    plan_id: Mapped[str] = mapped_column(String(64))
    child_id: Mapped[str] = mapped_column(String(64))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str | None] = mapped_column(String(3))
    team: Mapped[str | None] = mapped_column(String(100))
    previous_plans: Mapped[int | None]

    __table_args__ = (Index("ix_staged_plan_batch", "batch_id"),)
