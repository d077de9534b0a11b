"""The demo's proposals in every state, its fund and its savings targets (a second seeding
changes nothing)."""
from __future__ import annotations

from sqlalchemy import func, select


def test_the_demo_has_proposals_in_every_state_a_fund_and_savings_targets(app):
    from portal.dev.demo import seed_demo
    from portal.extensions import db
    from portal.invoicing.models import ContractRate, ContractVariation
    from portal.proposals.models import FundPayment, Proposal
    from portal.savings.figures import figures_of
    from portal.savings.models import SavingsTarget
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        seed_demo()  # idempotent
        db.session.commit()
        riverside, glasgow = get_organisation_by_slug("riverside-care"), get_organisation_by_slug("glasgow-hscp")
        with tenant_context(riverside.id):
            statuses = {p.title: p.status for p in db.session.scalars(select(Proposal).where(
                Proposal.tenant_id == riverside.id, Proposal.kind != "fund_bid"))}
            assert sorted(set(statuses.values())) == ["accepted", "declined", "draft", "submitted", "under_review"]
            uplift = db.session.scalar(select(Proposal).where(Proposal.title.like("Real Living Wage uplift%")))
            assert uplift.status == "accepted" and uplift.versions_count == 2
            variation = db.session.scalar(select(ContractVariation).where(
                ContractVariation.source == f"proposal:{uplift.id}"))
            assert variation.kind == "rate" and variation.effective_from == uplift.start_date
            assert db.session.scalar(select(ContractRate).where(ContractRate.variation_id == variation.id)) is not None
        with tenant_context(glasgow.id):
            bids = db.session.scalars(select(Proposal).where(Proposal.kind == "fund_bid")).all()
            assert len(bids) == 3 and [b.awarded_amount for b in bids if b.awarded_amount] == [40000]
            assert db.session.scalar(select(func.sum(FundPayment.amount))) == 10000
            targets = db.session.scalars(select(SavingsTarget)).all()
            assert sorted(t.scope for t in targets) == ["collaborative", "programme", "service_type"]
            collaborative = next(t for t in targets if t.scope == "collaborative")
            shares = figures_of(collaborative).shares
            assert len(shares) == 2 and sum(s["baseline"] for s in shares.values()) == 1800000
