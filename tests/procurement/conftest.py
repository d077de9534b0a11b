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


@pytest.fixture
def bidding(app):
    """Glasgow's open two-lot tender GCH-BID (deadline in 40 days at noon) with two quality questions
    for every lot (the second with a limit of 50 words); two procurement officers and a viewer at
    Glasgow; Fern Care (a submitter and an administrator), Oak Care and Birch Support (one person each)."""
    glasgow = factories.organisation("commissioner", slug="glasgow-hscp", name="Glasgow City HSCP")
    fern = factories.organisation("provider", slug="fern-care", name="Fern Care")
    oak = factories.organisation("provider", slug="oak-care", name="Oak Care")
    birch = factories.organisation("provider", slug="birch-support", name="Birch Support")
    tender = factories.tender(glasgow, reference="GCH-BID", lots=[
        {"title": "North East", "estimated_value": "4200000.00"}, {"title": "East", "estimated_value": "3600000.00"}])
    factories.quality_question(tender, text="How will you help people stay well at home?", weight=60)
    factories.quality_question(tender, text="How will you recruit and keep staff?", weight=40, word_limit=50)
    return {"glasgow": glasgow, "fern": fern, "oak": oak, "birch": birch, "tender": tender,
            "officers": [factories.user(f"officer{n}@glasgow.example", memberships=[(glasgow, "procurement")])
                         for n in (1, 2)],
            "viewer": factories.user("viewer@glasgow.example", memberships=[(glasgow, "viewer")]),
            "staff": factories.user("staff@fern.example", memberships=[(fern, "submitter")]),
            "fern_admin": factories.user("admin@fern.example", memberships=[(fern, "provider_admin")]),
            "oak_staff": factories.user("staff@oak.example", memberships=[(oak, "submitter")]),
            "birch_staff": factories.user("staff@birch.example", memberships=[(birch, "submitter")])}
