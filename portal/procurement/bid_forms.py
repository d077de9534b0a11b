"""The bid forms (GOV.UK Frontend widgets). Each form checks that something was given; the
services check what it means (a price, a word limit, a share) and name the field at fault."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCharacterCount, GovCheckboxInput, GovRadioInput, GovSelect,
                                                 GovSubmitInput, GovTextArea, GovTextInput)
from wtforms import BooleanField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.forms import ChoiceRadioField, ChoiceSelectField
from portal.procurement.bid_members import PART_LIMIT
from portal.procurement.bid_models import MEMBER_ROLES
from portal.procurement.bids import ANSWER_MAX_CHARS

DECLARATION = ("I declare that this bid is made on behalf of my organisation (and the consortium it names), that the "
               "information in it is true and complete, and that its price and answers have not been agreed with any "
               "other bidder.")


class PriceForm(FlaskForm):
    price = StringField("Your price, in pounds", widget=GovTextInput(),
                        description="The whole price for the lot over the contract's term, excluding VAT, like 4150000",
                        validators=[InputRequired("Enter your price in pounds, like 250000 or 250000.50"),
                                    Length(max=40, message="Enter your price in pounds, like 250000 or 250000.50")])
    submit = SubmitField("Save and continue", widget=GovSubmitInput())


def answers_form(questions, answers: dict) -> FlaskForm:
    """One text area per quality question, with its word limit counted as you type."""

    class AnswersForm(FlaskForm):
        submit = SubmitField("Save and continue", widget=GovSubmitInput())

    for question in questions:
        setattr(AnswersForm, f"answer_{question.number}", TextAreaField(
            f"{question.number}. {question.text}", widget=GovCharacterCount() if question.word_limit else GovTextArea(),
            description=" ".join(part for part in (
                question.guidance, f"Up to {question.word_limit:,} words." if question.word_limit else "",
                f"Weight: {question.weight}% of the quality score.") if part),
            default=answers.get(str(question.id), ""),
            validators=[Optional(), Length(max=ANSWER_MAX_CHARS, message=f"Your answer to question {question.number} "
                                                                         f"must be {ANSWER_MAX_CHARS:,} characters "
                                                                         "or fewer")]))
    return AnswersForm()


def member_form(directory) -> FlaskForm:
    class MemberForm(FlaskForm):
        organisation = ChoiceSelectField(
            "Organisation", widget=GovSelect(),
            description="Providers on the portal. The organisation confirms its part from its own account.",
            choices=[("", "Choose a provider")] + [(org.slug, org.name) for org in directory],
            validators=[InputRequired("Choose an organisation from the directory of providers")])
        role = ChoiceRadioField("Role", widget=GovRadioInput(), choices=list(MEMBER_ROLES.items()),
                                validators=[InputRequired("Choose whether it is a consortium member or a "
                                                          "sub-contractor")])
        share = StringField("Share of the work, in per cent", widget=GovTextInput(),
                            description="The shares of everyone you name add up to 100% at most, like 25 or 12.5",
                            validators=[InputRequired("Enter its share of the work as a percentage, like 25"),
                                        Length(max=20, message="Enter its share as a percentage, like 25")])
        part = TextAreaField("Its part of the work", widget=GovTextArea(),
                             description="What it will deliver, like “night visits across the lot”",
                             validators=[InputRequired("Describe its part of the work"),
                                         Length(max=PART_LIMIT, message=f"Its part must be {PART_LIMIT:,} characters "
                                                                        "or fewer")])
        submit = SubmitField("Add to the consortium", widget=GovSubmitInput())

    return MemberForm()


class DeclarationForm(FlaskForm):
    declaration = BooleanField(DECLARATION, widget=GovCheckboxInput(),
                               validators=[InputRequired("Confirm the declaration to submit your bid")])
    submit = SubmitField("Submit your bid", widget=GovSubmitInput())


class ReconfirmForm(FlaskForm):
    declaration = BooleanField("I confirm that our bid stands as submitted, for the tender as amended",
                               widget=GovCheckboxInput(),
                               validators=[InputRequired("Confirm that your bid still stands, as amended")])
    submit = SubmitField("Confirm the bid stands", widget=GovSubmitInput())


class ConfirmPartForm(FlaskForm):
    declaration = BooleanField("We agree to our part of this bid, as described, and to the share given",
                               widget=GovCheckboxInput(),
                               validators=[InputRequired("Confirm that your organisation agrees to its part")])
    submit = SubmitField("Confirm our part", widget=GovSubmitInput())
