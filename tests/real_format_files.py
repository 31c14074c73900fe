"""Small real-format files written by the tests (never copies of public files).

Annex A layouts follow Ofsted's "Annex A" data guidance for the inspection of local authority
children's services (List 3 referrals, List 5 section 47 enquiries, List 7 CP plans, with the
guidance's headings and lettered answers such as "a) Yes" and "e) Multiple/not recommended").
CIN census files follow the DfE Children in Need census specification: <Message><Header>
<CollectionDetails><Year>/<ReferenceDate>, then <Children><Child> with <ChildIdentifiers>
(<GenderCurrent> to 2023/24, <Sex> M/F/U from 2024/25) and <CINdetails>.
"""
from pathlib import Path

from openpyxl import Workbook

LIST_3 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Date of Referral",
          "Referral Source", "Referral NFA?", "Number of Referrals in Last 12 Months", "Allocated Team",
          "Allocated Worker"]
LIST_7 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age", "Does the Child have a Disability",
          "Child Protection Plan Start Date", "Initial Category of Abuse", "Latest Category of Abuse",
          "Child Protection Plan End Date", "Number of Previous Child Protection Plans", "Allocated Team"]


def annex_a(path: Path, sheets: dict, title_rows: dict | None = None) -> Path:
    """sheets: {sheet title: (headings, rows)}; title_rows: {sheet title: a title above the headings}."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, (headings, rows) in sheets.items():
        sheet = workbook.create_sheet(title)
        if title_rows and title in title_rows:
            sheet.append([title_rows[title]])
            sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headings))
        sheet.append(headings)
        for row in rows:
            sheet.append(row)
    workbook.save(path)
    return path


def cin_census(path: Path, year: int, reference_date: str, children: list[str]) -> Path:
    path.write_text(
        "<?xml version='1.0' encoding='utf-8'?>\n<Message><Header><CollectionDetails>"
        f"<Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{reference_date}</ReferenceDate>"
        "</CollectionDetails></Header><Children>" + "".join(children) + "</Children></Message>",
        encoding="utf-8")
    return path


def cin_child(child_id, birth="2015-06-01", sex_element="", details=""):
    return (f"<Child><ChildIdentifiers><LAchildID>{child_id}</LAchildID>"
            f"<PersonBirthDate>{birth}</PersonBirthDate>{sex_element}</ChildIdentifiers>"
            f"<ChildCharacteristics><Ethnicity>WBRI</Ethnicity></ChildCharacteristics>{details}</Child>")


def cin_details(referral_date, nfa="false", source="6", plans=""):
    return (f"<CINdetails><CINreferralDate>{referral_date}</CINreferralDate>"
            f"<ReferralSource>{source}</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>"
            f"<ReferralNFA>{nfa}</ReferralNFA>{plans}</CINdetails>")


def cin_plan(start, end="", category="NEG"):
    end_element = f"<CPPendDate>{end}</CPPendDate>" if end else ""
    return (f"<ChildProtectionPlans><CPPstartDate>{start}</CPPstartDate>{end_element}"
            f"<InitialCategoryOfAbuse>{category}</InitialCategoryOfAbuse></ChildProtectionPlans>")
