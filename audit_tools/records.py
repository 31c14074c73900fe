"""Plain records the library works on: what a referral, a CP plan and a child are."""
from dataclasses import dataclass
from datetime import date

DECISIONS = ("nfa", "professional_conversation", "early_help", "assessment", "section_47")
DECISION_LABELS = {
    "nfa": "No further action",
    "professional_conversation": "Professional conversation",
    "early_help": "Early help",
    "assessment": "Social work assessment (SWA)",
    "section_47": "Section 47 enquiry",
}
# The decision as the re-referral questionnaire's answer options name it (without the
# abbreviation): what a case audit's "earlier decision" is filled in with from the case data.
DECISION_ANSWERS = {**DECISION_LABELS, "assessment": "Social work assessment"}
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")  # Ofsted's, best first
AGENCY_LABELS = {
    "childrens_social_care": "Children's social care",
    "police": "Police",
    "health": "Health",
    "education": "Education",
    "probation": "Probation",
    "early_help": "Early help",
    "other": "Other",
}
ABUSE_CATEGORIES = {
    "NEG": "Neglect",
    "PHY": "Physical abuse",
    "SAB": "Sexual abuse",
    "EMO": "Emotional abuse",
    "MUL": "Multiple",
}
REFERRAL_SOURCES = {
    "1A": "Individual: family member/relative/carer", "1B": "Individual: acquaintance",
    "1C": "Individual: self", "1D": "Individual: other",
    "2A": "Schools", "2B": "Education services",
    "3A": "Health: GP", "3B": "Health: health visitor", "3C": "Health: school nurse",
    "3D": "Health: other primary health services", "3E": "Health: A&E",
    "3F": "Health: other", "4": "Housing", "5A": "LA services: social care",
    "5B": "LA services: other internal", "5C": "LA services: external", "5D": "LA services: early help",
    "6": "Police", "7": "Other legal agency", "8": "Other", "9": "Anonymous", "10": "Unknown",
}


@dataclass(frozen=True, slots=True)
class Referral:
    referral_id: str
    child_id: str
    referral_date: date
    decision: str
    source: str | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class CPPlan:
    plan_id: str
    child_id: str
    start_date: date
    end_date: date | None = None
    category: str | None = None
    team: str | None = None
    # "Number of Previous Child Protection Plans" from Annex A: history the file itself lacks.
    previous_plans: int | None = None


@dataclass(frozen=True, slots=True)
class Child:
    child_id: str
    date_of_birth: date | None = None
    sex: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
