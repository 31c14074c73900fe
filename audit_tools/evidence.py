"""Checks on a file uploaded as evidence that an action is done, before it is kept.

The same rules as case-data files: the name must be a plain file name of a kind we accept,
the content must be what the name says, and Office files are measured as zip archives before
anything opens them. Evidence is never opened by the app, only stored and handed back as a
download, so these checks are about not keeping (and later serving) something else.
"""
from pathlib import Path

from audit_tools.readers.common import FileRejected
from audit_tools.readers.safety import TEXT_ENCODINGS, check_office_archive

# ending -> (what it is, the bytes it must start with, or None for text)
EVIDENCE_TYPES = {
    "pdf": ("a PDF", b"%PDF-"),
    "docx": ("a Word document", b"PK\x03\x04"),
    "xlsx": ("an Excel workbook", b"PK\x03\x04"),
    "png": ("a PNG image", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("a JPEG image", b"\xff\xd8\xff"),
    "jpeg": ("a JPEG image", b"\xff\xd8\xff"),
    "txt": ("a text file", None),
    "csv": ("a CSV file", None),
}
CONTENT_TYPES = {"pdf": "application/pdf",
                 "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
                 "txt": "text/plain", "csv": "text/csv"}
OFFICE_PARTS = {"docx": ("word/document.xml", "document", "a Word document"),
                "xlsx": ("xl/workbook.xml", "workbook", "an Excel workbook")}


def evidence_type(file_name: str) -> str:
    """The file's ending, if it is one we keep; a name with a folder in it is refused."""
    if not file_name or "/" in file_name or "\\" in file_name or file_name.startswith(".") or "\x00" in file_name:
        raise FileRejected(f"{file_name!r}: give the file a plain name, without folders")
    suffix = Path(file_name).suffix.lower().lstrip(".")
    if suffix not in EVIDENCE_TYPES:
        kinds = ", ".join(f".{k}" for k in EVIDENCE_TYPES)
        raise FileRejected(f"{file_name}: evidence must be one of these kinds of file: {kinds}")
    return suffix


def check_evidence_file(path, file_name: str, max_bytes: int) -> str:
    """Raise FileRejected unless the file is safe to keep; return its ending."""
    suffix = evidence_type(file_name)
    size = Path(path).stat().st_size
    if size == 0:
        raise FileRejected(f"{file_name}: the file is empty")
    if size > max_bytes:
        raise FileRejected(f"{file_name}: the file is {size / 1024 ** 2:,.1f} MB; evidence files "
                           f"must be {max_bytes / 1024 ** 2:,.0f} MB or smaller")
    what, magic = EVIDENCE_TYPES[suffix]
    with open(path, "rb") as handle:
        head = handle.read(8192)
    if magic is not None:
        if not head.startswith(magic):
            raise FileRejected(f"{file_name}: this is not {what}, although its name says so")
        if suffix in OFFICE_PARTS:
            check_office_archive(path, file_name, *OFFICE_PARTS[suffix])
        return suffix
    if b"\x00" in head:
        raise FileRejected(f"{file_name}: this is not {what}: it holds binary content")
    for encoding in TEXT_ENCODINGS:
        try:
            Path(path).read_text(encoding=encoding)
            return suffix
        except UnicodeDecodeError:
            continue
    raise FileRejected(f"{file_name}: the text is in an encoding we cannot read; save it as UTF-8")
