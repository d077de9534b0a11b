"""The form that makes a per-organisation API token. Its choices are checked by the service
(``portal.accounts.api_tokens.issue_api_token``), which names every wrong field at once."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField

from portal.accounts.api_tokens import DEFAULT_DAYS, MAX_DAYS, READ, WRITE
from portal.forms import ChoiceRadioField


class ApiTokenForm(FlaskForm):
    label = StringField("Name for this token", widget=GovTextInput(),
                        description="So that you can tell your tokens apart, for example 'finance system'")
    organisation = ChoiceRadioField("Which organisation is it for?", widget=GovRadioInput(), choices=[],
                                    validate_choice=False,
                                    description="The token works only at this organisation's addresses")
    scopes = ChoiceRadioField("What may it do?", widget=GovRadioInput(), validate_choice=False, choices=[
        (READ, "Read only: fetch returns, figures and documents (GET requests)"),
        (WRITE, "Read and write: also submit returns, upload documents and make other changes"),
    ])
    expires_in_days = StringField("How many days until it stops working?", widget=GovTextInput(),
                                  default=str(DEFAULT_DAYS),
                                  description=f"From 1 to {MAX_DAYS} (one year at most). Make a new token when it expires.")
    submit = SubmitField("Create token", widget=GovSubmitInput())


def token_form(memberships, *, blank: bool = False) -> ApiTokenForm:
    """The form, offering the organisations where the person's role uses the API (``blank``:
    a fresh one after a token was made, not the one just sent)."""
    form = ApiTokenForm(formdata=None) if blank else ApiTokenForm()
    form.organisation.choices = [(m.organisation.slug, f"{m.organisation.name} (as {m.role_label.lower()})")
                                 for m in memberships]
    if len(memberships) == 1 and not form.organisation.data:
        form.organisation.data = memberships[0].organisation.slug
    return form
