"""The procurement team's tender forms (GOV.UK Frontend widgets).

A deadline is a day (GOV.UK date input) and a time of day in Europe/London ("12:00"); the
field pair becomes one aware datetime through ``moment``.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCheckboxInput, GovRadioInput, GovSubmitInput, GovTextArea,
                                                 GovTextInput)
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from portal.contracts.models import SERVICE_TYPES
from portal.forms import ChoiceRadioField, GovDateField
from portal.procurement import regimes

LONDON = ZoneInfo("Europe/London")
TIME = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_time(text: str | None) -> time | None:
    """'12:00', '9.30' or '17:45' as a time of day; None if it is not one."""
    match = TIME.match(text or "")
    if not match:
        return None
    hours, minutes = int(match.group(1)), int(match.group(2))
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def moment(day: date | None, at: str | None) -> datetime | None:
    """The day at the time, in Europe/London."""
    clock = parse_time(at)
    if day is None or clock is None:
        return None
    return datetime.combine(day, clock, tzinfo=LONDON)


class TimeField(StringField):
    """A time of day, 24-hour, like 12:00."""

    def __init__(self, label, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        kwargs.setdefault("default", "12:00")
        kwargs.setdefault("description", "24-hour clock, UK time, like 12:00 or 17:30")
        super().__init__(label, **kwargs)

    def pre_validate(self, form):
        if self.data and parse_time(self.data) is None:
            raise ValidationError(f"Enter the {self.label.text.lower()} as a time on the 24-hour clock, like 12:00")


class TenderForm(FlaskForm):
    reference = StringField("Tender reference", widget=GovTextInput(),
                            description="Your own reference, like GCH-2027-014",
                            validators=[InputRequired("Enter the tender reference"),
                                        Length(max=60, message="The reference must be 60 characters or fewer")])
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired("Enter the title"),
                                    Length(max=200, message="The title must be 200 characters or fewer")])
    description = TextAreaField("Description", widget=GovTextArea(),
                                description="What is being bought and for whom. Every provider will read this.",
                                validators=[Optional(), Length(max=20000, message="The description must be 20,000 "
                                                                                  "characters or fewer")])
    service_type = ChoiceRadioField("Type of service", widget=GovRadioInput(), choices=list(SERVICE_TYPES.items()),
                                    validators=[InputRequired("Choose the type of service")])
    regime = ChoiceRadioField("Rules the tender follows", widget=GovRadioInput(), choices=list(regimes.REGIMES.items()),
                              validators=[InputRequired("Choose the rules the tender follows")])
    accelerated = BooleanField("Accelerated: a state of urgency shortens the time for answers (Scotland only)",
                               widget=GovCheckboxInput(), validators=[Optional()])
    electronic = BooleanField("Every notice, including the award notice, goes to bidders electronically",
                              widget=GovCheckboxInput(), default=True, validators=[Optional()])
    estimated_value = StringField("Estimated value in pounds", widget=GovTextInput(),
                                  description="The whole contract's value over its term, excluding VAT",
                                  validators=[InputRequired("Enter the estimated value in pounds, like 250000")])
    published_on = GovDateField("Publication date", description="For example, 15 1 2027",
                                validators=[InputRequired("Enter the publication date as a real date, like 15 1 2027")])
    submission_day = GovDateField("Deadline for bids", description="For example, 26 2 2027",
                                  validators=[InputRequired("Enter the deadline for bids as a real date, "
                                                            "like 26 2 2027")])
    submission_time = TimeField("Time of the deadline for bids")
    submit = SubmitField("Create draft tender", widget=GovSubmitInput())


def timetable_form(tender, *, amending: bool = False) -> FlaskForm:
    """One field per date of the timetable (a day and a time for the moments), filled from the
    tender, each explained. ``amending``: the form of an amendment to a published tender, which
    also changes the title and description, says why, and never changes the publication."""

    class TimetableForm(FlaskForm):
        submit = SubmitField("Publish the change" if amending else "Save timetable", widget=GovSubmitInput())

    if amending:
        TimetableForm.title = StringField("Title", widget=GovTextInput(), validators=[
            InputRequired("Enter the title"), Length(max=200, message="The title must be 200 characters or fewer")])
        TimetableForm.description = TextAreaField("Description", widget=GovTextArea(), validators=[
            Optional(), Length(max=20000, message="The description must be 20,000 characters or fewer")])
        TimetableForm.reason = TextAreaField(
            "Why is the tender changing?", widget=GovTextArea(),
            description="Every provider reads this with the change, and interested providers are emailed it.",
            validators=[InputRequired("Enter the reason for the change"),
                        Length(max=2000, message="The reason must be 2,000 characters or fewer")])
    for name, label in regimes.FIELDS.items():
        if amending and name == "published_at":
            continue
        hint = regimes.EXPLANATIONS.get(name, "")
        if name in MOMENTS:
            setattr(TimetableForm, f"{name}_day", GovDateField(label, description=hint, validators=[
                InputRequired(f"Enter the {label.lower()} as a real date, like 26 2 2027")]))
            setattr(TimetableForm, f"{name}_time", TimeField(f"Time of the {label.lower()}"))
        else:
            setattr(TimetableForm, name, GovDateField(label, description=hint, validators=[
                InputRequired(f"Enter the {label.lower()} as a real date, like 26 2 2027")]))
    data = {"title": tender.title, "description": tender.description} if amending else {}
    for name in regimes.FIELDS:
        if amending and name == "published_at":
            continue
        value = getattr(tender, name)
        if name in MOMENTS:
            local = value.astimezone(LONDON)
            data[f"{name}_day"], data[f"{name}_time"] = local.date(), local.strftime("%H:%M")
        else:
            data[name] = value
    return TimetableForm(data=data)


def timetable_changes(form) -> dict:
    """The dates the form gives, as the timetable's values (and the title and description of an
    amendment)."""
    changes = {name: getattr(form, name).data for name in ("title", "description") if hasattr(form, name)}
    for name in regimes.FIELDS:
        if not hasattr(form, f"{name}_day") and not hasattr(form, name):
            continue
        if name in MOMENTS:
            changes[name] = moment(getattr(form, f"{name}_day").data, getattr(form, f"{name}_time").data)
        else:
            changes[name] = getattr(form, name).data
    return changes


#: The timetable's moments (a day and a time); the others are days.
MOMENTS = ("published_at", "clarification_deadline", "answer_deadline", "submission_deadline", "standstill_end")


class CancelForm(FlaskForm):
    reason = TextAreaField("Why is the tender being cancelled?", widget=GovTextArea(),
                           description="Every provider who registered interest will read this.",
                           validators=[InputRequired("Enter the reason for cancelling"),
                                       Length(max=2000, message="The reason must be 2,000 characters or fewer")])
    submit = SubmitField("Cancel the tender", widget=GovSubmitInput())
