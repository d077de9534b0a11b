"""Forms for approved supplier lists, their members and a tender's restriction to a list (GOV.UK
Frontend widgets)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.contracts.models import SERVICE_TYPES
from portal.forms import ChoiceRadioField, ChoiceSelectField, GovDateField
from portal.procurement.supplier_list_models import DESCRIPTION_LIMIT, NAME_LIMIT, REASON_LIMIT

ANY_PROVIDER = ""


class SupplierListForm(FlaskForm):
    name = StringField("Name of the list", widget=GovTextInput(),
                       description="For example, Care at home approved providers 2026 to 2029",
                       validators=[InputRequired("Enter the name of the list"),
                                   Length(max=NAME_LIMIT,
                                          message=f"The name must be {NAME_LIMIT} characters or fewer")])
    description = TextAreaField("Description", widget=GovTextArea(),
                                description="How providers joined the list and what it is for. Members read this.",
                                validators=[Optional(), Length(max=DESCRIPTION_LIMIT, message="The description must be "
                                                               f"{DESCRIPTION_LIMIT:,} characters or fewer")])
    service_type = ChoiceRadioField("Type of service", widget=GovRadioInput(), choices=list(SERVICE_TYPES.items()),
                                    validators=[InputRequired("Choose the type of service the list is for")])
    starts_on = GovDateField("First day of the list", description="For example, 1 4 2026",
                             validators=[InputRequired("Enter the first day of the list as a real date, "
                                                       "like 1 4 2026")])
    ends_on = GovDateField("Last day of the list (optional)",
                           description="Leave it empty if the list runs until you close it. For example, 31 3 2029")
    submit = SubmitField("Save the list", widget=GovSubmitInput())


class MemberForm(FlaskForm):
    provider = ChoiceSelectField("Provider", widget=GovSelect(), choices=[("", "Choose a provider")],
                                 validators=[InputRequired("Choose the provider to add")])
    starts_on = GovDateField("First day of membership", description="For example, 1 4 2026",
                             validators=[InputRequired("Enter the first day of membership as a real date, "
                                                       "like 1 4 2026")])
    ends_on = GovDateField("Last day of membership (optional)",
                           description="Leave it empty for a membership without an end. For example, 31 3 2029")
    submit = SubmitField("Add to the list", widget=GovSubmitInput())


def member_form(providers, **data) -> MemberForm:
    form = MemberForm(**data)
    form.provider.choices = [("", "Choose a provider")] + [(p.slug, p.name) for p in providers]
    return form


class MemberDatesForm(FlaskForm):
    starts_on = GovDateField("First day of membership", description="For example, 1 4 2026",
                             validators=[InputRequired("Enter the first day of membership as a real date, "
                                                       "like 1 4 2026")])
    ends_on = GovDateField("Last day of membership (optional)",
                           description="Leave it empty for a membership without an end. For example, 31 3 2029")
    submit = SubmitField("Save the dates", widget=GovSubmitInput())


class RemoveMemberForm(FlaskForm):
    reason = TextAreaField("Why is the provider being removed?", widget=GovTextArea(),
                           description="It is kept with the membership, and the provider reads it.",
                           validators=[InputRequired("Enter the reason for removing the provider"),
                                       Length(max=REASON_LIMIT, message=f"The reason must be {REASON_LIMIT:,} "
                                                                        "characters or fewer")])
    submit = SubmitField("Remove from the list", widget=GovSubmitInput())


class RestrictionForm(FlaskForm):
    supplier_list = ChoiceRadioField("Who can see and bid for this tender?", widget=GovRadioInput(),
                                     choices=[(ANY_PROVIDER, "Any provider")], default=ANY_PROVIDER,
                                     validators=[Optional()])
    submit = SubmitField("Save", widget=GovSubmitInput())


def restriction_form(lists, current) -> RestrictionForm:
    form = RestrictionForm(data={"supplier_list": str(current) if current else ANY_PROVIDER})
    form.supplier_list.choices = [(ANY_PROVIDER, "Any provider (an open competition)")] + [
        (str(item.id), f"Only members of {item.name}") for item in lists]
    return form
