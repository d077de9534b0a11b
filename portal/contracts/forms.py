"""The commissioner's contract form (GOV.UK Frontend widgets)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovRadioInput, GovSelect, GovSubmitInput, GovTextArea,
                                                 GovTextInput)
from wtforms import IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.contracts.models import DELIVERY_UNITS, FREQUENCIES, FUNDING_MODELS, MEASURE_TYPES, SERVICE_TYPES
from portal.contracts.services import too_long
from portal.forms import ChoiceRadioField, ChoiceSelectField, GovDateField


class ContractForm(FlaskForm):
    provider = ChoiceSelectField("Provider", widget=GovSelect(), validators=[InputRequired("Choose the provider")])
    reference = StringField("Contract reference", widget=GovTextInput(),
                            validators=[InputRequired("Enter the contract reference"),
                                        Length(max=60, message=too_long("reference"))])
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired("Enter the contract title"),
                                    Length(max=200, message=too_long("title"))])
    service_type = ChoiceRadioField("Type of service", widget=GovRadioInput(), choices=list(SERVICE_TYPES.items()),
                                    validators=[InputRequired("Choose the type of service")])
    care_group = StringField("Care group", widget=GovTextInput(), description="For example, older people",
                             validators=[Optional(), Length(max=100, message=too_long("care_group"))])
    locality = StringField("Locality", widget=GovTextInput(),
                           validators=[Optional(), Length(max=100, message=too_long("locality"))])
    start_date = GovDateField("Start date", description="For example, 1 4 2026",
                           validators=[InputRequired("Enter the start date as a real date, like 1 4 2026")])
    end_date = GovDateField("End date", description="For example, 31 3 2029",
                         validators=[InputRequired("Enter the end date as a real date, like 31 3 2029")])
    annual_value = StringField("Annual value in pounds", widget=GovTextInput(),
                               validators=[InputRequired("Enter the annual value, like 125000.00")])
    funding_model = ChoiceRadioField("Funding model", widget=GovRadioInput(), choices=list(FUNDING_MODELS.items()),
                                     validators=[InputRequired("Choose the funding model")])
    delivery_unit = ChoiceRadioField("What the contract counts delivery in", widget=GovRadioInput(),
                                     choices=list(DELIVERY_UNITS.items()), validators=[Optional()],
                                     description="Providers report what was contracted and delivered in this unit each "
                                     "period. If you leave it, care at home, supported living and other "
                                     "services count hours, day opportunities sessions, and residential "
                                     "care nights.")
    framework = ChoiceSelectField("Outcome framework", widget=GovSelect(), coerce=int,
                                  validators=[InputRequired("Choose the outcome framework")])
    lead_manager = ChoiceSelectField("Lead contract manager", widget=GovSelect(), coerce=int,
                                     validators=[InputRequired("Choose the lead contract manager")])
    living_wage_rate = StringField("Living wage rate in pounds per hour", widget=GovTextInput(),
                                   description="Providers report the share of staff paid at least this rate",
                                   validators=[Optional()])
    frequency = ChoiceRadioField("Returns are due", widget=GovRadioInput(), choices=list(FREQUENCIES.items()),
                                 validators=[InputRequired("Choose how often returns are due")])
    due_days = IntegerField("Days after each period ends that a return is due", widget=GovTextInput(), default=14,
                            validators=[InputRequired("Enter a number of days, like 14"),
                                        NumberRange(0, 120, "Enter a number of days from 0 to 120")])
    submit = SubmitField("Create contract", widget=GovSubmitInput())


class FrameworkForm(FlaskForm):
    name = StringField("Name", widget=GovTextInput(), validators=[InputRequired("Enter the framework's name"),
                                                                  Length(max=200)])
    code = StringField("Code", widget=GovTextInput(), description="Capital letters, digits and hyphens, like GCH-2027",
                       validators=[InputRequired("Enter a short code"), Length(max=30)])
    outcomes = TextAreaField("Outcomes", widget=GovTextArea(),
                             description="One outcome a line, as 'CODE: outcome' or just the outcome. To give an "
                                         "outcome a short name for pages, put it first with a bar: "
                                         "'CODE: Safe from harm | People are safe from harm'. Each outcome gets the "
                                         "standard questions (people reviewed, people achieving it, evidence); "
                                         "service delivery questions are added too.",
                             validators=[InputRequired("Enter at least one outcome")])
    submit = SubmitField("Create framework", widget=GovSubmitInput())


class MeasureForm(FlaskForm):
    section = ChoiceSelectField("Section", widget=GovSelect(), validators=[InputRequired("Choose the section")])
    code = StringField("Code", widget=GovTextInput(), description="Unique in the framework, like NHWO-1.FALLS",
                       validators=[InputRequired("Enter a code"), Length(max=60)])
    label = StringField("Question", widget=GovTextInput(), validators=[InputRequired("Enter the question"),
                                                                       Length(max=300)])
    hint = StringField("Hint (optional)", widget=GovTextInput(), validators=[Optional(), Length(max=500)])
    type = ChoiceRadioField("Type of answer", widget=GovRadioInput(), choices=list(MEASURE_TYPES.items()),
                            validators=[InputRequired("Choose the type of answer")])
    required = ChoiceRadioField("Must providers answer it?", widget=GovRadioInput(),
                                choices=[("yes", "Yes"), ("no", "No, it is optional")], default="yes",
                                validators=[InputRequired("Choose whether the question must be answered")])
    minimum = StringField("Smallest answer allowed (optional)", widget=GovTextInput(), validators=[Optional()])
    maximum = StringField("Largest answer allowed (optional)", widget=GovTextInput(), validators=[Optional()])
    submit = SubmitField("Add question", widget=GovSubmitInput())
