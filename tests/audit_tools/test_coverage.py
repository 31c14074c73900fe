"""What the case data covers against the period asked for, and comparisons with nothing in them."""
from datetime import date

from audit_tools.coverage import SourceRange, coverage_of
from audit_tools.workbooks.board_pack import direction

REFERRALS = SourceRange("Referrals", date(2011, 4, 1), date(2015, 9, 30))
PLANS = SourceRange("Child protection plans", date(2011, 4, 3), date(2015, 9, 28))


def test_a_year_the_data_never_reaches_is_not_covered_and_says_what_the_data_holds():
    coverage = coverage_of(date(2024, 4, 1), date(2025, 3, 31), [REFERRALS])
    assert coverage.kind == "none"
    assert "Referrals: 1 April 2011 to 30 September 2015." in coverage.reason()


def test_a_year_the_data_stops_inside_is_partial_and_ends_at_the_earliest_source_end():
    coverage = coverage_of(date(2015, 4, 1), date(2016, 3, 31), [REFERRALS, PLANS])
    assert coverage.kind == "partial" and coverage.data_ends == date(2015, 9, 28)
    assert "ends on 28 September 2015" in coverage.reason()
    assert coverage_of(date(2014, 4, 1), date(2015, 3, 31), [REFERRALS, PLANS]).kind == "full"
    assert coverage_of(date(2014, 4, 1), date(2015, 3, 31), [SourceRange("Referrals", None, None)]).kind == "none"


def test_direction_of_travel_is_x_when_there_is_nothing_to_compare():
    assert direction(0, 0) == "[x]" and direction(None, 5) == "[x]" and direction(5, None) == "[x]"
    assert direction(3, 3) == "No change" and direction(0, 2) == "Down"
