"""The demo's open tender is open for questions for at least three weeks from the day it is seeded,
meets its regime's rules, and is followed by several providers; Aberdeen's draft is its own."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select


def test_the_demo_tender_is_open_for_questions_for_three_weeks(app):
    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.procurement import policy, services
    from portal.procurement.models import Interest, Tender
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        with tenant_context(get_organisation_by_slug("riverside-care").id):
            tenders = db.session.scalars(select(Tender)).all()
            assert "ACH-2027-SL" not in [t.reference for t in tenders]  # Aberdeen's draft is not listed
            tender = next(t for t in tenders if t.reference == "GCH-2027-CAH")
            assert policy.is_open(tender) and tender.regime == "scotland" and len(tender.lots) == 2
            assert tender.clarification_deadline >= utcnow() + timedelta(days=21)
            assert db.session.scalar(select(Interest.id).where(Interest.tender_id == tender.id))
        with tenant_context(get_organisation_by_slug("glasgow-hscp").id):
            tender = db.session.get(Tender, tender.id)
            assert services.timetable_problems(tender) == {}
            assert db.session.scalar(select(db.func.count(Interest.id))) == 3
