from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import IntegerField, RadioField, SubmitField
from wtforms.validators import InputRequired, NumberRange

from qa_app.forms import choices
from qa_app.models import ImportKind


class ImportForm(FlaskForm):
    kind = RadioField("What is in the file?", widget=GovRadioInput(),
                      choices=choices((k.value, k.label) for k in ImportKind),
                      validators=[InputRequired(message="Select what is in the file")])
    file = FileField("Upload a file", widget=GovFileInput(),
                     description="CSV, XLSX or XML, up to the size your admin allows. "
                                 "Nothing is written unless every row is right.",
                     validators=[FileRequired(message="Select a file to upload")])
    submit = SubmitField("Upload and check", widget=GovSubmitInput())


class PopulationForm(FlaskForm):
    year = IntegerField("Year of the mid-year estimate", widget=GovTextInput(),
                        description="For example, 2015 for the mid-2015 estimate, used for 2015/16",
                        validators=[InputRequired(message="Enter the year"),
                                    NumberRange(min=1990, max=2100, message="Enter a year between 1990 and 2100")])
    population = IntegerField("Children aged 0 to 17", widget=GovTextInput(),
                              validators=[InputRequired(message="Enter the number of children aged 0 to 17"),
                                          NumberRange(min=1, max=20_000_000,
                                                      message="Enter a whole number above 0")])
    submit = SubmitField("Save population", widget=GovSubmitInput())


class BenchmarkUploadForm(FlaskForm):
    file = FileField("Upload benchmarks (CSV)", widget=GovFileInput(),
                     description="Columns: measure, period, comparator, value. Comparator is SN or England.",
                     validators=[FileRequired(message="Select a CSV file of benchmarks")])
    submit = SubmitField("Upload benchmarks", widget=GovSubmitInput())
