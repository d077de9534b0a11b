"""Contracts made from tender awards: when an award's standstill ends, procurement sends
``standstill_ended`` (portal.procurement.award) and this receiver, connected in
``portal.events``, makes the contract through ``create_contract``. It has no return schedule
yet: the contract manager sets one up, as for any new contract."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from portal.contracts.custom_frameworks import framework_by_code
from portal.contracts.models import Contract
from portal.contracts.services import create_contract
from portal.errors import ServiceError
from portal.extensions import db
from portal.tenants.models import Organisation


def contract_from_award(award, *, commissioner: Organisation, provider_id: int, reference: str, title: str,
                        service_type: str, start_date: date, end_date: date, annual_value: Decimal,
                        framework_code: str, **_ignored) -> Contract:
    """The contract for an award whose standstill has ended (an outcomes-based contract on the
    national framework its regime names). A reference already taken gets "-2", "-3"..."""
    provider = db.session.get(Organisation, provider_id)
    framework = framework_by_code(commissioner, framework_code)
    if provider is None or framework is None:
        raise ServiceError(f"The contract for award {award.id} cannot be made: "
                           + ("its provider is gone" if provider is None
                              else f"the national framework {framework_code} is not set up"))
    base, suffix = reference, 1
    while db.session.scalar(select(Contract.id).where(Contract.commissioner_id == commissioner.id,
                                                      Contract.reference == reference)):
        suffix += 1
        reference = f"{base[:55]}-{suffix}"
    return create_contract(commissioner, provider_slug=provider.slug, reference=reference, title=title,
                           service_type=service_type, care_group="", locality="", start_date=start_date,
                           end_date=end_date, annual_value=annual_value, funding_model="outcomes_based",
                           framework_id=framework.id, lead_manager_id=None, actor=None)
