"""Commissioners, providers and submitted returns for the reporting tests, through the services."""
from __future__ import annotations

from datetime import date

from tests.outcomes.test_outcomes import _submit


def this_month() -> date:
    from portal.reporting.periods import london_today, month_start

    return month_start(london_today())


def seed_national_frameworks(app) -> int:
    from sqlalchemy import select

    from portal.contracts.frameworks import seed_frameworks
    from portal.contracts.models import OutcomeFramework
    from portal.extensions import db

    with app.app_context():
        seed_frameworks()
        db.session.commit()
        return db.session.scalar(select(OutcomeFramework.id).where(OutcomeFramework.code == "NHWO",
                                                                   OutcomeFramework.owner_id.is_(None)))


def commissioner_with_provider(app, make_org, make_user, *, commissioner: tuple[str, str], provider: tuple[str, str],
                               reference: str = "REF-1", title: str = "Care", locality: str = "",
                               framework_id: int | None = None, manager_email: str | None = None,
                               months: tuple[date, date] | None = None) -> dict:
    """A commissioner (slug, name) with a contract manager, and a provider (slug, name) with a
    submitter, on a contract with its monthly return schedule: for this month, or for ``months``
    (the first and the last month)."""
    from portal.contracts.services import create_contract, create_schedule
    from portal.extensions import db
    from portal.tenants.context import tenant_context
    from portal.tenants.queries import get_organisation_by_slug

    framework_id = framework_id or seed_national_frameworks(app)
    buyer = make_org("commissioner", slug=commissioner[0], name=commissioner[1])
    manager = make_user(manager_email, memberships=[(buyer, "contract_manager")])
    seller = make_org("provider", slug=provider[0], name=provider[1])
    submitter = make_user(memberships=[(seller, "submitter")])
    first, last = months or (this_month(), this_month())
    with app.app_context(), tenant_context(buyer.id, manager.id):
        contract = create_contract(get_organisation_by_slug(buyer.slug), provider_slug=seller.slug,
                                   reference=reference, title=title, service_type="care_at_home", care_group="",
                                   locality=locality, start_date=first, end_date=last, annual_value="1000",
                                   funding_model="block", framework_id=framework_id, lead_manager_id=None,
                                   actor=None)
        create_schedule(contract, frequency="monthly", due_days=14, actor=None)
        contract_id = contract.id
        db.session.commit()
    return {"commissioner": buyer, "manager": manager, "provider": seller, "submitter": submitter,
            "contract_id": contract_id, "framework_id": framework_id}


def submit(app, party: dict, reviewed: int, achieved: int) -> None:
    """Submit this month's return with NHWO-1 answered (the other outcomes: 10 reviewed, 7 achieved)."""
    _submit(app, party["provider"].id, party["submitter"].id, {this_month(): (reviewed, achieved)})
