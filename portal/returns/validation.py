"""Turn what a person typed into a typed answer, or say exactly what is wrong."""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from portal.contracts.models import Measure
from portal.limits import numeric_max
from portal.returns.models import Answer

MAX_TEXT = 10_000
#: Answer.value_number is NUMERIC(18, 4): 14 digits before the point.
LARGEST = numeric_max(Answer.__table__.c.value_number)
PLACES = Decimal("0.0001")
NOT_STORABLE = re.compile("[\x00\ud800-\udfff]")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}


class FieldError(ValueError):
    """One answer is wrong; the message says how to put it right."""


def _name(measure: Measure) -> str:
    label = measure.label.rstrip("?.")
    return label[0].upper() + label[1:] if label else measure.code


QUESTION_WORDS = {"enter", "describe", "give", "list", "explain", "tell", "how", "what", "which", "who", "when",
                  "where", "why", "did", "do", "does", "is", "are", "was", "were", "has", "have", "can", "will"}


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    return text if first[1:2].isupper() else text[:1].lower() + text[1:]  # keep "NHS", "CQC"


def input_label(measure: Measure) -> str:
    """What the form asks for, saying what to enter: "Enter the number of people who achieved or
    sustained this outcome". A label that already asks (a question, or "Describe ...") stays."""
    label = " ".join((measure.label or measure.code).split()).rstrip(".")
    first = label.split(" ", 1)[0].lower()
    if label.endswith("?") or first in QUESTION_WORDS or measure.type == "yes_no":
        return label
    text = _lower_first(label)
    if measure.type == "integer":
        return f"Enter the {text}" if first in ("number", "count", "total") else f"Enter the number of {text}"
    if measure.type == "percentage":
        return (f"Enter the {text}" if first in ("percentage", "proportion", "share", "rate")
                else f"Enter the percentage of {text}")
    if measure.type == "decimal":
        return f"Enter the {text}" if first not in ("a", "an", "the") else f"Enter {text}"
    if measure.is_narrative:
        return f"Describe the {text}" if first not in ("a", "an", "the") else f"Describe {text}"
    return f"Enter {text}" if first in ("a", "an", "the", "any") else f"Enter the {text}"


def _number_text(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value.normalize())


def parse(measure: Measure, raw, *, partial: bool = False) -> tuple[Decimal | None, bool | None, str | None]:
    """(number, bool, text) for one answer; (None, None, None) for a blank one that may be blank:
    an optional one, or any one when the person is saving part-way (``partial``)."""
    if isinstance(raw, bool) and measure.type == "yes_no":
        return None, raw, None
    text = "" if raw is None else str(raw).strip()
    if NOT_STORABLE.search(text):  # from an import: the request guard stops these on pages and in the API
        raise FieldError(f"{_name(measure)} contains a hidden character (NUL or a broken one) that cannot be "
                         "stored: type the answer again")
    if text == "":
        if measure.required and not partial:
            if measure.type == "yes_no":
                raise FieldError(f"Select yes or no: {measure.label.rstrip('?')}?")
            asked = input_label(measure)
            raise FieldError(asked if asked.startswith(("Enter ", "Describe ")) else
                             f"Enter {_lower_first(asked)}".rstrip(".?"))
        return None, None, None
    if measure.type == "text":
        if len(text) > MAX_TEXT:
            raise FieldError(f"{_name(measure)} must be {MAX_TEXT:,} characters or fewer")
        return None, None, text
    if measure.type == "yes_no":
        lowered = text.lower()
        if lowered in YES:
            return None, True, None
        if lowered in NO:
            return None, False, None
        raise FieldError(f"{_name(measure)} must be yes or no")
    cleaned = text.replace(",", "").rstrip("%").strip() if measure.type == "percentage" else text.replace(",", "")
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        example = {"integer": "a whole number, like 12", "decimal": "a number, like 12.5",
                   "percentage": "a percentage, like 85"}[measure.type]
        raise FieldError(f"{_name(measure)} must be {example}")
    if measure.type == "integer" and number != number.to_integral_value():
        raise FieldError(f"{_name(measure)} must be a whole number, like 12")
    minimum = measure.minimum if measure.minimum is not None else (Decimal(0) if measure.type == "percentage" else None)
    maximum = measure.maximum if measure.maximum is not None else (Decimal(100) if measure.type == "percentage" else None)
    if minimum is not None and number < minimum:
        raise FieldError(f"{_name(measure)} must be {_number_text(minimum)} or more")
    if maximum is not None and number > maximum:
        raise FieldError(f"{_name(measure)} must be {_number_text(maximum)} or less")
    # Comparisons are exact, but Decimal arithmetic rounds to 28 digits and overflows past 10**999999:
    # look at the exponent before rounding to the column's 4 places.
    if number.adjusted() >= len(str(int(LARGEST))):
        raise _too_far(measure, number)
    number = number.quantize(PLACES)
    number = number.copy_abs() if number.is_zero() else number  # -0.00001 is 0, not -0
    if abs(number) > LARGEST:  # 99999999999999.99995 rounds up past the column
        raise _too_far(measure, number)
    return number, None, None


def _too_far(measure: Measure, number: Decimal) -> FieldError:
    bound = f"{int(LARGEST) + 1:,}"
    if number < 0:
        return FieldError(f"{_name(measure)} must be more than -{bound}")
    return FieldError(f"{_name(measure)} must be less than {bound}")


def display(measure: Measure, number, boolean, text) -> str:
    """How an answer reads on a page or in an export."""
    if measure.type == "yes_no":
        return "" if boolean is None else ("Yes" if boolean else "No")
    if measure.type == "text":
        return text or ""
    if number is None:
        return ""
    shown = _number_text(Decimal(number))
    return f"{shown}%" if measure.type == "percentage" else shown


def to_json(measure: Measure, number, boolean, text):
    """The JSON value of an answer (numbers as strings: money-safe, no floats)."""
    if measure.type == "yes_no":
        return boolean
    if measure.type == "text":
        return text
    return None if number is None else _number_text(Decimal(number))
