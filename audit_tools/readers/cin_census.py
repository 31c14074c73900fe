"""DfE Children in Need census XML: each CINdetails is a referral, each ChildProtectionPlans
entry a plan. Parsed with defusedxml, which refuses DTDs, entity expansion and external
entities, and streamed one <Child> at a time."""
from collections.abc import Iterator

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse
from xml.etree.ElementTree import ParseError

from audit_tools.readers.common import (BadValue, FileRejected, ImportReport, IdSequence,
                                        clean_text, parse_category, parse_child_id, parse_count,
                                        parse_date, parse_referral_source, parse_yes_no)
from audit_tools.readers.house import plan_dates_in_order
from audit_tools.readers.safety import check_file
from audit_tools.records import Child, CPPlan, Referral

GENDERS = {"0": "Not known", "1": "Male", "2": "Female", "9": "Not stated"}


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


def read_cin_census(path, file_name: str,
                    report: ImportReport) -> Iterator[tuple[str, Child | Referral | CPPlan]]:
    check_file(path, file_name, "xml")
    referral_ids, plan_ids = IdSequence("CIN-REF"), IdSequence("CIN-CP")
    child_number = 0
    try:
        for _, element in iterparse(path, events=("end",), forbid_dtd=True):
            if _local(element.tag) != "Child":
                continue
            child_number += 1
            yield from _child_records(element, child_number, report, referral_ids, plan_ids)
            element.clear()
    except DefusedXmlException as error:
        raise FileRejected(f"{file_name}: the XML declares a DTD or entities ({type(error).__name__}), "
                           "which a census file never needs; it was not read") from None
    except ParseError as error:
        raise FileRejected(f"{file_name}: this is not well-formed XML ({error})") from None
    if child_number == 0:
        report.error(None, None, None, "expected <Child> elements inside <Message><Children>")


def _parsed(report, location, column, parse, raw, required=False):
    try:
        value = parse(raw)
    except BadValue as problem:
        report.error(location, column, raw, f"expected {problem}")
        raise
    if value is None and required:
        report.error(location, column, None, "expected a value: this element cannot be empty or missing")
        raise BadValue("missing")
    return value


def _child_records(element, number, report, referral_ids, plan_ids):
    report.rows_read += 1
    location = f"Child {number}"
    try:
        child_id = _parsed(report, location, "ChildIdentifiers/LAchildID", parse_child_id,
                           _text(element, "ChildIdentifiers/LAchildID"), required=True)
    except BadValue:
        return
    location = f"Child {number} ({child_id})"
    records = []
    try:
        birth = _parsed(report, location, "PersonBirthDate", parse_date,
                        _text(element, "ChildIdentifiers/PersonBirthDate"))
    except BadValue:
        birth = None
    disabilities = [clean_text(d.text) for d in _find(element, "ChildCharacteristics/Disabilities/Disability")]
    records.append((location, Child(child_id, birth, GENDERS.get(_text(element, "ChildIdentifiers/GenderCurrent") or ""),
                         _text(element, "ChildCharacteristics/Ethnicity"),
                         ", ".join(d for d in disabilities if d) or None)))
    ok = True
    for index, details in enumerate(_find(element, "CINdetails"), start=1):
        where = f"{location} > CINdetails {index}"
        try:
            records.append((where, _referral(details, where, child_id, report, referral_ids)))
        except BadValue:
            ok = False
        for plan_index, plan in enumerate(_find(details, "ChildProtectionPlans"), start=1):
            try:
                plan_where = f"{where} > ChildProtectionPlans {plan_index}"
                records.append((plan_where, _plan(plan, plan_where, child_id, report, plan_ids)))
            except BadValue:
                ok = False
    if ok:
        yield from records


def _referral(details, where, child_id, report, ids) -> Referral:
    day = _parsed(report, where, "CINreferralDate", parse_date, _text(details, "CINreferralDate"), True)
    source = _parsed(report, where, "ReferralSource", parse_referral_source, _text(details, "ReferralSource"))
    nfa = _parsed(report, where, "ReferralNFA", parse_yes_no, _text(details, "ReferralNFA"))
    if nfa:
        decision = "nfa"
    elif _find(details, "Section47"):
        decision = "section_47"
    else:
        decision = "assessment"
    return Referral(ids.next_id(child_id, day), child_id, day, decision, source, None)


def _plan(plan, where, child_id, report, ids) -> CPPlan:
    start = _parsed(report, where, "CPPstartDate", parse_date, _text(plan, "CPPstartDate"), True)
    end = _parsed(report, where, "CPPendDate", parse_date, _text(plan, "CPPendDate"))
    category = _parsed(report, where, "InitialCategoryOfAbuse", parse_category,
                       _text(plan, "InitialCategoryOfAbuse"))
    previous = _parsed(report, where, "NumberOfPreviousCPP", parse_count, _text(plan, "NumberOfPreviousCPP"))
    if not plan_dates_in_order(start, end, where, "CPPendDate", report):
        raise BadValue("dates out of order")
    return CPPlan(ids.next_id(child_id, start), child_id, start, end, category, None, previous)
