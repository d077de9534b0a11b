"""Market engagement forms (GOV.UK Frontend widgets)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import (GovCharacterCount, GovRadioInput, GovSelect, GovSubmitInput,
                                                 GovTextArea, GovTextInput)
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.engagement.models import QUESTION_LIMIT, REPLY_LIMIT, SCOPES
from portal.forms import ChoiceRadioField, ChoiceSelectField


class ThreadForm(FlaskForm):
    title = StringField("Title", widget=GovTextInput(),
                        description="For example, Recommissioning supported living 2027: provider session",
                        validators=[InputRequired("Enter the title"),
                                    Length(max=200, message="The title must be 200 characters or fewer")])
    description = TextAreaField("Description", widget=GovTextArea(), description="What the thread is for, and by "
                                "when you would like questions. Every organisation that can read the thread reads this.",
                                validators=[Optional(), Length(max=20000, message="The description must be 20,000 "
                                                                                  "characters or fewer")])
    scope = ChoiceRadioField("Who can read the thread?", widget=GovRadioInput(), choices=list(SCOPES.items()),
                             default="market", validators=[InputRequired("Choose who can read the thread")])
    contract_id = ChoiceSelectField("Contract", widget=GovSelect(), choices=[("", "Choose a contract")],
                                    description="Contracts you lead, or all of your organisation’s if you are an "
                                                "administrator or procurement officer",
                                    validators=[Optional()])
    submit = SubmitField("Open the thread", widget=GovSubmitInput())


def thread_form(contracts) -> ThreadForm:
    form = ThreadForm()
    form.contract_id.choices = [("", "Choose a contract")] + [
        (str(c.id), f"{c.reference}: {c.title} ({c.provider.name})") for c in contracts]
    return form


class QuestionForm(FlaskForm):
    body = TextAreaField("Your question", widget=GovCharacterCount(),
                         description="The commissioner sees your organisation’s name. Other providers never do: "
                                     "if the answer is published, it is without your name.",
                         validators=[InputRequired("Enter your question"),
                                     Length(max=QUESTION_LIMIT, message=f"Your question must be {QUESTION_LIMIT:,} "
                                                                        "characters or fewer")])
    submit = SubmitField("Send the question", widget=GovSubmitInput())


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", widget=GovTextArea(),
                         description="The provider that asked reads it. To share it with everyone, add it to the "
                                     "answer set afterwards.",
                         validators=[InputRequired("Enter your reply"),
                                     Length(max=REPLY_LIMIT, message=f"Your reply must be {REPLY_LIMIT:,} "
                                                                     "characters or fewer")])
    submit = SubmitField("Send the reply", widget=GovSubmitInput())


class MarkForm(FlaskForm):
    question = TextAreaField("The question, as it will be published", widget=GovTextArea(),
                             description="Remove anything that identifies the provider that asked: its name, its "
                                         "people, its places.",
                             validators=[InputRequired("Enter the question as it will be published"),
                                         Length(max=QUESTION_LIMIT, message=f"The question must be {QUESTION_LIMIT:,} "
                                                                            "characters or fewer")])
    answer = TextAreaField("The answer, as it will be published", widget=GovTextArea(),
                           validators=[InputRequired("Enter the answer as it will be published"),
                                       Length(max=REPLY_LIMIT, message=f"The answer must be {REPLY_LIMIT:,} "
                                                                       "characters or fewer")])
    submit = SubmitField("Save to the answer set", widget=GovSubmitInput())
