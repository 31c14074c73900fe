"""Form helpers shared by the blueprints."""
from datetime import date

from flask import g, has_request_context
from flask_wtf import FlaskForm
from govuk_frontend_wtf.main import wtforms_errors
from govuk_frontend_wtf.wtforms_widgets import GovDateInput, GovSubmitInput, GovTextInput
from wtforms import Field, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import StopValidation

from audit_tools.periods import Period, parse_period


DATE_HINT = "For example, 31 1 2027"


def _buttons_need_no_id():
    """A submit button would take its field's name ("submit") as its id, repeated by every form
    on a page (206 times on a programme page), and ids must be unique. Nothing points at a
    button by id (labels and error links point at fields), so every GOV.UK submit button goes
    without one. Done once here rather than in each blueprint's forms."""
    mapped = GovSubmitInput.map_gov_params
    if getattr(mapped, "without_id", False):
        return

    def map_gov_params(self, field, **kwargs):
        params = mapped(self, field, **kwargs)
        params["id"] = None
        return params
    map_gov_params.without_id = True
    GovSubmitInput.map_gov_params = map_gov_params


_buttons_need_no_id()


def _forms_do_not_act_while_shown_again():
    """A post refused because the database was busy (errors.handle_database_error) runs its
    view once more to show the form again: every form then holds what was typed but does not
    validate, so the view renders the page instead of trying to save a second time."""
    validate_on_submit = FlaskForm.validate_on_submit
    if getattr(validate_on_submit, "busy_aware", False):
        return

    def validate_unless_busy(self, extra_validators=None):
        if has_request_context() and g.get("database_busy"):
            return False
        return validate_on_submit(self, extra_validators=extra_validators)
    validate_unless_busy.busy_aware = True
    FlaskForm.validate_on_submit = validate_unless_busy


_forms_do_not_act_while_shown_again()


def choices(pairs) -> list[SelectChoice]:
    """WTForms choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class GovDateField(Field):
    """A date typed as day, month and year boxes (GOV.UK date input), with the GOV.UK date
    errors naming the field. Empty is allowed unless `required` gives the message to show.

    Not WTForms' DateField: that joins the three boxes and only says "Not a valid date value",
    and its Optional/InputRequired validators look at the day box alone."""

    widget = GovDateInput()
    PARTS = ("day", "month", "year")

    def __init__(self, label=None, validators=None, required: str | None = None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.required = required

    def _value(self):
        return ""

    def process_data(self, value):
        # Questionnaire answers keep dates as ISO text.
        self.data = date.fromisoformat(value) if isinstance(value, str) and value else value or None

    def process_formdata(self, valuelist):
        if not valuelist:
            self.raw_data = None  # the field was not posted: show what it holds
            return
        parts = ([value.strip() for value in valuelist] + ["", "", ""])[:3]
        self.raw_data = parts  # what the user typed goes back into the boxes
        self.data = None
        if not any(parts):
            return
        missing = [name for name, value in zip(self.PARTS, parts) if not value]
        if missing:
            raise ValueError(f"Enter the {' and '.join(missing)} for: {self.label.text}")
        day, month, year = parts
        if not (day.isdigit() and month.isdigit() and year.isdigit() and len(year) == 4):
            raise ValueError(f"Enter a real date for: {self.label.text}")
        try:
            self.data = date(int(year), int(month), int(day))
        except ValueError:  # 30 February, month 13
            raise ValueError(f"Enter a real date for: {self.label.text}") from None

    def pre_validate(self, form):
        if self.required and self.data is None and not self.process_errors:
            raise StopValidation(self.required)


def error_link(form, name: str) -> str:
    """Where an error summary link for a field goes: the field, or a date's day box; else the page."""
    field = form._fields.get(name)
    if field is None:
        return "#main-content"
    return f"#{field.id}-day" if isinstance(field, GovDateField) else f"#{field.id}"


def error_summary(form) -> dict:
    """The GOV.UK error summary for a form, each error linking to its field."""
    params = wtforms_errors(form)
    for error in params["errorList"]:
        if isinstance(form._fields.get(error["href"][1:]), GovDateField):
            error["href"] += "-day"
    return params


class PeriodForm(FlaskForm):
    """A period typed as the domain writes it: 2015/16, Q2 2015/16, 2015 or 2015-04-01..2015-09-30.
    The measures pages ask for it by GET (choosing a period changes nothing, so no CSRF field);
    the board pack posts it, and the app's CSRF check covers that."""
    class Meta:
        csrf = False

    period = StringField("Period", widget=GovTextInput())

    def chosen_period(self) -> Period | None:
        """The period, or None when none is given or it is not a period (the field then says why)."""
        text = (self.period.data or "").strip()
        if not text:
            return None
        try:
            return parse_period(text)
        except ValueError as error:
            self.period.errors = [str(error)]
            return None
