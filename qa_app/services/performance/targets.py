"""Targets QA leads set for the board pack's measures, each change in the audit trail."""
from sqlalchemy import select

from audit_tools.judgements import MEASURES, POLARITIES, Target
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import MeasureTarget
from qa_app.services.audit_trail import record_event


class TargetError(ValueError):
    pass


def targets() -> list[Target]:
    return [Target(t.measure, t.target, t.amber_tolerance, t.polarity, t.from_year)
            for t in db.session.scalars(select(MeasureTarget).order_by(MeasureTarget.measure, MeasureTarget.from_year))]


def set_target(measure: str, target: float, amber_tolerance: float, polarity: str, from_year: int, user=None) -> None:
    """Add or replace the target for a measure from a financial year on."""
    if measure not in MEASURES:
        raise TargetError("Choose a measure")
    if polarity not in POLARITIES:
        raise TargetError("Choose whether higher or lower is good performance, or neither")
    if not 2000 <= from_year <= 2100:
        raise TargetError("Enter the first year of the financial year it applies from, like 2015 for 2015/16")
    if target < 0 or (MEASURES[measure][2] == "percent" and target > 100):
        raise TargetError("Enter a target of 0 or more (a percentage up to 100)")
    if amber_tolerance < 0:
        raise TargetError("Enter an amber tolerance of 0 or more")
    with write_transaction():
        row = db.session.scalars(select(MeasureTarget).filter_by(measure=measure, from_year=from_year)).first()
        before = None if row is None else {"target": row.target, "amber_tolerance": row.amber_tolerance,
                                           "polarity": row.polarity}
        if row is None:
            row = MeasureTarget(measure=measure, from_year=from_year)
            db.session.add(row)
        row.target, row.amber_tolerance, row.polarity = target, amber_tolerance, polarity
        row.set_by_id = user.id if user is not None else None
        record_event("target_set", actor=user, object_type="measure_target", object_id=f"{measure} from {from_year}",
                     details={"before": before, "after": {"target": target, "amber_tolerance": amber_tolerance,
                                                          "polarity": polarity}})
