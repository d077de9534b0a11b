"""URL converters: an id in an address that no row can have is a 404, like a missing row.

Ids are PostgreSQL ``bigint``; werkzeug's ``int`` converter takes any number of digits, and
a number past ``2**63 - 1`` would reach the database and fail there (a 500). The app's
``int`` converter is werkzeug's own with that bound, so every ``<int:...>`` in every
blueprint stops at the column's range without any view changing, and a number past it is a
404 whatever the method.
"""
from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter, ValidationError

from portal.limits import BIGINT_MAX


class BoundedIntegerConverter(IntegerConverter):
    """``<int:...>`` from 0 to ``2**63 - 1`` (a rule may still narrow it: ``<int(max=99):n>``)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=BIGINT_MAX if max is None else max,
                         signed=signed)

    def to_python(self, value: str):
        try:
            return super().to_python(value)
        except ValidationError:
            # The rule was chosen by its pattern (digits) before this conversion: a plain
            # ValidationError would make werkzeug answer 405 for a PATCH whose GET twin exists.
            raise NotFound() from None


def register(app: Flask) -> None:
    """Before any blueprint is registered: rules read the converter table when they are added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
