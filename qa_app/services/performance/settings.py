"""The partnership's own settings, kept by admins in the app: its name on every workbook's Cover."""
from qa_app.db import write_transaction
from qa_app.extensions import db
from qa_app.models import PartnershipSetting
from qa_app.services.audit_trail import record_event

PARTNERSHIP_NAME = "partnership_name"


def setting(name: str) -> str | None:
    row = db.session.get(PartnershipSetting, name)
    return row.value if row else None


def set_partnership_name(value: str, user=None) -> None:
    value = " ".join(value.split())
    if not value or len(value) > 200:
        raise ValueError("Enter the partnership's or council's name, 200 characters or fewer")
    with write_transaction():
        row = db.session.get(PartnershipSetting, PARTNERSHIP_NAME)
        before = row.value if row else None
        if row is None:
            db.session.add(PartnershipSetting(name=PARTNERSHIP_NAME, value=value))
        else:
            row.value = value
        record_event("partnership_name_set", actor=user, object_type="partnership_setting",
                     object_id=PARTNERSHIP_NAME, details={"before": before, "after": value})
