"""Forms for a tender's documents (GOV.UK Frontend widgets): attach from the library, replace,
withdraw; on a published tender each is an amendment, with its reason."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from portal.forms import ChoiceSelectField, GovDateField
from portal.procurement.forms import TimeField, moment
from portal.procurement.tender_document_models import TITLE_LIMIT


def _reason_field(cls) -> None:
    cls.reason = TextAreaField("Why is the tender changing?", widget=GovTextArea(),
                               description="Every provider reads this with the change, and interested providers are "
                                           "emailed it.",
                               validators=[InputRequired("Enter the reason for the change"),
                                           Length(max=2000, message="The reason must be 2,000 characters or fewer")])


class AttachForm(FlaskForm):
    document_id = ChoiceSelectField("Document from your library", widget=GovSelect(),
                                    choices=[("", "Choose a document")],
                                    description="Only documents that have passed their checks are listed. Upload a "
                                                "new one on the Documents page.",
                                    validators=[InputRequired("Choose a document from your library")])
    title = StringField("Title", widget=GovTextInput(), description="For example, Market data on people supported",
                        validators=[InputRequired("Enter the document’s title"),
                                    Length(max=TITLE_LIMIT, message=f"The title must be {TITLE_LIMIT} characters or "
                                                                    "fewer")])
    release_on = GovDateField("Release date (optional)",
                              description="Leave it empty to release the document with the tender. "
                                          "For example, 2 3 2027")
    release_time = TimeField("Time of release", default="09:00")
    submit = SubmitField("Add the document", widget=GovSubmitInput())


class ReplaceForm(FlaskForm):
    document_id = AttachForm.document_id
    title = StringField("Title", widget=GovTextInput(),
                        validators=[InputRequired("Enter the document’s title"),
                                    Length(max=TITLE_LIMIT, message=f"The title must be {TITLE_LIMIT} characters or "
                                                                    "fewer")])
    submit = SubmitField("Replace the document", widget=GovSubmitInput())


class WithdrawForm(FlaskForm):
    submit = SubmitField("Withdraw the document", widget=GovSubmitInput())


def document_form(cls, choices, *, published: bool, **data):
    """The form, with the library's documents to choose from and, for a published tender, the
    amendment's reason."""
    if published:
        cls = type(cls.__name__, (cls,), {})
        _reason_field(cls)
    form = cls(**data)
    if hasattr(form, "document_id"):
        form.document_id.choices = [("", "Choose a document")] + list(choices)
    return form


def release_moment(form):
    return moment(form.release_on.data, form.release_time.data) if form.release_on.data else None
