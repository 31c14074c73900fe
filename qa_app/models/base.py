from datetime import UTC, datetime


def utcnow() -> datetime:
    """Naive UTC: every timestamp in the database is UTC, on SQLite and PostgreSQL alike."""
    return datetime.now(UTC).replace(tzinfo=None)
