"""Reads of savings targets (the commissioner's own rows)."""
from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.proposals.models import ACCEPTED, Proposal
from portal.savings.models import Saving, SavingsTarget
from portal.tenants.models import Organisation


def list_targets(year_start=None) -> list[SavingsTarget]:
    query = select(SavingsTarget).order_by(SavingsTarget.year_start.desc(), SavingsTarget.name)
    if year_start is not None:
        query = query.where(SavingsTarget.year_start == year_start)
    return list(db.session.scalars(query))


def get_target(target_id: int) -> SavingsTarget | None:
    return db.session.scalar(select(SavingsTarget).where(SavingsTarget.id == target_id))


def get_saving(target: SavingsTarget, saving_id: int) -> Saving | None:
    return db.session.scalar(select(Saving).where(Saving.tenant_id == target.tenant_id,
                                                  Saving.target_id == target.id, Saving.id == saving_id))


def savings_of(target: SavingsTarget) -> list[Saving]:
    return list(db.session.scalars(select(Saving).where(Saving.tenant_id == target.tenant_id,
                                                        Saving.target_id == target.id).order_by(Saving.id)))


def accepted_proposals() -> list[Proposal]:
    return list(db.session.scalars(select(Proposal).where(Proposal.status == ACCEPTED)
                                   .order_by(Proposal.decided_at.desc())))


def names_of(organisation_ids: list[int]) -> dict[int, str]:
    """Organisations' names (a registry, not tenant data)."""
    return {o.id: o.name for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(organisation_ids)))}
