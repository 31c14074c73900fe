"""Checks made before a file is parsed: does its content match its type, and is it safe to open?

An XLSX is a zip archive, so a hostile one can expand to gigabytes ("zip bomb") or hold
thousands of members; both are measured from the archive's directory before openpyxl sees it.
"""
import zipfile
from pathlib import Path

from audit_tools.readers.common import FileRejected

XLSX_MAX_MEMBERS = 1_000
XLSX_MAX_UNCOMPRESSED = 1024 ** 3  # 1 GiB in all
XLSX_MAX_RATIO = 200  # uncompressed ÷ compressed for any one member
TEXT_ENCODINGS = ("utf-8-sig", "cp1252")

KINDS = {"csv": "a CSV file", "xlsx": "an Excel workbook (.xlsx)", "xml": "an XML file"}


def file_type_of(file_name: str) -> str:
    suffix = Path(file_name).suffix.lower().lstrip(".")
    if suffix not in KINDS:
        raise FileRejected(f"{file_name}: the file must be a .csv, .xlsx or .xml file")
    return suffix


def check_file(path, file_name: str, expected_type: str) -> str | None:
    """Raise FileRejected unless the content is what the type says. Returns the text encoding
    for CSV files."""
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if not head:
        raise FileRejected(f"{file_name}: the file is empty")
    if expected_type == "xlsx":
        if not head.startswith(b"PK\x03\x04"):
            raise FileRejected(f"{file_name}: this is not an Excel workbook (.xlsx), although its "
                               "name says so. Open it in Excel and save it as .xlsx")
        _check_xlsx_archive(path, file_name)
        return None
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(f"{file_name}: this is a spreadsheet, not {KINDS[expected_type]}. "
                           "Upload it with the .xlsx ending, or save it as CSV")
    if b"\x00" in head:
        raise FileRejected(f"{file_name}: this is not a text file ({KINDS[expected_type]} was expected)")
    encoding = _text_encoding(path, file_name)
    if expected_type == "xml":
        text = head.decode(encoding, errors="replace").lstrip("\ufeff \t\r\n")
        if not text.startswith("<"):
            raise FileRejected(f"{file_name}: this is not an XML file: it should start with '<'")
    return encoding


def _text_encoding(path, file_name) -> str:
    for encoding in TEXT_ENCODINGS:
        try:
            with open(path, encoding=encoding) as handle:
                while handle.read(1 << 20):
                    pass
            return encoding
        except UnicodeDecodeError:
            continue
    raise FileRejected(f"{file_name}: the text is in an encoding we cannot read; save it as UTF-8")


def _check_xlsx_archive(path, file_name) -> None:
    check_office_archive(path, file_name, "xl/workbook.xml", "workbook", "an Excel workbook")


def check_office_archive(path, file_name, main_part: str, noun: str, kind: str) -> None:
    """Refuse a zip-based Office file (workbook or document) that is damaged, has more parts
    than a real one, or would expand like a zip bomb; before anything opens it."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > XLSX_MAX_MEMBERS:
                raise FileRejected(f"{file_name}: the {noun} has {len(members):,} parts, more "
                                   f"than the {XLSX_MAX_MEMBERS:,} a real {noun} has")
            total = sum(member.file_size for member in members)
            if total > XLSX_MAX_UNCOMPRESSED:
                raise FileRejected(f"{file_name}: the {noun} would expand to {total / 1024 ** 2:,.0f} MB, "
                                   "more than this service opens (1,024 MB)")
            for member in members:
                if member.compress_size and member.file_size / member.compress_size > XLSX_MAX_RATIO:
                    raise FileRejected(f"{file_name}: part {member.filename!r} is compressed "
                                       "suspiciously far, as in a zip bomb; the file was not opened")
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or main_part not in names:
                raise FileRejected(f"{file_name}: this zip file is not {kind}")
    except zipfile.BadZipFile:
        raise FileRejected(f"{file_name}: the {noun} is damaged and cannot be opened") from None
