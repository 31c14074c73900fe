"""The registry of import formats: one entry per kind of file the app can load.

The app builds its import kinds, the upload form's choices and accepted file types, the
`import` command's kinds and the import dispatch from FORMATS. To add a format, write its reader
and add one entry here."""
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from audit_tools.readers.annex_a import read_annex_a
from audit_tools.readers.cin_census import read_cin_census
from audit_tools.readers.common import ImportReport
from audit_tools.readers.columnar import CheckedFrame
from audit_tools.readers.house import plan_frame, read_plans, read_referrals, referral_frame
from audit_tools.readers.safety import file_type_of


@dataclass(frozen=True)
class ImportFormat:
    kind: str  # stored on each import batch; never rename one that has been used
    label: str
    file_types: tuple[str, ...]
    reader: Callable[[Path, str, ImportReport], Iterator]  # (path, file name, report) -> records
    # For a big CSV: the same rows checked a column at a time, or None (then `reader` is used).
    frame_reader: Callable[[Path, str, ImportReport], CheckedFrame | None] | None = None

    def read(self, path: Path, file_name: str, report: ImportReport) -> Iterator:
        return self.reader(path, file_name, report)

    def read_frame(self, path: Path, file_name: str, report: ImportReport) -> CheckedFrame | None:
        if self.frame_reader is None or file_type_of(file_name) != "csv":
            return None
        return self.frame_reader(path, file_name, report)


FORMATS = {f.kind: f for f in (
    ImportFormat("referrals", "Referrals (house format CSV or XLSX)", ("csv", "xlsx"),
                 lambda path, name, report: read_referrals(path, name, file_type_of(name), report),
                 referral_frame),
    ImportFormat("cp-plans", "Child protection plans (house format CSV or XLSX)", ("csv", "xlsx"),
                 lambda path, name, report: read_plans(path, name, file_type_of(name), report),
                 plan_frame),
    ImportFormat("annex-a", "Ofsted Annex A workbook (XLSX)", ("xlsx",), read_annex_a),
    ImportFormat("cin-census", "DfE Children in Need census (XML)", ("xml",), read_cin_census),
)}


def import_format(kind: str) -> ImportFormat:
    """The format for a kind; an unknown kind is an error, never read as some other format."""
    try:
        return FORMATS[str(kind)]
    except KeyError:
        raise ValueError(f"There is no import format called {kind!r}") from None
