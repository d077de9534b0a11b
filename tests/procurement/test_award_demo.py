"""The demo's awarded tender: evaluated, awarded and contracted, every step in the past relative
to the day it is seeded, through the services (a second seeding changes nothing)."""
from __future__ import annotations

from sqlalchemy import func, select


def test_the_demo_has_an_awarded_tender_whose_award_became_a_contract(app):
    from portal.audit.models import AuditEvent
    from portal.contracts.models import Contract, ReturnSchedule
    from portal.dev.demo import seed_demo
    from portal.dev.demo_awards import REFERENCE
    from portal.extensions import db
    from portal.models_base import utcnow
    from portal.procurement.evaluation_models import Award, BidOutcome, ConsensusScore, Evaluator, EvaluatorScore
    from portal.procurement.models import Tender
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    with app.app_context():
        seed_demo()
        db.session.commit()
        now = utcnow()
        glasgow, riverside = (get_organisation_by_slug(s) for s in ("glasgow-hscp", "riverside-care"))
        with tenant_context(glasgow.id):
            tender = db.session.scalar(select(Tender).where(Tender.reference == REFERENCE))
            assert tender.status == "awarded" and tender.opened_at < now
            evaluators = db.session.scalars(select(Evaluator).where(Evaluator.tender_id == tender.id)).all()
            assert sorted(e.status for e in evaluators) == ["declared", "declared"]
            assert db.session.scalar(select(func.count(EvaluatorScore.id))
                                     .where(EvaluatorScore.tender_id == tender.id)) == 12
            assert db.session.scalar(select(func.count(ConsensusScore.id))
                                     .where(ConsensusScore.tender_id == tender.id)) == 6
            award = db.session.scalar(select(Award).where(Award.tender_id == tender.id))
            assert award.provider.slug == "riverside-care" and award.status == "contracted"
            assert award.notice_at < award.standstill_end < award.concluded_at < now
            contract = db.session.get(Contract, award.contract_id)
            assert contract.reference == f"{REFERENCE}-L1" and contract.tenant_id == riverside.id
            assert db.session.scalar(select(ReturnSchedule.id).where(ReturnSchedule.contract_id == contract.id)) \
                is None
            assert db.session.scalar(select(func.count(BidOutcome.id)).where(BidOutcome.tender_id == tender.id)) == 3
            assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "award_contracted"))
        with tenant_context(riverside.id):
            assert db.session.scalar(select(BidOutcome.successful).where(BidOutcome.tender_id == tender.id))
        assert seed_demo()["awards"] == 0
        db.session.rollback()
