"""Periods the measures are counted over: financial years (1 April to 31 March, written
2015/16), their quarters (Q1 = April to June), calendar years, or any dates, all inclusive."""
import calendar
import re
from functools import lru_cache
from dataclasses import dataclass
from datetime import date, timedelta


@lru_cache(maxsize=65536)
def add_months(day: date, months: int) -> date:
    """Calendar-month arithmetic; a day past the end of the month becomes its last day
    (29 February minus 12 months is 28 February)."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    label: str

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"The period ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def same_period_last_year(self) -> "Period":
        start, end = add_months(self.start, -12), add_months(self.end, -12)
        return Period(start, end, _shift_label(self.label, -1) or _dates_label(start, end))


def _shift_label(label: str, years: int) -> str | None:
    match = re.fullmatch(r"(Q[1-4] )?(\d{4})/(\d{2})", label)
    if match:
        first = int(match.group(2)) + years
        return f"{match.group(1) or ''}{financial_year_label(first)}"
    if re.fullmatch(r"\d{4}", label):
        return str(int(label) + years)
    return None


def _dates_label(start: date, end: date) -> str:
    return f"{start:%d %b %Y} to {end:%d %b %Y}"


def financial_year_label(first_year: int) -> str:
    return f"{first_year}/{(first_year + 1) % 100:02d}"


def financial_year(first_year: int) -> Period:
    """financial_year(2015) is 1 April 2015 to 31 March 2016, "2015/16"."""
    return Period(date(first_year, 4, 1), date(first_year + 1, 3, 31), financial_year_label(first_year))


def financial_quarter(first_year: int, quarter: int) -> Period:
    """Quarter 1 of 2015/16 is April to June 2015; quarter 4 is January to March 2016."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("A quarter is 1, 2, 3 or 4")
    start = add_months(date(first_year, 4, 1), 3 * (quarter - 1))
    end = add_months(start, 3) - timedelta(days=1)
    return Period(start, end, f"Q{quarter} {financial_year_label(first_year)}")


def calendar_year(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31), str(year))


def custom(start: date, end: date) -> Period:
    return Period(start, end, _dates_label(start, end))


def financial_year_of(day: date) -> int:
    """The first calendar year of the financial year the day falls in."""
    return day.year if day.month >= 4 else day.year - 1


EARLIEST_YEAR, LATEST_YEAR = 1900, 2100


def parse_period(text: str) -> Period:
    """"2015/16", "Q1 2014/15", "2015" or "2015-04-01..2015-09-30", between 1900 and 2100, so
    that the year before, the two years before and every date sum on it stay real dates."""
    text = text.strip()
    if any(not EARLIEST_YEAR <= int(year) <= LATEST_YEAR for year in re.findall(r"\d{4}", text)):
        raise ValueError(f"Enter a period between {EARLIEST_YEAR} and {LATEST_YEAR}")
    period = _parse_period(text)
    if period.start.year < EARLIEST_YEAR or period.end.year > LATEST_YEAR:
        raise ValueError(f"Enter a period between {EARLIEST_YEAR} and {LATEST_YEAR}")
    return period


def _parse_period(text: str) -> Period:
    if match := re.fullmatch(r"[Qq]([1-4])\s+(\d{4})/(\d{2})", text):
        return financial_quarter(int(match.group(2)), int(match.group(1)))
    if match := re.fullmatch(r"(\d{4})/(\d{2})", text):
        first = int(match.group(1))
        if (first + 1) % 100 != int(match.group(2)):
            raise ValueError(f"{text!r} is not a financial year: write it like 2015/16")
        return financial_year(first)
    if re.fullmatch(r"\d{4}", text):
        return calendar_year(int(text))
    if match := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\s*(?:\.\.|to)\s*(\d{4}-\d{2}-\d{2})", text):
        return custom(date.fromisoformat(match.group(1)), date.fromisoformat(match.group(2)))
    raise ValueError(f"{text!r} is not a period: use 2015/16, Q1 2015/16, 2015 or 2015-04-01..2015-09-30")


def quarters_of(first_year: int) -> list[Period]:
    return [financial_quarter(first_year, q) for q in (1, 2, 3, 4)]
