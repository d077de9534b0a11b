"""WTForms for the account pages, rendered with GOV.UK Frontend widgets."""
from __future__ import annotations

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length

from portal.forms import ChoiceRadioField


class SignInForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"),
                                    Email("Enter an email address in the correct format, like name@example.org")])
    password = PasswordField("Password", widget=GovPasswordInput(),
                             validators=[InputRequired("Enter your password")])
    submit = SubmitField("Sign in", widget=GovSubmitInput())


class ForgotPasswordForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter your email address"),
                                    Email("Enter an email address in the correct format, like name@example.org")])
    submit = SubmitField("Send reset link", widget=GovSubmitInput())


class NewPasswordForm(FlaskForm):
    password = PasswordField("New password", widget=GovPasswordInput(),
                             description="At least 12 characters. Three random words work well.",
                             validators=[InputRequired("Enter a new password")])
    confirm_password = PasswordField("Confirm new password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Confirm your new password")])
    submit = SubmitField("Save password", widget=GovSubmitInput())


class AcceptInvitationForm(NewPasswordForm):
    full_name = StringField("Full name", widget=GovTextInput(),
                            validators=[InputRequired("Enter your full name"), Length(max=200)])
    submit = SubmitField("Accept invitation", widget=GovSubmitInput())


class InviteForm(FlaskForm):
    email = StringField("Email address", widget=GovTextInput(),
                        validators=[InputRequired("Enter the email address of the person to invite"),
                                    Email("Enter an email address in the correct format, like name@example.org")])
    role = ChoiceRadioField("Role", widget=GovRadioInput(), validators=[InputRequired("Choose a role")])
    submit = SubmitField("Send invitation", widget=GovSubmitInput())


class ChangeRoleForm(FlaskForm):
    role = ChoiceRadioField("Role", widget=GovRadioInput(), validators=[InputRequired("Choose a role")])
    submit = SubmitField("Change role", widget=GovSubmitInput())


class OrganisationForm(FlaskForm):
    name = StringField("Organisation name", widget=GovTextInput(),
                       validators=[InputRequired("Enter the organisation's name"), Length(max=200)])
    slug = StringField("Short name", widget=GovTextInput(),
                       description="Used in web addresses: lower-case letters, digits and hyphens, like glasgow-hscp",
                       validators=[InputRequired("Enter a short name"), Length(max=63)])
    kind = ChoiceRadioField("Kind of organisation", widget=GovRadioInput(),
                            choices=[("provider", "Care provider"), ("commissioner", "Commissioner (council or HSCP)")],
                            validators=[InputRequired("Choose the kind of organisation")])
    admin_email = StringField("First administrator's email address", widget=GovTextInput(),
                              validators=[InputRequired("Enter the email address of the first administrator"),
                                          Email("Enter an email address in the correct format, like name@example.org")])
    submit = SubmitField("Create organisation", widget=GovSubmitInput())


class ChangePasswordForm(NewPasswordForm):
    current_password = PasswordField("Current password", widget=GovPasswordInput(),
                                     validators=[InputRequired("Enter your current password")])
    submit = SubmitField("Change password", widget=GovSubmitInput())


# -- multi-factor authentication and re-authentication -------------------------------------------

CODE_HINT = "The 6-digit code your authenticator app shows for Portal now"


def _code_field(label: str = "Code from your authenticator app"):
    return StringField(label, widget=GovTextInput(), description=CODE_HINT,
                       validators=[InputRequired("Enter the 6-digit code from your authenticator app"),
                                   Length(max=20, message="Enter the code as 6 digits, like 123456")])


class CodeForm(FlaskForm):
    code = _code_field()
    submit = SubmitField("Continue", widget=GovSubmitInput())


class RecoveryCodeForm(FlaskForm):
    recovery_code = StringField("Recovery code", widget=GovTextInput(),
                                description="One of the codes you saved when you set up MFA, like abcd-efgh-2345",
                                validators=[InputRequired("Enter one of your recovery codes"),
                                            Length(max=40, message="Enter a recovery code like abcd-efgh-2345")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class SetUpMfaForm(FlaskForm):
    code = _code_field("Code from your app")
    submit = SubmitField("Turn on MFA", widget=GovSubmitInput())


class ConfirmIdentityForm(FlaskForm):
    password = PasswordField("Password", widget=GovPasswordInput(), validators=[InputRequired("Enter your password")])
    code = StringField("Code from your authenticator app", widget=GovTextInput(), description=CODE_HINT,
                       validators=[Length(max=20, message="Enter the code as 6 digits, like 123456")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ChangeEmailForm(FlaskForm):
    email = StringField("New email address", widget=GovTextInput(),
                        description="We will send a link to this address: your address changes when you follow it",
                        validators=[InputRequired("Enter your new email address"), Length(max=254),
                                    Email("Enter an email address in the correct format, like name@example.org")])
    submit = SubmitField("Send confirmation link", widget=GovSubmitInput())


class ConfirmForm(FlaskForm):
    """A button only (the question is on the page)."""

    submit = SubmitField("Continue", widget=GovSubmitInput())


class MfaRequirementForm(FlaskForm):
    require_mfa = ChoiceRadioField(
        "Require multi-factor authentication for everyone in the organisation?", widget=GovRadioInput(),
        choices=[("yes", "Yes: everyone must set up an authenticator app"),
                 ("no", "No: only the roles that always need it")],
        validators=[InputRequired("Choose whether everyone must use multi-factor authentication")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class ResetMfaByEmailForm(FlaskForm):
    email = StringField("Email address of the person", widget=GovTextInput(),
                        validators=[InputRequired("Enter the email address of the person whose MFA to reset"),
                                    Email("Enter an email address in the correct format, like name@example.org")])
    submit = SubmitField("Reset their MFA", widget=GovSubmitInput())
