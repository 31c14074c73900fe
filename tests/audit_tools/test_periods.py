from datetime import date

import pytest

from audit_tools.periods import (add_months, calendar_year, financial_quarter, financial_year,
                                 parse_period)


def test_29_february_minus_12_months_is_28_february():
    assert add_months(date(2016, 2, 29), -12) == date(2015, 2, 28)
    assert add_months(date(2016, 3, 31), -1) == date(2016, 2, 29)


def test_financial_years_and_quarters():
    assert financial_year(2015).start == date(2015, 4, 1)
    assert financial_year(2015).end == date(2016, 3, 31)
    assert financial_year(2015).label == "2015/16"
    q1 = financial_quarter(2014, 1)
    assert (q1.start, q1.end, q1.label) == (date(2014, 4, 1), date(2014, 6, 30), "Q1 2014/15")
    q4 = financial_quarter(2015, 4)
    assert (q4.start, q4.end) == (date(2016, 1, 1), date(2016, 3, 31))
    assert calendar_year(2015).days == 365


def test_same_period_last_year():
    last = financial_quarter(2015, 2).same_period_last_year()
    assert (last.start, last.end, last.label) == (date(2014, 7, 1), date(2014, 9, 30), "Q2 2014/15")


@pytest.mark.parametrize("text, start, end", [
    ("2015/16", date(2015, 4, 1), date(2016, 3, 31)),
    ("Q1 2014/15", date(2014, 4, 1), date(2014, 6, 30)),
    ("2015", date(2015, 1, 1), date(2015, 12, 31)),
    ("2015-04-01..2015-09-30", date(2015, 4, 1), date(2015, 9, 30)),
])
def test_parse_period(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["2015/17", "Q5 2015/16", "last year", "2015-09-30..2015-04-01"])
def test_parse_period_refuses_nonsense(text):
    with pytest.raises(ValueError):
        parse_period(text)
