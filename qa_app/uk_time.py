"""Times as people in England read them: the database keeps naive UTC, pages show UK time
(Europe/London, so British Summer Time from late March to late October)."""
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")


def uk_time(value: datetime) -> datetime:
    """A stored naive-UTC time (or an aware one) in UK time."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UK)


def uk_day(value: datetime) -> date:
    return uk_time(value).date()
