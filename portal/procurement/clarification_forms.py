"""The forms for asking and answering clarification questions (GOV.UK Frontend widgets)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCharacterCount, GovCheckboxesInput, GovRadioInput, GovSubmitInput,
                                                 GovTextArea)
from wtforms import SelectMultipleField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.forms import ChoiceRadioField
from portal.procurement.clarification_models import ANSWER_LIMIT, QUESTION_LIMIT, REASON_LIMIT

WHOLE_TENDER = "all"


def ask_form(tender) -> FlaskForm:
    """The question, and the lot it is about when the tender has more than one."""

    class AskForm(FlaskForm):
        question = TextAreaField(
            "Your question", widget=GovCharacterCount(),
            description="Other providers never see your organisation's name: if your question is published, "
                        "the procurement team removes anything that would identify you.",
            validators=[DataRequired("Enter your question"),
                        Length(max=QUESTION_LIMIT, message=f"Your question must be {QUESTION_LIMIT:,} characters "
                                                           "or fewer")])
        submit = SubmitField("Send the question", widget=GovSubmitInput())

    if len(tender.lots) > 1:
        AskForm.lot = ChoiceRadioField(
            "Which part of the tender is it about?", widget=GovRadioInput(),
            choices=[(WHOLE_TENDER, "The whole tender")] + [(str(lot.number), f"Lot {lot.number}: {lot.title}")
                                                          for lot in tender.lots],
            default=WHOLE_TENDER, validators=[InputRequired("Choose the part of the tender it is about")])
    return AskForm()


def chosen_lot(form) -> str | None:
    field = getattr(form, "lot", None)
    return None if field is None or field.data in (None, WHOLE_TENDER) else field.data


class _Duplicates(SelectMultipleField):
    """Checkboxes of other open questions; an unknown choice is named in words."""

    def pre_validate(self, form):
        known = {str(value) for value, _label in self.choices}
        if any(str(value) not in known for value in self.data or ()):
            raise ValidationError("Choose duplicates from the questions listed")


def answer_form(question, duplicates) -> FlaskForm:
    """The published text (the question as asked, to edit), the answer, to all or to the asker
    alone with a reason, and the other open questions it also answers."""

    class AnswerForm(FlaskForm):
        question_text = TextAreaField(
            "The question as it will be published", widget=GovCharacterCount(),
            description="Remove anything that identifies the provider that asked: its name, its people, its "
                        "services. The provider and your team keep the question as asked.",
            validators=[DataRequired("Enter the question as it will be published"),
                        Length(max=QUESTION_LIMIT, message=f"The question must be {QUESTION_LIMIT:,} characters "
                                                           "or fewer")])
        answer = TextAreaField("Answer", widget=GovCharacterCount(),
                               validators=[DataRequired("Enter the answer"),
                                           Length(max=ANSWER_LIMIT, message=f"The answer must be {ANSWER_LIMIT:,} "
                                                                            "characters or fewer")])
        audience = ChoiceRadioField(
            "Who is the answer for?", widget=GovRadioInput(),
            choices=[("all", "Publish to every organisation, in the tender's numbered log"),
                     ("asker", "The provider that asked, alone: the question or answer is commercially sensitive")],
            validators=[InputRequired("Choose who the answer is for")])
        reason = TextAreaField("Why is the answer for the provider that asked alone?", widget=GovTextArea(),
                               description="Needed only for a private answer; it is kept on the record.",
                               validators=[Optional(), Length(max=REASON_LIMIT, message="The reason must be "
                                                              f"{REASON_LIMIT:,} characters or fewer")])
        submit = SubmitField("Send the answer", widget=GovSubmitInput())

    if duplicates:
        AnswerForm.duplicates = _Duplicates(
            "Other questions this answer also answers (duplicates)", widget=GovCheckboxesInput(),
            description="They are published as one clarification, under the question above.",
            choices=[(str(q.id), _short(q.text)) for q in duplicates], validators=[Optional()])
    return AnswerForm(data={"question_text": question.text})


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157] + "..."
