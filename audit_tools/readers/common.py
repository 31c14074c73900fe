"""What every reader shares: the report, value parsers and header matching."""
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import date, datetime, timedelta

from audit_tools.records import ABUSE_CATEGORIES, REFERRAL_SOURCES

MAX_ERRORS_SHOWN = 100
# Ids of rows refused for a cell error, kept for the duplicate check (ImportReport.row_refused):
# enough for any file a person corrects by hand, bounded for one whose every row is wrong.
MAX_REFUSED_IDS = 100_000
EXCEL_EPOCH = date(1899, 12, 30)
# Referral, plan and enquiry dates before this are refused: the Children Act 1989 (section 47,
# child protection plans as recorded now) came into force in October 1991 (docs/decisions.md).
EARLIEST_CASE_DATE = date(1990, 1, 1)


class FileRejected(Exception):
    """The file as a whole cannot be read (wrong type, too large, hostile). Nothing is written."""


@dataclass(frozen=True)
class ImportProblem:
    file: str
    location: str | None  # "row 12", or an XML element such as "Child 3 > CINdetails 2"
    column: str | None
    value: str | None
    expected: str
    blankable: bool = False  # in an optional column: the file may be imported with it left blank
    kind: str | None = None  # a warning's kind (qa_app.services.data_quality.KINDS), to group and count

    def __str__(self) -> str:
        parts = [self.file]
        if self.location:
            parts.append(self.location)
        if self.column:
            parts.append(f"column '{self.column}'")
        where = ", ".join(parts)
        shown = "" if self.value is None else f"'{self.value}': "
        return f"{where}: {shown}{self.expected}"

    @classmethod
    def from_dict(cls, stored: dict) -> "ImportProblem":
        return cls(stored["file"], stored.get("location"), stored.get("column"),
                   stored.get("value"), stored["expected"], stored.get("blankable", False),
                   stored.get("kind"))

    def as_dict(self) -> dict:
        stored = {"file": self.file, "location": self.location, "column": self.column,
                  "value": self.value, "expected": self.expected}
        if self.blankable:
            stored["blankable"] = True
        if self.kind:
            stored["kind"] = self.kind
        return stored


@dataclass
class ImportReport:
    """Errors (the file writes nothing), warnings (it imports, with a note), cells left blank at
    the QA lead's request, and what was found where (sheets, heading rows, schema year)."""

    file: str
    errors: list[ImportProblem] = field(default_factory=list)
    error_count: int = 0
    warnings: list[ImportProblem] = field(default_factory=list)
    warning_count: int = 0
    warning_kinds: dict[str, int] = field(default_factory=dict)
    dropped_columns: list[str] = field(default_factory=list)
    rows_read: int = 0
    today: date = field(default_factory=date.today)  # the import day: later dates cannot have happened
    blank_bad_optional: bool = False  # leave bad cells of optional columns blank instead of refusing
    blanked: list[ImportProblem] = field(default_factory=list)
    blanked_count: int = 0
    hard_error_count: int = 0  # errors that leaving optional cells blank would not cure
    layout: list[str] = field(default_factory=list)  # "List 3: sheet 'List 3 - Referrals', headings on row 2"
    headings: list[list[str]] = field(default_factory=list)  # [where, heading in the file, read as, how]
    end_date: date | None = None  # the day the file describes (a census's ReferenceDate), if it says
    # {id column: {id: [locations]}} of rows refused for a cell error: not staged, but their ids
    # are in the file, so a duplicate with them is named in the same round (issue 24).
    refused_ids: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    refused_id_count: int = 0

    def error(self, location, column, value, expected, blankable=False) -> None:
        self.error_count += 1
        if not blankable:
            self.hard_error_count += 1
        if len(self.errors) < MAX_ERRORS_SHOWN:
            self.errors.append(ImportProblem(self.file, location, column, _shown(value), expected, blankable))

    def row_refused(self, location, column, record_id) -> None:
        """A row refused for a cell error had this id (its id cell itself was good)."""
        if record_id is None or self.refused_id_count >= MAX_REFUSED_IDS:
            return
        self.refused_id_count += 1
        self.refused_ids.setdefault(column, {}).setdefault(record_id, []).append(location)

    def warning(self, location, column, value, expected, kind="file") -> None:
        """Kept: the first 100 of each kind, so one common warning does not hide the others."""
        self.warning_count += 1
        self.warning_kinds[kind] = self.warning_kinds.get(kind, 0) + 1
        if self.warning_kinds[kind] <= MAX_ERRORS_SHOWN:
            self.warnings.append(ImportProblem(self.file, location, column, _shown(value), expected,
                                               kind=kind))

    def blank(self, location, column, value, expected) -> None:
        """A bad optional cell imported as blank, as the QA lead chose."""
        self.blanked_count += 1
        if len(self.blanked) < MAX_ERRORS_SHOWN:
            self.blanked.append(ImportProblem(self.file, location, column, _shown(value), expected, True))

    def event_date_problem(self, day: date, latest: date | None = None, latest_label: str = "") -> str | None:
        """What is wrong with a referral, plan or enquiry date, or None (docs/decisions.md)."""
        if day > self.today:
            return (f"expected a date on or before the day of import ({self.today:%d/%m/%Y}): it "
                    "cannot have happened yet (31/12/2999 and the like are 'no date' placeholders)")
        if latest is not None and day > latest:
            return f"expected a date on or before {latest_label} ({latest:%d/%m/%Y})"
        if day < EARLIEST_CASE_DATE:
            return (f"expected a date on or after {EARLIEST_CASE_DATE:%d/%m/%Y}: earlier dates are "
                    "placeholders or typing slips (01/01/1900)")
        return None

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def only_blankable_errors(self) -> bool:
        """Every error is a bad cell in an optional column, so the QA lead may import with them blank."""
        return self.error_count > 0 and self.hard_error_count == 0

    @property
    def errors_not_shown(self) -> int:
        return self.error_count - len(self.errors)


def _shown(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "..."


class BadValue(ValueError):
    """A cell that is not what its column needs; the message says what was expected."""


def header_key(heading) -> str:
    """Headings match ignoring case, spaces and punctuation: "Date of Referral" = "date_of_referral"."""
    return re.sub(r"[^a-z0-9]", "", str(heading or "").lower())


def clean_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).replace("\xa0", " ").strip()
    return text or None


def strip_code_prefix(text: str) -> str:
    """Annex A's coded answers carry a letter prefix: "q) 6: Police" -> "6: Police"."""
    return _CODE_PREFIX.sub("", text)


# Ofsted Annex A letters its coded answers "a)" to "u)", with "p1)" for the referral source 5D
# added later (Annex A guidance, lists 1 and 3).
_CODE_PREFIX = re.compile(r"^[a-z]{1,2}\d?\)\s*", re.I)


_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?)?")
_UK = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
DATE_EXPECTED = "a date like 2015-04-01 or 01/04/2015 (day/month/year)"


def parse_date(value) -> date | None:
    """ISO or UK day/month/year text, or a real spreadsheet date. Never guesses day and month."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A spreadsheet date cell without date formatting: a serial day count.
        if 1 <= value < 2958466 and float(value).is_integer():
            return EXCEL_EPOCH + timedelta(days=int(value))
        raise BadValue(DATE_EXPECTED)
    return _parse_date_text(value) if isinstance(value, str) else _parse_date_text(str(value))


@lru_cache(maxsize=8192)
def _parse_date_text(value: str) -> date | None:
    # A file holds a few thousand distinct dates at most, repeated: parse each once.
    text = clean_text(value)
    if text is None:
        return None
    if text.startswith("="):
        raise BadValue("a date, not a formula: save the spreadsheet with its values")
    try:
        if match := _ISO.fullmatch(text):
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _UK.fullmatch(text):
            return date(int(match.group(3)), int(match.group(2)), int(match.group(1)))
    except ValueError:
        raise BadValue(f"a real calendar date ({DATE_EXPECTED})") from None
    raise BadValue(DATE_EXPECTED)


def parse_child_id(value) -> str | None:
    text = clean_text(value)
    if text is not None and len(text) > 64:
        raise BadValue("a child identifier of 64 characters or fewer")
    return text


def parse_identifier(value, what: str) -> str | None:
    text = clean_text(value)
    if text is not None and len(text) > 64:
        raise BadValue(f"a {what} of 64 characters or fewer")
    return text


_DECISIONS = {
    "nfa": "nfa", "nofurtheraction": "nfa",
    "professionalconversation": "professional_conversation", "advice": "professional_conversation",
    "adviceandinformation": "professional_conversation",
    "earlyhelp": "early_help",
    "assessment": "assessment", "swa": "assessment", "socialworkassessment": "assessment",
    "section47": "section_47", "s47": "section_47", "strategys47": "section_47",
    "strategysection47": "section_47",
}
DECISION_EXPECTED = ("one of NFA, professional conversation, early help, assessment (SWA) "
                     "or section 47")


@lru_cache(maxsize=1024)
def parse_decision(value) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    key = header_key(strip_code_prefix(text))
    if key not in _DECISIONS:
        raise BadValue(DECISION_EXPECTED)
    return _DECISIONS[key]


_SOURCE_LABELS = {header_key(label): code for code, label in REFERRAL_SOURCES.items()}


@lru_cache(maxsize=1024)
def parse_referral_source(value) -> str | None:
    """A DfE referral source code, alone ("3D") or as Annex A writes it ("j) 3D: Health services")."""
    text = clean_text(value)
    if text is None:
        return None
    text = strip_code_prefix(text)
    code = text.split(":", 1)[0].strip().upper()
    if code in REFERRAL_SOURCES:
        return code
    if header_key(text) in _SOURCE_LABELS:
        return _SOURCE_LABELS[header_key(text)]
    raise BadValue("a DfE referral source code: 1A-1D, 2A-2B, 3A-3F, 4, 5A-5D, 6, 7, 8, 9 or 10")


_CATEGORY_LABELS = {header_key(label): code for code, label in ABUSE_CATEGORIES.items()}
# Annex A List 7 labels: a) Neglect, b) Physical abuse, c) Sexual abuse, d) Emotional abuse,
# e) Multiple/not recommended (the guidance's label for the CIN census code MUL).
_CATEGORY_LABELS.update({"neglect": "NEG", "physical": "PHY", "sexual": "SAB", "emotional": "EMO",
                         "mixed": "MUL", "multiplemixed": "MUL", "multiplenotrecommended": "MUL"})


@lru_cache(maxsize=1024)
def parse_category(value) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    text = strip_code_prefix(text)
    if text.upper() in ABUSE_CATEGORIES:
        return text.upper()
    key = header_key(text)
    if key in _CATEGORY_LABELS:
        return _CATEGORY_LABELS[key]
    raise BadValue("a category of abuse: NEG, PHY, SAB, EMO or MUL (or Neglect, Physical abuse, "
                   "Sexual abuse, Emotional abuse, Multiple/not recommended)")


@lru_cache(maxsize=4096)
def parse_team(value) -> str | None:
    text = clean_text(value)
    if text is None or text.upper() in {"#N/A", "N/A", "#REF!", "#VALUE!"}:
        return None
    return text[:100]


def parse_yes_no(value) -> bool | None:
    text = clean_text(value)
    if text is None:
        return None
    key = header_key(strip_code_prefix(text))
    if key in {"yes", "y", "true", "1"}:
        return True
    if key in {"no", "n", "false", "0"}:
        return False
    raise BadValue("Yes or No")


NFA_UNKNOWN = "unknown"


def parse_nfa(value) -> bool | str | None:
    """Annex A "Referral NFA?": a) Yes, b) No or c) Unknown (NFA_UNKNOWN), letters optional."""
    text = clean_text(value)
    if text is not None and header_key(strip_code_prefix(text)) in {"unknown", "notknown"}:
        return NFA_UNKNOWN
    try:
        return parse_yes_no(value)
    except BadValue:
        raise BadValue("Yes, No or Unknown (a) Yes, b) No, c) Unknown)") from None


def parse_count(value) -> int | None:
    text = clean_text(value)
    if text is None:
        return None
    if not text.isdigit():
        raise BadValue("a whole number, 0 or more")
    return int(text)


def plain_code(value) -> str | None:
    """A coded answer without its letter prefix: "a) WBRI" -> "WBRI"."""
    text = clean_text(value)
    return strip_code_prefix(text)[:40] if text else None


class IdSequence:
    """Files with no id column (Annex A, CIN census) get ids built from the child and date, with
    a counter for a second record of the same child on the same day, so a re-import of the
    same file gives the same ids."""

    def __init__(self, prefix: str):
        self.prefix = prefix
        self.seen: dict[tuple, int] = {}

    def next_id(self, child_id: str, day: date) -> str:
        key = (child_id, day)
        self.seen[key] = self.seen.get(key, 0) + 1
        base = f"{self.prefix}-{child_id}-{day:%Y%m%d}"
        return base if self.seen[key] == 1 else f"{base}-{self.seen[key]}"
