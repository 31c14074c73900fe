"""The measures pages' filters: a period, and on the lists behind the figures one more choice."""
from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSelect
from wtforms import BooleanField, IntegerField, SelectField

from audit_tools.records import DECISION_LABELS, DECISIONS
from qa_app.forms import PeriodForm, choices


class ReReferralsForm(PeriodForm):
    previous_decision = SelectField(
        "Decision on the previous referral", widget=GovSelect(), validate_choice=False,
        choices=choices([("", "Any decision")] + [(d, DECISION_LABELS[d]) for d in DECISIONS]))
    page = IntegerField(default=1)  # from the pagination links, never shown

    def chosen_decision(self) -> str | None:
        decision = self.previous_decision.data or None
        if decision not in (None, *DECISIONS):
            self.previous_decision.errors = ["Choose a decision from the list"]
            return None
        return decision


class RepeatPlansForm(PeriodForm):
    # The dashboard links here with within=2y; any value ticks it.
    within = BooleanField("Only plans within two years of an earlier plan ending", widget=GovCheckboxInput())
