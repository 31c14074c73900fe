"""DfE Children in Need census XML: each CINdetails is a referral, each ChildProtectionPlans
entry a plan. Parsed with defusedxml, which refuses DTDs, entity expansion and external
entities, and streamed one <Child> at a time.

Schema years 2021 to 2026 (the <Year> in the header: 2022 is the 2021/22 collection). The
2024/25 census (Year 2025) replaced <GenderCurrent> (codes 0, 1, 2, 9) with <Sex> (M, F, U);
both are read, whichever the file has, and the schema year is named on the import page.
Dates after the header's <ReferenceDate> are errors, as in the DfE validator (rule 8600:
"Child referral date missing or after data collection period"). The validator's rules that
bear on a measure are checked on each child's episodes (census_rules): some refuse the file,
some import it with the validator's query."""
from collections.abc import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from xml.etree.ElementTree import ParseError

from audit_tools.readers.common import (EARLIEST_CASE_DATE, BadValue, FileRejected, ImportReport,
                                        IdSequence, clean_text, parse_category, parse_child_id,
                                        parse_count, parse_date, parse_referral_source, parse_yes_no)
from audit_tools.readers import census_rules
from audit_tools.readers.columns import birth_date, plan_dates_in_order
from audit_tools.readers.safety import check_file
from audit_tools.records import Child, CPPlan, Referral

GENDERS = {"0": "Not known", "1": "Male", "2": "Female", "9": "Not stated"}  # <GenderCurrent>, to 2023/24
SEXES = {"M": "Male", "F": "Female", "U": "Unknown"}  # <Sex>, from 2024/25
SCHEMA_YEARS = range(2021, 2027)
FIRST_SEX_YEAR = 2025


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element, path: str):
    """Find by local names, so a namespaced census file reads the same as a plain one."""
    current = [element]
    for step in path.split("/"):
        current = [child for parent in current for child in parent if _local(child.tag) == step]
    return current


def _text(element, path):
    found = _find(element, path)
    return clean_text(found[0].text) if found else None


def schema_label(year: int) -> str:
    return f"{year - 1}/{str(year)[2:]}"


class _Census:
    """What the header says, for checking the children that follow it."""

    def __init__(self, report):
        self.report = report
        self.reference_date = None
        self.year = None
        self.sex_elements = set()
        self.child_numbers = {}  # LAchildID -> the first <Child> it was on (rule 8510)

    def report_finding(self, finding) -> None:
        """A validator rule's finding: an error that refuses the file, or a query."""
        if finding.refuses:
            self.report.error(finding.where, finding.column, finding.value, finding.text)
        else:
            self.report.warning(finding.where, finding.column, finding.value, finding.text,
                                kind=f"rule_{finding.code}")

    def read_header(self, header) -> None:
        report = self.report
        try:
            self.reference_date = parse_date(_text(header, "CollectionDetails/ReferenceDate"))
        except BadValue as problem:
            report.error("Header", "ReferenceDate", _text(header, "CollectionDetails/ReferenceDate"),
                         f"expected {problem}")
        year_text = _text(header, "CollectionDetails/Year")
        year = int(year_text) if year_text and year_text.isdigit() else None
        if year is None and self.reference_date:
            year = self.reference_date.year
        self.year = year
        report.end_date = self.reference_date
        if year_text and year_text.isdigit():
            given = _text(header, "CollectionDetails/ReferenceDate") is not None
            for finding in census_rules.header_findings(year, self.reference_date, given):
                self.report_finding(finding)
        if year is None:
            report.layout.append("CIN census: no <Year> or <ReferenceDate> in the header, so the "
                                 "schema year is not known; <GenderCurrent> and <Sex> are both read")
        elif year in SCHEMA_YEARS:
            report.layout.append(f"CIN census schema {schema_label(year)} (header <Year>{year}</Year>)"
                                 + (f", reference date {self.reference_date:%d/%m/%Y}" if self.reference_date else ""))
        else:
            report.warning("Header", "Year", year_text,
                           f"Please check: census year {year} is not one of the schema years this "
                           f"service knows ({SCHEMA_YEARS[0]} to {SCHEMA_YEARS[-1]}); it was read "
                           "with the nearest one's element names")
            report.layout.append(f"CIN census year {year}: not a known schema year, read as the nearest")

    def finish(self) -> None:
        if self.sex_elements:
            self.report.layout.append("Sex read from " + " and ".join(f"<{e}>" for e in sorted(self.sex_elements)))
        if self.year and self.year >= FIRST_SEX_YEAR and "GenderCurrent" in self.sex_elements:
            self.report.warning(None, "GenderCurrent", None,
                                f"Please check: <GenderCurrent> was replaced by <Sex> in the "
                                f"{schema_label(FIRST_SEX_YEAR)} census, but this {schema_label(self.year)} "
                                "file uses it")


def read_cin_census(path, file_name: str,
                    report: ImportReport) -> Iterator[tuple[str, Child | Referral | CPPlan]]:
    check_file(path, file_name, "xml")
    referral_ids, plan_ids = IdSequence("CIN-REF"), IdSequence("CIN-CP")
    census = _Census(report)
    child_number = 0
    try:
        for _, element in iterparse(path, events=("end",), forbid_dtd=True):
            tag = _local(element.tag)
            if tag == "Header":
                census.read_header(element)
                continue
            if tag != "Child":
                continue
            child_number += 1
            yield from _child_records(element, child_number, census, referral_ids, plan_ids)
            element.clear()
    except DefusedXmlException as error:
        raise FileRejected(f"{file_name}: the XML declares a DTD or entities ({type(error).__name__}), "
                           "which a census file never needs; it was not read") from None
    except ParseError as error:
        raise FileRejected(f"{file_name}: this is not well-formed XML ({error})") from None
    if child_number == 0:
        report.error(None, None, None, "expected <Child> elements inside <Message><Children>")
    census.finish()


def _parsed(report, location, column, parse, raw, required=False, optional=False):
    try:
        value = parse(raw)
    except BadValue as problem:
        if optional and report.blank_bad_optional:
            report.blank(location, column, raw, f"expected {problem}")
            return None
        report.error(location, column, raw, f"expected {problem}", blankable=optional)
        raise
    if value is None and required:
        report.error(location, column, None, "expected a value: this element cannot be empty or missing")
        raise BadValue("missing")
    return value


def _event_date(census, location, column, raw, required=False):
    """A referral or plan date: an error after the import day or the census ReferenceDate; a
    warning before 1990 (docs/decisions.md says why the census differs from other files here)."""
    report = census.report
    day = _parsed(report, location, column, parse_date, raw, required)
    if day is None:
        return None
    if day > report.today or (census.reference_date and day > census.reference_date):
        report.error(location, column, raw, report.event_date_problem(
            day, census.reference_date, "the census <ReferenceDate>"))
        raise BadValue("out of range")
    if day < EARLIEST_CASE_DATE:
        report.warning(location, column, raw, f"Please check: {column} is before "
                                              f"{EARLIEST_CASE_DATE:%d/%m/%Y}", kind="early_date")
    return day


def _birth_date(report):
    def parse(raw):
        day = parse_date(raw)
        wrong = birth_date(day, report) if day else None
        if wrong:
            raise BadValue(wrong.removeprefix("expected "))
        return day
    return parse


def _sex(element, census):
    for name, codes in (("Sex", SEXES), ("GenderCurrent", GENDERS)):
        value = _text(element, f"ChildIdentifiers/{name}")
        if value is not None:
            census.sex_elements.add(name)
            return codes.get(value.upper(), value[:40])
    return None


def _child_records(element, number, census, referral_ids, plan_ids):
    report = census.report
    report.rows_read += 1
    location = f"Child {number}"
    try:
        child_id = _parsed(report, location, "ChildIdentifiers/LAchildID", parse_child_id,
                           _text(element, "ChildIdentifiers/LAchildID"), required=True)
    except BadValue:
        return
    location = f"Child {number} ({child_id})"
    if child_id in census.child_numbers:
        # Read as one child, the two children's referrals would become re-referrals of each other.
        earlier = census.child_numbers[child_id]
        census.report_finding(census_rules.Finding(
            "8510", location, "LAchildID", child_id,
            f"Child {earlier} has the same LAchildID; both would be read as one child"))
        return
    census.child_numbers[child_id] = number
    records = []
    birth = _birth(element, location, report, "PersonBirthDate")
    # An unborn child has only its expected date: that is its date of birth for the checks.
    expected = _birth(element, location, report, "ExpectedPersonBirthDate")
    disabilities = [clean_text(d.text) for d in _find(element, "ChildCharacteristics/Disabilities/Disability")]
    records.append((location, Child(child_id, birth or expected, _sex(element, census),
                                    _text(element, "ChildCharacteristics/Ethnicity"),
                                    ", ".join(d for d in disabilities if d) or None)))
    ok = True
    episodes = []
    for index, details in enumerate(_find(element, "CINdetails"), start=1):
        where = f"{location} > CINdetails {index}"
        try:
            referral, episode = _referral(details, where, child_id, census, referral_ids)
            records.append((where, referral))
            episodes.append(episode)
        except BadValue:
            ok, episode = False, None
        for plan_index, plan in enumerate(_find(details, "ChildProtectionPlans"), start=1):
            try:
                plan_where = f"{where} > ChildProtectionPlans {plan_index}"
                record = _plan(plan, plan_where, child_id, census, plan_ids)
                records.append((plan_where, record))
                if episode is not None:
                    episode.plans.append(census_rules.Plan(
                        plan_where, record.start_date, record.end_date,
                        _text(plan, "NumberOfPreviousCPP") is not None))
            except BadValue:
                ok = False
    for finding in census_rules.episode_findings(episodes, census.reference_date, birth or expected):
        census.report_finding(finding)
    if ok:
        yield from records


def _birth(element, location, report, name):
    try:
        return _parsed(report, location, name, _birth_date(report),
                       _text(element, f"ChildIdentifiers/{name}"), optional=True)
    except BadValue:
        return None


# What rule 8831 counts as activity on an episode: an assessment, a section 47 enquiry or an
# initial child protection conference.
_ACTIVITY = ("Assessments/AssessmentActualStartDate", "Assessments/AssessmentAuthorisationDate",
             "Section47/S47ActualStartDate", "Section47/DateOfInitialCPC", "DateOfInitialCPC")


def _referral(details, where, child_id, census, ids) -> tuple[Referral, census_rules.Episode]:
    report = census.report
    day = _event_date(census, where, "CINreferralDate", _text(details, "CINreferralDate"), True)
    source = _parsed(report, where, "ReferralSource", parse_referral_source, _text(details, "ReferralSource"))
    # xs:boolean: true, false, 1 or 0 (parse_yes_no also takes Yes/No). Missing is rule 8568 too,
    # found with the episode's other rules.
    raw_nfa = _text(details, "ReferralNFA")
    try:
        nfa = parse_yes_no(raw_nfa)
    except BadValue:
        census.report_finding(census_rules.Finding("8568", where, "ReferralNFA", raw_nfa,
                                                   "expected true, false, 1 or 0"))
        raise
    closure = _parsed(report, where, "CINclosureDate", parse_date, _text(details, "CINclosureDate"))
    if nfa:
        decision = "nfa"
    elif _find(details, "Section47"):
        decision = "section_47"
    else:
        decision = "assessment"
    activity = [f"{path.rsplit('/', 1)[-1]} {_text(details, path)}" for path in _ACTIVITY
                if _text(details, path)]
    episode = census_rules.Episode(where, day, nfa, closure, activity, len(_find(details, "CINPlanDates")))
    return Referral(ids.next_id(child_id, day), child_id, day, decision, source, None), episode


def _plan(plan, where, child_id, census, ids) -> CPPlan:
    report = census.report
    start = _event_date(census, where, "CPPstartDate", _text(plan, "CPPstartDate"), True)
    end = _event_date(census, where, "CPPendDate", _text(plan, "CPPendDate"))
    category = _parsed(report, where, "InitialCategoryOfAbuse", parse_category,
                       _text(plan, "InitialCategoryOfAbuse"))
    previous = _parsed(report, where, "NumberOfPreviousCPP", parse_count, _text(plan, "NumberOfPreviousCPP"))
    if not plan_dates_in_order(start, end, where, "CPPendDate", report):
        raise BadValue("dates out of order")
    return CPPlan(ids.next_id(child_id, start), child_id, start, end, category, None, previous)
