"""Fixtures for the procurement tests."""
from __future__ import annotations

import pytest

from tests import factories


@pytest.fixture
def market_for_tenders(app):
    """Glasgow's procurement officer; Fern Care (interested) with two people; Oak Care (not interested)."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    factories.user("staff@fern.example", memberships=[(fern, "submitter")])
    factories.user("admin@fern.example", memberships=[(fern, "provider_admin")])
    factories.user("finance@fern.example", memberships=[(fern, "finance")])
    factories.user("staff@oak.example", memberships=[(oak, "submitter")])
    return {"glasgow": glasgow, "fern": fern, "oak": oak,
            "officer": factories.user("officer@glasgow.example", memberships=[(glasgow, "procurement")])}
