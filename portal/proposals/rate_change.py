"""A minimal ``change_rate`` with the signature of ``portal.invoicing.rate_cards.change_rate``
(the rate cards part): it closes the rate in force and adds the new one. Once that module is in
the code base, ``portal.proposals.services`` calls it instead (see ``_change_rate`` there), which
also makes the backdated adjustments."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.errors import Conflict
from portal.extensions import db
from portal.invoicing.models import ContractRate


def change_rate(contract, *, unit, day_type, service_type, rate, effective_from, actor, variation=None):
    rows = list(db.session.scalars(select(ContractRate).where(
        ContractRate.tenant_id == contract.tenant_id, ContractRate.contract_id == contract.id,
        ContractRate.unit == unit, ContractRate.day_type == day_type, ContractRate.service_type == service_type)))
    if any(r.effective_from >= effective_from for r in rows):
        raise Conflict("The rate card already has a rate from this date or later: change the card instead",
                       field="start_date")
    for row in rows:
        if row.effective_to is None or row.effective_to >= effective_from:
            row.effective_to = effective_from - timedelta(days=1)
    made = ContractRate(tenant_id=contract.tenant_id, commissioner_id=contract.commissioner_id,
                        contract_id=contract.id, unit=unit, service_type=service_type, day_type=day_type, rate=rate,
                        effective_from=effective_from, variation_id=variation.id if variation else None,
                        created_by_id=getattr(actor, "id", None))
    db.session.add(made)
    db.session.flush()
    return made
