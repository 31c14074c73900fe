"""Case data loaded from council files: children, referrals, CP plans, population, benchmarks."""
from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qa_app.extensions import db


class Child(db.Model):
    child_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the council's id
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[str | None] = mapped_column(String(40))
    ethnicity: Mapped[str | None] = mapped_column(String(40))
    disability: Mapped[str | None] = mapped_column(String(100))


class Referral(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[str] = mapped_column(String(64), unique=True)  # the council's id
    child_id: Mapped[str] = mapped_column(ForeignKey("child.child_id"))
    referral_date: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(30))  # audit_tools.records.DECISIONS
    source: Mapped[str | None] = mapped_column(String(4))  # DfE referral source code
    team: Mapped[str | None] = mapped_column(String(100))
    # The import that last wrote this row.
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))

    __table_args__ = (
        # Covers a year's measures: they read only this index (case_data.referral_history).
        Index("ix_referral_date_child_decision", "referral_date", "child_id", "decision"),
        Index("ix_referral_child_date", "child_id", "referral_date"),
    )


class CPPlan(db.Model):
    __tablename__ = "cp_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(64), unique=True)  # the council's id
    child_id: Mapped[str] = mapped_column(ForeignKey("child.child_id"))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    category: Mapped[str | None] = mapped_column(String(3))  # NEG, PHY, SAB, EMO, MUL
    team: Mapped[str | None] = mapped_column(String(100))
    # Annex A's "Number of Previous Child Protection Plans", where the file gave it.
    previous_plans: Mapped[int | None]
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))

    __table_args__ = (
        Index("ix_cp_plan_start_date", "start_date"),
        Index("ix_cp_plan_child_start", "child_id", "start_date"),
    )


class ChildPopulation(db.Model):
    """ONS mid-year estimate of children aged 0-17. `year` 2015 is the mid-2015 estimate, used
    for the financial year 2015/16 and every period that starts in it."""

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    population: Mapped[int]


class Benchmark(db.Model):
    """A published comparator figure, such as England's re-referral % for 2014/15."""

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(40))  # see qa_app.services.benchmarks.MEASURES
    period: Mapped[str] = mapped_column(String(20))  # "2014/15", "Q2 2014/15" or "2014"
    comparator: Mapped[str] = mapped_column(String(20))  # "SN" or "England"
    value: Mapped[float]

    __table_args__ = (UniqueConstraint("measure", "period", "comparator",
                                       name="uq_benchmark_measure_period_comparator"),)
