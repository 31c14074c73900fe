"""The registry of import formats: every format is readable, and an unknown kind is refused."""
import pytest

from audit_tools.readers import ImportReport
from audit_tools.readers.formats import FORMATS, import_format


def test_an_unknown_kind_is_refused_rather_than_read_as_a_census(tmp_path):
    census = tmp_path / "c.xml"
    census.write_text("<Message/>")
    with pytest.raises(ValueError, match="no import format called 'cin census'"):
        import_format("cin census").read(census, "c.xml", ImportReport("r.csv"))


def test_each_format_reads_a_file_of_its_own_type(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("child_id,referral_id,referral_date,decision,source,team\nC1,R1,2014-04-02,nfa,,North\n")
    report = ImportReport("r.csv")
    records = list(import_format("referrals").read(path, "r.csv", report))
    assert report.ok and [record.referral_id for _, record in records] == ["R1"]
    assert {kind: f.file_types for kind, f in FORMATS.items()} == {
        "referrals": ("csv", "xlsx"), "cp-plans": ("csv", "xlsx"), "annex-a": ("xlsx",), "cin-census": ("xml",)}
