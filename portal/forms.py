"""Form fields shared by the domains' WTForms forms.

WTForms answers a value that is not among a radio or select field's choices with "Not a valid
choice." (or "Invalid Choice: could not coerce."), which tells a person neither which question
nor what to do. These fields say both: the message of the field's InputRequired validator
("Choose the type of service") when it has one, else "Choose one of the options for ...".
"""
from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovDateInput
from wtforms import DateField, RadioField, SelectField
from wtforms.validators import InputRequired, ValidationError


def _choose(field) -> str:
    for validator in field.validators:
        if isinstance(validator, InputRequired) and validator.message:
            return validator.message
    return f"Choose one of the options for “{field.label.text}”"


class _Choices:
    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError(_choose(self)) from None

    def pre_validate(self, form):
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_choose(self)) from None


class ChoiceRadioField(_Choices, RadioField):
    """A RadioField whose unknown answer is named in words."""


class ChoiceSelectField(_Choices, SelectField):
    """A SelectField whose unknown answer is named in words."""


class GovDateField(DateField):
    """Day, month and year inputs that share one name (GOV.UK date input)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%d %m %Y")
        kwargs.setdefault("widget", GovDateInput())
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist):
        valuelist = [v.strip() for v in (valuelist or [])][:3]
        self.raw_data = (valuelist + ["", "", ""])[:3]  # the widget re-renders exactly three inputs
        if not any(self.raw_data):
            self.data = None
            return
        try:
            super().process_formdata([" ".join(self.raw_data)])
        except ValueError:
            raise ValueError(f"Enter the {self.label.text.lower()} as a real date, like 1 4 2026") from None
