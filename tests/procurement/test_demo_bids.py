"""The demo's bids: Glasgow's open tender has quality questions to answer; its supported-living
tender closed three days before the demo was seeded with sealed bids from three providers (one a
consortium whose member confirmed), which nobody at Glasgow can see until two people open them."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select


def test_the_demo_has_sealed_bids_on_a_closed_tender_and_questions_on_the_open_one(app):
    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.procurement import bid_opening, policy
    from portal.procurement.bid_models import Bid, BidMember, QualityQuestion
    from portal.procurement.models import Tender
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        assert seed_demo()["bids"] == 0  # idempotent
        db.session.rollback()
        org = get_organisation_by_slug
        with tenant_context(org("glasgow-hscp").id):
            tenders = {t.reference: t for t in db.session.scalars(select(Tender))}
            closed, still_open = tenders["GCH-2026-SL"], tenders["GCH-2027-CAH"]
            assert policy.status_at(closed) == "closed" and closed.opened_at is None
            assert utcnow() - timedelta(days=4) < closed.submission_deadline < utcnow() - timedelta(days=2)
            assert db.session.scalar(select(func.count(Bid.id)).where(Bid.tender_id == closed.id)) == 0  # sealed
            assert bid_opening.opening_state(closed).needed == 2
            assert db.session.scalar(select(func.count(QualityQuestion.id))
                                     .where(QualityQuestion.tender_id == still_open.id)) == 3
        for slug in ("riverside-care", "hillview-support", "brightpath-support"):
            with tenant_context(org(slug).id):
                [bid] = db.session.scalars(select(Bid).where(Bid.tender_id == closed.id)).all()
                assert bid.status == "submitted" and bid.submitted_at < closed.submission_deadline
                assert [d.filename for d in bid.documents] == ["method-statement.pdf"]
        with tenant_context(org("oakfield-care").id):
            [part] = db.session.scalars(select(BidMember)).all()
            assert part.confirmed_at is not None and part.status == "submitted"
        db.session.rollback()
